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

With `--repeat N` every measurement runs N times, in rounds that take each measurement once in turn
(so a slow spell on a shared machine hits all of them alike); a row's MB/s is its fastest run, and
"median x" the median over the rounds of its ratio to fugashi-surfaces in the same round.
`--engines` adds rows for wakachi's previous MeCab engine (vibrato, `WAKACHI_MECAB_ENGINE=vibrato`).

    .venv/bin/python benches/segment.py [--mb 20] [--dict unidic-lite --dict ipadic] [--repeat 3] [--engines]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
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


VIBRATO = {"WAKACHI_MECAB_ENGINE": "vibrato"}


def run_worker(*args, env: dict | None = None) -> dict:
    r = subprocess.run(
        [sys.executable, __file__, "--worker", *map(str, args)],
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
    )
    if r.returncode:
        raise SystemExit(r.stderr)
    return json.loads(r.stdout)


def run_process(cmd: list[str], env: dict) -> dict:
    """Runs `cmd` under a small Python parent whose only child it is, so the peak RSS read back
    is the command's own; stdout goes to /dev/null. Returns wall seconds, stderr and RSS."""
    parent = (
        "import json,os,resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True,check=True);"
        "print(json.dumps({'wall':time.perf_counter()-t,'stderr':r.stderr,"
        "'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
    )
    return json.loads(
        subprocess.run([sys.executable, "-c", parent, *cmd], env=env, check=True, capture_output=True, text=True).stdout
    )


def run_cli(dictionary: str, threads: int, path: Path, cache_dir: str, env: dict | None = None) -> dict:
    """Runs `wakachi segment` as a process. MB/s is over the CLI's segmentation time (its summary
    line); `wall_mbps` includes process start and the warm dictionary load."""
    env = dict(os.environ, WAKACHI_CACHE_DIR=cache_dir, **(env or {}))
    cmd = [sys.executable, "-m", "wakachi.cli", "segment", "-s", f"mecab:{dictionary}", "-j", str(threads), str(path)]
    r = run_process(cmd, env)
    secs = float(r["stderr"].rsplit(" in ", 1)[1].split(" s ")[0])
    mb = path.stat().st_size / 1e6
    return {
        "seconds": secs,
        "mbps": mb / secs,
        "wall_mbps": mb / r["wall"],
        "wall": r["wall"],
        "rss_mb": r["rss"] / 1024,
    }


# What a fugashi user runs to get the same output as `wakachi segment` (a line of space-separated
# surfaces per input line), as a whole process: interpreter start, import, dictionary, parse, write.
FUGASHI_SCRIPT = """
import sys
import fugashi
tagger = fugashi.GenericTagger(f'-d "{sys.argv[1]}" -r /dev/null')
write = sys.stdout.write
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        write(" ".join([w.surface for w in tagger(line.rstrip("\\n"))]) + "\\n")
"""


