"""Checkpoints with `torch.distributed.checkpoint`: model, optimizer, scheduler, loader state and
step, in `OUT/checkpoints/step-NNNNNNNN/` (DCP files and `meta.json`), written under a temporary
name and renamed when complete, so a `kill -9` leaves either the previous checkpoint or the new one.
A checkpoint loads on any world size. Dropout and ELECTRA's sampling are seeded per (seed, step,
rank), so there is no RNG state to carry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import torch.distributed as dist
from torch import nn
from torch.distributed.checkpoint.filesystem import FileSystemReader
from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict
from torch.distributed.checkpoint.state_dict_loader import load as dcp_load
from torch.distributed.checkpoint.state_dict_saver import save as dcp_save

META = "meta.json"
_NAME = re.compile(r"^step-(\d{8})$")


def checkpoints_dir(out: str | Path) -> Path:
    return Path(out) / "checkpoints"


def complete(out: str | Path) -> list[Path]:
    """Complete checkpoints of a run, oldest first."""
    d = checkpoints_dir(out)
    if not d.is_dir():
        return []
    found = [p for p in d.iterdir() if _NAME.match(p.name) and (p / META).is_file()]
    return sorted(found, key=lambda p: p.name)


def latest(out: str | Path) -> Path | None:
    c = complete(out)
    return c[-1] if c else None


def read_meta(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    newest = latest(p) if p.is_dir() and not (p / META).exists() else None
    if newest is not None:
        p = newest  # a run directory: its latest checkpoint
    meta = p / META
    if not meta.is_file():
        raise FileNotFoundError(f"{p}: not a wakachi checkpoint (no {META})")
    with open(meta, encoding="utf-8") as f:
        out: dict[str, Any] = json.load(f)
    out["path"] = str(p)
    return out


def save(out: str | Path, step: int, model: nn.Module, optim: Any, meta: dict[str, Any], keep: int) -> Path:
    """Writes checkpoint `step` (a collective: every rank calls it)."""
    d = checkpoints_dir(out)
    final = d / f"step-{step:08d}"
    tmp = d / f"step-{step:08d}.tmp"
    if dist.get_rank() == 0:
        d.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    dist.barrier()
    msd, osd = get_state_dict(model, optim)
    dcp_save({"model": msd, "optim": osd}, checkpoint_id=str(tmp))
    dist.barrier()
    if dist.get_rank() == 0:
        _write_json(tmp / META, {**meta, "step": step})
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        _fsync_dir(d)
        for old in complete(out)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    dist.barrier()
    return final


def load(path: str | Path, model: nn.Module, optim: Any | None) -> None:
    """Loads model (and optimizer) state from a checkpoint into a sharded model (collective)."""
    if optim is None:
        msd = get_state_dict(model, [])[0]
        dcp_load({"model": msd}, checkpoint_id=str(path))
        set_state_dict(model, [], model_state_dict=msd, optim_state_dict={})
        return
    msd, osd = get_state_dict(model, optim)
    dcp_load({"model": msd, "optim": osd}, checkpoint_id=str(path))
    set_state_dict(model, optim, model_state_dict=msd, optim_state_dict=osd)


def load_plain(path: str | Path, model: nn.Module) -> None:
    """Loads a checkpoint's model weights into an unsharded model, in one process (export)."""
    reader = FileSystemReader(str(path))
    saved = set(reader.read_metadata().state_dict_metadata)
    sd = model.state_dict()
    want = {k: v for k, v in sd.items() if f"model.{k}" in saved}
    missing = sorted(set(sd) - set(want))
    # Tied weights may be stored once: they share storage with a loaded tensor.
    untied = [k for k in missing if not any(sd[k].data_ptr() == v.data_ptr() for v in want.values())]
    if untied:
        raise ValueError(f"{path}: checkpoint lacks {len(untied)} weights, e.g. {untied[:3]}")
    dcp_load({"model": want}, storage_reader=reader)


def clean_partial(out: str | Path) -> None:
    d = checkpoints_dir(out)
    if d.is_dir():
        for p in d.iterdir():
            if p.name.endswith(".tmp"):
                shutil.rmtree(p, ignore_errors=True)


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
