"""Writes bert-format shards from KWDLC's gold-segmented text through the bindings; run as a
subprocess by test_shards.py (which kills it with SIGKILL mid-way and reruns it).

    python shards_driver.py OUTDIR {direct|shuffle} ROWS [DELAY]

It prints `writing` when it starts to write and `done: … SECONDS s` at the end.

Rows: each line of kwdlc.seg.txt is split into words (`Segmenter.whitespace()`) and characters
(`Segmenter.char()`); characters map to ids through a char→id dict built in first-seen order
after 5 special tokens. The first half of the words is segment A, the rest B; every 7th-ish
position is masked (deterministically) with `[MASK]`, originals kept in `masked_ids`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from wakachi import Segmenter
from wakachi.shards import ShardWriter

ROOT = Path(__file__).resolve().parents[1]
SEG_FILE = ROOT.parent / "shared" / "corpora" / "kwdlc.seg.txt"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, CLS, SEP, MASK = 0, 2, 3, 4
ROWS_PER_SHARD = 200


def kwdlc_rows(n: int) -> tuple[list[dict], list[str]]:
    """`n` bert rows and the vocabulary (id → token)."""
    ws, ch = Segmenter.whitespace(), Segmenter.char()
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    rows: list[dict] = []
    with open(SEG_FILE, encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip()][:n]
    for i, line in enumerate(lines):
        words = ws(line)
        half = max(1, len(words) // 2)
        ids, starts, segs = [CLS], [True], [0]
        for w, word in enumerate(words):
            if w == half:
                ids.append(SEP), starts.append(True), segs.append(0)
            for k, c in enumerate(ch(word)):
                ids.append(vocab.setdefault(c, len(vocab)))
                starts.append(k == 0)
                segs.append(0 if w < half else 1)
        ids.append(SEP), starts.append(True), segs.append(1 if len(words) > half else 0)
        positions = [p for p in range(1, len(ids) - 1) if ids[p] != SEP and (p * 31 + i) % 7 == 0]
        masked = [ids[p] for p in positions]
        for p in positions:
            ids[p] = MASK
        nsp = None if len(words) <= half else i % 2
        rows.append(
            {
                "input_ids": ids,
                "segment_ids": segs,
                "word_starts": starts,
                "masked_positions": positions,
                "masked_ids": masked,
                "next_sentence_label": nsp,
            }
        )
    return rows, list(vocab)


def writer(out: str | Path, mode: str, vocab_size: int, **kw) -> ShardWriter:
    shuffle = {"shuffle_seed": 12345, "memory_budget": 64 << 10, "max_buckets": 16} if mode == "shuffle" else {}
    return ShardWriter(
        str(out),
        vocab_size,
        ROWS_PER_SHARD,
        format="bert",
        pad_id=PAD,
        settings_json=json.dumps({"corpus": "kwdlc.seg.txt", "mode": mode}, sort_keys=True),
        tokenizer="kwdlc-chars",
        inputs=[str(SEG_FILE)],
        **shuffle,
        **kw,
    )


def write(out: str | Path, mode: str, n: int, delay: float = 0.0, chunk: int = 50) -> dict:
    """Writes (or resumes) the shards of the first `n` rows; sleeps `delay` s between chunks and
    after each shard."""
    rows, vocab = kwdlc_rows(n)
    w = writer(out, mode, len(vocab))
    if delay:
        w.set_on_shard(lambda entry: time.sleep(delay))
    print("writing", flush=True)  # a test that kills this process times its kill from here
    if w.needs_input:
        todo = rows[w.input_rows_done :]
        for s in range(0, len(todo), chunk):
            w.push(todo[s : s + chunk])
            if delay:
                time.sleep(delay)
    return json.loads(w.finish())


if __name__ == "__main__":
    out, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    t0 = time.monotonic()
    m = write(out, mode, n, delay)
    print(f"done: {len(m['shards'])} shards, {m['totals']['rows']} rows, {time.monotonic() - t0:.3f} s", flush=True)
