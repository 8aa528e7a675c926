"""`wakachi pack`: corpus files → pretraining instances → Arrow shards, in one streaming run.

The settings live in `PackConfig` (every default is here; the Rust core takes the resolved config
as JSON with no defaults of its own). They come from keyword arguments, a TOML/JSON file
(`load_config_file`) and/or command-line flags. The resolved settings, a fingerprint of the
tokenizer files (and its MeCab dictionary) and of the inputs are written into the manifest; the
same command run again after an interruption resumes and gives byte-identical shards.

Formats (`format`):

- `bert` — Google's `create_pretraining_data` (cl-tohoku BERT): `[CLS] A [SEP] B [SEP]`, NSP
  labels, static (whole-word) masking. Default: the bounded-memory streaming mode (documents in
  blocks of `block_documents`, random next sentences from the same block, per-document seeded
  randomness, rows shuffled on disk). `compat=True`: Google's exact algorithm and random draws
  (identical to the Python reference), the whole input in memory as in the original.
  Whole-word groups: a word start and the tokens after it that are not word starts — WordPiece:
  a MeCab word; characters: cl-tohoku's rule (`[UNK]` starts a group, see pack/encoder.rs).
- `roberta` — full-sentence packing; `gpt2` — windows of `max_seq_length + 1` tokens.
- `electra` — izumi-lab A/B chunks without NSP; by default randomness keyed per document;
  `compat=True`: izumi-lab's own draws (one `random.Random(seed)` over the documents in input
  order, streamed, not shuffled).
- `uer` — UER-py `preprocess.py --data_processor mlm`: every input **line is one document**
  (UER's unit; `input_format` defaults to `docs` for this format), `[CLS] ids [SEP]` cut into
  chunks of `max_seq_length`, the last one padded. With `input_format="lines"` a document is a
  blank-line separated run of lines instead (its sentences concatenated).

Tokenizers (`tokenizer`): the kinds `wakachi.Tokenizer` reads (`wakachi.tokenizer.tokenizer_kind`)
— a `BertJapaneseTokenizer` directory (its MeCab dictionary resolved as `wakachi.Tokenizer` does),
a SentencePiece `.model` file, or an `AlbertTokenizer` / `BertGenerationTokenizer` directory
(`spiece.model`; encoded with sentencepiece's own normalisation, as the reference pipelines made
their data — transformers' extra lower-casing/accent stripping is not applied — and special ids
from its config). Other tokenizer classes are refused.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from wakachi import _core
from wakachi._core import ConfigError
from wakachi.report import plural

FORMATS = ("bert", "roberta", "electra", "gpt2", "uer")
EXECUTORS = ("local", "ray")
INPUT_FORMATS = ("lines", "docs", "jsonl")
SHUFFLED_BY_DEFAULT = ("bert", "electra")
COMPAT_FORMATS = ("bert", "electra")
# The reference's unit of a document: UER-py reads one document a line.
DEFAULT_INPUT_FORMAT = {"uer": "docs"}
# `short_seq_prob` when None: Google's script (bert) and izumi-lab's (electra).
SHORT_SEQ_PROB = {"bert": 0.1, "electra": 0.05}
# Masked positions are stored as uint16 (`MAX_BERT_SEQ_LENGTH` in the core's pack config).
MAX_BERT_SEQ_LENGTH = 65_536
T = TypeVar("T")


@dataclass(frozen=True)
class PackConfig:
    """Settings of a pack run. `None` means "the format's default" where noted."""

    tokenizer: str
    inputs: tuple[str, ...]
    output: str
    format: str = "bert"
    compat: bool = False
    max_seq_length: int = 128
    # bert
    dupe_factor: int = 10
    seed: int = 12345
    short_seq_prob: float | None = None  # SHORT_SEQ_PROB[format]
    masked_lm_prob: float = 0.15
    max_predictions_per_seq: int | None = None  # floor(max_seq_length × masked_lm_prob): 19 at 128, 76 at 512
    do_whole_word_mask: bool = True
    block_documents: int = 1000
    block_bytes: int = 16 << 20  # bert streaming: a block also ends at this much text
    # electra
    short_min_length: int = 5
    # roberta
    cross_documents: bool = True
    doc_separator: bool = True
    # gpt2: an id written after each document (the reference has none)
    separator: int | None = None
    # uer
    full_sentences: bool = False
    docs_buffer_size: int = 100_000
    empty_tail: bool = False
    # shards
    rows_per_shard: int = 50_000
    shuffle: bool | None = None  # bert (streaming) and electra: on; others and compat: off
    shuffle_seed: int | None = None  # default: seed
    shuffle_memory: int = 512 << 20
    overwrite: bool = False
    # input: None = the format's natural layout (uer: "docs", one document a line; else "lines")
    input_format: str | None = None
    jsonl_field: str = "text"
    errors: str = "strict"
    # run
    threads: int = 0
    batch_bytes: int = 4 << 20
    progress: bool = False
    cache: bool = True
    # special ids {cls, sep, mask, pad, vocab_size}; None: from the tokenizer
    specials: dict[str, int] | None = None
    # executor (how to run; the output is the same): "local", or "ray" (wakachi.executor)
    executor: str = "local"
    ray_address: str | None = None  # None: a local Ray instance, as ray.init() starts
    task_bytes: int = 64 << 20  # ray: text per task
    task_threads: int = 1  # ray: cores per task
    max_retries: int = 3  # ray: reruns of a task whose worker died
    task_dir: str | None = None  # ray: work directory every node reaches (default OUTPUT/.wakachi-tasks)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(os.fspath(p) for p in self.inputs))
        _check(self.format in FORMATS, f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        _check(
            not self.compat or self.format in COMPAT_FORMATS,
            f"compat mode exists for formats {' and '.join(COMPAT_FORMATS)} only, not {self.format}",
        )
        _check(
            self.input_format is None or self.input_format in INPUT_FORMATS,
            f"input_format must be one of {', '.join(INPUT_FORMATS)}",
        )
        _check(self.errors in ("strict", "skip"), "errors must be strict or skip")
        _check(self.executor in EXECUTORS, f"executor must be one of {', '.join(EXECUTORS)}, not {self.executor!r}")
        _check(len(self.inputs) > 0, "no input files")
        for name in (
            "max_seq_length",
            "dupe_factor",
            "block_documents",
            "rows_per_shard",
            "batch_bytes",
            "docs_buffer_size",
            "shuffle_memory",
            "short_min_length",
            "block_bytes",
            "task_bytes",
            "task_threads",
        ):
            _check(getattr(self, name) > 0, f"{name} must be > 0")
        _check(
            self.format != "bert" or self.max_seq_length <= MAX_BERT_SEQ_LENGTH,
            f"max_seq_length {self.max_seq_length} is above {MAX_BERT_SEQ_LENGTH}: bert rows store masked positions "
            "as uint16",
        )
        _check(self.threads >= 0 and self.seed >= 0, "threads and seed must be >= 0")
        for name in ("short_seq_prob", "masked_lm_prob"):
            v = getattr(self, name)
            _check(v is None or 0.0 <= v <= 1.0, f"{name} must lie in [0, 1]")
        if self.specials is not None:
            missing = {"cls", "sep", "mask", "pad", "vocab_size"} - set(self.specials)
            _check(not missing, f"specials lacks {sorted(missing)}")

    @property
    def layout(self) -> str:
        """The input layout: `input_format`, or the format's natural one."""
        if self.input_format is not None:
            return self.input_format
        return DEFAULT_INPUT_FORMAT.get(self.format, "lines")

    @property
    def shuffled(self) -> bool:
        if self.shuffle is not None:
            return self.shuffle
        return self.format in SHUFFLED_BY_DEFAULT and not self.compat

    def format_settings(self) -> dict[str, Any]:
        """The core's settings of the chosen format, every default filled in."""
        n = self.max_seq_length
        if self.format == "bert":
            max_pred = self.max_predictions_per_seq
            if max_pred is None:
                max_pred = int(n * self.masked_lm_prob)
            return {
                "max_seq_length": n,
                "short_seq_prob": _or(self.short_seq_prob, SHORT_SEQ_PROB["bert"]),
                "masked_lm_prob": self.masked_lm_prob,
                "max_predictions_per_seq": max_pred,
                "do_whole_word_mask": self.do_whole_word_mask,
                "dupe_factor": self.dupe_factor,
                "seed": self.seed,
                "block_documents": self.block_documents,
            }
        if self.format == "roberta":
            return {"max_seq_length": n, "cross_documents": self.cross_documents, "doc_separator": self.doc_separator}
        if self.format == "electra":
            return {
                "max_seq_length": n,
                "short_seq_prob": _or(self.short_seq_prob, SHORT_SEQ_PROB["electra"]),
                "short_min_length": self.short_min_length,
                "seed": self.seed,
            }
        if self.format == "gpt2":
            return {"block_size": n, "separator": self.separator}
        return {
            "seq_length": n,
            "full_sentences": self.full_sentences,
            "docs_buffer_size": self.docs_buffer_size,
            "empty_tail": self.empty_tail,
        }


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ConfigError(msg)


