"""`wakachi.unigram.load_albert_dir(dir).encode(line)` against transformers 5.x
`AutoTokenizer.from_pretrained(dir)(line, add_special_tokens=False).input_ids`, on every line of
every shared Japanese and Chinese corpus file, for AlbertTokenizer directories built from the
test models (accents kept / AlbertTokenizer's defaults). Prints identical/total and the first
differences; exits 1 on any difference.

    HF_HUB_OFFLINE=1 .venv/bin/python benches/parity_albert.py [NAME...]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import unigram_models as um
from wakachi.unigram import load_albert_dir


def check(name: str, config: str) -> tuple[int, int]:
    import transformers
    from transformers import AutoTokenizer

    d = um.albert_dir(name, config)
    hf = AutoTokenizer.from_pretrained(str(d))
    ours = load_albert_dir(d)
    same = total = 0
    for f in um.corpus_files(um.VARIANTS[name][0]):
        lines = um.read_lines(f)
        expected = hf(lines, add_special_tokens=False)["input_ids"]
        diff = [i for i, (line, e) in enumerate(zip(lines, expected, strict=True)) if ours.encode(line) != e]
        print(f"{name}/{config:8} {f.name:22} {len(lines) - len(diff):>7} / {len(lines):<7} identical")
        for i in diff[:3]:
            print(
                f"    line {i + 1}: {lines[i][:70]!r}\n      transformers {expected[i][:24]}\n      wakachi      {ours.encode(lines[i])[:24]}"
            )
        same += len(lines) - len(diff)
        total += len(lines)
    print(f"{name}/{config}: {same} / {total} identical (transformers {transformers.__version__})")
    return same, total


def main() -> int:
    names = sys.argv[1:] or ["ja", "zh"]
    res = [check(n, c) for n in names for c in um.ALBERT_CONFIGS]
    return 0 if all(s == t for s, t in res) else 1


if __name__ == "__main__":
    sys.exit(main())
