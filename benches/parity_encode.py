"""Parity of `wakachi.Tokenizer` with transformers' `BertJapaneseTokenizer` on every line of the
shared Japanese corpora, for every configuration built by tests/wordpiece_fixtures.py
(unidic-lite and ipadic × WordPiece and character × cased and lower-cased, plus the basic word
tokenizer). Prints identical/total per file and configuration; exits 1 on any difference.

    .venv/bin/python benches/parity_encode.py [--lines N] [--configs NAME,...] [--files F,...]

`--lines N` takes N lines spread over each file instead of all of them (the reference is slow).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import wakachi
import wordpiece_fixtures as fx


def compare(name: str, path: Path, files: list[str], n: int | None) -> tuple[int, int]:
    hf = fx.hf_tokenizer(path)
    ours = wakachi.Tokenizer.from_pretrained(path)
    same_all = total_all = 0
    for f in files:
        lines = fx.read_lines(f)
        if n:
            lines = fx.sample(lines, n)
        t0 = time.perf_counter()
        want = [hf(line, add_special_tokens=False)["input_ids"] for line in lines]
        t_hf = time.perf_counter() - t0
        got = ours.encode_batch(lines)
        same = sum(a == b for a, b in zip(want, got, strict=True))
        print(f"{name:28s} {f:22s} {same:>7,}/{len(lines):<7,} identical  (reference {t_hf:.0f} s)", flush=True)
        for line, a, b in zip(lines, want, got, strict=True):
            if a != b:
                print(f"  first difference: {line[:120]!r}\n    transformers {a[:40]}\n    wakachi      {b[:40]}")
                break
        same_all += same
        total_all += len(lines)
    return same_all, total_all


def unicode_check() -> tuple[int, int]:
    """The core's NFKC and lower() against CPython's on every line of every corpus file."""
    import unicodedata

    from wakachi import _core

    same = total = 0
    for f in sorted(p.name for p in fx.CORPORA.glob("*.txt")):
        lines = fx.read_lines(f)
        ok = sum(_core.nfkc(ln) == unicodedata.normalize("NFKC", ln) and _core.lower(ln) == ln.lower() for ln in lines)
        print(f"{'unicode (NFKC, lower)':28s} {f:22s} {ok:>7,}/{len(lines):<7,} identical", flush=True)
        same += ok
        total += len(lines)
    return same, total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=0, help="lines per file (default: all)")
    ap.add_argument("--configs", default="", help="comma-separated configuration names (default: all)")
    ap.add_argument("--files", default=",".join(fx.JA_FILES), help="corpus files")
    args = ap.parse_args()
    files = args.files.split(",")
    same, total = unicode_check()
    print(f"python {sys.version.split()[0]}, unicodedata {__import__('unicodedata').unidata_version}")
    with tempfile.TemporaryDirectory() as tmp:
        dirs = fx.build_all(Path(tmp))
        names = args.configs.split(",") if args.configs else list(dirs)
        for name in names:
            s, t = compare(name, dirs[name], files, args.lines or None)
            print(f"{name:28s} {'TOTAL':22s} {s:>7,}/{t:<7,} identical", flush=True)
            same += s
            total += t
    print(f"ALL: {same:,}/{total:,} lines identical")
    return 0 if same == total else 1


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
