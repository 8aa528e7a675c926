"""Word-segmentation accuracy of every wakachi segmenter on the gold `.seg.txt` files of
../shared/corpora, next to the reference tool's score on the same lines.

Metric (the SIGHAN bakeoff's word-level scoring, micro-averaged over the file):

* Every non-blank line is compared. Let T be the raw line (`X.txt`) with every whitespace
  character (Python `str.isspace`) removed. The gold words are the space-separated fields of the
  same line of `X.seg.txt`; the predicted words are the segmenter's words of the raw line, each
  with its whitespace removed, empty ones dropped.
* A word list is turned into the set of character-offset spans [a, b) it covers in T (word i
  starts where word i-1 ended). A predicted word is correct when the same span is a gold word.
* P = correct / predicted words, R = correct / gold words, F1 = 2PR / (P + R), each summed over
  all lines of the file before dividing.
* A line whose gold or predicted words do not spell T (a segmenter that loses or changes
  characters) keeps its words in the counts but is reported in the `text ≠` column; it is 0
  for every row below unless printed otherwise.

Segmenters: Japanese files: `mecab:unidic-lite`, `mecab:ipadic`, `char`; Chinese files: `jieba`,
`jieba:nohmm`, `char` (where `Segmenter.from_spec("jieba")` fails, a note is printed and the
jieba rows show only the reference). References: MeCab
itself (fugashi 1.5.2, `-d DICDIR -r /dev/null`) on the same dictionary; Python jieba 0.42.1
`jieba.lcut(line, HMM=True/False)`; `char` has none.

    .venv/bin/python benches/accuracy.py [--files ud_ja_gsd,kwdlc,...]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from split_reference import CORPORA, corpus_lines, mecab_tagger
from wakachi import Segmenter, WakachiError

JA = ["ud_ja_gsd", "ud_ja_gsdluw", "kwdlc"]
ZH = ["ud_zh_gsd", "ud_zh_gsdsimp", "ud_zh_hk", "ud_zh_cfl", "ud_zh_beginner", "sighan2005_pku", "sighan2005_as"]


def no_space(s: str) -> str:
    return "".join(c for c in s if not c.isspace())


def spans(words: list[str]) -> set[tuple[int, int]]:
    out, at = set(), 0
    for w in words:
        out.add((at, at + len(w)))
        at += len(w)
    return out


class Score:
    """Counts of one (file, segmenter) pair."""

    def __init__(self) -> None:
        self.correct = self.predicted = self.gold = self.text_mismatch = 0

    def add(self, text: str, gold: list[str], predicted: list[str]) -> None:
        t = no_space(text)
        g = [w for w in gold if w]
        p = [w for w in map(no_space, predicted) if w]
        self.text_mismatch += "".join(g) != t or "".join(p) != t
        self.correct += len(spans(g) & spans(p))
        self.predicted += len(p)
        self.gold += len(g)

    def prf(self) -> tuple[float, float, float]:
        p = self.correct / max(self.predicted, 1)
        r = self.correct / max(self.gold, 1)
        return p, r, 2 * p * r / max(p + r, 1e-12)


def score(raw: list[str], gold: list[list[str]], predicted: list[list[str]]) -> Score:
    s = Score()
    for text, g, p in zip(raw, gold, predicted, strict=True):
        s.add(text, g, p)
    return s


def jieba_reference(hmm: bool):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return lambda lines: [jieba.lcut(ln, HMM=hmm) for ln in lines]


def mecab_reference(dictionary: str):
    tagger = mecab_tagger(dictionary)
    return lambda lines: [[w.surface for w in tagger(ln)] for ln in lines]


def segmenters(lang: str) -> list[tuple[str, Segmenter | None, object]]:
    """(spec, wakachi segmenter or None, reference function or None) for a language."""
    if lang == "ja":
        return [
            (s, Segmenter.from_spec(s), mecab_reference(s.split(":")[1])) for s in ("mecab:unidic-lite", "mecab:ipadic")
        ] + [("char", Segmenter.char(), None)]
    out = []
    for spec, hmm in (("jieba", True), ("jieba:nohmm", False)):
        try:
            seg = Segmenter.from_spec(spec)
        except (WakachiError, ValueError, TypeError) as e:
            print(
                f"note: segmenter {spec!r} unavailable in this build ({e}); only the reference is scored",
                file=sys.stderr,
            )
            seg = None
        out.append((spec, seg, jieba_reference(hmm)))
    return [*out, ("char", Segmenter.char(), None)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default=",".join(JA + ZH))
    args = ap.parse_args()
    cache: dict[str, list] = {}
    print("| file | segmenter | P | R | F1 | reference F1 | text ≠ |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in args.files.split(","):
        lang = "ja" if name in JA else "zh"
        if lang not in cache:
            cache[lang] = segmenters(lang)
        pairs = [
            (r, s.split())
            for r, s in zip(corpus_lines(f"{name}.txt"), corpus_lines(f"{name}.seg.txt"), strict=True)
            if r.strip()
        ]
        raw, gold = [r for r, _ in pairs], [g for _, g in pairs]
        for spec, seg, ref in cache[lang]:
            ours = score(raw, gold, seg.segment_batch(raw)) if seg else None
            theirs = score(raw, gold, ref(raw)) if ref else None
            prf = " | ".join(f"{x:.4f}" for x in ours.prf()) if ours else "— | — | —"
            rf = f"{theirs.prf()[2]:.4f}" if theirs else "—"
            bad = sum(s.text_mismatch for s in (ours, theirs) if s)
            print(f"| {name} | {spec} | {prf} | {rf} | {bad} |", flush=True)
    return 0


if __name__ == "__main__":
    t0 = time.perf_counter()
    rc = main()
    print(f"({time.perf_counter() - t0:.1f} s; corpora: {CORPORA})", file=sys.stderr)
    sys.exit(rc)
