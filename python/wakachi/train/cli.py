"""`wakachi train`, `wakachi export`, `wakachi plot` (torch is imported only when they run)."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

TRAIN_EPILOG = """examples:
  wakachi train bert.toml                                   # one process (CPU or one GPU)
  wakachi train --shards shards/ --tokenizer tok/ --size tiny --steps 200 --out runs/tiny
  torchrun --standalone --nproc-per-node 8 -m wakachi train bert.toml
  wakachi train bert.toml --print-torchrun --nodes 4 --gpus-per-node 8
  wakachi train stage2.toml --set run.init_from=runs/stage1   # second stage from a first stage's weights
The same command after an interruption (Ctrl-C, SIGTERM, kill -9) resumes from the last checkpoint."""


def _overrides(args: argparse.Namespace) -> list[dict[str, Any]]:
    from wakachi.train.config import nested, parse_override

    out = [parse_override(s) for s in args.set or []]
    flat = {
        "objective": args.objective,
        "out": args.out,
        "seed": args.seed,
        "data.shards": args.shards,
        "data.tokenizer": args.tokenizer,
        "data.batch_size": args.batch_size,
        "data.micro_batches": args.micro_batches,
        "optim.steps": args.steps,
        "optim.lr": args.lr,
        "optim.warmup_steps": args.warmup_steps,
        "model.size": args.size,
        "run.checkpoint_every": args.checkpoint_every,
        "run.device": args.device,
    }
    out += [nested(key, v) for key, v in flat.items() if v is not None]
    return out


def _train(args: argparse.Namespace) -> int:
    from wakachi.train import config

    cfg = config.load(args.config, _overrides(args))
    if args.print_torchrun:
        argv = [a for a in sys.argv[1:] if a not in ("--print-torchrun",)]
        skip = {"--nodes", "--gpus-per-node"}
        kept, i = [], 0
        while i < len(argv):
            if argv[i] in skip:
                i += 2
                continue
            kept.append(argv[i])
            i += 1
        cmd = ["torchrun", f"--nnodes={args.nodes}", f"--nproc-per-node={args.gpus_per_node}"]
        if args.nodes > 1:
            cmd += ["--rdzv-backend=c10d", "--rdzv-endpoint=$MASTER_ADDR:29500", "--rdzv-id=wakachi"]
        else:
            cmd += ["--standalone"]
        print(" ".join(cmd + ["-m", "wakachi"] + [shlex.quote(a) for a in kept]))
        if args.nodes > 1:
            print("# run it on every node, with MASTER_ADDR set to the first node's address", file=sys.stderr)
        return 0
    from wakachi.train.loop import train

    train(cfg)
    return 0


def _export(args: argparse.Namespace) -> int:
    from wakachi.train.exporter import export

    for d in export(args.checkpoint, args.out, args.tokenizer):
        print(f"wakachi export: wrote {d}", file=sys.stderr)
    return 0


def _plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wakachi.train.metrics import plot_metrics

    png = args.output or str(Path(args.metrics).with_suffix(".png"))
    if plot_metrics(args.metrics, png) is None:
        print("wakachi plot: nothing to plot (no records, or matplotlib is not installed)", file=sys.stderr)
        return 1
    print(f"wakachi plot: wrote {png}", file=sys.stderr)
    return 0


def add_parsers(sub: Any) -> None:
    t = sub.add_parser(
        "train",
        help="pretrain BERT/RoBERTa/ELECTRA/GPT-2 from shards with FSDP2 (resumable)",
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("config", nargs="?", help="TOML file (see wakachi.train.config); flags override it")
    t.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE", help="override any setting (repeatable)")
    t.add_argument("--objective", choices=("bert", "mlm", "electra", "clm"), help="default: from the shard format")
    t.add_argument("--shards", help="the `wakachi pack` output directory")
    t.add_argument("--tokenizer", help="the tokenizer the shards were packed with (checked, exported)")
    t.add_argument("--out", help="run directory (checkpoints, metrics.jsonl, metrics.png)")
    t.add_argument("--size", choices=("tiny", "mini", "small", "base", "large"), help="model size preset")
    t.add_argument("--steps", type=int, help="optimizer steps")
    t.add_argument("--batch-size", type=int, help="global batch size (rows)")
    t.add_argument("--micro-batches", type=int, help="gradient accumulation steps")
    t.add_argument("--lr", type=float, help="peak learning rate")
    t.add_argument("--warmup-steps", type=int)
    t.add_argument("--checkpoint-every", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("--device", choices=("auto", "cpu", "cuda"))
    t.add_argument("--print-torchrun", action="store_true", help="print the torchrun command and exit")
    t.add_argument("--nodes", type=int, default=1, help="with --print-torchrun (default: %(default)s)")
    t.add_argument("--gpus-per-node", type=int, default=1, help="with --print-torchrun (default: %(default)s)")
    t.set_defaults(func=_train)

    e = sub.add_parser("export", help="write a checkpoint as a transformers model directory (+ tokenizer)")
    e.add_argument("checkpoint", help="a checkpoint directory, or a run directory (its latest checkpoint)")
    e.add_argument("out", help="output directory")
    e.add_argument("--tokenizer", help="default: the run's data.tokenizer (checked against the shards' fingerprint)")
    e.set_defaults(func=_export)

    p = sub.add_parser("plot", help="plot a run's metrics.jsonl (loss, learning rate) as a PNG")
    p.add_argument("metrics", help="metrics.jsonl")
    p.add_argument("-o", "--output", help="PNG path (default: beside the input)")
    p.set_defaults(func=_plot)
