"""Trainer throughput: `wakachi train` vs HF `Trainer` + `DataCollatorForLanguageModeling` on the same
shards, same model configuration and batch, same device, in one run. Prints tokens/s (non-padding
input tokens, steps after the warm-up), MFU where the device's peak is known, and the ratio.

    .venv/bin/python benches/train.py [--size mini] [--steps 30] [--batch 32] [--objective mlm|bert]
    .venv/bin/python benches/train.py --size base --steps 60 --batch 256 --objective bert   # on a GPU

Shards: benches/loader.py's (KWDLC + JGLUE Wikipedia + Aozora, packed as `roberta` and `bert`).
HF's side: the same `transformers` model class built from the same config (`BertForMaskedLM`
for mlm, `BertForPreTraining`'s MLM on the HF collator's masks for bert — HF has no NSP collator,
so its bert run trains MLM only), `datasets.load_dataset("arrow", ...)`, the collator, bf16 on GPU.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))


def ours(d: Path, tok: Path, out: Path, objective: str, size: str, steps: int, batch: int, warm: int) -> dict:
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "wakachi", "train", "--objective", objective, "--shards", str(d), "--tokenizer",
           str(tok), "--size", size, "--steps", str(steps), "--batch-size", str(batch), "--out", str(out),
           "--warmup-steps", "5", "--set", "run.log_every=1", "--set", f"run.checkpoint_every={steps * 10}",
           "--set", "model.arch=\"bert\""]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    recs = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    after = recs[warm:]
    tps = sum(r["tokens_per_s"] for r in after) / len(after)
    mfu = [r["mfu"] for r in after if r["mfu"] is not None]
    return {"tokens_per_s": tps, "mfu": sum(mfu) / len(mfu) if mfu else None, "wall_s": wall}


def hf(d: Path, tok: Path, out: Path, objective: str, size: str, steps: int, batch: int, warm: int) -> dict:
    import datasets
    import torch
    from transformers import (
        AutoTokenizer,
        BertConfig,
        BertForMaskedLM,
        DataCollatorForLanguageModeling,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    from wakachi.train.config import SIZES

    h, n, a, i, _ = SIZES[size]
    tk = AutoTokenizer.from_pretrained(str(tok))
    manifest = json.loads((d / "manifest.json").read_text())
    conf = BertConfig(vocab_size=manifest["identity"]["schema"]["vocab_size"], hidden_size=h, num_hidden_layers=n,
                      num_attention_heads=a, intermediate_size=i, max_position_embeddings=512)  # fmt: skip
    model = BertForMaskedLM(conf)
    files = sorted(str(p) for p in d.glob("shard-*.arrow"))
    ds = datasets.load_dataset("arrow", data_files=files, split="train").select_columns(["input_ids"])
    coll = DataCollatorForLanguageModeling(tk, mlm_probability=0.15, pad_to_multiple_of=8)
    marks: list[tuple[float, int]] = []

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            marks.append((time.perf_counter(), state.global_step))

    tokens: list[int] = []
    orig = coll.__call__

    def counting(examples):
        b = orig(examples)
        tokens.append(int(b["attention_mask"].sum()))
        return b

    coll.__call__ = counting  # type: ignore[method-assign]
    args = TrainingArguments(
        output_dir=str(out), max_steps=steps, per_device_train_batch_size=batch, learning_rate=1e-4,
        warmup_steps=5, logging_steps=10**6, save_strategy="no", report_to=[], dataloader_num_workers=0,
        bf16=torch.cuda.is_available(), disable_tqdm=True,
    )  # fmt: skip
    Trainer(model=model, args=args, train_dataset=ds, data_collator=lambda e: counting(e), callbacks=[Clock()]).train()
    t_warm, t_end = marks[warm - 1][0], marks[-1][0]
    tok_after = sum(tokens[warm : len(marks)])
    return {"tokens_per_s": tok_after / (t_end - t_warm), "mfu": None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="mini")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--objective", default="mlm", choices=("mlm", "bert"))
    ap.add_argument("--warm", type=int, default=5)
    args = ap.parse_args()
    import loader as loader_bench

    out = HERE / "out" / "train"
    dirs = loader_bench.build(HERE / "out" / "loader", 0)
    d = dirs["roberta" if args.objective == "mlm" else "bert"]
    w = ours(d, dirs["tok"], out / "wakachi", args.objective, args.size, args.steps, args.batch, args.warm)
    h = hf(d, dirs["tok"], out / "hf", args.objective, args.size, args.steps, args.batch, args.warm)
    import torch

    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
    mfu = f", MFU {w['mfu'] * 100:.1f}%" if w["mfu"] else ""
    print(
        f"train bench ({dev}): {args.objective} {args.size} batch {args.batch} seq ≤128, steps {args.warm + 1}–{args.steps}: "
        f"wakachi {w['tokens_per_s']:,.0f} tok/s{mfu} | HF Trainer + collator {h['tokens_per_s']:,.0f} tok/s | "
        f"ratio {w['tokens_per_s'] / h['tokens_per_s']:.2f}x"
    )


if __name__ == "__main__":
    main()
