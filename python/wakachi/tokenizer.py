"""Subword encoding identical to transformers' `BertJapaneseTokenizer` (MeCab or basic words,
WordPiece or character vocabularies), in Rust, with word ids for whole-word masking."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from wakachi import _core
from wakachi.dictionaries import default_cache_dir, resolve_mecab_dicdir
from wakachi.segment import _skip_invalid


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
    """A transformers `BertJapaneseTokenizer` directory (`vocab.txt` + `tokenizer_config.json`),
    encoded in Rust. `encode(text)` equals `tok(text, add_special_tokens=False)["input_ids"]`.
    Immutable and thread-safe; batch calls release the GIL and run on all cores (or `threads`),
    results in input order."""

    def __init__(self, core: _core._Tokenizer, path: Path):
        self._core = core
        self.path = path

    @classmethod
    def from_pretrained(
        cls,
        directory: str | os.PathLike[str],
        *,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Tokenizer:
        """Loads a local tokenizer directory (nothing is downloaded)."""
        path = Path(directory)
        dicdir = _resolve(path)
        cdir = (cache_dir or default_cache_dir()) if cache else None
        core = _core._Tokenizer.from_dir(
            str(path), None if dicdir is None else str(dicdir), None if cdir is None else str(cdir)
        )
        return cls(core, path)

    @property
    def vocab_size(self) -> int:
        """Entries in `vocab.txt` (added tokens not counted)."""
        return self._core.vocab_size()

    def id_to_token(self, id: int) -> str | None:
        return self._core.id_to_token(id)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, without `[CLS]`/`[SEP]`."""
        return self._core.encode(text)

    def encode_with_word_ids(self, text: str) -> tuple[list[int], list[int]]:
        """Token ids and, per token, the index of the word (MeCab node) it came from."""
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
