"""Recipes: one TOML file per reference model, naming every setting of every stage.

A recipe file has these tables (the files in `wakachi/recipe/recipes/` are the examples):

- `[recipe]`: `name`, `reproduces`, `language`, `summary`, `input` (what `--input` holds),
  `export` (`fill-mask` | `text-generation`: the check run on the exported model) and `base`
  (another recipe, by name or path, whose settings this one starts from);
- `[corpus]`: `kind` (`wikipedia`: cl-tohoku's CirrusSearch cleaning and sentence split;
  `sentences`: cl-tohoku's MeCab sentence split of plain text; `kuten`: colorfulscoop's split after
  every 。; `text`: the input as it is), their settings, `max_lines` (0: all; else the first lines
  of the input only), `deal_files` / `deal_seed` (cl-tohoku's random deal of documents to files);
- `[vocab]`: `kind` (`wordpiece` | `unigram`), `preset`, the trainer's settings (WordPiece: the
  fields of `wakachi.vocab.WordPieceRecipe`; Unigram: `segmenter`, `seed` and `[vocab.flags]`,
  sentencepiece's flags), `sample_lines` / `sample_seed` (train on a random sample of the lines),
  `char_vocab` and `use` (`wordpiece` | `character`), `output` (Unigram: `dir` | `model`);
- `[model]` and `[train]`: the trainer's settings (`wakachi.train.TrainConfig`), shared by the stages;
- `[stage.NAME]`, in order: `pack` (the fields of `wakachi.pack.PackConfig`), `train` (overrides of
  `[train]`), `init_from` (an earlier stage whose weights start this one), `input` (files packed
  instead of the prepared corpus);
- `[scale.tiny]`: overrides with the same layout applied by `--scale tiny`.

`--set key.path=value` (TOML values) overrides any setting after the scale.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wakachi._core import ConfigError

RECIPE_DIR = Path(__file__).resolve().parent / "recipes"
SCALES = ("full", "tiny")
CORPUS_KINDS = ("wikipedia", "sentences", "kuten", "text")
VOCAB_KINDS = ("wordpiece", "unigram")
EXPORT_CHECKS = ("fill-mask", "text-generation")

_TOP = {"recipe", "corpus", "vocab", "model", "train", "stage", "scale"}
_RECIPE_KEYS = {"name", "base", "reproduces", "language", "summary", "input", "export"}
_CORPUS_KEYS = {
    "kind",
    "segmenter",
    "min_len",
    "max_len",
    "drop_containing",
    "max_lines",
    "deal_files",
    "deal_seed",
}
_VOCAB_COMMON = {"kind", "preset", "sample_lines", "sample_seed", "char_vocab", "use"}
_UNIGRAM_KEYS = {"segmenter", "nfkc", "seed", "flags", "output"}
_STAGE_KEYS = {"pack", "train", "init_from", "input"}
# Set by the runner for every pack / train stage.
_PACK_OWNED = {"tokenizer", "inputs", "output", "progress", "threads"}
_TRAIN_OWNED = {("out",), ("data", "shards"), ("data", "tokenizer"), ("run", "init_from")}


@dataclass(frozen=True)
class Recipe:
    """A resolved recipe: base recipes, the scale's overrides and `--set` overrides applied."""

    name: str
    path: Path
    scale: str
    data: dict[str, Any]

    @property
    def stages(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("stage", {}))

    def train_settings(self, stage: str) -> dict[str, Any]:
        """The trainer's settings of `stage`: `[model]`, `[train]`, then the stage's `train`."""
        out: dict[str, Any] = {"model": copy.deepcopy(self.data.get("model", {}))}
        merge(out, copy.deepcopy(self.data.get("train", {})))
        merge(out, copy.deepcopy(self.stages[stage].get("train", {})))
        return out


def merge(dst: dict[str, Any], src: dict[str, Any]) -> dict[str, Any]:
    """Deep-merges `src` into `dst` (tables merge, anything else replaces)."""
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


def names() -> list[str]:
    """The recipes shipped with wakachi."""
    return sorted(p.stem for p in RECIPE_DIR.glob("*.toml"))


def locate(name: str | os.PathLike[str]) -> Path:
    """A shipped recipe's file by name, or a recipe file's path."""
    s = os.fspath(name)
    if s in names():
        return RECIPE_DIR / f"{s}.toml"
    p = Path(s)
    if p.is_file():
        return p
    raise ConfigError(f"no recipe {s!r}: neither a file nor one of {', '.join(names())} (wakachi recipe list)")


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def load_raw(name: str | os.PathLike[str], _seen: tuple[Path, ...] = ()) -> tuple[Path, dict[str, Any]]:
    """The recipe file's tables merged over its base's (recursively), scales not applied."""
    path = locate(name)
    if path.resolve() in _seen:
        raise ConfigError(f"{path}: recipe bases form a cycle ({' -> '.join(map(str, _seen))})")
    data = _read(path)
    base = data.get("recipe", {}).get("base")
    if base is None:
        return path, data
    base_ref = base if base in names() else str((path.parent / base).resolve())
    _, merged = load_raw(base_ref, (*_seen, path.resolve()))
    merged["recipe"].pop("base", None)
    merge(merged, data)
    merged["recipe"].pop("base", None)
    return path, merged


