"""Google `create_pretraining_data` compat mode against the independent Python reference
(tests/google_reference.py) on real text: all of kwdlc.txt and slices of ja_debian.txt and
aozora_ja.txt (documents = blank-line separated runs of lines; every line a sentence), each file
one shard, MeCab ipadic words and the tests' local vocabulary (tests/instances_data.py).

For every shard, setting and seed: instances identical in every field and in order / total.
Also prints the time of each side. Exits 1 on any difference.

    .venv/bin/python benches/parity_instances.py [--debian-docs 1500] [--aozora-docs 120] [--seeds 12345,1,2024]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import google_reference
from instances_data import load, reference_as_dicts, to_parts
from wakachi import (
    Segmenter,
    _core,
)

SETTINGS = [  # (max_seq_length, dupe_factor, max_predictions_per_seq, do_whole_word_mask)
    (128, 5, 19, True),
    (512, 2, 76, True),
    (128, 5, 19, False),
]


def run_case(vocab, docs, ids, starts, seq, dupe, max_pred, wwm, seed):
    settings = {
        "seed": seed,
        "dupe_factor": dupe,
        "max_seq_length": seq,
        "short_seq_prob": 0.1,
        "masked_lm_prob": 0.15,
        "max_predictions_per_seq": max_pred,
        "do_whole_word_mask": wwm,
    }
    t0 = time.perf_counter()
    ref = reference_as_dicts(vocab, google_reference.create_instances(docs, vocab.words, **settings))
    t1 = time.perf_counter()
    ours = _core.google_instances(ids, starts, **settings, **vocab.specials())
    t2 = time.perf_counter()
    same = sum(o == r for o, r in zip(ours, ref, strict=False))
    return same, len(ref), len(ours), t1 - t0, t2 - t1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--debian-docs", type=int, default=1500)
    ap.add_argument("--aozora-docs", type=int, default=120)
    ap.add_argument("--seeds", default="12345,1,2024")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    seg = Segmenter.mecab("ipadic")
    shards = [("kwdlc.txt", None), ("ja_debian.txt", args.debian_docs), ("aozora_ja.txt", args.aozora_docs)]
    print(
        f"{'shard':<15} {'docs':>5} {'tokens':>9} {'seq':>4} {'dupe':>4} {'wwm':>3} {'seed':>6} "
        f"{'identical/total':>17} {'ref s':>7} {'ours s':>7}"
    )
    bad = 0
    for name, max_docs in shards:
        vocab, docs = load(seg, [(name, max_docs, 0)])
        ids, starts = to_parts(vocab, docs)
        tokens = sum(len(s) for d in ids for s in d)
        for seq, dupe, max_pred, wwm in SETTINGS:
            for seed in seeds:
                same, total, n_ours, t_ref, t_ours = run_case(vocab, docs, ids, starts, seq, dupe, max_pred, wwm, seed)
                ok = same == total == n_ours
                bad += not ok
                print(
                    f"{name:<15} {len(ids):>5} {tokens:>9} {seq:>4} {dupe:>4} {'on' if wwm else 'off':>3} {seed:>6} "
                    f"{f'{same}/{total}':>17} {t_ref:>7.2f} {t_ours:>7.2f}{'' if ok else '  DIFFERENT'}",
                    flush=True,
                )
    print("all identical" if not bad else f"{bad} cases differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
