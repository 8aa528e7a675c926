"""Speed of text → ids: wakachi.Tokenizer (1 thread and all cores) against transformers'
BertJapaneseTokenizer on the same text, in one run. Prints MB/s, the ratio and peak RSS.

    .venv/bin/python benches/encode.py [--mb 4] [--config unidic_lite-wordpiece-cased]

The text is the first `--mb` MB of lines taken round-robin from the shared Japanese corpora.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import wakachi
import wordpiece_fixtures as fx


def corpus(mb: float) -> list[str]:
    files = [fx.read_lines(f) for f in fx.JA_FILES]
    out, size, i = [], 0, 0
    while size < mb * 1e6 and any(i < len(f) for f in files):
        for f in files:
            if i < len(f):
                out.append(f[i])
                size += len(f[i].encode()) + 1
        i += 1
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(f):
    t0 = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=4.0)
    ap.add_argument("--config", default="unidic_lite-wordpiece-cased")
    args = ap.parse_args()
    lines = corpus(args.mb)
    mb = sum(len(ln.encode()) + 1 for ln in lines) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        d = fx.build_all(Path(tmp))[args.config]
        ours = wakachi.Tokenizer.from_pretrained(d)
        ours.encode_batch(lines[:1000], threads=1)  # warm up
        one, t1 = timed(lambda: ours.encode_batch(lines, threads=1))
        rss_ours = peak_rss_mb()
        many, tn = timed(lambda: ours.encode_batch(lines, threads=0))
        hf = fx.hf_tokenizer(d)
        hf(lines[0], add_special_tokens=False)
        ref, th = timed(lambda: [hf(ln, add_special_tokens=False)["input_ids"] for ln in lines])
    same = sum(a == b for a, b in zip(ref, one, strict=True))
    assert one == many
    print(f"config {args.config}; {len(lines):,} lines, {mb:.2f} MB; {os.cpu_count()} cores")
    print(f"{'wakachi 1 thread':28s} {mb / t1:8.2f} MB/s  ({t1:.2f} s)")
    print(f"{'wakachi all cores':28s} {mb / tn:8.2f} MB/s  ({tn:.2f} s)")
    print(f"{'transformers BertJapanese':28s} {mb / th:8.2f} MB/s  ({th:.2f} s)")
    print(f"ratio ours/theirs: {th / t1:.1f}x on 1 thread, {th / tn:.1f}x on all cores")
    print(f"peak RSS: {rss_ours:.0f} MB after wakachi, {peak_rss_mb():.0f} MB after transformers (one process)")
    print(f"identical: {same:,}/{len(lines):,} lines")
    return 0 if same == len(lines) else 1


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
