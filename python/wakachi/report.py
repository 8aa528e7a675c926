"""The closing lines of long commands: counts a person can read."""

from __future__ import annotations

from typing import Any


def plural(n: int, noun: str) -> str:
    """`1 line`, `2 lines` (with thousands separators)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def throughput_line(what: str, report: dict[str, Any], counts: str) -> str:
    """`wakachi WHAT: N lines, X MB, COUNTS in S s (R MB/s)` from a line-to-line command's report
    (`lines`, `bytes`, `seconds`)."""
    mb = report["bytes"] / 1e6
    secs = max(report["seconds"], 1e-9)
    return f"wakachi {what}: {plural(report['lines'], 'line')}, {mb:.2f} MB, {counts} in {secs:.2f} s ({mb / secs:.2f} MB/s)"
