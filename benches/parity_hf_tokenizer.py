"""Parity of `wakachi.hf.BertJapaneseTokenizerFast` with transformers' slow `BertJapaneseTokenizer`
on every line of the shared Japanese corpora, for every configuration of
tests/wordpiece_fixtures.py (unidic-lite and ipadic × WordPiece and character × cased and
lower-cased, plus the basic word tokenizer) and every call of tests/hf_calls.py (single texts and
pairs, `encode`, batches with truncation to 32/64/128/512 under longest_first, only_first and
only_second, padding longest/max_length/multiple of 8, left sides, tuples, no special tokens,
`return_tensors` pt/np), then `decode` of every line's ids (`--calls core`: single, pairs truncated to 128 with longest_first
and only_second, batches truncated to 512 with only_first and longest_first and padded, pt/np,
decode). Each line's partner in a pair is the
next line. Prints identical/total per configuration, file and call; exits 1 on any difference.

The slow tokenizer's `tokenize` is memoized per text after its first call on the text (its
truncation, special-token, padding and tensor code runs on every call; its tokenization is
compared on every line by the first call, "single").

    .venv/bin/python benches/parity_hf_tokenizer.py [--configs NAME,...] [--files F,...] [--lines N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import hf_calls
import wordpiece_fixtures as fx
from wakachi.hf import BertJapaneseTokenizerFast

CORE_CALLS = [
    "single",
    "batch pairs longest_first 128",
    "batch pairs only_second 128 pad max",
    "batch only_first 512 pad np",
    "batch longest_first 512 pad pt",
    "decode",
]


def compare_file(name: str, d: Path, f: str, n: int | None, calls: list[str], totals: dict[str, list[int]]) -> bool:
    ours = BertJapaneseTokenizerFast.from_pretrained(str(d))
    ref = fx.hf_tokenizer(d)
    hf_calls.memoize_tokenize(ref)
    lines = fx.read_lines(f)
    if n:
        lines = fx.sample(lines, n)
    ok = True
    for call in calls:
        t0 = time.perf_counter()
        if call == "decode":
            ids = [ours(x)["input_ids"] for x in lines]
            same = [
                ours.decode(i) == ref.decode(i)
                and ours.decode(i, skip_special_tokens=True) == ref.decode(i, skip_special_tokens=True)
                for i in ids
            ]
        else:
            want = hf_calls.run_call(call, ref, lines)
            got = hf_calls.run_call(call, ours, lines)
            same = hf_calls.per_line(call, hf_calls.compare(want, got), len(lines))
        k = sum(same)
        t = totals.setdefault(call, [0, 0])
        t[0] += k
        t[1] += len(lines)
        print(f"{name:28s} {f:20s} {call:36s} {k:>7,}/{len(lines):<7,} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if k != len(lines):
            ok = False
            first = next(i for i, s in enumerate(same) if not s)
            print(f"  first difference: line {first + 1}: {lines[first][:100]!r}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="", help="comma-separated configuration names (default: all)")
    ap.add_argument("--files", default=",".join(fx.JA_FILES), help="corpus files")
    ap.add_argument("--lines", type=int, default=0, help="lines per file (default: all)")
    ap.add_argument(
        "--calls",
        default="all",
        help="comma-separated calls of tests/hf_calls.py and 'decode'; 'core' = the issue's list "
        f"({', '.join(CORE_CALLS)}); default all",
    )
    args = ap.parse_args()
    everything = [*hf_calls.CALLS, "decode"]
    calls = everything if args.calls == "all" else CORE_CALLS if args.calls == "core" else args.calls.split(",")
    unknown = set(calls) - set(everything)
    if unknown:
        ap.error(f"unknown calls {sorted(unknown)}")
    ok = True
    grand = [0, 0]
    with tempfile.TemporaryDirectory() as tmp:
        dirs = fx.build_all(Path(tmp))
        for name in args.configs.split(",") if args.configs else list(dirs):
            totals: dict[str, list[int]] = {}
            for f in args.files.split(","):
                ok &= compare_file(name, dirs[name], f, args.lines or None, calls, totals)
            for call, (k, n) in totals.items():
                print(f"{name:28s} {'TOTAL':20s} {call:36s} {k:>7,}/{n:<7,} identical", flush=True)
                grand[0] += k
                grand[1] += n
    print(f"ALL: {grand[0]:,}/{grand[1]:,} line-calls identical")
    return 0 if ok and grand[0] == grand[1] else 1


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
