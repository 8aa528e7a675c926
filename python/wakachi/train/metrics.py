"""What a person sees of a run: progress lines, `metrics.jsonl` (one JSON object per logged step),
and `metrics.png` (loss and learning rate), redrawn at every checkpoint and by `wakachi plot`.

MFU = tokens/s × model FLOPs per token / (devices × the device's peak dense bf16 FLOP/s). FLOPs
per token count the transformer blocks (6 × their parameters), attention (12 × layers × hidden ×
sequence length) and the output head on the positions it runs on (6 × (hidden × vocab + hidden²)
× the predicted share; every position for causal LM): see `models.flops_per_token`. Embedding
lookups are not counted. On a CPU no peak is known and MFU is not shown (set `run.peak_flops`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class MetricsLog:
    def __init__(self, path: Path, enabled: bool) -> None:
        self.path = path
        self.enabled = enabled

    def truncate_after(self, step: int) -> None:
        """Drops records past `step` (a run killed after its last checkpoint logged them)."""
        if not self.enabled or not self.path.exists():
            return
        keep = [r for r in read_metrics(self.path) if r.get("step", 0) <= step]
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for r in keep:
                f.write(json.dumps(r) + "\n")
        os.replace(tmp, self.path)

    def append(self, rec: dict[str, Any]) -> None:
        if self.enabled:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise ValueError(f"{path}:{n}: not a JSON object") from None
    return out


def _human(n: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.1f}{unit}"
    return f"{n:.0f}"


def _duration(s: float) -> str:
    s = int(s)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class Progress:
    def __init__(self, total: int, start: int, say: Callable[[str], None], enabled: bool = True) -> None:
        self.total, self.start, self.say, self.enabled = total, start, say, enabled
        self.t0 = time.perf_counter()

    def update(self, step: int, rec: dict[str, Any]) -> None:
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        rate = (step - self.start) / el if el > 0 else 0.0
        eta = _duration((self.total - step) / rate) if rate > 0 else "?"
        mfu = f" | MFU {rec['mfu'] * 100:.1f}%" if rec.get("mfu") is not None else ""
        self.say(
            f"step {step:,}/{self.total:,} | loss {rec['loss']:.4f} | lr {rec['lr']:.2e} | "
            f"{_human(rec['tokens_per_s'])} tok/s{mfu} | ETA {eta}"
        )

    def done(self, step: int, loss: float) -> None:
        el = time.perf_counter() - self.t0
        self.say(f"done: {step:,} steps ({step - self.start:,} this run) in {_duration(el)}, final loss {loss:.4f}")


def plot_metrics(src: str | Path, png: str | Path) -> Path | None:
    """Loss (and its terms) and learning rate against step, as a PNG. None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    recs = read_metrics(src) if Path(src).exists() else []
    if not recs:
        return None
    steps = [r["step"] for r in recs]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    ax1.plot(steps, [r["loss"] for r in recs], label="loss")
    for key in ("mlm", "nsp", "disc", "clm"):
        if key in recs[0]:
            ax1.plot(steps, [r[key] for r in recs], label=key, alpha=0.6)
    ax1.set_ylabel("loss")
    ax1.legend()
    ax1.grid(alpha=0.3)
    ax2.plot(steps, [r["lr"] for r in recs], color="tab:orange")
    ax2.set_ylabel("learning rate")
    ax2.set_xlabel("step")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    tmp = Path(str(png) + ".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, png)
    return Path(png)
