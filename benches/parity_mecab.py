"""Every line of every Japanese file in ../shared/corpora, segmented by wakachi and by MeCab
(fugashi 1.5.2) on the same dicdir, for unidic-lite and ipadic: surfaces and feature strings must
be identical. Prints a table of identical/total lines; exits 1 on any difference.

    .venv/bin/python benches/parity_mecab.py [--dict unidic-lite|ipadic] [--files a.txt,b.txt]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import JA_FILES, corpus_lines, fugashi_tagger
from wakachi import Segmenter


def compare(dictionary: str, name: str) -> tuple[int, int, list[str]]:
    seg, tagger = Segmenter.mecab(dictionary), fugashi_tagger(dictionary)
    lines = corpus_lines(name)
    ours = seg.tokenize_batch(lines)
    bad = []
    for line, toks in zip(lines, ours, strict=True):
        ref = [(w.surface, w.feature_raw) for w in tagger(line)]
        if [(t.surface, t.feature) for t in toks] != ref:
            bad.append(line)
    return len(lines) - len(bad), len(lines), bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dict", action="append", choices=["unidic-lite", "ipadic"])
    ap.add_argument("--files", default=",".join(JA_FILES))
    args = ap.parse_args()
    failed = 0
    print("| dictionary | file | identical lines | total lines | seconds |")
    print("|---|---|---:|---:|---:|")
    totals = {}
    for d in args.dict or ["unidic-lite", "ipadic"]:
        for name in args.files.split(","):
            t0 = time.time()
            same, total, bad = compare(d, name)
            failed += total - same
            a, b = totals.get(d, (0, 0))
            totals[d] = (a + same, b + total)
            print(f"| {d} | {name} | {same:,} | {total:,} | {time.time() - t0:.0f} |", flush=True)
            for line in bad[:3]:
                print(f"  differs: {line[:80]!r}", file=sys.stderr)
    for d, (same, total) in totals.items():
        print(f"| {d} | **all** | **{same:,}** | **{total:,}** | |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
