"""Per-stage throughput of each recipe's data stages at full-scale settings, measured here, and the
extrapolation to the reference corpora, with the arithmetic printed.

    .venv/bin/python benches/recipes.py [--mb 8] [--threads 0] [--only NAME,...]

Each recipe runs `wakachi run NAME --data-only` (corpus → deal → vocabulary →
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
            if size > limit * 1.5 and len(lines) % 2 == 0:  # JSON escapes and headers: about 50% overhead
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
                for line in (CORPORA / s).read_text(encoding="utf-8").splitlines(keepends=True):
                    w.write(line)
                    size += len(line.encode())
                    if size >= limit and not line.strip():  # end at a document boundary
                        return out
    return out


def text_bytes(path: Path) -> int:
    if path.suffix != ".gz":
        return path.stat().st_size
    with gzip.open(path) as f:
        return len(f.read())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    from wakachi.recipe import Runner, load
    from wakachi.train.config import nested

    names = [n for n in REFERENCE_MB if not args.only or n in args.only.split(",")]
    threads = args.threads or os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="wakachi-recipes-") as tmp:
        work = Path(tmp)
        for name in names:
            inp = build_input(name, args.mb, work)
            mb_in = text_bytes(inp) / 1e6
            # sentencepiece cannot learn 32000-100000 pieces from a few MB: the vocabulary size is
            # lowered for Unigram recipes (its training time does not scale with the input anyway:
            # it samples input_sentence_size sentences).
            size = 8000 if name.startswith("uer") else 5000  # above the characters the input needs
            sets = [nested("vocab.flags.vocab_size", size)] if load(name).data["vocab"]["kind"] == "unigram" else []
            recipe = load(name, "full", sets)
            runner = Runner(recipe, [str(inp)], work / name, threads=threads, progress=False, log=lambda s: None)
            t0 = time.perf_counter()
            runner.run(data_only=True)
            wall = time.perf_counter() - t0
            stages = {}
            for st in runner.stages:
                rec = runner.record(st)
                if rec and rec.get("state") == "done":
                    stages[st.name] = rec["seconds"]
            prepared = work / name / "corpus"
            files = sorted((prepared / "deal").glob("*.txt")) or sorted(prepared.glob("corpus.txt")) or [inp]
            corpus_mb = sum(text_bytes(f) for f in files) / 1e6
            unigram = recipe.data["vocab"]["kind"] == "unigram"
            rows.append((name, mb_in, corpus_mb, stages, unigram))
            print(
                f"{name}: {mb_in:.1f} MB in, {corpus_mb:.1f} MB prepared, {wall:.1f} s: "
                + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"\npeak RSS of the whole run: {rss:.0f} MB; {threads} threads on {os.cpu_count()} cores\n")
    print(
        "| recipe | measured: MB in → MB prepared | stage: seconds (MB of prepared text/s) | reference corpus | data stages there: arithmetic | at 16 cores |"
    )
    print("|---|---|---|---|---|---|")
    for name, mb_in, corpus_mb, stages, unigram in rows:
        what, ref_mb = REFERENCE_MB[name]
        per = ", ".join(f"{k}: {v:.1f} ({corpus_mb / max(v, 1e-9):.2f})" for k, v in stages.items())
        linear = {k: v for k, v in stages.items() if not (unigram and k == "vocab")}
        total = sum(linear.values())
        hours = ref_mb / corpus_mb * total / 3600
        note = " + sentencepiece's training (not linear in the input)" if unigram else ""
        print(
            f"| {name} | {mb_in:.1f} → {corpus_mb:.1f} | {per} | {what} | {ref_mb:,} / {corpus_mb:.1f} × "
            f"{total:.1f} s = {hours:.1f} h{note} | {hours * threads / 16:.1f} h |"
        )
    print(json.dumps({"threads": threads, "rows": rows}, default=str))


if __name__ == "__main__":
    main()
