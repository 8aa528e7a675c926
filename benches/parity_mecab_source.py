"""wakachi's MeCab *source* reader against real MeCab on a real source release: Debian's
mecab-ipadic (EUC-JP CSVs), compiled by MeCab's own mecab-dict-index the way Debian's
mecab-ipadic-utf8 does. Every line of every Japanese file in ../shared/corpora, surfaces and
feature strings, in four comparisons:

- source:      wakachi on the EUC-JP source dicdir (read directly)  vs  MeCab on MeCab's binary
- binary:      wakachi on MeCab's binary dicdir                     vs  MeCab on it
- src/sorted:  wakachi on the source dicdir                         vs  MeCab on a binary compiled
               from the same CSVs taken in file-name order (wakachi's order)
- mecab order: MeCab on its binary (CSVs in readdir order)          vs  MeCab on the name-order one

The last two separate what the CSV file order does from anything else: MeCab takes the CSVs in
readdir order, wakachi in file-name order, and that order breaks exact cost ties between
homographs. It also prints the CSV order mecab-dict-index used and how many surfaces' homograph
order it changes. Exits 1 on any difference in "binary" or "src/sorted" (then "source" differs
from MeCab only on lines where MeCab's own output depends on the CSV order), 2 when
mecab-dict-index or the Debian archive is not available.

    .venv/bin/python benches/parity_mecab_source.py [--dir DIR] [--files a.txt,b.txt]

DIR (default .cache/debian-ipadic) is filled by benches/fetch_debian_ipadic.sh DIR.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import JA_FILES, corpus_lines  # noqa: E402


def fetch(d: Path) -> None:
    if (d / "bin-sorted" / "sys.dic").exists() and (d / "readdir-order.txt").exists():
        return
    r = subprocess.run(["bash", str(ROOT / "benches" / "fetch_debian_ipadic.sh"), str(d)])
    if r.returncode == 2:
        print("skipped: mecab-dict-index or Debian's mecab-ipadic is not available", file=sys.stderr)
        sys.exit(2)
    if r.returncode:
        sys.exit(f"benches/fetch_debian_ipadic.sh failed ({r.returncode})")


def homograph_order(src: Path, readdir: list[str]) -> tuple[int, int, int]:
    """(surfaces, surfaces with entries in several CSVs, surfaces whose homograph order differs
    between readdir order and file-name order)."""
    per_file = {}
    for name in readdir:
        rows = (src / name).read_bytes().decode("euc_jp").split("\n")
        per_file[name] = [tuple(ln.split(",", 4)) for ln in rows if ln.strip()]

    def order(files):
        by = collections.defaultdict(list)
        for f in files:
            for e in per_file[f]:
                by[e[0]].append((f, e))
        return by

    a, b = order(readdir), order(sorted(readdir))
    multi = sum(1 for v in a.values() if len({f for f, _ in v}) > 1)
    return len(a), multi, sum(1 for s in a if a[s] != b[s])


def analyses(tagger, lines):
    return [[(w.surface, w.feature_raw) for w in tagger(line)] for line in lines]


def same(x, y) -> int:
    return sum(1 for p, q in zip(x, y, strict=True) if p == q)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=ROOT / ".cache" / "debian-ipadic")
    ap.add_argument("--files", default=",".join(JA_FILES))
    args = ap.parse_args()
    d = args.dir.resolve()
    fetch(d)
    import fugashi

    from wakachi import Segmenter

    src, binary, sorted_bin = d / "src", d / "bin", d / "bin-sorted"
    readdir = (d / "readdir-order.txt").read_text().split()
    print(f"# {(d / 'deb-version.txt').read_text().strip() if (d / 'deb-version.txt').exists() else src}")
    print(f"# mecab-dict-index read the CSVs in this order: {' '.join(readdir)}")
    print(f"# file-name order is the same: {readdir == sorted(readdir)}")
    n, multi, changed = homograph_order(src, readdir)
    print(
        f"# surfaces {n:,}; with entries in several CSVs {multi:,}; homograph order changed by file order {changed:,}"
    )
    t0 = time.time()
    w_src, w_bin = Segmenter.mecab(src), Segmenter.mecab(binary)
    print(f"# wakachi loaded both dictionaries in {time.time() - t0:.1f} s")
    m_bin = fugashi.GenericTagger(f'-d "{binary}" -r /dev/null')
    m_sorted = fugashi.GenericTagger(f'-d "{sorted_bin}" -r /dev/null')

    cols = ["source", "binary", "src/sorted", "mecab order"]
    print("| file | lines | " + " | ".join(cols) + " |")
    print("|---|---:|" + "---:|" * len(cols))
    totals = collections.Counter()
    examples = []
    for name in args.files.split(","):
        lines = corpus_lines(name)
        ours_src = [[(t.surface, t.feature) for t in ts] for ts in w_src.tokenize_batch(lines)]
        ours_bin = [[(t.surface, t.feature) for t in ts] for ts in w_bin.tokenize_batch(lines)]
        ref, ref_sorted = analyses(m_bin, lines), analyses(m_sorted, lines)
        counts = [same(ours_src, ref), same(ours_bin, ref), same(ours_src, ref_sorted), same(ref, ref_sorted)]
        totals.update(dict(zip(cols, counts, strict=True)) | {"lines": len(lines)})
        print(f"| {name} | {len(lines):,} | " + " | ".join(f"{k:,}" for k in counts) + " |", flush=True)
        pairs = [("source", ours_src, ref), ("binary", ours_bin, ref), ("mecab order", ref, ref_sorted)]
        for i, line in enumerate(lines):
            for what, x, y in pairs:
                if len(examples) < 8 and x[i] != y[i]:
                    first = next(((p, q) for p, q in zip(x[i], y[i], strict=False) if p != q), (len(x[i]), len(y[i])))
                    examples.append(f"{what}: {name}:{i + 1}: {line[:40]!r}: {first[0]} vs {first[1]}")
                    break
    print(f"| **all** | **{totals['lines']:,}** | " + " | ".join(f"**{totals[c]:,}**" for c in cols) + " |")
    for e in examples:
        print(f"  {e}", file=sys.stderr)
    return 0 if totals["binary"] == totals["src/sorted"] == totals["lines"] else 1


if __name__ == "__main__":
    sys.exit(main())
