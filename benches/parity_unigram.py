"""Every line of every shared Japanese and Chinese corpus file (raw `.txt` and the space-separated
gold `.seg.txt`): wakachi's Unigram ids against `sentencepiece.SentencePieceProcessor.encode`, for
every model variant of tests/unigram_models.py. Also very long inputs (300 lines joined, up to
~125k characters), where sentencepiece rebases its running scores.

Prints identical/total per file and variant; exits 1 on any difference.

    .venv/bin/python benches/parity_unigram.py [VARIANT...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import sentencepiece as spm

import unigram_models as um
from wakachi.unigram import UnigramModel


def inputs(lang: str):
    """`(name, lines)` of every file of `lang`, its `.seg.txt` twin, and the joined long texts."""
    all_lines = []
    for f in um.corpus_files(lang):
        lines = um.read_lines(f)
        all_lines += lines
        yield f.name, lines
        seg = f.with_suffix(".seg.txt")
        if seg.exists():
            yield seg.name, um.read_lines(seg)
    yield "(300 lines joined)", ["".join(all_lines[i : i + 300]) for i in range(0, len(all_lines), 300)]


def check(name: str) -> tuple[int, int]:
    path = um.train(name)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    ours = UnigramModel.from_file(path)
    same = total = 0
    for fname, lines in inputs(um.VARIANTS[name][0]):
        expected = sp.encode(lines, num_threads=1)
        got = ours.encode_batch(lines)
        diff = [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g]
        print(f"{name:13} {fname:22} {len(lines) - len(diff):>7} / {len(lines):<7} identical")
        for i in diff[:3]:
            print(
                f"    line {i + 1}: {lines[i][:60]!r}\n      sentencepiece {expected[i][:20]}\n      wakachi       {got[i][:20]}"
            )
        same += len(lines) - len(diff)
        total += len(lines)
    return same, total


def main() -> int:
    names = sys.argv[1:] or list(um.VARIANTS)
    t0 = time.time()
    results = {n: check(n) for n in names}
    print("\nvariant        identical / total")
    for n, (same, total) in results.items():
        print(f"{n:13} {same:>9} / {total}")
    same = sum(s for s, _ in results.values())
    total = sum(t for _, t in results.values())
    print(f"all           {same:>9} / {total}   ({time.time() - t0:.0f} s, sentencepiece {spm.__version__})")
    return 0 if same == total else 1


if __name__ == "__main__":
    sys.exit(main())