def run_fugashi_process(dictionary: str, path: Path) -> dict:
    """fugashi as a whole process (`FUGASHI_SCRIPT`); MB/s over its wall time."""
    from wakachi.dictionaries import resolve_mecab_dicdir

    r = run_process(
        [sys.executable, "-c", FUGASHI_SCRIPT, str(resolve_mecab_dicdir(dictionary)), str(path)], dict(os.environ)
    )
    mb = path.stat().st_size / 1e6
    return {
        "seconds": r["wall"],
        "mbps": mb / r["wall"],
        "wall_mbps": mb / r["wall"],
        "wall": r["wall"],
        "rss_mb": r["rss"] / 1024,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--dict", action="append", choices=["unidic-lite", "ipadic"])
    ap.add_argument("--worker", nargs=5, metavar=("KIND", "DICT", "THREADS", "PATH", "CACHE"))
    ap.add_argument("--repeat", type=int, default=1, help="rounds of every measurement; the fastest run is kept")
    ap.add_argument("--engines", action="store_true", help="also measure the vibrato engine")
    args = ap.parse_args()
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
        warm = min(
            (run_worker("wakachi-load-warm", d, 1, text, cache) for _ in range(args.repeat)), key=lambda r: r["seconds"]
        )
        # name -> (kind, threads, extra environment); "cli" runs `wakachi segment`
        jobs: dict[str, tuple[str, int, dict | None]] = {
            "fugashi-surfaces (1 thread)": ("fugashi-surfaces", 1, None),
            "fugashi-wakati (1 thread)": ("fugashi-wakati", 1, None),
            "fugashi-process (1 thread)": ("fugashi-process", 1, None),
        }
        for n in sorted({1, 2, cores}):
            if n <= cores:
                s = "s" * (n > 1)
                jobs[f"wakachi-api ({n} thread{s})"] = ("wakachi-api", n, None)
                jobs[f"wakachi-cli ({n} thread{s})"] = ("cli", n, None)
            if n == 1:
                for k in ("wakachi-lazy", "wakachi-lazy-joined", "wakachi-lazy-arrow"):
                    jobs[f"{k} (1 thread)"] = (k, 1, None)
        if args.engines:
            vib = run_worker("wakachi-load-cold", d, 1, text, cache, env=VIBRATO)  # builds vibrato's cache
            jobs["vibrato: wakachi-cli (1 thread)"] = ("cli", 1, VIBRATO)
            jobs["vibrato: wakachi-lazy (1 thread)"] = ("wakachi-lazy", 1, VIBRATO)
            vib_warm = min(
                (run_worker("wakachi-load-warm", d, 1, text, cache, env=VIBRATO) for _ in range(args.repeat)),
                key=lambda r: r["seconds"],
            )
        runs: dict[str, list[dict]] = {name: [] for name in jobs}
        for _ in range(max(1, args.repeat)):
            for name, (kind, n, env) in jobs.items():
                runs[name].append(
                    run_cli(d, n, text, cache, env=env)
                    if kind == "cli"
                    else run_fugashi_process(d, text)
                    if kind == "fugashi-process"
                    else run_worker(kind, d, n, text, cache, env=env)
                )
        rows = {name: min(rs, key=lambda r: r["seconds"]) for name, rs in runs.items()}
        surf = [r["mbps"] for r in runs["fugashi-surfaces (1 thread)"]]
        med = {
            name: statistics.median(r["mbps"] / b for r, b in zip(rs, surf, strict=True)) for name, rs in runs.items()
        }
        base_s = rows["fugashi-surfaces (1 thread)"]["mbps"]
        base_w = rows["fugashi-wakati (1 thread)"]["mbps"]
        print(f"### {d}\n")
        print(
            f"dictionary load: wakachi cold {cold['seconds']:.2f} s (peak RSS {cold['rss_mb']:.0f} MB), "
            f"wakachi warm {warm['seconds']:.2f} s (peak RSS {warm['rss_mb']:.0f} MB), "
            f"fugashi {rows['fugashi-surfaces (1 thread)']['load']:.2f} s"
            + (
                f"; vibrato engine cold {vib['seconds']:.2f} s, warm {vib_warm['seconds']:.2f} s "
                f"(peak RSS {vib_warm['rss_mb']:.0f} MB)"
                if args.engines
                else ""
            )
            + "\n"
        )
        print("| run | MB/s | x fugashi-surfaces | median x | x fugashi-wakati | peak RSS MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in rows.items():
            print(
                f"| {name} | {r['mbps']:.2f} | {r['mbps'] / base_s:.2f} | {med[name]:.2f} | {r['mbps'] / base_w:.2f} "
                f"| {r['rss_mb']:.0f} |"
            )
        print(
            "\n(wakachi-cli MB/s: segmentation time from its summary; with process start and dictionary load: "
            + ", ".join(f"{n} {r['wall_mbps']:.2f}" for n, r in rows.items() if "cli" in n)
            + ")"
        )
        whole = [
            f["wall"] / w["wall"]
            for f, w in zip(runs["fugashi-process (1 thread)"], runs["wakachi-cli (1 thread)"], strict=True)
        ]
        print(
            "\nwhole processes, one thread (interpreter start, imports, dictionary, segmentation, output): "
            f"fugashi script {rows['fugashi-process (1 thread)']['wall']:.2f} s, "
            f"wakachi segment {min(r['wall'] for r in runs['wakachi-cli (1 thread)']):.2f} s: "
            f"{max(whole):.2f}x (median of rounds {statistics.median(whole):.2f}x); "
            f"against fugashi's parse loop alone (no start, no output): "
            f"{rows['wakachi-cli (1 thread)']['wall_mbps'] / base_s:.2f}x"
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
