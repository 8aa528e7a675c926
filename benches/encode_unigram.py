"""Unigram encoding speed: wakachi against sentencepiece 0.2.3 on the same text in one run.

For each model (tests/unigram_models.py) the whole shared corpus of its language (every line of
every file) is encoded as a list of lines: wakachi with 1 thread and with all cores,
sentencepiece's `encode(list)` with `num_threads=1` and with all cores. Each configuration runs in
its own child process (so peak RSS is its own): best of `--repeat` runs, MB/s of UTF-8 input, peak
RSS, and the ratio ours/theirs at equal threads. Outputs are checked equal.

    .venv/bin/python benches/encode_unigram.py [--repeat 3] [--models ja zh]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import unigram_models as um

CONFIGS = ["wakachi-1", "wakachi-all", "sentencepiece-1", "sentencepiece-all"]


def corpus(lang: str) -> list[str]:
    return [x for f in um.corpus_files(lang) for x in um.read_lines(f)]


def child(model: str, config: str, repeat: int) -> dict:
    """Runs one configuration; prints a JSON line."""
    path = um.train(model)
    lines = corpus(um.VARIANTS[model][0])
    nbytes = sum(len(x.encode()) for x in lines)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if config.startswith("wakachi"):
        from wakachi.unigram import UnigramModel

        m = UnigramModel.from_file(path)
        threads = 1 if config.endswith("-1") else 0
        run = lambda: m.encode_batch(lines, threads=threads)  # noqa: E731
    else:
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(path))
        threads = 1 if config.endswith("-1") else -1
        run = lambda: sp.encode(lines, num_threads=threads)  # noqa: E731
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t)
    digest = hashlib.sha256(json.dumps(out).encode()).hexdigest()[:16]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mb_s": nbytes / best / 1e6,
        "seconds": best,
        "mb": nbytes / 1e6,
        "lines": len(lines),
        "peak_rss_mb": rss / 1024,
        "rss_before_mb": rss_before / 1024,
        "digest": digest,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=["ja", "zh", "ja_bytes"])
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(*a.child, a.repeat)))
        return 0
    import sentencepiece as spm

    print(f"{os.cpu_count()} cores; sentencepiece {spm.__version__}; best of {a.repeat}")
    ok = True
    for model in a.models:
        um.train(model)
        res = {}
        for c in CONFIGS:
            r = subprocess.run(
                [sys.executable, __file__, "--repeat", str(a.repeat), "--child", model, c],
                check=True,
                capture_output=True,
                text=True,
            )
            res[c] = json.loads(r.stdout.strip().splitlines()[-1])
        first = res[CONFIGS[0]]
        print(f"\nmodel {model}: {first['lines']} lines, {first['mb']:.1f} MB")
        print(f"  {'':18} {'MB/s':>8} {'peak RSS MB':>12} {'(before encoder)':>17}")
        for c in CONFIGS:
            r = res[c]
            print(f"  {c:18} {r['mb_s']:8.2f} {r['peak_rss_mb']:12.0f} {r['rss_before_mb']:17.0f}")
        for t in ("1", "all"):
            ratio = res[f"wakachi-{t}"]["mb_s"] / res[f"sentencepiece-{t}"]["mb_s"]
            print(f"  ratio wakachi/sentencepiece, {t} thread(s): {ratio:.2f}")
        same = len({r["digest"] for r in res.values()}) == 1
        ok &= same
        print(f"  outputs identical: {same}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
