"""The trainer's settings: one TOML file, overridden by flags (`--set section.key=value`).

```toml
objective = "bert"            # bert (MLM + NSP) | mlm | electra | clm; default: from the shard format
out = "runs/bert-base"
seed = 42

[model]
size = "base"                 # tiny | small | base | large (then any field below overrides it)
arch = "bert"                 # mlm only: bert (BertForMaskedLM) | roberta (RobertaForMaskedLM)
max_position_embeddings = 512 # sized for the longest stage from the start

[data]
shards = "shards/"            # a `wakachi pack` directory
tokenizer = "tok/"            # the directory the shards were packed with (exported with the model)
batch_size = 256              # global batch (all ranks, all micro-batches)
micro_batches = 1             # gradient accumulation

[optim]
lr = 1e-4
warmup_steps = 10000
steps = 1000000
schedule = "linear"           # linear (warmup, then to 0) | constant (after warmup) | cosine

[run]
checkpoint_every = 1000
precision = "auto"            # auto: bf16 on GPU, fp32 on CPU
```

The resolved configuration is printed at start and saved with every checkpoint.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakachi._core import ConfigError

OBJECTIVES = ("bert", "mlm", "electra", "clm")
# The shard formats each objective can read.
FORMATS_OF = {"bert": ("bert",), "mlm": ("roberta", "uer", "bert"), "electra": ("electra", "roberta"), "clm": ("gpt2",)}
OBJECTIVE_OF_FORMAT = {"bert": "bert", "roberta": "mlm", "uer": "mlm", "electra": "electra", "gpt2": "clm"}

# name: (hidden, layers, heads, intermediate, embedding size (ELECTRA))
SIZES: dict[str, tuple[int, int, int, int, int]] = {
    "tiny": (64, 2, 2, 128, 64),
    "mini": (256, 4, 4, 1024, 128),
    "small": (256, 12, 4, 1024, 128),  # ELECTRA-small
    "base": (768, 12, 12, 3072, 768),
    "large": (1024, 24, 16, 4096, 1024),
}


@dataclass
class ModelConfig:
    size: str = "base"
    arch: str = ""  # mlm: bert | roberta; others fixed by the objective
    hidden_size: int = 0
    num_hidden_layers: int = 0
    num_attention_heads: int = 0
    intermediate_size: int = 0
    embedding_size: int = 0  # ELECTRA
    max_position_embeddings: int = 512
    dropout: float = 0.1
    attention_dropout: float = 0.1
    generator_fraction: float = 0.25  # ELECTRA: generator hidden/heads/FFN as a fraction of the discriminator's
    initializer_range: float = 0.02

    def resolved(self) -> ModelConfig:
        if self.size not in SIZES:
            raise ConfigError(f"model.size must be one of {', '.join(SIZES)}, not {self.size!r}")
        h, n, a, i, e = SIZES[self.size]
        return dataclasses.replace(
            self,
            hidden_size=self.hidden_size or h,
            num_hidden_layers=self.num_hidden_layers or n,
            num_attention_heads=self.num_attention_heads or a,
            intermediate_size=self.intermediate_size or i,
            embedding_size=self.embedding_size or e,
        )


@dataclass
class DataConfig:
    shards: str = ""
    tokenizer: str = ""
    batch_size: int = 256
    micro_batches: int = 1
    pad_to: int = 0  # 0: pad each micro-batch to its longest row (multiple of 8)
    shuffle: bool = True
    mask_prob: float = 0.15
    whole_word: bool = True
    dynamic_bert: bool = False  # bert shards: re-mask dynamically instead of the stored masks


@dataclass
class OptimConfig:
    lr: float = 1e-4
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-6
    warmup_steps: int = 10_000
    steps: int = 1_000_000
    schedule: str = "linear"
    clip: float = 1.0


@dataclass
class RunConfig:
    precision: str = "auto"  # auto | bf16 | fp32
    compile: bool = False
    activation_checkpointing: bool = False
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    log_every: int = 10
    init_from: str = ""  # a checkpoint whose weights start this stage (new optimizer, schedule, data)
    peak_flops: float = 0.0  # per device; 0: from the GPU's name (none on CPU: MFU not shown)
    disc_weight: float = 50.0  # ELECTRA: loss = MLM + disc_weight × replaced-token detection
    device: str = "auto"  # auto | cpu | cuda
    progress: bool = True


@dataclass
class TrainConfig:
    objective: str = ""
    out: str = "runs/wakachi"
    seed: int = 42
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> TrainConfig:
        cfg = TrainConfig()
        apply(cfg, d)
        return cfg


def _set(obj: Any, key: str, value: Any, where: str) -> None:
    fields = {f.name: f for f in dataclasses.fields(obj)}
    if key not in fields:
        raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(fields)})")
    current = getattr(obj, key)
    if dataclasses.is_dataclass(current):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} is a section, not a value")
        for k, v in value.items():
            _set(current, k, v, f"{where}.{key}" if where else key)
        return
    want = type(current)
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if want is not type(value):
        raise ConfigError(f"{where or 'config'}: {key} must be {want.__name__}, not {value!r}")
    setattr(obj, key, value)


def apply(cfg: TrainConfig, d: dict[str, Any], where: str = "") -> None:
    for k, v in d.items():
        _set(cfg, k, v, where)


def parse_override(text: str) -> dict[str, Any]:
    """`section.key=value` (value as TOML: numbers, true/false, quoted or bare strings)."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.key=value")
    key, raw = text.split("=", 1)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return nested(key.strip(), value)


def nested(key: str, value: Any) -> dict[str, Any]:
    """`{"a": {"b": value}}` for `key` "a.b"."""
    out: dict[str, Any] = {}
    node = out
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    return out


def load(path: str | Path | None, overrides: list[dict[str, Any]] = ()) -> TrainConfig:  # type: ignore[assignment]
    cfg = TrainConfig()
    if path is not None:
        try:
            with open(path, "rb") as f:
                apply(cfg, tomllib.load(f), "")
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: {e}") from None
    for o in overrides:
        apply(cfg, o)
    return cfg


def validate(cfg: TrainConfig) -> None:
    if cfg.objective not in OBJECTIVES:
        raise ConfigError(f"objective must be one of {', '.join(OBJECTIVES)}, not {cfg.objective!r}")
    if not cfg.data.shards:
        raise ConfigError("data.shards is not set (the `wakachi pack` output directory)")
    for name in ("batch_size", "micro_batches", "checkpoint_every", "log_every", "keep_checkpoints"):
        section = cfg.data if hasattr(cfg.data, name) else cfg.run
        if getattr(section, name) <= 0:
            raise ConfigError(f"{name} must be > 0")
    if cfg.optim.steps <= 0 or cfg.optim.warmup_steps < 0:
        raise ConfigError("optim.steps must be > 0 and optim.warmup_steps >= 0")
    if cfg.optim.schedule not in ("linear", "constant", "cosine"):
        raise ConfigError(f"optim.schedule must be linear, constant or cosine, not {cfg.optim.schedule!r}")
    if cfg.run.precision not in ("auto", "bf16", "fp32"):
        raise ConfigError("run.precision must be auto, bf16 or fp32")
    m = cfg.model
    if m.hidden_size % m.num_attention_heads:
        raise ConfigError(f"model.hidden_size {m.hidden_size} is not a multiple of {m.num_attention_heads} heads")
    if cfg.objective == "mlm" and m.arch not in ("bert", "roberta"):
        raise ConfigError(f"model.arch for mlm must be bert or roberta, not {m.arch!r}")