def load(name: str | os.PathLike[str], scale: str = "full", overrides: list[dict[str, Any]] | None = None) -> Recipe:
    """Reads, merges and checks a recipe (shipped name or file)."""
    if scale not in SCALES:
        raise ConfigError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    path, data = load_raw(name)
    scales = data.pop("scale", {})
    if not isinstance(scales, dict) or not set(scales) <= set(SCALES):
        raise ConfigError(f"{path}: [scale] may hold {', '.join(SCALES)} only")
    if scale != "full":
        merge(data, scales.get(scale, {}))
    for o in overrides or []:
        merge(data, o)
    recipe = Recipe(name=str(data.get("recipe", {}).get("name", path.stem)), path=path, scale=scale, data=data)
    validate(recipe)
    return recipe


def _keys(where: str, table: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})")
    return table


def _choice(where: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{where} must be one of {', '.join(allowed)}, not {value!r}")


def validate(recipe: Recipe) -> None:
    """Refuses unknown tables and settings, and settings the stages would refuse, before any runs."""
    from wakachi.pack import PackConfig
    from wakachi.vocab import WordPieceRecipe

    d, where = recipe.data, str(recipe.path)
    _keys(where, d, _TOP - {"scale"})
    _keys(f"{where} [recipe]", d.get("recipe", {}), _RECIPE_KEYS)
    _choice(f"{where} recipe.export", d.get("recipe", {}).get("export", "fill-mask"), EXPORT_CHECKS)
    corpus = _keys(f"{where} [corpus]", d.get("corpus", {}), _CORPUS_KEYS)
    _choice(f"{where} corpus.kind", corpus.get("kind", "text"), CORPUS_KINDS)
    for k in ("max_lines", "deal_files", "deal_seed"):
        if not isinstance(corpus.get(k, 0), int) or corpus.get(k, 0) < 0:
            raise ConfigError(f"{where} corpus.{k} must be an integer >= 0")
    vocab = d.get("vocab")
    if not isinstance(vocab, dict):
        raise ConfigError(f"{where}: no [vocab] table")
    _choice(f"{where} vocab.kind", vocab.get("kind"), VOCAB_KINDS)
    _choice(f"{where} vocab.use", vocab.get("use", "wordpiece"), ("wordpiece", "character"))
    if vocab["kind"] == "wordpiece":
        fields = {f.name for f in dataclasses.fields(WordPieceRecipe)}
        _keys(f"{where} [vocab]", vocab, _VOCAB_COMMON | fields)
        if vocab.get("use", "wordpiece") == "character" and not vocab.get("char_vocab"):
            raise ConfigError(f"{where} vocab.use = 'character' needs vocab.char_vocab (cl-tohoku: 7027)")
    else:
        _keys(f"{where} [vocab]", vocab, _VOCAB_COMMON | _UNIGRAM_KEYS)
        _choice(f"{where} vocab.output", vocab.get("output", "dir"), ("dir", "model"))
        if vocab.get("char_vocab") or vocab.get("use", "wordpiece") != "wordpiece":
            raise ConfigError(f"{where}: vocab.char_vocab and vocab.use are for WordPiece vocabularies")
    stages = d.get("stage")
    if not isinstance(stages, dict) or not stages:
        raise ConfigError(f"{where}: no [stage.NAME] table (at least one pack + train stage)")
    pack_fields = {f.name for f in dataclasses.fields(PackConfig)} - _PACK_OWNED
    seen: list[str] = []
    for name, st in stages.items():
        sw = f"{where} [stage.{name}]"
        _keys(sw, st, _STAGE_KEYS)
        _keys(f"{sw} pack", st.get("pack", {}), pack_fields)
        init = st.get("init_from")
        if init is not None and init not in seen:
            raise ConfigError(f"{sw} init_from = {init!r}: not an earlier stage ({', '.join(seen) or 'none'})")
        inp = st.get("input")
        if inp is not None and not (isinstance(inp, list) and all(isinstance(x, str) for x in inp)):
            raise ConfigError(f"{sw} input must be a list of file paths")
        check_train(recipe, name)
        seen.append(name)


def check_train(recipe: Recipe, stage: str) -> None:
    """The stage's trainer settings parse (unknown keys and wrong types are refused)."""
    from wakachi.train.config import TrainConfig

    settings = recipe.train_settings(stage)
    for path in _TRAIN_OWNED:
        node: Any = settings
        for k in path[:-1]:
            node = node.get(k, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and path[-1] in node:
            raise ConfigError(f"{recipe.path} [stage.{stage}]: {'.'.join(path)} is set by `wakachi run`")
    try:
        TrainConfig.from_dict(settings)
    except ConfigError as e:
        raise ConfigError(f"{recipe.path} [stage.{stage}] train: {e}") from None


def fingerprint(obj: Any) -> str:
    """sha256 of the canonical JSON of `obj`."""
    import hashlib

    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if v is None:
        raise ConfigError("TOML has no null: leave the setting out instead")
    raise ConfigError(f"cannot write {type(v).__name__} as TOML")


def dumps(d: dict[str, Any], prefix: str = "") -> str:
    """A TOML document of nested tables of scalars and lists (what recipes and trainer configs hold)."""
    lines = [f"{_key(k)} = {_toml_value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    out = ""
    if lines:
        out = (f"[{prefix}]\n" if prefix else "") + "\n".join(lines) + "\n"
    for k, v in d.items():
        if isinstance(v, dict):
            sub = dumps(v, f"{prefix}.{_key(k)}" if prefix else _key(k))
            if sub:
                out += ("\n" if out else "") + sub
    return out


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k)
