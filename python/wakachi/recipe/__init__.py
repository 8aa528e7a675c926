"""Recipes: the reference models as files, run end to end (`wakachi recipe`, `wakachi run`).

```python
from wakachi.recipe import load, Runner
recipe = load("cl-tohoku-bert-base-v3", scale="tiny")
Runner(recipe, ["wiki.json.gz"], "runs/bert").run()
```
"""

from wakachi.recipe.runner import Runner, StageResult
from wakachi.recipe.spec import Recipe, load, names

__all__ = ["Recipe", "Runner", "StageResult", "load", "names"]
