"""Speed of `wakachi split` against the Python reference (cl-tohoku's loop over fugashi's MeCab
output, and the zh regular expression), same file, same limits (10–200), output to /dev/null.
Each side runs in its own process; prints MB/s, ratio ours/theirs and peak RSS.

    .venv/bin/python benches/split_speed.py [--files aozora_ja.txt,zh_debian.txt] [-j 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from split_reference import CORPORA, ZH_FILES  # noqa: E402

REFERENCE = """
import sys
sys.path.insert(0, {tests!r})
from split_reference import cl_tohoku_raw, corpus_lines, mecab_tagger, split_document_lines, zh_raw
tagger = mecab_tagger("unidic-lite") if {rule!r} == "cl-tohoku" else None
f = zh_raw if tagger is None else (lambda l: cl_tohoku_raw(tagger, l))
with open("/dev/null", "w") as out:
    for s in split_document_lines(corpus_lines({name!r}), f, 10, 200):
        print(s, file=out)
"""


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of a child process (the whole
    process: interpreter, dictionary loading, buffers)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    if status:
        raise SystemExit(f"{cmd[:4]} failed ({status})")
    return secs, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="aozora_ja.txt,ja_debian.txt,zh_debian.txt")
    ap.add_argument("-j", "--threads", type=int, default=0)
    args = ap.parse_args()
    print(
        "| file | rule | MB | wakachi MB/s | reference MB/s | ratio | wakachi CPU s | reference CPU s "
        "| wakachi RSS MB | reference RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.files.split(","):
        rule = "zh" if name in ZH_FILES else "cl-tohoku"
        mb = (CORPORA / name).stat().st_size / 1e6
        ref_s, ref_cpu, ref_rss = run([sys.executable, "-c", REFERENCE.format(tests=str(TESTS), rule=rule, name=name)])
        ours_s, ours_cpu, ours_rss = run(
            [
                sys.executable,
                "-m",
                "wakachi.cli",
                "split",
                "-q",
                "--rule",
                rule,
                "--min-len",
                "10",
                "--max-len",
                "200",
                "-j",
                str(args.threads),
                "-o",
                "/dev/null",
                str(CORPORA / name),
            ]
        )
        print(
            f"| {name} | {rule} | {mb:.1f} | {mb / ours_s:.2f} | {mb / ref_s:.2f} | {ref_s / ours_s:.1f}x | "
            f"{ours_cpu:.1f} | {ref_cpu:.1f} | {ours_rss:.0f} | {ref_rss:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