def _or(v: T | None, default: T) -> T:
    return default if v is None else v


FIELDS = {f.name for f in dataclasses.fields(PackConfig)}


def load_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings from a TOML (`.toml`) or JSON file: `PackConfig` field names (`-` or `_`)."""
    p = Path(path)
    try:
        if p.suffix == ".toml":
            import tomllib

            with open(p, "rb") as f:
                raw = tomllib.load(f)
        else:
            with open(p, encoding="utf-8") as f:
                raw = json.load(f)
    except (ValueError, ImportError) as e:
        raise ConfigError(f"{p}: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a table of settings")
    out = {k.replace("-", "_"): v for k, v in raw.items()}
    unknown = sorted(set(out) - FIELDS)
    if unknown:
        raise ConfigError(f"{p}: unknown settings {unknown} (known: {sorted(FIELDS)})")
    return out


@dataclass(frozen=True)
class ResolvedTokenizer:
    kind: str  # "bert_japanese" | "unigram"
    path: Path
    dicdir: Path | None
    specials: dict[str, int] | None = field(default=None)


def resolve_tokenizer(
    path: str | os.PathLike[str], specials: dict[str, int] | None = None, *, need_mask: bool = True
) -> ResolvedTokenizer:
    """What `tokenizer` names (the kinds `wakachi.Tokenizer` reads): a BertJapaneseTokenizer dir, a
    `.model` file, or a directory with `spiece.model` (AlbertTokenizer, BertGenerationTokenizer).
    `need_mask=False` (gpt2 shards, fingerprints): a `.model` without a mask piece is accepted and
    its mask id is the pad id, which nothing reads."""
    from wakachi.tokenizer import _resolve, tokenizer_kind

    p = Path(path)
    if tokenizer_kind(p) == "bert_japanese":
        return ResolvedTokenizer("bert_japanese", p, _resolve(p), specials)
    if p.is_file():
        return ResolvedTokenizer("unigram", p, None, specials or _model_specials(p, need_mask))
    return ResolvedTokenizer("unigram", p / "spiece.model", None, specials or _albert_specials(p))


def _ids_of(names: dict[str, str], ids: dict[str, int], size: int, where: Path) -> dict[str, int]:
    out = {}
    for key, name in names.items():
        if name not in ids:
            raise ConfigError(
                f"{where}: no piece {name!r} for {key}; give specials={{cls, sep, mask, pad, vocab_size}}"
            )
        out[key] = ids[name]
    out["vocab_size"] = max([size] + [i + 1 for i in out.values()])
    return out


def _model_specials(path: Path, need_mask: bool = True) -> dict[str, int]:
    """[CLS]/[SEP]/[MASK] (or <s>/</s>/<mask>) and <pad> (or [PAD]) pieces of a `.model`."""
    from wakachi.unigram import UnigramModel

    model = UnigramModel.from_file(path)
    ids = {}
    for key, names in {
        "cls": ("[CLS]", "<s>", "<cls>"),
        "sep": ("[SEP]", "</s>", "<sep>"),
        "mask": ("[MASK]", "<mask>"),
        "pad": ("<pad>", "[PAD]"),
    }.items():
        found = next((i for i in map(model.piece_to_id, names) if i is not None), None)
        if found is None and key == "mask" and not need_mask:
            continue
        if found is None:
            raise ConfigError(
                f"{path}: no piece among {names} for {key}; give specials={{cls, sep, mask, pad, vocab_size}}"
            )
        ids[key] = found
    ids.setdefault("mask", ids["pad"])
    ids["vocab_size"] = max([len(model)] + [i + 1 for i in ids.values()])
    return ids


def _albert_specials(path: Path) -> dict[str, int]:
    from wakachi.unigram import load_albert_dir

    alb = load_albert_dir(path)
    cfg = {}
    if (path / "tokenizer_config.json").exists():
        with open(path / "tokenizer_config.json", encoding="utf-8") as f:
            cfg = json.load(f)

    def name(key: str, default: str) -> str:
        v = cfg.get(key, default)
        return str(v.get("content", default) if isinstance(v, dict) else v)

    names = {
        "cls": name("cls_token", "[CLS]"),
        "sep": name("sep_token", "[SEP]"),
        "mask": name("mask_token", "[MASK]"),
        "pad": name("pad_token", "<pad>"),
    }
    return _ids_of(names, alb.special_tokens, len(alb.model), path)


def core_config(cfg: PackConfig, tok: ResolvedTokenizer) -> dict[str, Any]:
    """The resolved configuration the Rust core reads (no defaults there)."""
    from wakachi.dictionaries import default_cache_dir

    layout: Any = cfg.layout if cfg.layout != "jsonl" else {"jsonl": cfg.jsonl_field}
    shuffle = None
    if cfg.shuffled:
        shuffle = {"seed": _or(cfg.shuffle_seed, cfg.seed), "memory_budget": cfg.shuffle_memory}
    return {
        "tokenizer": {"kind": tok.kind, "path": str(tok.path), "specials": tok.specials},
        "input": {"files": list(cfg.inputs), "layout": layout, "errors": cfg.errors},
        "format": {cfg.format: cfg.format_settings()},
        "compat": cfg.compat,
        "block_bytes": cfg.block_bytes,
        "output": {
            "dir": cfg.output,
            "rows_per_shard": cfg.rows_per_shard,
            "shuffle": shuffle,
            "overwrite": cfg.overwrite,
        },
        "run": {
            "threads": cfg.threads,
            "batch_bytes": cfg.batch_bytes,
            "progress": cfg.progress,
            "cache_dir": str(default_cache_dir()) if cfg.cache else None,
        },
    }


def pack(config: PackConfig | None = None, /, **settings: Any) -> dict[str, Any]:
    """Runs a pack (GIL released; Ctrl-C stops after the current batch, rerun to resume) and
    returns its report: documents, instances, tokens, padding_share, shards, seconds, peak RSS…"""
    cfg = config if config is not None else PackConfig(**settings)
    if config is not None and settings:
        cfg = dataclasses.replace(config, **settings)
    from wakachi import storage

    run = _pack_local
    if cfg.executor == "ray":
        run = _ray_runner(cfg)
    if storage.is_url(cfg.output) or any(map(storage.is_url, cfg.inputs)):
        # Inputs staged locally, output packed into a local staging directory and uploaded.
        return storage.pack_remote(cfg, run)
    return run(cfg)


def _ray_runner(cfg: PackConfig) -> Any:
    """`pack_remote`'s local step on Ray: tasks see the inputs as given (URLs staged per node) and
    the task directory every node reaches."""
    from wakachi import executor, storage

    sources = storage._expand(cfg.inputs) if any(map(storage.is_url, cfg.inputs)) else list(cfg.inputs)
    task_dir = cfg.task_dir or executor.default_task_dir(cfg.output)
    shared = not storage.is_url(cfg.output)
    return lambda local: executor.pack_ray(local, sources, task_dir, shared_output=shared)


def _pack_local(cfg: PackConfig) -> dict[str, Any]:
    tok = resolve_tokenizer(cfg.tokenizer, cfg.specials, need_mask=cfg.format != "gpt2")
    core = core_config(cfg, tok)
    return _core.pack_run(json.dumps(core), None if tok.dicdir is None else str(tok.dicdir))


def summary(report: dict[str, Any]) -> str:
    """One line (two with skipped input) for the end of a run."""
    mb = report["input_bytes"] / 1e6
    rss = report.get("peak_rss_bytes")
    s = (
        f"wakachi pack: {plural(report['documents'], 'document')}, {mb:.2f} MB → "
        f"{plural(report['instances'], 'instance')} ({report['format']}), {plural(report['tokens'], 'token')}, "
        f"padding {100 * report['padding_share']:.1f}% at {report['row_length']}, "
        f"{plural(report['shards'], 'shard')} ({report['shard_bytes'] / 1e6:.1f} MB) in "
        f"{report['seconds']:.2f} s ({report['mb_per_s']:.2f} MB/s, {plural(report['threads'], 'thread')})"
    )
    if rss is not None:
        s += f", peak RSS {rss / 1e6:.0f} MB"
    ex = report.get("executor")
    if ex:
        s += (
            f"; ray: {plural(ex['tasks'], 'task')} ({ex['tasks_reused']:,} done before) on "
            f"{plural(ex['nodes'], 'node')}, plan {ex['plan_seconds']:.1f} s, tasks {ex['tasks_seconds']:.1f} s, "
            f"reduce {ex['reduce_seconds']:.1f} s"
            + (f" (gather in {plural(ex['gather_tasks'], 'task')})" if ex.get("gather_tasks") else "")
        )
    if report["resumed_rows"]:
        s += f"; resumed after {plural(report['resumed_rows'], 'row')}"
    skipped = [
        (report["skipped_invalid_utf8"], "line", "skipped as invalid UTF-8"),
        (report["skipped_bad_records"], "JSONL record", "skipped as malformed"),
    ]
    extra = "; ".join(f"{plural(n, noun)} {what}" for n, noun, what in skipped if n)
    up = report.get("upload")
    if up:
        s += (
            f"\nwakachi pack: {report['output_dir']}: uploaded {plural(up['uploaded'], 'shard')}"
            f" ({up['skipped']:,} already there from an interrupted run) and the manifest"
        )
    return s + (f"\nwakachi pack: {extra}" if extra else "")
