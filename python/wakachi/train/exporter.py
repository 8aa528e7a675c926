"""`wakachi export CHECKPOINT OUT`: a checkpoint → directories `transformers` loads offline.

The full weights are read from the DCP checkpoint into an unsharded model in one process
(any world size wrote it), saved with `save_pretrained` (`config.json` + `model.safetensors`),
and the tokenizer the shards were packed with is copied beside them after its fingerprint is
checked against the one `pack` recorded. ELECTRA writes the discriminator to `OUT` and the
generator to `OUT/generator`, as released ELECTRA models are.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from wakachi._core import ConfigError


def tokenizer_fingerprint(path: str | Path) -> str:
    """The fingerprint `wakachi pack` records for this tokenizer (files and MeCab dictionary)."""
    from wakachi import _core
    from wakachi.pack import resolve_tokenizer

    tok = resolve_tokenizer(path, need_mask=False)
    return str(_core.tokenizer_fingerprint(str(tok.path), str(tok.dicdir) if tok.dicdir else None))


def _sp_config(model_file: Path, objective: str, specials: dict[str, int]) -> dict[str, Any]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model_file))

    def piece(key: str) -> str:
        return str(sp.id_to_piece(specials[key]))

    if objective == "clm":
        cfg: dict[str, Any] = {"tokenizer_class": "BertGenerationTokenizer"}
        if sp.unk_id() >= 0:
            cfg["unk_token"] = sp.id_to_piece(sp.unk_id())
        cfg.update(bos_token=piece("cls"), eos_token=piece("sep"), pad_token=piece("pad"))
        # BertGenerationTokenizer's default sep_token "<::::>" is no piece: it would be added as
        # an id past the model's vocabulary. Name a piece of the model instead.
        sep = "<sep>" if sp.piece_to_id("<sep>") != sp.unk_id() else piece("sep")
        cfg["sep_token"] = sep
        return cfg
    return {
        "tokenizer_class": "AlbertTokenizer",
        "do_lower_case": False,
        "keep_accents": True,
        "remove_space": True,
        "cls_token": piece("cls"),
        "sep_token": piece("sep"),
        "pad_token": piece("pad"),
        "mask_token": piece("mask"),
        "unk_token": sp.id_to_piece(sp.unk_id()) if sp.unk_id() >= 0 else "<unk>",
    }


def copy_tokenizer(src: str | Path, out: Path, objective: str, specials: dict[str, int]) -> None:
    p = Path(src)
    if p.is_file():
        shutil.copyfile(p, out / "spiece.model")
        cfg = _sp_config(p, objective, specials)
        with open(out / "tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=2, ensure_ascii=False)
        return
    for file in sorted(p.iterdir()):
        if file.is_file():
            shutil.copyfile(file, out / file.name)
    if objective == "clm" and (p / "spiece.model").exists():
        # GPT-2 seeds use BertGenerationTokenizer (ids = the raw SentencePiece ids).
        with open(out / "tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(_sp_config(p / "spiece.model", objective, specials), f, indent=2, ensure_ascii=False)


def export(checkpoint: str | Path, out: str | Path, tokenizer: str | Path | None = None) -> list[Path]:
    """Writes the model(s) of `checkpoint` (a checkpoint or a run directory: its latest) to `out`."""
    import torch

    from wakachi.loader import ShardInfo
    from wakachi.train import checkpoint as ckpt
    from wakachi.train.config import TrainConfig
    from wakachi.train.models import build

    meta = ckpt.read_meta(checkpoint)
    cfg = TrainConfig.from_dict(meta["config"])
    info = ShardInfo(**meta["info"])
    tok = tokenizer or cfg.data.tokenizer
    if not tok:
        raise ConfigError(
            "no tokenizer to export: the run's config has no data.tokenizer; pass --tokenizer DIR "
            "(the directory the shards were packed with)"
        )
    fp = tokenizer_fingerprint(tok)
    if fp != meta["tokenizer"]:
        raise ConfigError(f"{tok} is not the tokenizer the training shards were packed with (fingerprints differ)")
    torch.manual_seed(0)
    model = build(cfg, info)
    ckpt.load_plain(meta["path"], model)
    written = []
    for name, hf in model.exports().items():  # type: ignore[operator]
        d = Path(out) / name if name else Path(out)
        d.mkdir(parents=True, exist_ok=True)
        hf.config.architectures = [type(hf).__name__]
        hf.save_pretrained(d, safe_serialization=True)
        copy_tokenizer(tok, d, cfg.objective, info.specials)
        written.append(d)
    return written
