"""Pretraining from wakachi shards: FSDP2 training of BERT, RoBERTa, ELECTRA and GPT-2
(`transformers` model classes), checkpoints, metrics, export.

```python
from wakachi.train import TrainConfig, train, export
cfg = TrainConfig.from_dict({"data": {"shards": "shards/", "tokenizer": "tok/"}, "model": {"size": "tiny"},
                             "optim": {"steps": 100, "warmup_steps": 10}, "out": "runs/tiny"})
train(cfg)
export("runs/tiny", "model/")
```
"""

from typing import Any

__all__ = ["TrainConfig", "TrainResult", "TrainingDiverged", "export", "train"]

# Lazy: importing torch takes seconds, and `wakachi segment` must not pay for it.
_WHERE = {
    "TrainConfig": "wakachi.train.config",
    "export": "wakachi.train.exporter",
    "TrainResult": "wakachi.train.loop",
    "TrainingDiverged": "wakachi.train.loop",
    "train": "wakachi.train.loop",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'wakachi.train' has no attribute {name!r}")
