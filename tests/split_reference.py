"""Independent Python references of `wakachi split`, written from the documented algorithms, and
the shared corpora they are compared on (used by tests/test_split.py and benches/parity_split.py).

* cl-tohoku (bert-japanese `make_corpus_wiki.py`): run MeCab (fugashi, `-d DICDIR -r /dev/null`,
  MeCab's own output format), locate each token's surface in the text from where the previous one
  ended, and cut after every token whose output after the surface contains both 記号 and 句点; a
  non-empty rest is a last sentence. Then strip each sentence and keep it if non-empty and
  `min_len <= len <= max_len`.
* zh: a regular expression: anything up to a sentence end 。！？ plus the run of sentence ends
  and closing quotes/brackets after it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("WAKACHI_SHARED", ROOT.parent / "shared")) / "corpora"

JA_FILES = [
    "aozora_ja.txt",
    "ja_debian.txt",
    "kwdlc.txt",
    "jglue_captions.txt",
    "jglue_questions.txt",
    "jglue_wikipedia.txt",
    "ud_ja_gsd.txt",
    "ud_ja_gsdluw.txt",
]
ZH_FILES = [
    "zh_debian.txt",
    "sighan2005_pku.txt",
    "sighan2005_as.txt",
    "ud_zh_gsd.txt",
    "ud_zh_gsdsimp.txt",
    "ud_zh_hk.txt",
    "ud_zh_cfl.txt",
    "ud_zh_beginner.txt",
]


def corpus_lines(name: str, limit: int | None = None) -> list[str]:
    """The lines of a shared corpus file (split on LF only, blank lines kept), the first `limit`."""
    text = (CORPORA / name).read_bytes().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines[:limit]


def mecab_tagger(dictionary: str = "unidic-lite"):
    """fugashi's MeCab on a PyPI dictionary, with an empty mecabrc (as cl-tohoku's dummy one)."""
    import fugashi

    module = {"unidic-lite": "unidic_lite", "ipadic": "ipadic"}[dictionary]
    dicdir = __import__(module).DICDIR
    return fugashi.GenericTagger(f'-d "{dicdir}" -r /dev/null')


def cl_tohoku_raw(tagger, text: str) -> list[str]:
    """cl-tohoku's sentences of `text`, before stripping and filtering."""
    out, start, pos = [], 0, 0
    lines = tagger.parse(text).split("\n")
    for line in lines[: lines.index("EOS")]:
        surface, info = line.split("\t", 1)
        pos = text.index(surface, pos) + len(surface)
        if "記号" in info and "句点" in info:
            out.append(text[start:pos])
            start = pos
    if text[start:]:
        out.append(text[start:])
    return out


ZH_END = "。！？"
ZH_CLOSE = "”’」』）》】〉〕〗〙〛］｝｣\"')]}"
_ZH_SENTENCE = re.compile(f"[^{ZH_END}]*[{ZH_END}][{ZH_END}{re.escape(ZH_CLOSE)}]*")


def zh_raw(text: str) -> list[str]:
    """The zh rule's sentences of `text`, before stripping and filtering."""
    out = _ZH_SENTENCE.findall(text)
    rest = text[sum(map(len, out)) :]
    return [*out, rest] if rest else out


def keep(raw: list[str], min_len: int = 0, max_len: int | None = None) -> list[str]:
    """Stripped sentences that are non-empty and within the limits."""
    hi = float("inf") if max_len is None else max_len
    return [s for s in (r.strip() for r in raw) if s and min_len <= len(s) <= hi]


def split_document_lines(lines, raw_split, min_len=0, max_len=None, documents=True) -> list[str]:
    """Output lines of a whole file: sentences, and a blank line after each document (ended by a
    blank line or the end of the file) that kept one."""
    out, kept = [], False
    for line in [*lines, ""]:
        if not line.strip():
            if kept and documents:
                out.append("")
            kept = False
            continue
        sentences = keep(raw_split(line), min_len, max_len)
        out += sentences
        kept = kept or bool(sentences)
    return out
