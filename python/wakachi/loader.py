"""Shards → training batches as `torch` tensors, assembled by the Rust core on a background thread.

```python
from wakachi.loader import Loader

loader = Loader("shards/", batch_size=256)          # the global batch; this rank takes its share
for batch in loader:                                # one epoch; epochs=None streams forever
    out = model(**{k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids")})
state = loader.state_dict()                         # {"epoch", "samples", ...}: torch's Stateful shape
```

- **Order**: a pure function of (seed, epoch): shards in a seeded order, the rows of each shard in
  a seeded order (memory: one shard's permutation). The stream is cut into global batches of
  `batch_size` rows; the tail of an epoch that does not fill one is **dropped**, so every rank
  yields the same number of batches. Rank `r` of `W` takes rows `[r·B/W, (r+1)·B/W)` of each.
- **Resume**: `state_dict()` is (epoch, rows of the epoch consumed by completed global batches).
  Loaded into a loader with the same `batch_size` and seed on any world size, the following global
  batches are those of the uninterrupted run.
- **Masking** (`masking`): `bert` shards carry static masks (`"static"`, the default for them);
  `roberta`, `uer` and `electra` are masked dynamically (`"dynamic"`), freshly per (seed, epoch,
  row), whole words by default (the stored `word_starts`); `gpt2` rows are causal (`"causal"`:
  inputs `row[:-1]`, labels `row[1:]`). Defaults follow the seeds: RoBERTa 15 % of the row as a
  budget of whole words (Google's rule), 80/10/10; UER exactly `max(1, round(len·0.15))` tokens,
  80/10/10; ELECTRA each word with probability 0.15, 85 % `[MASK]` / 15 % kept, capped at
  `int((0.15 + 0.005) · max_seq_length)` predictions (ELECTRA's cap).
- **Batches**: `input_ids`, `attention_mask`, `labels` (-100 where not predicted), `token_type_ids`
  (formats with segments), `next_sentence_label` (bert; -100 for a row without a B segment), and
  `masked_index`, the flat indices (`row × len + position`) of the predicted positions, so an MLM
  head can run on those rows only; `row_ids`, each row's number in the directory. Padded to the longest row rounded up to `pad_multiple` (8), or to
  `pad_to`. Tensors wrap the core's memory without a copy (`int64`).
- **URLs** (`s3://bucket/prefix/`, any fsspec URL): the manifest is read into a local cache
  directory (`cache_dir`, by default one per URL that the ranks of a node share) and each shard
  is downloaded when first needed (once per node), the next ones ahead, sha256-checked, in an LRU
  of `cache_bytes` (see `wakachi.storage`). Batches are the same as from a local copy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wakachi import _core
from wakachi._core import ConfigError

MASKING = ("auto", "static", "dynamic", "causal", "none")
RULES = ("budget", "exact", "bernoulli")


@dataclass(frozen=True)
class ShardInfo:
    """What a shard directory holds (from its manifest)."""

    format: str
    vocab_size: int
    specials: dict[str, int]
    rows: int
    shards: int
    max_row_len: int
    tokenizer: str
    settings: dict[str, Any]
    steps_per_epoch: int


@dataclass(frozen=True)
class Masking:
    """A dynamic masking policy (see the module docstring for the defaults per format)."""

    rule: str = "budget"
    prob: float = 0.15
    whole_word: bool = True
    mask_share: float = 0.8
    random_share: float = 0.1
    max_predictions: int | None = None

    def to_core(self) -> dict[str, Any]:
        if self.rule not in RULES:
            raise ConfigError(f"masking rule must be one of {', '.join(RULES)}, not {self.rule!r}")
        rule: dict[str, Any] = {"rule": self.rule, "prob": self.prob}
        if self.rule != "exact":
            rule["max_predictions"] = self.max_predictions
        return {
            "rule": rule,
            "whole_word": self.whole_word,
            "mask_share": self.mask_share,
            "random_share": self.random_share,
        }


def default_masking(fmt: str, max_seq_length: int) -> Masking:
    """The seeds' masking for a shard format."""
    if fmt == "uer":
        return Masking(rule="exact")
    if fmt == "electra":
        return Masking(
            rule="bernoulli", mask_share=0.85, random_share=0.0, max_predictions=int((0.15 + 0.005) * max_seq_length)
        )
    if fmt == "bert":
        return Masking(rule="budget", max_predictions=int(max_seq_length * 0.15))
    return Masking()


def default_objective(fmt: str) -> str:
    return {"bert": "static", "gpt2": "causal"}.get(fmt, "dynamic")


def _dist_rank_world() -> tuple[int, int]:
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
    except ImportError:
        pass
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


