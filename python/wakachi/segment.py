"""Word segmentation: MeCab dictionaries (exactly MeCab's output), jieba (exactly Python jieba's),
pre-segmented text, characters."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from wakachi import _core
from wakachi.dictionaries import default_cache_dir, resolve_mecab_dicdir


def _skip_invalid(errors: str) -> bool:
    """`errors` of a file run: `strict` (stop at a line that is not UTF-8) or `skip`."""
    if errors not in ("strict", "skip"):
        raise _core.ConfigError(f"errors must be 'strict' or 'skip', not {errors!r}")
    return errors == "skip"


class Token(NamedTuple):
    """A word: its surface, character offsets into the input (`text[start:end] == surface`) and
    MeCab's feature string (empty for segmenters without one)."""

    surface: str
    start: int
    end: int
    feature: str


class Segmenter:
    """Splits text into words. Immutable and thread-safe; batch calls release the GIL and run
    on all cores (or `threads`), results in input order.

    >>> seg = Segmenter.mecab("ipadic")
    >>> seg("すもももももももものうち")
    ['すもも', 'も', 'もも', 'も', 'もも', 'の', 'うち']
    """

    def __init__(self, core: _core._Segmenter, spec: str):
        if not isinstance(core, _core._Segmenter):
            raise TypeError(
                f"Segmenter is built by Segmenter.mecab(dictionary), .jieba(), .whitespace(), .char() or "
                f".from_spec(spec), not Segmenter({type(core).__name__})"
            )
        self._core = core
        self.spec = spec

    @classmethod
    def mecab(
        cls,
        dictionary: str | os.PathLike[str] = "unidic-lite",
        *,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Segmenter:
        """MeCab segmentation with `unidic-lite`, `ipadic`, or the MeCab dicdir at a path (binary
        `sys.dic`… or source `*.csv`, `matrix.def`, `char.def`, `unk.def`, UTF-8 or EUC-JP).

        The compiled dictionary is cached (see `default_cache_dir`) unless `cache=False`."""
        dicdir = resolve_mecab_dicdir(dictionary)
        cdir = (cache_dir or default_cache_dir()) if cache else None
        core = _core._Segmenter.mecab(str(dicdir), None if cdir is None else str(cdir))
        return cls(core, f"mecab:{dictionary}")

    @classmethod
    def jieba(cls, hmm: bool = True, user_dict: str | os.PathLike[str] | None = None) -> Segmenter:
        """Chinese words exactly as Python `jieba` 0.42.1 cuts them (`jieba.lcut(text, HMM=hmm)`,
        whitespace words dropped), optionally with a user dictionary in jieba's format
        (`word [freq] [tag]` per line, loaded like `jieba.load_userdict`)."""
        core = _core._Segmenter.jieba(hmm, None if user_dict is None else os.fspath(user_dict))
        return cls(core, "jieba" if hmm else "jieba:nohmm")

    @classmethod
    def whitespace(cls) -> Segmenter:
        """Pre-segmented text (Juman++ or any external tool): words are the whitespace-separated fields."""
        return cls(_core._Segmenter.simple("whitespace"), "whitespace")

    @classmethod
    def char(cls) -> Segmenter:
        """Every non-whitespace character is a word."""
        return cls(_core._Segmenter.simple("char"), "char")

    @classmethod
    def from_spec(cls, spec: str, **kwargs: Any) -> Segmenter:
        """Builds a segmenter from a CLI spec: `mecab:unidic-lite`, `mecab:ipadic`, `mecab:PATH`,
        `whitespace`, `char`, `jieba`, `jieba:nohmm`. `user_dict` applies to jieba only."""
        kind, _, arg = spec.partition(":")
        user_dict = kwargs.pop("user_dict", None)
        if kind == "jieba" and arg in ("", "nohmm"):
            return cls.jieba(hmm=not arg, user_dict=user_dict)
        if user_dict is not None:
            raise _core.ConfigError(f"a user dictionary applies to jieba segmenters only, not {spec!r}")
        if kind == "mecab":
            return cls.mecab(arg or "unidic-lite", **kwargs)
        if kind == "whitespace" and not arg:
            return cls.whitespace()
        if kind == "char" and not arg:
            return cls.char()
        raise _core.ConfigError(
            f"unknown segmenter {spec!r}: use mecab:unidic-lite, mecab:ipadic, mecab:PATH, whitespace, char, "
            "jieba or jieba:nohmm"
        )

    @property
    def load_report(self) -> dict[str, Any] | None:
        """How the dictionary was loaded: seconds, from_cache, cache_file, max_grouping…"""
        return self._core.load_report()

    def __call__(self, text: str) -> list[str]:
        return self._core.segment(text)

    def segment(self, text: str) -> list[str]:
        """The words of `text`."""
        return self._core.segment(text)

    def tokenize(self, text: str) -> list[Token]:
        """The words of `text` with offsets and features."""
        return [Token(*t) for t in self._core.tokenize(text)]

    def segment_batch(self, texts: Iterable[str], threads: int = 0) -> list[list[str]]:
        """The words of each text, in parallel (`threads=0`: all cores)."""
        return self._core.segment_batch(list(texts), threads)

    def segment_batch_lazy(self, texts: Iterable[str], threads: int = 0) -> _core._SegmentedBatch:
        """`segment_batch` whose words stay in Rust as offsets into the texts until asked for:
        `batch[i]` (line i's words), `batch.lists()`, `batch.joined(" ")` (one str per line),
        `batch.byte_spans(i)`, `batch.to_arrow()` (a pyarrow list<large_string> array, no Python
        object per word)."""
        return self._core.segment_batch_lazy(list(texts), threads)

    def tokenize_batch(self, texts: Iterable[str], threads: int = 0) -> list[list[Token]]:
        """Tokens of each text, in parallel."""
        return [[Token(*t) for t in ts] for ts in self._core.tokenize_batch(list(texts), threads)]

    def segment_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        features: bool = False,
        threads: int = 0,
        errors: str = "strict",
        progress: bool = False,
    ) -> dict[str, Any]:
        """Segments the lines of `paths` (stdin when empty) to stdout: one line of words separated
        by single spaces per input line, or with `features` MeCab's format (`surface<TAB>feature`,
        `EOS` after each line). `errors="skip"` writes a line that is not UTF-8 as a blank line and
        counts it. Returns lines, bytes, words, skipped_invalid_utf8 and seconds."""
        return self._core.segment_files(
            [os.fspath(p) for p in paths],
            features=features,
            threads=threads,
            skip_invalid=_skip_invalid(errors),
            progress=progress,
        )

    def __repr__(self) -> str:
        return f"Segmenter({self.spec!r})"
