"""`wakachi corpus wikipedia` and `deal` on a CirrusSearch dump built from every non-blank line of
the shared Japanese corpora (artifacts of the cleaning planted, tests/corpus_reference.py):
every output line against the Python reference, speed, and — with `--cltohoku DIR` holding
cl-tohoku/bert-japanese's own `make_corpus_wiki.py` and `merge_split_corpora.py` (kept outside
the project) — every line against their scripts run as they are.

    .venv/bin/python benches/corpus_wiki.py [--cltohoku /tmp/cltohoku] [--max-len 1000]
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus_reference import build_full_dump, deal_reference, wikipedia_reference
from split_reference import mecab_tagger
from wakachi.corpus import deal, wikipedia


def compare(name: str, ours: list[str], ref: list[str]) -> bool:
    same = sum(a == b for a, b in zip(ours, ref, strict=True))
    first = next((i for i, (a, b) in enumerate(zip(ours, ref, strict=True)) if a != b), None)
    print(f"{name}: {same:,} identical of {len(ref):,} reference lines ({len(ours):,} ours)", end="")
    print("" if first is None else f"; first difference at line {first + 1}: {ours[first]!r} vs {ref[first]!r}")
    return first is None and len(ours) == len(ref)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cltohoku", help="directory with cl-tohoku's make_corpus_wiki.py and merge_split_corpora.py")
    ap.add_argument("--max-len", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lines = build_full_dump()
        dump = tmp / "jawiki-test-cirrussearch-content.json.gz"
        with gzip.open(dump, "wt", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        mb = sum(len(ln.encode()) + 1 for ln in lines) / 1e6
        print(f"dump: {len(lines) // 2:,} pages, {mb:.1f} MB of JSON ({dump.stat().st_size / 1e6:.1f} MB gzip)")

        out = tmp / "ours.txt"
        t = time.perf_counter()
        r = wikipedia([dump], out, max_len=args.max_len, threads=args.threads)
        ours_s = time.perf_counter() - t
        print(
            f"wakachi: {r['pages']:,} pages, {r['pages_kept']:,} kept, {r['sentences']:,} sentences, "
            f"{r['dropped_by_length']:,} dropped by length, {r['dropped_displaystyle']:,} by \\displaystyle; "
            f"{ours_s:.2f} s = {mb / ours_s:.2f} MB/s of JSON"
        )
        ours = out.read_text("utf-8").split("\n")[:-1]

        t = time.perf_counter()
        ref = wikipedia_reference(lines, mecab_tagger("unidic-lite"), 10, args.max_len)
        ref_s = time.perf_counter() - t
        print(f"reference (re + fugashi): {ref_s:.2f} s = {mb / ref_s:.2f} MB/s")
        ok &= compare("wakachi vs reference", ours, ref)

        if args.cltohoku:
            theirs = tmp / "theirs.txt.gz"
            t = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    str(Path(args.cltohoku) / "make_corpus_wiki.py"),
                    "--input_file",
                    str(dump),
                    "--output_file",
                    str(theirs),
                    "--max_sentence_length",
                    str(args.max_len),
                ],
                check=True,
                stderr=subprocess.DEVNULL,
            )
            their_s = time.perf_counter() - t
            print(f"cl-tohoku make_corpus_wiki.py: {their_s:.2f} s = {mb / their_s:.2f} MB/s")
            their_lines = gzip.decompress(theirs.read_bytes()).decode("utf-8").split("\n")[:-1]
            ok &= compare("wakachi vs make_corpus_wiki.py", ours, their_lines)

        # deal the corpus into 8 files (seed 0), as cl-tohoku's merge step
        src = tmp / "wiki.txt.gz"
        src.write_bytes(gzip.compress(out.read_bytes()))
        t = time.perf_counter()
        d = deal([src], tmp / "dealt", 8, seed=0, threads=args.threads)
        print(
            f"deal: {d['lines']:,} lines, {d['documents']:,} documents into 8 files in {time.perf_counter() - t:.2f} s"
        )
        dealt = [(tmp / "dealt" / f"corpus_{i:02d}.txt").read_text("utf-8").split("\n")[:-1] for i in range(1, 9)]
        refd = deal_reference([ours], 8, 0)
        ok &= all(
            compare(f"deal corpus_{i + 1:02d} vs reference", a, b)
            for i, (a, b) in enumerate(zip(dealt, refd, strict=True))
        )
        if args.cltohoku:
            (tmp / "merged").mkdir()
            subprocess.run(
                [
                    sys.executable,
                    str(Path(args.cltohoku) / "merge_split_corpora.py"),
                    "--input_files",
                    str(src),
                    "--output_dir",
                    str(tmp / "merged"),
                    "--num_files",
                    "8",
                ],
                check=True,
                stderr=subprocess.DEVNULL,
            )
            for i in range(1, 9):
                theirs_i = (tmp / "merged" / f"corpus_{i:02d}.txt").read_text("utf-8").split("\n")[:-1]
                ok &= compare(f"deal corpus_{i:02d} vs merge_split_corpora.py", dealt[i - 1], theirs_i)
    print("OK" if ok else "DIFFERENCES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
