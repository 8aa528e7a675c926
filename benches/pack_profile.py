"""`wakachi pack` (streaming bert, seq 128 / dupe 5) against `wakachi segment` on the same text and
thread count, each its own process, wall time as a user runs it (process start, dictionary load,
the run): pack's share of segmentation's throughput, the shuffle's share of pack's time, and
pack's per-stage profile (`WAKACHI_PROFILE=1`: seconds per stage summed over threads).

`wakachi encode` with pack's tokenizer on the same text is measured too: pack does all that
encode does (segmentation, NFKC, WordPiece) before it builds a single instance, so encode's share
of segmentation's throughput is the ceiling of pack's, were instances, shuffle and shards free.

Input: kwdlc + ja_debian + aozora (benches/pack.py's `make_input`), `--mb` MB, repeated `--times`
times; tokenizer: the WordPiece vocabulary of benches/pack.py over unidic-lite.

    .venv/bin/python benches/pack_profile.py [--mb 10] [--times 1] [--threads 1,2] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_segment(py: str, inp: Path, threads: int) -> tuple[float, dict]:
    cmd = [py, "-m", "wakachi", "segment", "-q", "-j", str(threads), str(inp)]
    t0, c0 = time.perf_counter(), cpu_seconds()
    with open(os.devnull, "wb") as null:
        subprocess.run(cmd, check=True, stdout=null)
    return time.perf_counter() - t0, {"cpu": cpu_seconds() - c0}


def run_encode(py: str, tok: Path, inp: Path, threads: int) -> tuple[float, dict]:
    cmd = [py, "-m", "wakachi", "encode", "-q", "-j", str(threads), "-t", str(tok), str(inp)]
    t0, c0 = time.perf_counter(), cpu_seconds()
    with open(os.devnull, "wb") as null:
        subprocess.run(cmd, check=True, stdout=null)
    return time.perf_counter() - t0, {"cpu": cpu_seconds() - c0}


def run_pack(py: str, tok: Path, inp: Path, out: Path, threads: int, shuffle: bool) -> tuple[float, dict]:
    env = dict(os.environ, WAKACHI_PROFILE="1")
    cmd = [py, str(ROOT / "benches" / "pack.py"), "--side", "ours", "--tok", str(tok)]
    cmd += ["--input", str(inp), "--out", str(out), "--seq", "128", "--dupe", "5", "--threads", str(threads)]
    cmd += ["--shuffle", "on" if shuffle else "off"]
    t0, c0 = time.perf_counter(), cpu_seconds()
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    return wall, dict(json.loads(res.stdout.strip().splitlines()[-1]), cpu=cpu_seconds() - c0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--times", type=int, default=1, help="the input repeated this many times")
    ap.add_argument("--threads", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    ap.add_argument("--runs", type=int, default=1, help="runs of each measurement (the fastest is kept)")
    ap.add_argument("--before", metavar="PYTHON", help="also measure this interpreter's wakachi (e.g. main's venv)")
    args = ap.parse_args()
    os.environ.setdefault("WAKACHI_CACHE_DIR", str(ROOT / ".cache" / "wakachi"))
    sides = [("after", sys.executable)] + ([("before", args.before)] if args.before else [])
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tok = pack_bench.build_tokenizer(tmp)
        base = pack_bench.make_input(tmp / "base.txt", args.mb)
        inp = pack_bench.repeat_input(tmp / "input.txt", base, args.times) if args.times > 1 else base
        mb = inp.stat().st_size / 1e6
        print(f"input: {mb:.2f} MB; pack: bert seq 128 / dupe 5, shuffle 512 MiB budget; wall time per process")
        for _, py in sides:
            run_segment(py, inp, 1)  # warm the dictionary cache and the page cache
        best: dict[tuple[str, int, str], tuple[float, dict]] = {}

        def keep(key: tuple[str, int, str], wall: float, r: dict) -> None:
            if key not in best or wall < best[key][0]:
                best[key] = (wall, r)

        for t in args.threads:
            for _ in range(args.runs):  # sides interleaved, so both see the same load
                for side, py in sides:
                    keep((side, t, "segment"), *run_segment(py, inp, t))
                    keep((side, t, "encode"), *run_encode(py, tok, inp, t))
                    for shuffle in (False, True):
                        w, r = run_pack(py, tok, inp, tmp / "out", t, shuffle)
                        keep((side, t, "pack shuffle " + ("on" if shuffle else "off")), w, r)
        print("wall = fastest run; CPU = user + system seconds of that run (less sensitive to other jobs)")
        head = f"{'side':<7} {'threads':>7} {'run':<18} {'wall s':>7} {'MB/s':>6} {'x segment':>9}"
        print(head + f" {'CPU s':>6} {'x segment':>9} {'instances':>10}")
        for side, _ in sides:
            for t in args.threads:
                seg, seg_r = best[(side, t, "segment")]
                for what in ("segment", "encode", "pack shuffle off", "pack shuffle on"):
                    w, r = best[(side, t, what)]
                    n = f"{r['instances']:,}" if "instances" in r else ""
                    print(
                        f"{side:<7} {t:>7} {what:<18} {w:>7.2f} {mb / w:>6.2f} {seg / w:>9.2f} "
                        f"{r['cpu']:>6.2f} {seg_r['cpu'] / r['cpu']:>9.2f} {n:>10}"
                    )
                off, on = best[(side, t, "pack shuffle off")], best[(side, t, "pack shuffle on")]
                enc = best[(side, t, "encode")]
                print(
                    f"{'':<16}shuffle share of pack (1 - off/on): wall {1 - off[0] / on[0]:.1%}, "
                    f"CPU {1 - off[1]['cpu'] / on[1]['cpu']:.1%}; pack on / segment: wall {seg / on[0]:.2f}, "
                    f"CPU {seg_r['cpu'] / on[1]['cpu']:.2f}; ceiling (encode / segment): wall "
                    f"{seg / enc[0]:.2f}, CPU {seg_r['cpu'] / enc[1]['cpu']:.2f}"
                )
        profiles = {
            f"{side} {t}t {what[5:]}": r["profile"] + [("(pack run)", r["pack_s"])]
            for (side, t, what), (_, r) in best.items()
            if r.get("profile") and t == args.threads[0]
        }
        if profiles:
            print("\nper-stage seconds (summed over threads; segment is inside encode, masking inside instances):")
            names = [k for k, _ in next(iter(profiles.values()))]
            print(f"{'stage':<14}" + "".join(f"{k:>20}" for k in profiles))
            for n in names:
                print(f"{n:<14}" + "".join(f"{dict(v).get(n, 0.0):>20.2f}" for v in profiles.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
