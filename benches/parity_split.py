"""Every line of every shared corpus file split by wakachi and by the Python references of
tests/split_reference.py: the cl-tohoku rule (MeCab via fugashi, same dicdir) on the Japanese
files, the zh rule on the Chinese files. Two checks per file:

* lines: each line's sentences (stripped, no length limits), `split_sentences_batch` vs reference;
* file: `split_files` on the whole file with cl-tohoku's limits (10–200 characters) and document
  blank lines, vs the reference's output, line by line.

Prints a table of identical/total; exits 1 on any difference.

    .venv/bin/python benches/parity_split.py [--dict unidic-lite|ipadic] [--files a.txt,b.txt]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from split_reference import (
    CORPORA,
    JA_FILES,
    ZH_FILES,
    cl_tohoku_raw,
    corpus_lines,
    keep,
    mecab_tagger,
    split_document_lines,
    zh_raw,
)
from wakachi import Segmenter
from wakachi.split import split_files, split_sentences_batch

MIN, MAX = 10, 200


def compare_file(name: str, rule: str, seg, raw_split) -> list[tuple]:
    lines = corpus_lines(name)
    t0 = time.perf_counter()
    raws = [raw_split(ln) if ln.strip() else [] for ln in lines]
    t_ref = time.perf_counter() - t0
    ours = split_sentences_batch(lines, rule, seg)
    same = sum(o == keep(r) for o, r in zip(ours, raws, strict=True))
    rows = [(name, rule, "lines", same, len(lines), t_ref)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.txt"
        report = split_files([CORPORA / name], out, rule, seg, min_len=MIN, max_len=MAX)
        got = out.read_text(encoding="utf-8").split("\n")[:-1]
    it = iter(r for ln, r in zip(lines, raws, strict=True) if ln.strip())
    ref = split_document_lines(lines, lambda _: next(it), MIN, MAX)
    same = sum(a == b for a, b in zip(got, ref, strict=True)) if len(got) == len(ref) else 0
    rows.append((name, rule, f"file {MIN}-{MAX}", same, len(ref), report["seconds"]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dict", default="unidic-lite", choices=["unidic-lite", "ipadic"])
    ap.add_argument("--files", default=",".join(JA_FILES + ZH_FILES))
    args = ap.parse_args()
    seg, tagger = Segmenter.mecab(args.dict), mecab_tagger(args.dict)
    failed = 0
    print("| file | rule | check | identical | total | seconds (ref lines / ours file) |")
    print("|---|---|---|---:|---:|---:|")
    for name in args.files.split(","):
        if name in ZH_FILES:
            rows = compare_file(name, "zh", None, zh_raw)
        else:
            rows = compare_file(name, "cl-tohoku", seg, lambda ln: cl_tohoku_raw(tagger, ln))
        for file, rule, check, same, total, secs in rows:
            label = f"cl-tohoku ({args.dict})" if rule == "cl-tohoku" else rule
            print(f"| {file} | {label} | {check} | {same:,} | {total:,} | {secs:.2f} |", flush=True)
            failed += same != total
    print("all identical" if not failed else f"{failed} checks with differences")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
