"""Dictionary start-up: unidic-lite loaded by wakachi (from its compiled cache) and by MeCab
(fugashi), each in fresh processes, in one run: seconds to load, and memory when `--procs`
processes hold it at once (summed PSS: pages shared between the processes are split among them,
so shared pages count once in the sum).

    .venv/bin/python benches/dict_load.py [--runs 5] [--procs 4] [--before PYTHON]

`--before` adds another interpreter's wakachi (e.g. /work/main/.venv/bin/python, the code before
a change) to the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
side = sys.argv[1]
if side == "fugashi":
    import fugashi, unidic_lite
    t0 = time.perf_counter()
    tagger = fugashi.Tagger("-d " + unidic_lite.DICDIR)
    tagger("今日は良い天気です")
else:
    from wakachi.segment import Segmenter
    t0 = time.perf_counter()
    seg = Segmenter.from_spec("mecab:unidic-lite")
    seg.tokenize("今日は良い天気です")
load = time.perf_counter() - t0
print(json.dumps({"load": load}), flush=True)
sys.stdin.readline()  # hold the dictionary until told to exit
"""


def pss_kb(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:", "Pss_Anon:", "Pss_File:"):
                out[parts[0][:-1]] = int(parts[1])
    return out


def measure(py: str, side: str, procs: int) -> tuple[list[float], dict[str, int]]:
    """Starts `procs` processes one after another (each load timed alone), then reads their PSS."""
    children = []
    loads = []
    for _ in range(procs):
        p = subprocess.Popen(
            [py, "-c", CHILD, side], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ
        )
        assert p.stdout is not None
        loads.append(json.loads(p.stdout.readline())["load"])
        children.append(p)
    mem: dict[str, int] = {}
    for p in children:
        for k, v in pss_kb(p.pid).items():
            mem[k] = mem.get(k, 0) + v
    for p in children:
        assert p.stdin is not None
        p.stdin.write("\n")
        p.stdin.flush()
        p.wait()
    return loads, mem


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="rounds of --procs processes per side")
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--before", metavar="PYTHON")
    args = ap.parse_args()
    os.environ.setdefault("WAKACHI_CACHE_DIR", str(ROOT / ".cache" / "wakachi"))
    sides = [("wakachi", sys.executable, "wakachi")]
    if args.before:
        sides.append(("wakachi (before)", args.before, "wakachi"))
    sides.append(("MeCab (fugashi)", sys.executable, "fugashi"))
    for _, py, side in sides:  # build/warm the caches
        measure(py, side, 1)
    loads: dict[str, list[float]] = {label: [] for label, _, _ in sides}
    mems: dict[str, dict[str, int]] = {}
    t0 = time.time()
    for _ in range(args.runs):
        for label, py, side in sides:  # interleaved, so every side sees the same load
            ls, mem = measure(py, side, args.procs)
            loads[label] += ls
            mems[label] = mem
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; {time.time() - t0:.0f} s")
    print(f"unidic-lite; load = constructor to first sentence, {args.runs * args.procs} fresh processes each")
    print(f"memory: {args.procs} processes holding the dictionary at once, summed over them (MB)")
    print(f"{'side':<18} {'load min s':>10} {'median s':>9} {'PSS':>7} {'PSS anon':>9} {'PSS file':>9} {'RSS':>7}")
    for label, _, _ in sides:
        m = mems[label]
        print(
            f"{label:<18} {min(loads[label]):>10.3f} {statistics.median(loads[label]):>9.3f} "
            f"{m['Pss'] / 1024:>7.0f} {m['Pss_Anon'] / 1024:>9.0f} {m['Pss_File'] / 1024:>9.0f} {m['Rss'] / 1024:>7.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
