"""Subword encoding identical to transformers' `BertJapaneseTokenizer` (MeCab or basic words,
WordPiece or character vocabularies) and to its SentencePiece tokenizers (`AlbertTokenizer`,
`BertGenerationTokenizer`, a bare `.model` as `sentencepiece` encodes it), in Rust, with word ids
for whole-word masking."""

from __future__ import annotations

import errno
import importlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from wakachi import _core
from wakachi.dictionaries import default_cache_dir, resolve_mecab_dicdir
from wakachi.segment import _skip_invalid

BERT_JAPANESE = "BertJapaneseTokenizer"
SENTENCEPIECE_CLASSES = ("AlbertTokenizer", "AlbertTokenizerFast", "BertGenerationTokenizer")
SUPPORTED = (
    "a BertJapaneseTokenizer, AlbertTokenizer or BertGenerationTokenizer directory, or a SentencePiece .model file"
)


def tokenizer_kind(path: str | os.PathLike[str]) -> str:
    """What `path` holds: `"bert_japanese"` (`tokenizer_config.json` naming BertJapaneseTokenizer
    + `vocab.txt`), `"sentencepiece"` (a `.model` file, an AlbertTokenizer or
    BertGenerationTokenizer directory with `spiece.model`, or `spiece.model` without a config).
    Anything else raises `ConfigError` (or `FileNotFoundError`) saying what is accepted."""
    p = Path(path)
    if p.is_file():
        if p.suffix == ".model":
            return "sentencepiece"
        raise _core.ConfigError(f"{p}: not a tokenizer: expected {SUPPORTED}")
    if not p.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such tokenizer directory or .model file", str(p))
    cfg_path = p / "tokenizer_config.json"
    if not cfg_path.exists():
        if (p / "spiece.model").exists():
            return "sentencepiece"
        raise _core.ConfigError(f"{p}: neither tokenizer_config.json nor spiece.model: expected {SUPPORTED}")
    try:
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
    except ValueError as e:
        raise _core.ConfigError(f"{cfg_path}: not valid JSON: {e}") from None
    cls = cfg.get("tokenizer_class") if isinstance(cfg, dict) else None
    if cls == BERT_JAPANESE:
        return "bert_japanese"
    if cls in SENTENCEPIECE_CLASSES:
        if not (p / "spiece.model").exists():
            raise FileNotFoundError(f"{p / 'spiece.model'}: missing ({cls} needs it)")
        return "sentencepiece"
    what = "no tokenizer_class" if cls is None else f"tokenizer_class {cls} is not supported"
    raise _core.ConfigError(f"{cfg_path}: {what}; expected {SUPPORTED}")


def _resolve(dir: Path) -> Path | None:
    """The MeCab dicdir that `dir/tokenizer_config.json` asks for (None: no MeCab)."""
    dic = _core.tokenizer_mecab_dic(str(dir))
    if dic is None:
        return None
    kind, value = dic
    if kind == "path":
        return resolve_mecab_dicdir(value)
    if value == "unidic":  # the full UniDic package (`pip install unidic` + download)
        try:
            dicdir = Path(importlib.import_module("unidic").DICDIR)
        except ImportError:
            raise _core.DictionaryError(
                f"{dir / 'tokenizer_config.json'}: mecab_dic 'unidic' needs `pip install unidic`"
            ) from None
        if not dicdir.is_dir():
            raise _core.DictionaryError(f"{dicdir}: the unidic dictionary is not downloaded")
        return dicdir
    return resolve_mecab_dicdir(value)


class Tokenizer:
    """A tokenizer directory as transformers loads it, encoded in Rust: `BertJapaneseTokenizer`
    (`vocab.txt` + `tokenizer_config.json`), `AlbertTokenizer` or `BertGenerationTokenizer`
    (`spiece.model` + `tokenizer_config.json`); `encode(text)` equals
    `AutoTokenizer.from_pretrained(dir)(text, add_special_tokens=False)["input_ids"]` (AlbertTokenizer:
    up to the differences named in the README). A bare SentencePiece `.model` file encodes as
    `SentencePieceProcessor.encode(text)`. `Tokenizer(path)` is `Tokenizer.from_pretrained(path)`.
    Immutable and thread-safe; batch calls release the GIL and run on all cores (or `threads`),
    results in input order."""

    def __init__(
        self, path: str | os.PathLike[str], *, cache: bool = True, cache_dir: str | os.PathLike[str] | None = None
    ) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"Tokenizer(path): expected a directory or .model path, not {type(path).__name__}")
        p = Path(path)
        if tokenizer_kind(p) == "sentencepiece":
            core = _core._Tokenizer.from_sentencepiece(str(p))
        else:
            dicdir = _resolve(p)
            cdir = (cache_dir or default_cache_dir()) if cache else None
            core = _core._Tokenizer.from_dir(
                str(p), None if dicdir is None else str(dicdir), None if cdir is None else str(cdir)
            )
        self._core = core
        self.path = p

    @classmethod
    def from_pretrained(
        cls,
        directory: str | os.PathLike[str],
        *,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Tokenizer:
        """Loads a local tokenizer directory or `.model` file (nothing is downloaded)."""
        return cls(directory, cache=cache, cache_dir=cache_dir)

    @property
    def kind(self) -> str:
        """`bert_japanese`, `albert`, `bert_generation` or `sentencepiece` (a bare model)."""
        return str(self._core.kind())

    @property
    def vocab_size(self) -> int:
        """Entries in `vocab.txt` or pieces of the model (added tokens not counted)."""
        return self._core.vocab_size()

    def id_to_token(self, id: int) -> str | None:
        return self._core.id_to_token(id)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, without `[CLS]`/`[SEP]`."""
        return self._core.encode(text)

    def encode_with_word_ids(self, text: str) -> tuple[list[int], list[int]]:
        """Token ids and, per token, the index of the word it came from: the MeCab (or basic) word,
        or for SentencePiece the `▁`-word; an added token such as `[MASK]` is a word of its own."""
        return self._core.encode_with_word_ids(text)

    def tokenize(self, text: str) -> list[str]:
        """The tokens of `text` (`[UNK]` where the vocabulary has none)."""
        return self._core.tokenize(text)

    def encode_batch(self, texts: Iterable[str], threads: int = 0) -> list[list[int]]:
        """Token ids of each text, in parallel (`threads=0`: all cores)."""
        return self._core.encode_batch(list(texts), threads)

    def encode_batch_with_word_ids(self, texts: Iterable[str], threads: int = 0) -> list[tuple[list[int], list[int]]]:
        """`encode_with_word_ids` of each text, in parallel."""
        return self._core.encode_batch_with_word_ids(list(texts), threads)

    def __call__(self, text: str) -> list[int]:
        return self._core.encode(text)

    def encode_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        threads: int = 0,
        errors: str = "strict",
        progress: bool = False,
    ) -> dict[str, Any]:
        """Encodes the lines of `paths` (stdin when empty) to stdout, one line of space-separated
        ids per input line (no special tokens). Returns lines, bytes, tokens, skipped_invalid_utf8
        and seconds."""
        files = [os.fspath(p) for p in paths]
        return self._core.encode_files(files, threads=threads, skip_invalid=_skip_invalid(errors), progress=progress)

    def __repr__(self) -> str:
        return f"Tokenizer.from_pretrained({str(self.path)!r})"
