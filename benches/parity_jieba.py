"""Every line of every Chinese file in ../shared/corpora, segmented by wakachi and by Python jieba
0.42.1 (`[w for w in jieba.lcut(line, HMM=hmm) if w.strip()]`), with and without the HMM: the
word lists must be identical. Prints a table of identical/total lines; exits 1 on any difference.

    .venv/bin/python benches/parity_jieba.py [--files a.txt,b.txt] [--mode hmm|nohmm]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import ZH_FILES, corpus_lines
from wakachi import Segmenter


def reference():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def compare(seg: Segmenter, tok, hmm: bool, name: str) -> tuple[int, int, list[tuple[str, list, list]]]:
    lines = corpus_lines(name)
    ours = seg.segment_batch(lines)
    bad = []
    for line, words in zip(lines, ours, strict=True):
        ref = [w for w in tok.lcut(line, HMM=hmm) if w.strip()]
        if words != ref:
            bad.append((line, words, ref))
    return len(lines) - len(bad), len(lines), bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default=",".join(ZH_FILES))
    ap.add_argument("--mode", action="append", choices=["hmm", "nohmm"])
    args = ap.parse_args()
    tok = reference()
    failed = 0
    print("| mode | file | identical lines | total lines | seconds |")
    print("|---|---|---:|---:|---:|")
    totals = {}
    for mode in args.mode or ["hmm", "nohmm"]:
        hmm = mode == "hmm"
        seg = Segmenter.jieba(hmm=hmm)
        for name in args.files.split(","):
            t0 = time.time()
            same, total, bad = compare(seg, tok, hmm, name)
            failed += total - same
            a, b = totals.get(mode, (0, 0))
            totals[mode] = (a + same, b + total)
            print(f"| {mode} | {name} | {same:,} | {total:,} | {time.time() - t0:.0f} |", flush=True)
            for line, ours, ref in bad[:3]:
                print(f"  differs: {line[:80]!r}\n    ours:   {ours}\n    jieba:  {ref}", file=sys.stderr)
    for mode, (same, total) in totals.items():
        print(f"| {mode} | **all** | **{same:,}** | **{total:,}** | |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
