"""`wakachi pack --executor ray` against the local executor on the same input, settings and cores:
pack throughput with 1, 2, … Ray workers (a local Ray instance with that many CPUs, one core per
task), the Ray executor's overhead at equal cores, where its time goes (plan, tasks, reduce), and a
projection for N nodes. Every Ray run's shards are compared with the local run's (sha256).

Input: kwdlc + ja_debian + aozora (benches/pack.py's `make_input`), `--mb` MB; tokenizer: the
WordPiece vocabulary of benches/pack.py over unidic-lite; bert seq 128 / dupe 5 (Google streaming,
rows built in the tasks) and `--formats` others. Ray is started once per worker count before the
timed runs (`ray.init`, reported apart: a cluster is already up when a user packs on it); the
first run on it includes starting its worker processes and loading the dictionary in each. Ray's
workers run at niceness 0 here (`RAY_worker_niceness=0`; Ray's default is 15), as the local run does.

    .venv/bin/python benches/ray_pack.py [--mb 16] [--workers 1,2] [--formats bert,roberta] [--task-mb 2]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benches"))
sys.path.insert(0, str(ROOT / "tests"))

import pack as pack_bench  # noqa: E402

SETTINGS = {
    "bert": {"format": "bert", "max_seq_length": 128, "dupe_factor": 5},
    "roberta": {"format": "roberta", "max_seq_length": 128},
    "electra": {"format": "electra", "max_seq_length": 128},
    "gpt2": {"format": "gpt2", "max_seq_length": 128},
}


def driver_cpu() -> float:
    """CPU seconds of this process (the driver: plan, reduce, the gather's bookkeeping)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.iterdir()):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=16.0)
    ap.add_argument("--workers", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    ap.add_argument("--formats", default="bert,roberta")
    ap.add_argument("--task-mb", type=float, default=2.0)
    ap.add_argument("--block-documents", type=int, default=0, help="bert: documents per block (0: pack's default)")
    ap.add_argument("--times", type=int, default=1, help="the input repeated this many times")
    ap.add_argument("--rows-per-shard", type=int, default=20_000)
    args = ap.parse_args()
    os.environ.setdefault("WAKACHI_CACHE_DIR", str(ROOT / ".cache" / "wakachi"))
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Ray runs its workers at niceness 15: on a machine with other work they would lose to it while
    # the local executor (niceness 0) would not. Equal terms for the comparison.
    os.environ.setdefault("RAY_worker_niceness", "0")
    import ray

    from wakachi.pack import pack

    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; ray {ray.__version__}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tok = pack_bench.build_tokenizer(tmp)
        inp = pack_bench.make_input(tmp / "base.txt", args.mb)
        if args.times > 1:
            inp = pack_bench.repeat_input(tmp / "input.txt", inp, args.times)
        mb = inp.stat().st_size / 1e6
        print(
            f"input: {mb:.2f} MB; tasks of {args.task_mb} MB of text; 1 core per task; "
            f"{args.rows_per_shard:,} rows a shard; bert block_documents {args.block_documents or 'default'}; wall seconds"
        )
        pack(tokenizer=str(tok), inputs=[str(inp)], output=str(tmp / "warm"), format="gpt2", threads=1)
        rows = []
        for fmt in args.formats.split(","):
            kw: dict = dict(SETTINGS[fmt], rows_per_shard=args.rows_per_shard)
            if fmt == "bert" and args.block_documents:
                kw["block_documents"] = args.block_documents
            for n in args.workers:
                out = tmp / f"{fmt}-local-{n}"
                t0 = time.perf_counter()
                loc = pack(tokenizer=str(tok), inputs=[str(inp)], output=str(out), threads=n, **kw)
                t_local = time.perf_counter() - t0
                want = digest(out)
                t0 = time.perf_counter()
                ray.init(num_cpus=n, include_dashboard=False, logging_level="warning")
                t_init = time.perf_counter() - t0
                try:
                    for run in ("first", "second"):
                        out = tmp / f"{fmt}-ray-{n}-{run}"
                        t0 = time.perf_counter()
                        c0 = driver_cpu()
                        rep = pack(
                            tokenizer=str(tok),
                            inputs=[str(inp)],
                            output=str(out),
                            threads=n,
                            executor="ray",
                            task_bytes=int(args.task_mb * 1e6),
                            **kw,
                        )
                        t_ray = time.perf_counter() - t0
                        ex = rep["executor"]
                        ex["driver_cpu"] = driver_cpu() - c0
                        same = digest(out) == want
                        rows.append((fmt, n, run, t_local, t_init, t_ray, ex, loc["instances"], same))
                        print(
                            f"{fmt:8s} cores {n}  local {t_local:6.2f} s ({mb / t_local:5.2f} MB/s)  ray init {t_init:5.2f} s  "
                            f"ray {run:6s} {t_ray:6.2f} s ({mb / t_ray:5.2f} MB/s)  ratio ray/local {t_ray / t_local:5.2f}  "
                            f"[plan {ex['plan_seconds']:.2f}, tasks {ex['tasks_seconds']:.2f} ({ex['tasks']} tasks, "
                            f"{ex['task_cpu_seconds']:.1f} task-s), reduce {ex['reduce_seconds']:.2f}, "
                            f"{ex.get('gather_tasks', 0)} gather tasks; driver CPU {ex['driver_cpu']:.2f} s]  "
                            f"identical {same}",
                            flush=True,
                        )
                finally:
                    ray.shutdown()
        print()
        print(
            "| format | cores | local s | Ray s (2nd run) | ray/local | plan s | tasks s | task CPU s | reduce s "
            "| driver CPU s |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for fmt, n, run, t_local, _, t_ray, ex, *_ in rows:
            if run != "second":
                continue
            print(
                f"| {fmt} | {n} | {t_local:.2f} | {t_ray:.2f} | {t_ray / t_local:.2f} | {ex['plan_seconds']:.2f} | "
                f"{ex['tasks_seconds']:.2f} | {ex['task_cpu_seconds']:.1f} | {ex['reduce_seconds']:.2f} | "
                f"{ex['driver_cpu']:.2f} |"
            )
        bad = [r for r in rows if not r[-1]]
        if bad:
            print(f"DIFFERENT OUTPUT: {[(r[0], r[1], r[2]) for r in bad]}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
