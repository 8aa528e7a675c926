"""`wakachi pack` (streaming bert, seq 128 / dupe 5) against `wakachi segment` on the same text and
thread count, each its own process, wall time as a user runs it (process start, dictionary load,
the run): pack's share of segmentation's throughput, the shuffle's share of pack's time, and
pack's per-stage profile (`WAKACHI_PROFILE=1`: seconds per stage summed over threads).

Input: kwdlc + ja_debian + aozora (benches/pack.py's `make_input`), `--mb` MB, repeated `--times`
times; tokenizer: the WordPiece vocabulary of benches/pack.py over unidic-lite.

    .venv/bin/python benches/pack_profile.py [--mb 10] [--times 1] [--threads 1,2] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
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


def child_hwm_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_segment(inp: Path, threads: int) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "wakachi", "segment", "-q", "-j", str(threads), str(inp)]
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(cmd, check=True, stdout=null)
    return time.perf_counter() - t0, child_hwm_mb()


def run_pack(tok: Path, inp: Path, out: Path, threads: int, shuffle: bool) -> tuple[float, dict]:
    env = dict(os.environ, WAKACHI_PROFILE="1")
    cmd = [sys.executable, str(ROOT / "benches" / "pack.py"), "--side", "ours", "--tok", str(tok)]
    cmd += ["--input", str(inp), "--out", str(out), "--seq", "128", "--dupe", "5", "--threads", str(threads)]
    cmd += ["--shuffle", "on" if shuffle else "off"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    return wall, json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--times", type=int, default=1, help="the input repeated this many times")
    ap.add_argument("--threads", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    ap.add_argument("--runs", type=int, default=1, help="runs of each measurement (the fastest is kept)")
    args = ap.parse_args()
    os.environ.setdefault("WAKACHI_CACHE_DIR", str(ROOT / ".cache" / "wakachi"))
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tok = pack_bench.build_tokenizer(tmp)
        base = pack_bench.make_input(tmp / "base.txt", args.mb)
        inp = pack_bench.repeat_input(tmp / "input.txt", base, args.times) if args.times > 1 else base
        mb = inp.stat().st_size / 1e6
        print(f"input: {mb:.2f} MB; pack: bert seq 128 / dupe 5, shuffle 512 MiB budget; wall time per process")
        run_segment(inp, 1)  # warm the dictionary cache and the page cache
        profiles: dict[str, list[tuple[str, float]]] = {}
        head = f"{'threads':>7} {'run':<18} {'wall s':>7} {'MB/s':>6} {'x segment':>9} {'instances':>10}"
        print(head)
        for t in args.threads:
            seg = min(run_segment(inp, t)[0] for _ in range(args.runs))
            print(f"{t:>7} {'segment':<18} {seg:>7.2f} {mb / seg:>6.2f} {1.0:>9.2f} {'':>10}")
            walls = {}
            for shuffle in (False, True):
                best = None
                for _ in range(args.runs):
                    w, r = run_pack(tok, inp, tmp / "out", t, shuffle)
                    if best is None or w < best[0]:
                        best = (w, r)
                assert best is not None
                w, r = best
                label = "pack shuffle " + ("on" if shuffle else "off")
                walls[shuffle] = w
                print(f"{t:>7} {label:<18} {w:>7.2f} {mb / w:>6.2f} {seg / w:>9.2f} {r['instances']:>10,}")
                profiles[f"{t}t {label}"] = [(k, v) for k, v in r.get("profile") or []] + [("(pack run)", r["pack_s"])]
            share = 1 - walls[False] / walls[True]
            print(f"{'':>7} shuffle share of pack (1 - off/on): {share:.1%}; pack on / segment: {seg / walls[True]:.2f}")
        print("\nper-stage seconds (summed over threads; segment is inside encode, masking inside instances):")
        names = [k for k, _ in next(iter(profiles.values()))]
        print(f"{'stage':<14}" + "".join(f"{k:>22}" for k in profiles))
        for i, n in enumerate(names):
            print(f"{n:<14}" + "".join(f"{v[i][1]:>22.2f}" for v in profiles.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
