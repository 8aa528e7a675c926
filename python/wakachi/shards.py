"""Pretraining rows → Arrow IPC shards with a ``manifest.json``; reading and inspecting them.

A shard directory holds ``shard-00000.arrow``, … (Arrow IPC *file* format, one record batch
each) and ``manifest.json`` (settings, tokenizer and input fingerprints, per-shard rows, bytes
and sha256, totals). Columns per instance format: ``rust/wakachi-core/src/shards/SCHEMA.md``.

Writing is resumable: rerunning the same command after a crash (even ``kill -9``) keeps the
completed shards, skips ``writer.input_rows_done`` input rows, and ends with the same bytes as
an uninterrupted run.

>>> w = ShardWriter(out_dir, vocab_size=32768, rows_per_shard=100_000, format="roberta")
>>> for i, row in enumerate(rows):          # row = {"input_ids": [...], "word_starts": [...]}
...     if i >= w.input_rows_done: w.push([row])
>>> manifest = json.loads(w.finish())

Reading: ``pyarrow.ipc.open_file(path)``, ``datasets.load_dataset("arrow", data_files=[...])``, or
:func:`read_shard` (verified against the manifest).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wakachi._core import _ShardWriter as ShardWriter
from wakachi._core import file_sha256, verify_shards
from wakachi._core import read_shard as _read_shard

__all__ = ["ShardWriter", "file_sha256", "inspect", "load_manifest", "read_shard", "verify"]


def read_shard(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a shard as dicts (column → None | int | list of ints). When the
    ``manifest.json`` beside it lists it, its size, sha256, schema and values are verified first;
    a truncated or corrupt shard raises :class:`wakachi.ShardError` naming the file."""
    return _read_shard(str(path))


def verify(directory: str | Path) -> dict[str, Any]:
    """Verifies every shard the directory's manifest lists; returns the manifest."""
    manifest: dict[str, Any] = json.loads(verify_shards(str(directory)))
    return manifest


def load_manifest(directory: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of a shard directory, unverified."""
    manifest: dict[str, Any] = json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def _load_vocab(vocab: str | Path | Sequence[str] | None) -> Sequence[str] | None:
    if vocab is None or not isinstance(vocab, (str, Path)):
        return vocab
    with open(vocab, encoding="utf-8") as f:
        return [line.rstrip("\n").rstrip("\r") for line in f]


def _token(vocab: Sequence[str] | None, i: int) -> str:
    if vocab is None:
        return str(i)
    return vocab[i] if 0 <= i < len(vocab) else f"<{i}?>"


def _decode_tokens(row: dict[str, Any], vocab: Sequence[str] | None) -> str:
    """``input_ids`` as text: words separated by spaces where ``word_starts`` is given (a
    continuation's ``##`` dropped; without a vocabulary, ids of one word joined by ``+``), masked positions as ``[MASK:original]`` (``→shown`` added when
    the input holds another token than ``[MASK]``)."""
    ids = row["input_ids"] or []
    masked = dict(zip(row.get("masked_positions") or [], row.get("masked_ids") or [], strict=True))
    starts = row.get("word_starts")
    out: list[str] = []
    for p, i in enumerate(ids):
        tok = _token(vocab, i)
        if p in masked:
            orig = _token(vocab, masked[p])
            tok = f"[MASK:{orig}]" if vocab is None or tok == "[MASK]" else f"[MASK:{orig}→{tok}]"
        if starts is None or p == 0 or starts[p]:
            out.append(" " if out else "")
        elif vocab is None:
            out.append("+")
        elif tok.startswith("##"):
            tok = tok[2:]
        out.append(tok)
    return "".join(out)


def legend(row: dict[str, Any], with_vocab: bool) -> list[str]:
    """What the notation of `inspect` means, for the columns `row` has."""
    out = []
    if "word_starts" in row:
        out.append(
            "text: words separated by spaces"
            + ("" if with_vocab else " (the ids of one word joined by +; --vocab shows tokens)")
        )
    if "masked_positions" in row:
        out.append(
            "[MASK:x]: a masked position, x the token the model must predict; [MASK:x→y]: a masked "
            "position whose input shows y instead of [MASK] (BERT keeps 10% and randomises 10%)"
        )
    if "next_sentence_label" in row:
        out.append("next_sentence_label: 0 = B follows A in the document, 1 = B is a random sentence (NSP)")
    return [f"legend: {x}" for x in out]


def inspect(shard_path: str | Path, vocab: str | Path | Sequence[str] | None = None, n: int = 5) -> str:
    """The first ``n`` rows of a shard decoded back to text. ``vocab`` is a ``vocab.txt`` path
    (one token a line, id = line number) or a list of tokens; without it ids are shown as numbers."""
    rows = read_shard(shard_path)
    vocab = _load_vocab(vocab)
    lines = [f"{shard_path}: {len(rows):,} rows"]
    if rows:
        lines += [f"  {x}" for x in legend(rows[0], vocab is not None)]
    for r, row in enumerate(rows[:n]):
        lines.append(f"row {r}:")
        if "input_ids" in row:
            lines.append(f"  text: {_decode_tokens(row, vocab)}")
        for col, v in row.items():
            if col in ("input_ids", "masked_ids"):
                continue
            if isinstance(v, list):
                v = " ".join(map(str, v))
            lines.append(f"  {col}: {v}")
    return "\n".join(lines)
