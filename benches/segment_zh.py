"""Chinese segmentation speed and memory: wakachi's jieba vs Python jieba 0.42.1 on the same text,
in one run, with and without the HMM. Each measurement runs in its own process so its peak RSS is
its own.

Measured, per mode (`hmm`, `nohmm`):
  - load: `jieba.Tokenizer().initialize()` (from jieba's cache file once it exists) vs
    `Segmenter.jieba()`;
  - throughput on the text (MB of UTF-8 per second):
      jieba         `tok.lcut(line, HMM=hmm)` for each line (one thread; what Python users write)
      wakachi-api   `seg.segment_batch(lines, threads=N)` (lists of str back in Python)
      wakachi-cli   `wakachi segment -s jieba -j N FILE > /dev/null` (Rust reads and writes), over
                    the wall time and over the segmentation alone (its summary line)
    at one thread and all cores, and the ratio ours/jieba.

    .venv/bin/python benches/segment_zh.py [--mb 0 (= all of the files)] [--mode hmm|nohmm]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CORPORA  # noqa: E402

FILES = ["zh_debian.txt", "sighan2005_pku.txt", "sighan2005_as.txt"]


def build_text(mb: float, out: Path) -> None:
    """The files' non-blank lines, concatenated, cut at `mb` MB (0: all)."""
    lines, size = [], 0
    for f in FILES:
        for ln in (CORPORA / f).read_text(encoding="utf-8").split("\n"):
            if ln and (not mb or size < mb * 1e6):
                lines.append(ln)
                size += len(ln.encode()) + 1
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(kind: str, hmm: bool, threads: int, path: str) -> dict:
    """Runs one measurement in this process; returns load and run seconds, MB/s and peak RSS."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")[:-1]
    mb = len(text.encode()) / 1e6
    t0 = time.perf_counter()
    if kind == "jieba":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = [tok.lcut(ln, HMM=hmm) for ln in lines]  # kept, like segment_batch's result
    elif kind == "wakachi-api":
        from wakachi import Segmenter

        seg = Segmenter.jieba(hmm=hmm)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = seg.segment_batch(lines, threads=threads)
    else:
        raise SystemExit(f"unknown kind {kind}")
    secs = time.perf_counter() - t0
    assert len(out) == len(lines)
    return {"load": load, "seconds": secs, "mbps": mb / secs, "rss_mb": peak_rss_mb()}


def run_worker(kind: str, hmm: bool, threads: int, path: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(int(hmm)), str(threads), str(path)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(r.stderr)
    return json.loads(r.stdout)


def run_cli(hmm: bool, threads: int, path: Path) -> dict:
    """`wakachi segment` to /dev/null: MB/s over the wall time (Python start-up and loading
    included) and, from its summary line, over the segmentation alone."""
    spec = "jieba" if hmm else "jieba:nohmm"
    cmd = [sys.executable, "-m", "wakachi.cli", "segment", "-s", spec, "-j", str(threads), str(path)]
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as devnull, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t0
        err.seek(0)
        summary = err.read().decode()
    m = re.search(r"\(([0-9.]+) MB/s\)", summary)
    if status or not m:
        raise SystemExit(f"{cmd} failed: {summary}")
    mb = path.stat().st_size / 1e6
    return {"seconds": secs, "mbps": mb / secs, "core_mbps": float(m.group(1)), "rss_mb": usage.ru_maxrss / 1024}


def report(mode: str, rows: dict, cores: int) -> None:
    base = rows["jieba (1 thread)"]["mbps"]
    print(f"### {mode}\n")
    print(
        f"load: jieba {rows['jieba (1 thread)']['load']:.2f} s, "
        f"wakachi {rows['wakachi-api (1 thread)']['load']:.2f} s\n"
    )
    print("| run | MB/s | x jieba | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['mbps']:.2f} | {r['mbps'] / base:.1f} | {r['rss_mb']:.0f} |")
        if "core_mbps" in r:
            c = r["core_mbps"]
            print(f"| {name.replace('cli', 'cli, segmentation only')} | {c:.2f} | {c / base:.1f} | |")
    if cores > 1:
        one, allc = rows["wakachi-api (1 thread)"]["mbps"], rows[f"wakachi-api ({cores} threads)"]["mbps"]
        print(f"\nscaling (api): {cores} threads = {allc / one:.2f}x one thread")
    print(flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=0.0)
    ap.add_argument("--mode", action="append", choices=["hmm", "nohmm"])
    ap.add_argument("--worker", nargs=4, metavar=("KIND", "HMM", "THREADS", "PATH"))
    args = ap.parse_args()
    if args.worker:
        kind, hmm, threads, path = args.worker
        print(json.dumps(worker(kind, hmm == "1", int(threads), path)))
        return 0

    with tempfile.TemporaryDirectory(prefix="wakachi-bench-") as tmp:
        return bench(args, Path(tmp) / "zh.txt")


def bench(args: argparse.Namespace, text: Path) -> int:
    cores = os.cpu_count() or 1
    build_text(args.mb, text)
    print(
        f"text: {text.stat().st_size / 1e6:.1f} MB of Chinese ({', '.join(FILES)}), {cores} cores, "
        f"{os.uname().machine}, Python {sys.version.split()[0]}\n"
    )
    run_worker("jieba", True, 1, text)  # writes jieba's cache file, so its load below is warm
    for mode in args.mode or ["hmm", "nohmm"]:
        hmm = mode == "hmm"
        rows = {"jieba (1 thread)": run_worker("jieba", hmm, 1, text)}
        for n in sorted({1, cores}):
            label = f"({n} thread{'s' * (n > 1)})"
            rows[f"wakachi-api {label}"] = run_worker("wakachi-api", hmm, n, text)
            rows[f"wakachi-cli {label}"] = run_cli(hmm, n, text)
        report(mode, rows, cores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
