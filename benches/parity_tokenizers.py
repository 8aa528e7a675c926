"""`wakachi.Tokenizer.from_pretrained(X)` and `wakachi encode -t X` for every SentencePiece kind
`wakachi pack` accepts, on every line of every shared Japanese and Chinese corpus file:

- `AlbertTokenizer` directories (accents kept / the class's defaults) and `BertGenerationTokenizer`
  directories against transformers 5.x `AutoTokenizer.from_pretrained(X)(line,
  add_special_tokens=False).input_ids`;
- bare `.model` files against `sentencepiece.SentencePieceProcessor.encode(line)`.

Models: trained locally with sentencepiece's trainer on each language (tests/unigram_models.py).
The API runs `encode_batch`; the CLI encodes each whole file, its output lines compared with the
reference line by line. For AlbertTokenizer the differing lines are listed and checked to be the
named ones (wakachi there equals `load_albert_dir`, i.e. follows sentencepiece). Exits 1 when any
other line differs.

    HF_HUB_OFFLINE=1 .venv/bin/python benches/parity_tokenizers.py [KIND...]   # albert-keep albert-default bertgen model
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import unigram_models as um
from wakachi import Tokenizer
from wakachi.unigram import load_albert_dir

KINDS = {
    "albert-keep": lambda lang: um.albert_dir(lang, "keep"),
    "albert-default": lambda lang: um.albert_dir(lang, "default"),
    "bertgen": lambda lang: um.bert_generation_dir(f"{lang}_gpt2"),
    "model": um.train,
}


def reference(kind: str, path: Path):
    if kind == "model":
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(path))
        return lambda lines: sp.encode(lines)
    from transformers import AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    hf = AutoTokenizer.from_pretrained(str(path))
    return lambda lines: hf(lines, add_special_tokens=False)["input_ids"]


def cli(path: Path, f: Path) -> list[list[int]]:
    r = subprocess.run(
        [sys.executable, "-m", "wakachi.cli", "encode", "-t", str(path), "-q", str(f)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [[int(x) for x in row.split()] for row in r.stdout.split("\n")[:-1]]


def check(kind: str, lang: str) -> bool:
    path = KINDS[kind](lang)
    tok = Tokenizer.from_pretrained(path)
    ref = reference(kind, path)
    albert = load_albert_dir(path) if kind.startswith("albert") else None
    total = same_api = same_cli = 0
    named: list[str] = []
    other = 0
    t_ours = t_cli = t_ref = 0.0
    for f in um.corpus_files(lang):
        lines = um.read_lines(f)
        t0 = time.perf_counter()
        want = ref(lines)
        t1 = time.perf_counter()
        got = tok.encode_batch(lines)
        t2 = time.perf_counter()
        out = cli(path, f)
        t3 = time.perf_counter()
        t_ref, t_ours, t_cli = t_ref + t1 - t0, t_ours + t2 - t1, t_cli + t3 - t2
        assert len(want) == len(got) == len(out) == len(lines), f"{f.name}: line counts differ"
        for k, (w, g, c) in enumerate(zip(want, got, out, strict=True)):
            same_api += g == w
            same_cli += c == w
            if g != w or c != w:
                if albert is not None and g == c == albert.encode(lines[k]):
                    named.append(f"{f.name}:{k + 1}: {lines[k][:60]!r}")
                else:
                    other += 1
                    if other <= 3:
                        print(
                            f"  {f.name}:{k + 1}: {lines[k][:70]!r}\n    reference {w[:20]}\n    api {g[:20]}\n    cli {c[:20]}"
                        )
        total += len(lines)
    print(
        f"{kind:<15} {lang}  API {same_api:,}/{total:,}  CLI {same_cli:,}/{total:,} identical"
        f"  (named AlbertTokenizer differences: {len(named)}; other: {other})"
        f"  ref {t_ref:.1f} s, API {t_ours:.1f} s, CLI {t_cli:.1f} s",
        flush=True,
    )
    for n in named[:20]:
        print("    named:", n)
    return other == 0


def main() -> int:
    kinds = sys.argv[1:] or list(KINDS)
    ok = [check(k, lang) for k in kinds for lang in ("ja", "zh")]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
