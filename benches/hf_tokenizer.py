"""Speed of `wakachi.hf.BertJapaneseTokenizerFast` against transformers' slow
`BertJapaneseTokenizer` on the call a fine-tuning script makes, in one run:

    tok(batch, truncation=True, max_length=512, padding=True, return_tensors="pt")

on 10,000 lines taken round-robin from the shared Japanese corpora (one call, the whole batch).
Prints seconds, lines/s, the ratio (theirs/ours) on one core and on all cores, the share of the
Python glue (ours on one core minus the bare core `encode_batch`), peak RSS, and whether the
outputs are identical.

    .venv/bin/python benches/hf_tokenizer.py [--lines 10000] [--config unidic_lite-wordpiece-cased]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch

import wakachi
import wordpiece_fixtures as fx
from encode import peak_rss_mb, timed  # benches/encode.py: the same timing harness
from wakachi.hf import BertJapaneseTokenizerFast

CALL = {"truncation": True, "max_length": 512, "padding": True, "return_tensors": "pt"}


def corpus(n: int) -> list[str]:
    files = [fx.read_lines(f) for f in fx.JA_FILES]
    out: list[str] = []
    i = 0
    while len(out) < n and any(i < len(f) for f in files):
        out += [f[i] for f in files if i < len(f)]
        i += 1
    return out[:n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--config", default="unidic_lite-wordpiece-cased")
    args = ap.parse_args()
    lines = corpus(args.lines)
    mb = sum(len(ln.encode()) + 1 for ln in lines) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        d = fx.build_all(Path(tmp))[args.config]
        ours = BertJapaneseTokenizerFast.from_pretrained(d)
        core = wakachi.Tokenizer.from_pretrained(d)
        ours.num_threads = 1
        ours(lines[:500], **CALL)  # warm up
        _, t_core = timed(lambda: core.encode_batch(lines, threads=1))
        one, t1 = timed(lambda: ours(lines, **CALL))
        ours.num_threads = 0
        many, tn = timed(lambda: ours(lines, **CALL))
        rss_ours = peak_rss_mb()
        hf = fx.hf_tokenizer(d)
        hf(lines[:50], **CALL)
        ref, th = timed(lambda: hf(lines, **CALL))
    same = list(ref.keys()) == list(one.keys()) and all(
        torch.equal(ref[k], one[k]) and torch.equal(ref[k], many[k]) and ref[k].dtype == one[k].dtype for k in ref
    )
    shape = tuple(ref["input_ids"].shape)
    print(f"config {args.config}; {len(lines):,} lines, {mb:.2f} MB; output {shape}; {os.cpu_count()} cores")
    print(f"call: tok(batch, {', '.join(f'{k}={v!r}' for k, v in CALL.items())})")
    print(f"{'transformers (slow)':30s} {th:7.2f} s  {len(lines) / th:9,.0f} lines/s")
    print(f"{'wakachi.hf 1 thread':30s} {t1:7.2f} s  {len(lines) / t1:9,.0f} lines/s")
    print(f"{'wakachi.hf all cores':30s} {tn:7.2f} s  {len(lines) / tn:9,.0f} lines/s")
    print(f"{'(core encode_batch, 1 thread)':30s} {t_core:7.2f} s")
    print(f"ratio theirs/ours: {th / t1:.1f}x on 1 thread, {th / tn:.1f}x on all cores")
    print(f"Python glue + assembly on 1 thread: {max(t1 - t_core, 0):.2f} s ({max(t1 - t_core, 0) / t1:.0%} of ours)")
    print(f"peak RSS: {rss_ours:.0f} MB after wakachi, {peak_rss_mb():.0f} MB after transformers (one process)")
    print(f"identical outputs: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
