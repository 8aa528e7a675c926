"""Sentence splitting: lines (paragraphs) → one sentence per line, blank lines between documents.

Rules:

* ``cl-tohoku`` — cl-tohoku/bert-japanese's corpus rule: segment with MeCab (default
  ``mecab:unidic-lite``) and cut after every token whose features contain both 記号 and 句点;
  the rest of the line is a last sentence. Sentences are slices of the input, so whitespace
  between tokens is kept. cl-tohoku keeps sentences of 10–200 characters
  (``min_len=10, max_len=200``).
* ``zh`` — cut after a run of 。！？ and the closing quotes/brackets that follow
  (”’」』）》】〉〕〗〙〛］｝｣ and ASCII ``"')]}``). ASCII ``!?.`` are not sentence ends.

Every sentence is stripped (Python's ``str.strip()``); empty ones are dropped, and so are those
outside ``min_len``/``max_len`` characters.

>>> split_sentences("今日は晴れ。明日は雨", rule="cl-tohoku")
['今日は晴れ。', '明日は雨']
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from typing import Any

from wakachi import _core
from wakachi.segment import Segmenter, _skip_invalid

RULES = ("cl-tohoku", "zh")


@functools.lru_cache(maxsize=4)
def _default_segmenter(spec: str) -> Segmenter:
    return Segmenter.from_spec(spec)


def _core_segmenter(rule: str, segmenter: Segmenter | str | None) -> _core._Segmenter | None:
    """The segmenter a rule runs on: cl-tohoku defaults to MeCab with unidic-lite, zh takes none."""
    if segmenter is None:
        segmenter = "mecab:unidic-lite" if rule == "cl-tohoku" else None
    if isinstance(segmenter, str):
        segmenter = _default_segmenter(segmenter)
    return None if segmenter is None else segmenter._core


def _limits(min_len: int | None, max_len: int | None) -> tuple[int, int | None]:
    for name, v in (("min_len", min_len), ("max_len", max_len)):
        if v is not None and v < 0:
            raise _core.ConfigError(f"{name} must be >= 0, not {v}")
    return min_len or 0, max_len


def split_sentences(
    text: str,
    rule: str = "cl-tohoku",
    segmenter: Segmenter | str | None = None,
    *,
    min_len: int | None = None,
    max_len: int | None = None,
) -> list[str]:
    """The sentences of `text` (stripped; empty ones and those outside the limits dropped)."""
    return split_sentences_batch([text], rule, segmenter, min_len=min_len, max_len=max_len, threads=1)[0]


def split_sentences_batch(
    texts: Iterable[str],
    rule: str = "cl-tohoku",
    segmenter: Segmenter | str | None = None,
    *,
    min_len: int | None = None,
    max_len: int | None = None,
    threads: int = 0,
) -> list[list[str]]:
    """`split_sentences` of each text, in parallel (`threads=0`: all cores), in input order."""
    seg = _core_segmenter(rule, segmenter)
    return _core.split_sentences_batch(list(texts), rule, seg, *_limits(min_len, max_len), threads)


def split_files(
    paths: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None = None,
    rule: str = "cl-tohoku",
    segmenter: Segmenter | str | None = None,
    *,
    min_len: int | None = None,
    max_len: int | None = None,
    documents: bool = True,
    threads: int = 0,
    errors: str = "strict",
    progress: bool = False,
) -> dict[str, Any]:
    """Splits the lines of `paths` (stdin when empty) into `output` (stdout when None), one
    sentence per line. Blank input lines and the end of each file end a document; with
    `documents`, a blank line follows each document that kept a sentence. `errors="skip"` skips
    (and counts) lines that are not UTF-8. Returns lines, bytes, sentences, dropped_by_length,
    documents, skipped_invalid_utf8 and seconds."""
    skip_invalid = _skip_invalid(errors)
    seg = _core_segmenter(rule, segmenter)
    return _core.split_files(
        [os.fspath(p) for p in paths],
        None if output is None else os.fspath(output),
        rule,
        seg,
        *_limits(min_len, max_len),
        documents,
        threads,
        skip_invalid,
        progress,
    )
