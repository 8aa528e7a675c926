"""Shards of every format packed from the shared corpora, for the loader and trainer tests.

A WordPiece vocabulary of 3000 entries is trained by wakachi's own trainer (deterministic, unlike
HF `tokenizers`', whose vocabulary changes from process to process, which would move the golden
losses) on MeCab (unidic-lite) words of a slice of every Japanese corpus; KWDLC's documents (one sentence a line, blank lines between documents) are packed
into `bert`, `roberta`, `electra`, `gpt2` and `uer` shards. Packing is deterministic, so the
directories are built once per session under `WAKACHI_TEST_SHARDS` (default: `target/test-shards`)
and reused while the inputs and the wakachi build are the same (the fingerprint file says).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import wordpiece_fixtures as wf
from conftest import CORPORA, JA_FILES, ROOT
from wakachi import __version__, _core
from wakachi.pack import pack
from wakachi.vocab import train_wordpiece

ROOT_DIR = Path(os.environ.get("WAKACHI_TEST_SHARDS", ROOT / "target" / "test-shards"))
DOCS = 1500

FORMATS = {
    "bert": {"format": "bert", "max_seq_length": 128, "dupe_factor": 2, "rows_per_shard": 700},
    "roberta": {"format": "roberta", "max_seq_length": 128, "rows_per_shard": 400},
    "electra": {"format": "electra", "max_seq_length": 128, "rows_per_shard": 400},
    "gpt2": {"format": "gpt2", "max_seq_length": 64, "rows_per_shard": 400},
    "uer": {"format": "uer", "max_seq_length": 64, "rows_per_shard": 400},
}


def _docs() -> list[list[str]]:
    docs: list[list[str]] = [[]]
    for line in (CORPORA / "kwdlc.txt").read_text(encoding="utf-8").split("\n"):
        line = line.strip()
        if line:
            docs[-1].append(line)
        elif docs[-1]:
            docs.append([])
    return [d for d in docs if d][:DOCS]


def _stamp() -> str:
    h = hashlib.sha256()
    h.update(__version__.encode())
    # The version does not change when packing does (instances::REVISION, the record format): the
    # built extension itself is part of the stamp, so a rebuilt core never reuses stale shards.
    h.update(Path(_core.__file__).read_bytes())
    h.update((CORPORA / "kwdlc.txt").read_bytes()[: 1 << 20])
    h.update(json.dumps(FORMATS, sort_keys=True).encode())
    for f in ("wordpiece_fixtures.py", "shard_fixtures.py"):
        h.update((Path(__file__).parent / f).read_bytes())
    return h.hexdigest()


def build() -> dict[str, Path]:
    """{"tok": tokenizer dir, "<format>": shard dir, …}, built if missing or stale."""
    stamp = ROOT_DIR / "stamp"
    out = {"tok": ROOT_DIR / "tok", **{f: ROOT_DIR / f for f in FORMATS}}
    if stamp.exists() and stamp.read_text() == _stamp() and all(p.exists() for p in out.values()):
        return out
    shutil.rmtree(ROOT_DIR, ignore_errors=True)
    ROOT_DIR.mkdir(parents=True)
    text = ROOT_DIR / "vocab-train.txt"
    text.write_text("".join(line + "\n" for name in JA_FILES for line in wf.sample(wf.read_lines(name), 300)))
    train_wordpiece([text], out["tok"], vocab_size=3000, limit_alphabet=1200, unused=0)
    corpus = ROOT_DIR / "kwdlc.txt"
    corpus.write_text("".join("\n".join(d) + "\n\n" for d in _docs()), encoding="utf-8")
    for fmt, kw in FORMATS.items():
        pack(tokenizer=str(out["tok"]), inputs=[str(corpus)], output=str(out[fmt]), **kw)
    stamp.write_text(_stamp())
    return out
