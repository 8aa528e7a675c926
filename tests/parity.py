"""One way to compare a batch of outputs with a reference: equal lengths first (a batch call that
drops or adds a line fails), then the first differing line named by its number and its input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def first_difference(want: Sequence[Any], got: Sequence[Any]) -> int | None:
    """Index of the first item that differs (or where the shorter sequence ends); None if equal."""
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        if w != g:
            return i
    return None if len(want) == len(got) else min(len(want), len(got))


def assert_same(inputs: Sequence[Any], want: Sequence[Any], got: Sequence[Any], what: str = "") -> None:
    """`got` equals `want` item for item, and both have one item per input."""
    where = f"{what}: " if what else ""
    assert len(want) == len(inputs) and len(got) == len(inputs), (
        f"{where}{len(inputs)} inputs but {len(want)} expected and {len(got)} produced outputs"
    )
    bad = [i for i, (w, g) in enumerate(zip(want, got, strict=True)) if w != g]
    if bad:
        i = bad[0]
        raise AssertionError(
            f"{where}{len(bad)} of {len(inputs)} outputs differ; first at item {i + 1}: {inputs[i]!r}\n"
            f"  expected {want[i]!r}\n  produced {got[i]!r}"
        )
