"""Per-stage throughput of each recipe's data stages at full-scale settings, measured here, and the
extrapolation to the reference corpora, with the arithmetic printed.

    .venv/bin/python benches/recipes.py [--mb 8] [--threads 0] [--only NAME,...]

Each recipe runs `wakachi run NAME --until <its last pack stage>` (corpus → deal → vocabulary →
every pack stage, the recipe's own full-scale settings: vocabulary sizes, dupe factors, sequence
lengths) on about `--mb` MB of real text from ../shared/corpora (the input its reference reads: a
CirrusSearch dump built from the Japanese corpora, plain Japanese text, Juman-segmented KWDLC,
Chinese text). Each stage's seconds come from its stage record; peak RSS is the process's.
Training is not run: its time is extrapolated from model FLOPs (6 · parameters · tokens) at an
assumed MFU, which the table names — no GPU was measured here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
CORPORA = Path(os.environ.get("WAKACHI_SHARED", ROOT.parent / "shared")) / "corpora"

# Reference corpus sizes (REFERENCE_PIPELINES.md, research B) in MB of text a recipe reads.
REFERENCE_MB = {
    "cl-tohoku-bert-base-v3": ("Wikipedia CirrusSearch dump (after cleaning 4.9 GB of sentences)", 4900),
    "izumi-electra-small": ("Wikipedia 2021-06-01, 2.9 GB", 2900),
    "waseda-roberta-large-seq512": ("Wikipedia + CC-100 ja, 74.3 + 4.9 GB (pre-segmented)", 79200),
    "colorfulscoop-gpt2-small": ("Wikipedia 2021-08-20 text, about 3 GB", 3000),
    "uer-roberta-word-base": ("CLUECorpusSmall, 14 GB", 14000),
}
# Parameters (M) and training tokens per stage (steps × batch × sequence length) at full scale.
ASSUMED_MFU = 0.40
PEAK = 989e12  # H100/H200 dense bf16


def build_input(name: str, mb: float, work: Path) -> Path:
    """About `mb` MB of the text `name`'s reference pipeline reads."""
    limit = int(mb * 1e6)
    if name.startswith("cl-tohoku"):
        from corpus_reference import build_full_dump

        out = work / "wiki.json.gz"
        lines, size = [], 0
        for ln in build_full_dump():
            lines.append(ln)
            size += len(ln.encode()) + 1
            if size > limit * 1.3 and len(lines) % 2 == 0:  # the JSON carries about 30% overhead
                break
        with gzip.open(out, "wt", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return out
    src = {
        "izumi-electra-small": ["ja_debian.txt", "aozora_ja.txt"],
        "waseda-roberta-large-seq512": ["kwdlc.seg.txt"],
        "colorfulscoop-gpt2-small": ["aozora_ja.txt", "ja_debian.txt"],
        "uer-roberta-word-base": ["zh_debian.txt", "sighan2005_as.txt", "sighan2005_pku.txt"],
    }[name]
    out = work / f"{name}.txt"
    size = 0
    with open(out, "w", encoding="utf-8") as w:
        while size < limit:
            for s in src:
                data = (CORPORA / s).read_text(encoding="utf-8")
                w.write(data)
                size += len(data.encode())
                if size >= limit:
                    break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    from wakachi.recipe import Runner, load

    names = [n for n in REFERENCE_MB if not args.only or n in args.only.split(",")]
    threads = args.threads or os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="wakachi-recipes-") as tmp:
        work = Path(tmp)
        for name in names:
            inp = build_input(name, args.mb, work)
            mb_in = inp.stat().st_size / 1e6
            recipe = load(name)
            last_pack = [f"pack-{s}" for s in recipe.stages][-1]
            runner = Runner(recipe, [str(inp)], work / name, threads=threads, progress=False, log=lambda s: None)
            t0 = time.perf_counter()
            runner.run(until=last_pack)
            wall = time.perf_counter() - t0
            stages = {}
            for st in runner.stages:
                rec = runner.record(st)
                if rec and rec.get("state") == "done":
                    stages[st.name] = rec["seconds"]
            rows.append((name, mb_in, stages, wall))
            print(f"{name}: {mb_in:.1f} MB in {wall:.1f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"\npeak RSS of the whole run: {rss:.0f} MB; {threads} threads on {os.cpu_count()} cores\n")
    print(
        "| recipe | input MB | stage: seconds (MB/s) | data stages at reference size, this machine | at 16 cores (linear scaling assumed) |"
    )
    print("|---|---:|---|---|---|")
    for name, mb_in, stages, _wall in rows:
        what, ref_mb = REFERENCE_MB[name]
        per = ", ".join(f"{k}: {v:.1f} ({mb_in / max(v, 1e-9):.2f})" for k, v in stages.items())
        total = sum(stages.values())
        hours = ref_mb / mb_in * total / 3600
        print(
            f"| {name} | {mb_in:.1f} | {per} | {what}: {ref_mb:,} MB / {mb_in:.1f} MB × {total:.0f} s = "
            f"{hours:.1f} h | {hours * threads / 16:.1f} h |"
        )
    print(json.dumps({"threads": threads, "rows": rows}, default=str))


if __name__ == "__main__":
    main()
