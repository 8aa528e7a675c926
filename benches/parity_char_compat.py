"""`wakachi pack --compat` with a character vocabulary against cl-tohoku's character pipeline, on
real text: every field of every instance, in order.

Reference: transformers' MeCab words (unidic-lite, NFKC) → cl-tohoku's character rule
(`tests/google_reference.py::cltohoku_characters`: `##` on every character after a word's first,
a character missing from the vocabulary a bare `[UNK]`) → the Python reference of Google's
algorithm (`tests/google_reference.py`). With `--cltohoku DIR` (a directory holding cl-tohoku's
unmodified `create_pretraining_data.py` and `tokenization.py`, kept outside this project) the same
shards also go through their own script with TensorFlow replaced by `../shared/oracles/tf_stub`
(`../shared/oracles/cltohoku_instances.py`; needs `absl-py`, `google-crc32c`, `protobuf` on
`PYTHONPATH`), compared field by field.

The vocabulary: specials + the 1,200 most frequent characters of MeCab words of slices of the
Japanese corpora (cl-tohoku's is specials + a fixed alphabet), so real text has characters it
lacks, inside words too.

    .venv/bin/python benches/parity_char_compat.py [--debian-docs 1500] [--aozora-docs 120]
        [--cltohoku DIR] [--shards kwdlc,ja_debian,aozora]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import google_reference  # noqa: E402
import wordpiece_fixtures as wf  # noqa: E402
from wakachi.pack import pack  # noqa: E402
from wakachi.shards import load_manifest, read_shard  # noqa: E402

SEQ, DUPE, MAX_PRED, SEED = 128, 5, 19, 12345
ORACLE = wf.SHARED / "oracles" / "cltohoku_instances.py"


def read_docs(path: Path) -> list[list[str]]:
    docs: list[list[str]] = [[]]
    for line in path.read_text(encoding="utf-8").split("\n"):
        line = line.strip()
        if line:
            docs[-1].append(line)
        elif docs[-1]:
            docs.append([])
    return [d for d in docs if d]


def write_shard(path: Path, name: str, max_docs: int | None) -> Path:
    docs = read_docs(wf.CORPORA / name)[:max_docs]
    path.write_text("".join("\n".join(d) + "\n\n" for d in docs), encoding="utf-8")
    return path


def char_dir(root: Path) -> Path:
    """Specials + the 1,200 most frequent characters of MeCab words of slices of the Japanese
    corpora (ties by code point), in code-point order: deterministic, unlike a trained vocabulary."""
    from collections import Counter

    counts = Counter(c for line in wf.training_words("unidic_lite", 300) for c in line if c != " ")
    top = sorted(counts, key=lambda c: (-counts[c], c))[:1200]
    return wf.write_dir(
        root / "char", wf.SPECIALS + sorted(top), mecab_dic="unidic_lite", subword="character", lower=False
    )


def ours(tok: Path, shard: Path, out: Path) -> list[dict]:
    pack(
        tokenizer=str(tok),
        inputs=[str(shard)],
        output=str(out),
        compat=True,
        max_seq_length=SEQ,
        dupe_factor=DUPE,
        seed=SEED,
        max_predictions_per_seq=MAX_PRED,
        rows_per_shard=1 << 20,
    )
    rows = []
    for entry in load_manifest(out)["shards"]:
        rows += read_shard(out / entry["file"])
    return [
        {
            "input_ids": [int(x) for x in r["input_ids"]],
            "token_type_ids": [int(x) for x in r["segment_ids"]],
            "next_sentence_label": int(r["next_sentence_label"]),
            "masked_lm_positions": [int(x) for x in r["masked_positions"]],
            "masked_lm_ids": [int(x) for x in r["masked_ids"]],
        }
        for r in rows
    ]


def reference(tok: Path, shard: Path) -> list[dict]:
    hf = wf.hf_tokenizer(tok)
    words = (tok / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    vocab, ids = set(words), {t: i for i, t in enumerate(words)}
    docs = [
        [google_reference.cltohoku_characters(hf.word_tokenizer.tokenize(s), vocab) for s in d]
        for d in read_docs(shard)
    ]
    inst = google_reference.create_instances(
        docs,
        words,
        seed=SEED,
        dupe_factor=DUPE,
        max_seq_length=SEQ,
        short_seq_prob=0.1,
        masked_lm_prob=0.15,
        max_predictions_per_seq=MAX_PRED,
        do_whole_word_mask=True,
    )
    cid = google_reference.character_id
    return [
        {
            "input_ids": [cid(t, ids) for t in i["masked_tokens"]],
            "token_type_ids": i["segment_ids"],
            "next_sentence_label": int(i["is_random_next"]),
            "masked_lm_positions": i["masked_positions"],
            "masked_lm_ids": [cid(t, ids) for t in i["masked_labels"]],
        }
        for i in inst
    ]


def cltohoku(src: Path, tok: Path, shard: Path, out: Path) -> list[dict]:
    cmd = [sys.executable, str(ORACLE), str(src), str(tok), str(shard), str(out)]
    cmd += ["--seq", str(SEQ), "--maxpred", str(MAX_PRED), "--dupe", str(DUPE), "--seed", str(SEED)]
    subprocess.run([*cmd, "--subword", "character"], check=True, stdout=subprocess.DEVNULL)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]


def compare(a: list[dict], b: list[dict]) -> str:
    same = sum(x == y for x, y in zip(a, b, strict=True))
    first = next((k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), None)
    ok = same == len(a) == len(b)
    return f"{same:,}/{len(b):,}" + ("" if ok else f" (ours {len(a):,}; first difference #{first})"), ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--debian-docs", type=int, default=1500)
    ap.add_argument("--aozora-docs", type=int, default=120)
    ap.add_argument("--shards", default="kwdlc,ja_debian,aozora")
    ap.add_argument("--cltohoku", type=Path, help="directory with cl-tohoku's two scripts (outside the project)")
    args = ap.parse_args()
    limits = {"kwdlc": ("kwdlc.txt", None), "ja_debian": ("ja_debian.txt", args.debian_docs)}
    limits["aozora"] = ("aozora_ja.txt", args.aozora_docs)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tok = char_dir(root)
        print(f"character vocabulary: {len((tok / 'vocab.txt').read_text(encoding='utf-8').split()):,} entries")
        for name in args.shards.split(","):
            file, max_docs = limits[name]
            shard = write_shard(root / f"{name}.txt", file, max_docs)
            t0 = time.perf_counter()
            got = ours(tok, shard, root / f"out-{name}")
            t1 = time.perf_counter()
            ref = reference(tok, shard)
            t2 = time.perf_counter()
            line, ok = compare(got, ref)
            bad += not ok
            msg = f"{name:<10} docs {len(read_docs(shard)):>5}  vs reference {line}  (ours {t1 - t0:.1f} s, ref {t2 - t1:.1f} s)"
            if args.cltohoku:
                orc = cltohoku(args.cltohoku, tok, shard, root / f"cltohoku-{name}.jsonl")
                t3 = time.perf_counter()
                line, ok = compare(got, orc)
                bad += not ok
                msg += f"  vs cl-tohoku's script {line} ({t3 - t2:.1f} s)"
            print(msg, flush=True)
    print("all identical" if not bad else f"{bad} comparisons differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
