"""Segmentation speed and memory: wakachi vs MeCab (fugashi 1.5.2) on the same text, same
dicdir, in one run. Each measurement runs in its own process so its peak RSS is its own.

Measured, per dictionary:
  - dictionary load: wakachi cold (empty cache: read the MeCab binary, translate, build, write the
    cache), wakachi warm (from the cache), fugashi (MeCab mmaps its files);
  - throughput on the text (MB of UTF-8 per second), one thread and all cores:
      fugashi-surfaces  `[w.surface for w in tagger(line)]` (what Python users write)
      fugashi-wakati    `tagger.parse(line)` with `-Owakati` (MeCab's fastest output path)
      wakachi-api       `seg.segment_batch(lines, threads=N)` (lists of str back in Python)
      wakachi-lazy      `seg.segment_batch_lazy(lines)` (words stay offsets in Rust), then
                        nothing / `.joined()` (a str per line) / `.to_arrow()` (a pyarrow array)
      wakachi-cli       `wakachi segment -j N FILE > /dev/null` (Rust reads and writes)
  - ratios ours/theirs against fugashi-surfaces and fugashi-wakati at one thread.

    .venv/bin/python benches/segment.py [--mb 20] [--dict unidic-lite --dict ipadic]
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
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CORPORA  # noqa: E402

FILES = ["aozora_ja.txt", "ja_debian.txt", "jglue_wikipedia.txt", "kwdlc.txt", "jglue_captions.txt"]


def build_text(mb: float, out: Path) -> None:
    """Non-blank lines from several corpora, interleaved by file, up to `mb` MB."""
    sources = [[ln for ln in (CORPORA / f).read_text(encoding="utf-8").split("\n") if ln] for f in FILES]
    lines, size, i = [], 0, 0
    while size < mb * 1e6 and any(sources):
        src = sources[i % len(sources)]
        if src:
            ln = src.pop(0)
            lines.append(ln)
            size += len(ln.encode()) + 1
        i += 1
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(kind: str, dictionary: str, threads: int, path: str, cache_dir: str) -> dict:
    """Runs one measurement in this process; returns seconds, MB/s and peak RSS."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")[:-1]
    mb = len(text.encode()) / 1e6
    if kind.startswith("fugashi"):
        import fugashi

        from wakachi.dictionaries import resolve_mecab_dicdir

        t0 = time.perf_counter()
        opt = " -Owakati" if kind == "fugashi-wakati" else ""
        tagger = fugashi.GenericTagger(f'-d "{resolve_mecab_dicdir(dictionary)}" -r /dev/null{opt}')
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        if kind == "fugashi-wakati":
            for ln in lines:
                tagger.parse(ln)
        else:
            for ln in lines:
                [w.surface for w in tagger(ln)]
        secs = time.perf_counter() - t0
    elif kind == "wakachi-api" or kind.startswith("wakachi-lazy"):
        from wakachi import Segmenter

        t0 = time.perf_counter()
        seg = Segmenter.mecab(dictionary, cache_dir=cache_dir)
        load = time.perf_counter() - t0
        if kind.endswith("arrow"):
            import pyarrow  # noqa: F401  (imported before the clock starts)
        t0 = time.perf_counter()
        if kind == "wakachi-api":
            seg.segment_batch(lines, threads=threads)
        else:
            lazy = seg.segment_batch_lazy(lines, threads=threads)
            if kind.endswith("joined"):
                lazy.joined()
            elif kind.endswith("arrow"):
                lazy.to_arrow()
        secs = time.perf_counter() - t0
    elif kind in ("wakachi-load-cold", "wakachi-load-warm"):
        from wakachi import Segmenter

        t0 = time.perf_counter()
        Segmenter.mecab(dictionary, cache_dir=cache_dir)
        return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}
    else:
        raise SystemExit(f"unknown kind {kind}")
    return {"load": load, "seconds": secs, "mbps": mb / secs, "rss_mb": peak_rss_mb()}


REPEAT = 1  # runs of each measurement; the fastest is kept (--repeat, for a noisy machine)


