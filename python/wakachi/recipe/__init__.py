"""Recipes: the reference models as files, run end to end (`wakachi recipe`, `wakachi run`).

```python
from wakachi.recipe import load, Runner
recipe = load("cl-tohoku-bert-base-v3", scale="tiny")
Runner(recipe, ["wiki.json.gz"], "runs/bert").run()
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wakachi.recipe.runner import Runner, StageResult
    from wakachi.recipe.spec import Recipe, load, names

__all__ = ["Recipe", "Runner", "StageResult", "load", "names"]

# Imported when first used (PEP 562): the CLI imports `wakachi.recipe.cli` to build its parser on
# every command, and the runner's imports would add ~20 ms to each `wakachi segment`.
_HOME = {"Runner": "runner", "StageResult": "runner", "Recipe": "spec", "load": "spec", "names": "spec"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'wakachi.recipe' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"wakachi.recipe.{_HOME[name]}"), name)
    globals()[name] = value
    return value