@dataclass
class Loader:
    """Batches of a shard directory for one rank. See the module docstring."""

    shards: str | os.PathLike[str]
    batch_size: int
    micro_batches: int = 1
    rank: int | None = None
    world_size: int | None = None
    seed: int = 0
    shuffle: bool = True
    epochs: int | None = 1
    pad_to: int | None = None
    pad_multiple: int = 8
    masking: str = "auto"
    mask: Masking | None = None
    special_ids: Sequence[int] = ()
    verify: bool = False
    prefetch: int = 4
    cache_dir: str | os.PathLike[str] | None = None
    cache_bytes: int | None = None
    _core_loader: Any = field(init=False, repr=False)
    _remote: Any = field(init=False, repr=False, default=None)
    info: ShardInfo = field(init=False)

    def __post_init__(self) -> None:
        if self.masking not in MASKING:
            raise ConfigError(f"masking must be one of {', '.join(MASKING)}, not {self.masking!r}")
        if self.rank is None or self.world_size is None:
            r, w = _dist_rank_world()
            self.rank = r if self.rank is None else self.rank
            self.world_size = w if self.world_size is None else self.world_size
        from wakachi import storage

        if storage.is_url(self.shards):
            # A URL: the manifest in a local cache directory, shards fetched into it as needed.
            self._remote = storage.open_remote(os.fspath(self.shards), self.cache_dir, self.cache_bytes)
        # A first open reads the manifest (format, lengths); the real one carries the objective.
        probe = self._open({"kind": "none"}, verify=False)
        info = probe.info()
        fmt = info["format"]
        kind = default_objective(fmt) if self.masking == "auto" else self.masking
        objective: dict[str, Any] = {"kind": kind}
        if kind == "dynamic":
            m = self.mask or default_masking(fmt, int(info["max_row_len"]))
            self.mask = m
            objective["mask"] = m.to_core()
        self._core_loader = probe if kind == "none" and not self.verify else self._open(objective)
        info = self._core_loader.info()
        info["settings"] = json.loads(info["settings"])
        self.info = ShardInfo(**info)
        self.masking = kind

    def _open(self, objective: dict[str, Any], verify: bool | None = None) -> Any:
        cfg = {
            "dir": os.fspath(self.shards) if self._remote is None else self._remote[0],
            "global_batch": self.batch_size,
            "micro_batches": self.micro_batches,
            "rank": self.rank,
            "world_size": self.world_size,
            "seed": self.seed,
            "shuffle": self.shuffle,
            "epochs": self.epochs,
            "pad_to": self.pad_to,
            "pad_multiple": self.pad_multiple,
            "objective": objective,
            "special_ids": [int(i) for i in self.special_ids],
            "verify_sha256": self.verify if verify is None else verify,
            "prefetch": self.prefetch,
        }
        for name in ("batch_size", "micro_batches", "pad_multiple", "prefetch"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be a positive integer, not {getattr(self, name)!r}")
        if self.seed < 0:
            raise ConfigError("seed must be >= 0")
        return _core._Loader(json.dumps(cfg), None if self._remote is None else self._remote[1])

    @property
    def steps_per_epoch(self) -> int:
        """Global batches per epoch (the incomplete tail is dropped)."""
        return self.info.steps_per_epoch

    def steps(self) -> Iterator[list[dict[str, Any]]]:
        """Per global batch, this rank's `micro_batches` micro-batches."""
        while True:
            step = self._core_loader.next_step()
            if step is None:
                return
            yield [_tensors(b) for b in step[2]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.micro_batches != 1:
            raise ConfigError("iterate over loader.steps() when micro_batches > 1")
        for step in self.steps():
            yield step[0]

    def state_dict(self) -> dict[str, int]:
        epoch, samples = self._core_loader.state()
        return {"epoch": epoch, "samples": samples, "batch_size": self.batch_size, "seed": self.seed}

    def load_state_dict(self, state: dict[str, int]) -> None:
        for key in ("batch_size", "seed"):
            if key in state and int(state[key]) != getattr(self, key):
                raise ConfigError(
                    f"the loader state was saved with {key}={state[key]}, this loader has {getattr(self, key)}: "
                    "the sequence of global batches would differ"
                )
        self._core_loader.set_state(int(state["epoch"]), int(state["samples"]))


def _tensors(b: dict[str, Any]) -> dict[str, Any]:
    import torch

    rows, length = b["rows"], b["len"]

    def wrap(buf: Any, shape: tuple[int, ...]) -> torch.Tensor:
        if len(buf) == 0:
            return torch.empty(shape, dtype=torch.int64)
        return torch.frombuffer(buf, dtype=torch.int64).view(shape)

    out: dict[str, Any] = {}
    for name in ("input_ids", "attention_mask", "labels", "token_type_ids"):
        if name in b:
            out[name] = wrap(b[name], (rows, length))
    out["masked_index"] = wrap(b["masked_index"], (len(b["masked_index"]),))
    out["row_ids"] = wrap(b["row_ids"], (rows,))
    if "next_sentence_label" in b:
        out["next_sentence_label"] = wrap(b["next_sentence_label"], (rows,))
    out["num_predicted"] = b["predicted"]
    out["num_tokens"] = b["tokens"]
    return out