def run_worker(*args) -> dict:
    best: dict = {}
    for _ in range(1 if args[0] == "wakachi-load-cold" else REPEAT):  # a second cold load would be warm
        r = subprocess.run([sys.executable, __file__, "--worker", *map(str, args)], capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(r.stderr)
        got = json.loads(r.stdout)
        if not best or got["seconds"] < best["seconds"]:
            best = got
    return best


def run_cli(dictionary: str, threads: int, path: Path, cache_dir: str) -> dict:
    runs = [run_cli_once(dictionary, threads, path, cache_dir) for _ in range(REPEAT)]
    return min(runs, key=lambda r: r["seconds"])


def run_cli_once(dictionary: str, threads: int, path: Path, cache_dir: str) -> dict:
    """Runs `wakachi segment` under a small Python parent whose only child is the CLI, so the
    peak RSS read back is the CLI's own. MB/s is over the CLI's segmentation time (its summary
    line); `wall_mbps` includes process start and the warm dictionary load."""
    env = dict(os.environ, WAKACHI_CACHE_DIR=cache_dir)
    cmd = [sys.executable, "-m", "wakachi.cli", "segment", "-s", f"mecab:{dictionary}", "-j", str(threads), str(path)]
    parent = (
        "import json,os,resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True,check=True);"
        "print(json.dumps({'wall':time.perf_counter()-t,'stderr':r.stderr,"
        "'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
    )
    r = json.loads(
        subprocess.run([sys.executable, "-c", parent, *cmd], env=env, check=True, capture_output=True, text=True).stdout
    )
    secs = float(r["stderr"].rsplit(" in ", 1)[1].split(" s ")[0])
    mb = path.stat().st_size / 1e6
    return {"seconds": secs, "mbps": mb / secs, "wall_mbps": mb / r["wall"], "rss_mb": r["rss"] / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--dict", action="append", choices=["unidic-lite", "ipadic"])
    ap.add_argument("--worker", nargs=5, metavar=("KIND", "DICT", "THREADS", "PATH", "CACHE"))
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement, the fastest kept")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    if args.worker:
        kind, d, threads, path, cache = args.worker
        print(json.dumps(worker(kind, d, int(threads), path, cache)))
        return 0

    cores = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="wakachi-bench-"))
    text = tmp / "text.txt"
    build_text(args.mb, text)
    mb = text.stat().st_size / 1e6
    print(
        f"text: {mb:.1f} MB of Japanese ({', '.join(FILES)}), {cores} cores, "
        f"{os.uname().machine}, Python {sys.version.split()[0]}\n"
    )
    for d in args.dict or ["unidic-lite", "ipadic"]:
        cache = str(tmp / f"cache-{d}")
        cold = run_worker("wakachi-load-cold", d, 1, text, cache)
        warm = run_worker("wakachi-load-warm", d, 1, text, cache)
        rows = {
            "fugashi-surfaces (1 thread)": run_worker("fugashi-surfaces", d, 1, text, cache),
            "fugashi-wakati (1 thread)": run_worker("fugashi-wakati", d, 1, text, cache),
        }
        for n in sorted({1, 2, cores}):
            if n <= cores:
                rows[f"wakachi-api ({n} thread{'s' * (n > 1)})"] = run_worker("wakachi-api", d, n, text, cache)
                rows[f"wakachi-cli ({n} thread{'s' * (n > 1)})"] = run_cli(d, n, text, cache)
            if n == 1:
                for k in ("wakachi-lazy", "wakachi-lazy-joined", "wakachi-lazy-arrow"):
                    rows[f"{k} (1 thread)"] = run_worker(k, d, 1, text, cache)
        base_s = rows["fugashi-surfaces (1 thread)"]["mbps"]
        base_w = rows["fugashi-wakati (1 thread)"]["mbps"]
        print(f"### {d}\n")
        print(
            f"dictionary load: wakachi cold {cold['seconds']:.2f} s (peak RSS {cold['rss_mb']:.0f} MB), "
            f"wakachi warm {warm['seconds']:.2f} s (peak RSS {warm['rss_mb']:.0f} MB), "
            f"fugashi {rows['fugashi-surfaces (1 thread)']['load']:.2f} s\n"
        )
        print("| run | MB/s | x fugashi-surfaces | x fugashi-wakati | peak RSS MB |")
        print("|---|---:|---:|---:|---:|")
        for name, r in rows.items():
            print(
                f"| {name} | {r['mbps']:.2f} | {r['mbps'] / base_s:.2f} | {r['mbps'] / base_w:.2f} | {r['rss_mb']:.0f} |"
            )
        print(
            "\n(wakachi-cli MB/s: segmentation time from its summary; with process start and dictionary load: "
            + ", ".join(f"{n} {r['wall_mbps']:.2f}" for n, r in rows.items() if "cli" in n)
            + ")"
        )
        one = rows["wakachi-cli (1 thread)"]["mbps"]
        if cores > 1:
            allc = rows[f"wakachi-cli ({cores} threads)"]["mbps"]
            print(
                f"\nscaling (cli): {cores} threads = {allc / one:.2f}x one thread ({allc / one / cores:.0%} of linear)"
            )
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
