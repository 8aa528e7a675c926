"""Loader throughput: wakachi's loader vs `datasets` + `DataCollatorForLanguageModeling`, same shards,
same batch size, same process pinned to one core, in one run. Prints tokens/s (non-padding input
tokens), the ratio ours/theirs and each variant's peak RSS.

    .venv/bin/python benches/loader.py [--docs 6000] [--steps 200] [--batch 256]

Shards: KWDLC + JGLUE documents from ../shared/corpora packed as `roberta` (dynamic whole-word
masking in the loader) and `bert` (static masks: the loader only builds labels) with the test
WordPiece vocabulary (tests/shard_fixtures.py). The HF path reads the same Arrow files with
`datasets.load_dataset("arrow", ...)` and masks with `DataCollatorForLanguageModeling`
(token-level dynamic masking: transformers 5 has no whole-word collator for unspaced text), batches
through a `torch.utils.data.DataLoader` without worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def build(out: Path, docs: int) -> dict[str, Path]:
    import shard_fixtures
    from wakachi.pack import pack

    base = shard_fixtures.build()
    corpus = out / "corpus.txt"
    if not corpus.exists():
        texts = []
        for name in ("kwdlc.txt", "jglue_wikipedia.txt", "aozora_ja.txt"):
            text = (shard_fixtures.CORPORA / name).read_text(encoding="utf-8")
            texts.append(text if name == "kwdlc.txt" else "\n\n".join(text.split("\n")))
        corpus.write_text("\n\n".join(texts), encoding="utf-8")
    from wakachi.train.exporter import tokenizer_fingerprint

    fp = tokenizer_fingerprint(base["tok"])  # the test vocabulary is rebuilt when its sources change
    dirs = {}
    for fmt in ("roberta", "bert"):
        d = out / fmt
        m = d / "manifest.json"
        if not m.exists() or json.loads(m.read_text())["identity"]["tokenizer"] != fp:
            shutil.rmtree(d, ignore_errors=True)
            pack(tokenizer=str(base["tok"]), inputs=[str(corpus)], output=str(d), format=fmt, max_seq_length=128,
                 dupe_factor=1, rows_per_shard=20000, progress=False)  # fmt: skip
        dirs[fmt] = d
    dirs["tok"] = base["tok"]
    return dirs


def run_wakachi(d: Path, steps: int, batch: int) -> dict:
    from wakachi.loader import Loader

    ld = Loader(d, batch_size=batch, rank=0, world_size=1, epochs=None, seed=1)
    it = iter(ld)
    next(it)  # warm: the first shard is mapped
    tokens, t0 = 0, time.perf_counter()
    for _ in range(steps):
        b = next(it)
        tokens += b["num_tokens"]
    return {"tokens_per_s": tokens / (time.perf_counter() - t0), "masking": ld.masking}


def run_hf(d: Path, tok: Path, steps: int, batch: int) -> dict:
    import datasets
    import torch
    from transformers import AutoTokenizer, DataCollatorForLanguageModeling

    files = sorted(str(p) for p in d.glob("shard-*.arrow"))
    ds = datasets.load_dataset("arrow", data_files=files, split="train").select_columns(["input_ids"])
    tk = AutoTokenizer.from_pretrained(str(tok))
    coll = DataCollatorForLanguageModeling(tk, mlm_probability=0.15, pad_to_multiple_of=8, return_tensors="pt")
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, collate_fn=coll, num_workers=0)
    it = iter(dl)
    next(it)
    tokens, t0 = 0, time.perf_counter()
    for _ in range(steps):
        try:
            b = next(it)
        except StopIteration:
            it = iter(dl)
            b = next(it)
        tokens += int(b["attention_mask"].sum())
    return {"tokens_per_s": tokens / (time.perf_counter() - t0), "masking": "DataCollatorForLanguageModeling"}


def child(args: argparse.Namespace) -> None:
    d = Path(args.dir)
    res = (
        run_wakachi(d, args.steps, args.batch)
        if args.which == "wakachi"
        else run_hf(d, Path(args.tok), args.steps, args.batch)
    )
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--docs", type=int, default=0, help="unused (kept for symmetry with other benches)")
    ap.add_argument("--out", default=str(HERE / "out" / "loader"))
    ap.add_argument("--child", nargs=3, metavar=("WHICH", "DIR", "TOK"))
    args = ap.parse_args()
    if args.child:
        args.which, args.dir, args.tok = args.child
        child(args)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dirs = build(out, args.docs)
    pin = ["taskset", "-c", "0"] if subprocess.run(["which", "taskset"], capture_output=True).returncode == 0 else []
    print(f"loader bench: batch {args.batch}, {args.steps} steps, one core ({'taskset -c 0' if pin else 'not pinned'})")
    for fmt in ("roberta", "bert"):
        m = json.loads((dirs[fmt] / "manifest.json").read_text())["totals"]
        res = {}
        for which in ("wakachi", "hf"):
            cmd = [*pin, sys.executable, __file__, "--steps", str(args.steps), "--batch", str(args.batch),
                   "--child", which, str(dirs[fmt]), str(dirs["tok"])]  # fmt: skip
            env = {**os.environ, "OMP_NUM_THREADS": "1", "RAYON_NUM_THREADS": "1"}
            r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            res[which] = json.loads(r.stdout.strip().splitlines()[-1])
        w, h = res["wakachi"], res["hf"]
        print(
            f"{fmt:8s} ({m['rows']:,} rows, {m['tokens'] / 1e6:.1f}M tokens): "
            f"wakachi {w['tokens_per_s'] / 1e6:.2f} M tok/s ({w['masking']}, peak RSS {w['peak_rss_mb']:.0f} MB) | "
            f"datasets+collator {h['tokens_per_s'] / 1e6:.3f} M tok/s (peak RSS {h['peak_rss_mb']:.0f} MB) | "
            f"ratio {w['tokens_per_s'] / h['tokens_per_s']:.1f}x"
        )


if __name__ == "__main__":
    main()
