"""The scaling curve: `wakachi segment`, `wakachi encode` and `wakachi pack` (bert seq 128 / dupe 5,
shuffle on) with 1, 2, 4, … threads up to the machine's cores, each a whole process as a user runs
it (start-up and dictionary load included), fastest of `--runs`; throughput and parallel efficiency
(rate at N threads / (N × rate at 1 thread)).

Input: kwdlc + ja_debian + aozora (benches/pack.py's `make_input`), `--mb` MB; tokenizer: the
WordPiece vocabulary of benches/pack.py over unidic-lite.

    .venv/bin/python benches/scaling.py [--mb 16] [--runs 2] [--threads 1,2,4,8,16]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benches"))
sys.path.insert(0, str(ROOT / "tests"))

import pack as pack_bench  # noqa: E402

WAKACHI = [sys.executable, "-m", "wakachi"]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(cmd, check=True, stdout=null, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    cores = os.cpu_count() or 1
    default = [n for n in (1, 2, 4, 8, 16, 32, 64) if n <= cores]
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=16.0)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--threads", type=lambda v: [int(x) for x in v.split(",")], default=default)
    args = ap.parse_args()
    os.environ.setdefault("WAKACHI_CACHE_DIR", str(ROOT / ".cache" / "wakachi"))
    print(f"machine: {cores} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tok = pack_bench.build_tokenizer(tmp)
        inp = pack_bench.make_input(tmp / "input.txt", args.mb)
        mb = inp.stat().st_size / 1e6
        print(f"input: {mb:.2f} MB; whole processes; fastest of {args.runs}")
        jobs = {
            "segment": lambda n: [*WAKACHI, "segment", "-q", "-j", str(n), str(inp)],
            "encode": lambda n: [*WAKACHI, "encode", "-q", "-j", str(n), "-t", str(tok), str(inp)],
            "pack": lambda n: [
                *WAKACHI,
                "pack",
                "-q",
                "-j",
                str(n),
                "-t",
                str(tok),
                "-o",
                str(tmp / "out"),
                "--overwrite",
                "--format",
                "bert",
                "--max-seq-length",
                "128",
                "--dupe-factor",
                "5",
                str(inp),
            ],
        }
        timed(jobs["segment"](1))  # the dictionary cache and the page cache
        print("| command | threads | seconds | MB/s | speed-up | efficiency |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, cmd in jobs.items():
            base = None
            for n in args.threads:
                secs = min(timed(cmd(n)) for _ in range(args.runs))
                rate = mb / secs
                base = base or rate
                print(
                    f"| {name} | {n} | {secs:.2f} | {rate:.2f} | {rate / base:.2f}x | {100 * rate / (n * base):.0f} % |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
