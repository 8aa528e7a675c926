#!/usr/bin/env bash
# Installs the built wheel into a fresh venv outside the source tree and uses it as a user would:
# the data side without torch, then the `train` extra for a few training steps and an export.
# Usage: .ci/smoke_wheel.sh WHEEL   (make smoke builds the wheel and calls this)
set -euo pipefail
WHEEL=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${WAKACHI_SHARED:-$ROOT/../shared}
WORK=$(mktemp -d /tmp/wakachi-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"   # nothing of the source tree on sys.path
echo "== smoke: fresh venv in $WORK, wheel $(basename "$WHEEL")"
python3 -m venv venv
venv/bin/python -m pip install --quiet --upgrade pip
venv/bin/python -m pip install --quiet "$WHEEL[unidic-lite]"
venv/bin/python -c "import wakachi, sys; assert 'site-packages' in wakachi.__file__, wakachi.__file__; print('import wakachi', wakachi.__version__)"
head -n 3000 "$SHARED/corpora/kwdlc.txt" > corpus.txt
head -n 1 corpus.txt | venv/bin/wakachi segment -s mecab:unidic-lite
venv/bin/wakachi vocab wordpiece --vocab-size 2000 --limit-alphabet 1000 -o tok corpus.txt
venv/bin/wakachi pack --tokenizer tok --format roberta --max-seq-length 64 -o shards corpus.txt
venv/bin/wakachi inspect shards/shard-00000.arrow --vocab tok/vocab.txt -n 1 | head -n 5
n=$(venv/bin/wakachi recipe list | grep -c '^[a-z]')   # the recipe files are package data
[ "$n" -eq 11 ] || { echo "smoke: wakachi recipe list shows $n recipes, not 11"; exit 1; }
echo "== smoke: the train extra"
venv/bin/python -m pip install --quiet "$WHEEL[train]"
venv/bin/wakachi train --shards shards --tokenizer tok --size tiny --steps 5 --batch-size 8 --out run \
    --set model.max_position_embeddings=128 --device cpu
venv/bin/wakachi export run model
HF_HUB_OFFLINE=1 venv/bin/python - <<'PY'
from transformers import pipeline
fill = pipeline("fill-mask", model="model", device="cpu")
out = fill("吾輩は[MASK]である。", top_k=2)
assert len(out) == 2, out
print("fill-mask:", [o["token_str"] for o in out])
PY
echo "== smoke: a recipe end to end (tiny scale, a few steps per stage)"
venv/bin/wakachi run cl-tohoku-bert-base-v3 --scale tiny --quiet --input corpus.txt --out recipe \
    --set corpus.kind=sentences --set stage.seq128.train.optim.steps=4 --set stage.seq512.train.optim.steps=2
test -f recipe/model/model.safetensors
echo "== smoke: ok"
