"""The tokenizer calls on which `wakachi.hf.BertJapaneseTokenizerFast` must equal transformers'
slow `BertJapaneseTokenizer`, and the comparison (keys in order, values, dtypes and shapes), per
line. Used by tests/test_hf_tokenizer.py (a slice of the corpora) and
benches/parity_hf_tokenizer.py (every line)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

BATCH = 64  # lines per batched call


@contextmanager
def truncation_left(*toks: Any) -> Iterator[None]:
    old = [t.truncation_side for t in toks]
    for t in toks:
        t.truncation_side = "left"
    try:
        yield
    finally:
        for t, side in zip(toks, old, strict=True):
            t.truncation_side = side


def _per_line(f: Callable[[Any, str, str], Any]) -> Callable[[Any, list[str], list[str]], list[Any]]:
    return lambda tok, a, b: [f(tok, x, y) for x, y in zip(a, b, strict=True)]


def _batched(**kw: Any) -> Callable[[Any, list[str], list[str]], list[Any]]:
    return lambda tok, a, b: [tok(a, **kw)]


def _batched_pairs(**kw: Any) -> Callable[[Any, list[str], list[str]], list[Any]]:
    return lambda tok, a, b: [tok(a, b, **kw)]


def _batched_tuples(tok: Any, a: list[str], b: list[str]) -> list[Any]:
    return [tok(list(zip(a, b, strict=True)), truncation=True, max_length=96)]


def _left(tok: Any, a: list[str], b: list[str]) -> list[Any]:
    with truncation_left(tok):
        return [
            tok(a, b, truncation="longest_first", max_length=64, padding="max_length", padding_side="left"),
            tok(a, truncation="only_first", max_length=48, padding=True, return_tensors="pt"),
        ]


# name -> call(tok, lines, partner lines) -> outputs (compared row by row)
CALLS: dict[str, Callable[[Any, list[str], list[str]], list[Any]]] = {
    "single": _per_line(lambda tok, x, y: tok(x)),
    "single pair pt": _per_line(
        lambda tok, x, y: tok(
            x, y, return_tensors="pt", return_token_type_ids=True, return_special_tokens_mask=True, return_length=True
        )
    ),
    "encode 128": _per_line(lambda tok, x, y: tok.encode(x, truncation=True, max_length=128)),
    "batch": _batched(),
    "batch pairs longest_first 128": _batched_pairs(
        truncation="longest_first", max_length=128, return_token_type_ids=True
    ),
    "batch pairs only_second 128 pad max": _batched_pairs(
        truncation="only_second", max_length=128, padding="max_length", return_special_tokens_mask=True
    ),
    "batch only_first 512 pad np": _batched(
        truncation="only_first",
        max_length=512,
        padding=True,
        pad_to_multiple_of=8,
        return_tensors="np",
        return_length=True,
    ),
    "batch longest_first 512 pad pt": _batched(truncation=True, max_length=512, padding=True, return_tensors="pt"),
    "batch longest_first 128 pad pt": _batched(
        truncation=True, max_length=128, padding="max_length", return_tensors="pt"
    ),
    "batch no specials 32": _batched(add_special_tokens=False, truncation=True, max_length=32),
    "batch tuples 96": _batched_tuples,
    "batch left sides": _left,
}


def _rows(out: Any) -> list[dict[str, Any]] | None:
    """A batched output as one dict per row; None for a non-batched one."""
    if isinstance(out, list):
        return None
    ids = out["input_ids"]
    if isinstance(ids, (torch.Tensor, np.ndarray)) and ids.ndim == 2:
        n = ids.shape[0]
    elif isinstance(ids, list) and ids and isinstance(ids[0], list):
        n = len(ids)
    else:
        return None
    return [{k: v[i] for k, v in out.items()} for i in range(n)]


def equal(x: Any, y: Any) -> bool:
    """Same values, types, dtypes and shapes (tensors and arrays), same keys in the same order."""
    if hasattr(x, "keys") and not isinstance(x, (torch.Tensor, np.ndarray)):
        return list(x.keys()) == list(y.keys()) and all(equal(x[k], y[k]) for k in x)
    if isinstance(x, torch.Tensor):
        return isinstance(y, torch.Tensor) and x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)
    if isinstance(x, np.ndarray):
        return isinstance(y, np.ndarray) and x.dtype == y.dtype and x.shape == y.shape and bool(np.array_equal(x, y))
    return type(x) is type(y) and x == y


def compare(want: list[Any], got: list[Any]) -> list[bool]:
    """Per line: whether the outputs agree (a batched output counts once per row; the batch's
    key order and shapes must agree for any of its rows to count)."""
    same: list[bool] = []
    for w, g in zip(want, got, strict=True):
        rows_w = _rows(w)
        if rows_w is None:
            same.append(equal(w, g))
            continue
        rows_g = _rows(g)
        whole = rows_g is not None and list(w.keys()) == list(g.keys())
        if whole:
            for k in w:
                if isinstance(w[k], (torch.Tensor, np.ndarray)) and not (
                    type(w[k]) is type(g[k]) and w[k].shape == g[k].shape and w[k].dtype == g[k].dtype
                ):
                    whole = False
        if not whole or rows_g is None:
            same += [False] * len(rows_w)
            continue
        same += [equal(a, b) for a, b in zip(rows_w, rows_g, strict=True)]
    return same


def run_call(name: str, tok: Any, lines: list[str]) -> list[Any]:
    """`CALLS[name]` over `lines` in batches of BATCH; each line's partner is the next line."""
    call = CALLS[name]
    out: list[Any] = []
    for i in range(0, len(lines), BATCH):
        a = lines[i : i + BATCH]
        b = [lines[(i + k + 1) % len(lines)] for k in range(len(a))]
        out += call(tok, a, b)
    return out


def per_line(name: str, results: list[bool], n_lines: int) -> list[bool]:
    """`compare` results of a call mapped back to lines (the left-sides call makes two outputs
    per batch: a line counts when both agree)."""
    if len(results) == n_lines:
        return results
    if name == "batch left sides":
        out = []
        for i in range(0, n_lines, BATCH):
            k = min(BATCH, n_lines - i)
            chunk = results[2 * i : 2 * i + 2 * k]
            out += [a and b for a, b in zip(chunk[:k], chunk[k:], strict=True)]
        return out
    raise AssertionError(f"{name}: {len(results)} results for {n_lines} lines")


def memoize_tokenize(tok: Any) -> None:
    """Caches the slow tokenizer's `tokenize` per text (its truncation, special tokens, padding
    and tensor code still run on every call). Its tokenization itself is compared on every line
    by the first call and by benches/parity_encode.py."""
    cache: dict[tuple[str, tuple[tuple[str, Any], ...]], list[str]] = {}
    plain = tok.tokenize

    def tokenize(text: str, **kwargs: Any) -> list[str]:
        key = (text, tuple(sorted(kwargs.items())))
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = plain(text, **kwargs)
        return list(hit)

    tok.tokenize = tokenize
