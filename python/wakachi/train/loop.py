"""`wakachi train`: the training loop.

One optimizer step = one global batch from the loader (all ranks, `micro_batches` micro-batches
each). Each loss term is summed over its positions and divided by the term's **global** count
(all ranks, all micro-batches: predicted tokens for MLM/CLM, NSP rows, live tokens for ELECTRA's
discriminator), and the gradient is scaled by the world size because FSDP2's reduce-scatter
averages over ranks: a global batch gives the same loss and gradients on 1 or N ranks.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from wakachi._core import ConfigError, WakachiError
from wakachi.loader import Loader, Masking, default_masking
from wakachi.train import checkpoint as ckpt
from wakachi.train import dist as wdist
from wakachi.train.config import FORMATS_OF, OBJECTIVE_OF_FORMAT, TrainConfig, validate
from wakachi.train.metrics import MetricsLog, Progress, plot_metrics
from wakachi.train.models import TERMS, build, counts, flops_per_token


class TrainingDiverged(WakachiError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class TrainResult:
    steps: int
    loss: float
    checkpoint: str | None
    resumed_from: int


def resolve(cfg: TrainConfig) -> tuple[TrainConfig, Any]:
    """Fills the objective from the shards' format and checks the pairing; returns the shard info."""
    probe = Loader(cfg.data.shards, batch_size=1, world_size=1, rank=0, masking="none", epochs=1, prefetch=1)
    info = probe.info
    if not cfg.objective:
        cfg.objective = OBJECTIVE_OF_FORMAT[info.format]
    if cfg.objective == "mlm" and not cfg.model.arch:
        cfg.model.arch = "roberta" if info.format == "roberta" else "bert"
    cfg.model = cfg.model.resolved()
    validate(cfg)
    if info.format not in FORMATS_OF[cfg.objective]:
        raise ConfigError(
            f"objective {cfg.objective!r} cannot be fed by {info.format!r} shards "
            f"({cfg.data.shards}); it reads {', '.join(FORMATS_OF[cfg.objective])} shards"
        )
    longest = info.max_row_len - (1 if info.format == "gpt2" else 0)
    if longest > cfg.model.max_position_embeddings:
        raise ConfigError(
            f"rows of {longest} tokens in {cfg.data.shards} do not fit "
            f"model.max_position_embeddings = {cfg.model.max_position_embeddings}"
        )
    if cfg.data.tokenizer:
        from wakachi.train.exporter import tokenizer_fingerprint

        fp = tokenizer_fingerprint(cfg.data.tokenizer)
        if fp != info.tokenizer:
            raise ConfigError(
                f"data.tokenizer {cfg.data.tokenizer} is not the tokenizer {cfg.data.shards} was packed with "
                f"(fingerprint {fp[:23]}… vs the manifest's {info.tokenizer[:23]}…)"
            )
    return cfg, info


def _masking(cfg: TrainConfig, info: Any) -> tuple[str, Masking | None]:
    if cfg.objective == "clm":
        return "causal", None
    if cfg.objective == "bert" and not cfg.data.dynamic_bert:
        return "static", None
    fmt = "electra" if cfg.objective == "electra" else info.format
    m = default_masking(fmt, info.max_row_len)
    m = Masking(
        rule=m.rule,
        prob=cfg.data.mask_prob,
        whole_word=cfg.data.whole_word,
        mask_share=m.mask_share,
        random_share=m.random_share,
        max_predictions=m.max_predictions,
    )
    return "dynamic", m


def _optimizer(model: torch.nn.Module, cfg: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for _, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 else decay).append(p)  # biases and LayerNorm weights: no decay
    o = cfg.optim
    groups = [{"params": decay, "weight_decay": o.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=o.lr, betas=(o.beta1, o.beta2), eps=o.eps, fused=device.type == "cuda" or None)


def lr_factor(step: int, cfg: TrainConfig) -> float:
    """Warmup from 0, then linear decay to 0 at `steps` (Google BERT's polynomial decay of power
    1), constant (colorfulscoop's GPT-2), or cosine to 0."""
    o = cfg.optim
    if o.warmup_steps and step < o.warmup_steps:
        return (step + 1) / o.warmup_steps
    if o.schedule == "constant":
        return 1.0
    span = max(1, o.steps - o.warmup_steps)
    done = min(1.0, (step - o.warmup_steps) / span)
    if o.schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * done))
    return max(0.0, 1.0 - done)


class _Stop:
    """SIGTERM / Ctrl-C: finish the step, write a checkpoint, stop."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        for s in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: no handlers
                self._old[s] = signal.signal(s, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signal = signum

    def __exit__(self, *exc: Any) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)


def _seed_step(seed: int, step: int, rank: int) -> int:
    return (seed * 1_000_003 + step * 7_919 + rank * 104_729) % (2**63 - 1)


def train(cfg: TrainConfig, log: Any = None) -> TrainResult:
    """Runs (or resumes) training as configured. Every rank calls it."""
    out = Path(cfg.out)
    d = wdist.init(cfg.run.device)
    say = (log or (lambda s: print(s, file=sys.stderr, flush=True))) if d.is_main else (lambda s: None)
    cfg, info = resolve(cfg)
    bf16 = cfg.run.precision == "bf16" or (cfg.run.precision == "auto" and d.device.type == "cuda")
    masking, mask = _masking(cfg, info)
    loader = Loader(
        cfg.data.shards,
        batch_size=cfg.data.batch_size,
        micro_batches=cfg.data.micro_batches,
        rank=d.rank,
        world_size=d.world_size,
        seed=cfg.seed,
        shuffle=cfg.data.shuffle,
        epochs=None,
        pad_to=cfg.data.pad_to or None,
        masking=masking,
        mask=mask,
    )
    torch.manual_seed(cfg.seed)
    model = build(cfg, info)
    n_params = sum(p.numel() for p in model.parameters())
    if cfg.run.activation_checkpointing:
        for m in model.exports().values():  # type: ignore[operator]
            m.activation_checkpointing_enable()
    model.to(d.device)
    # FSDP2 whenever there is something to shard or bf16 to apply; a single CPU process in fp32
    # runs the plain module (same numerics, without FSDP's per-step copies: 1.5x faster on CPU).
    sharded = d.world_size > 1 or bf16
    if sharded:
        wdist.shard(model, model.blocks(), d.device, bf16, cfg.run.compile)  # type: ignore[operator]
    elif cfg.run.compile:
        for block in model.blocks():  # type: ignore[operator]
            block.compile()
    optim = _optimizer(model, cfg, d.device)
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: lr_factor(s, cfg))

    if d.is_main:
        out.mkdir(parents=True, exist_ok=True)
        ckpt.clean_partial(out)
    dist.barrier()
    step, resumed = 0, 0
    last = ckpt.latest(out)
    if last is not None:
        meta = ckpt.read_meta(last)
        if meta["config"]["objective"] != cfg.objective:
            raise ConfigError(
                f"{last}: a checkpoint of objective {meta['config']['objective']!r}, not {cfg.objective!r}"
            )
        if meta["tokenizer"] != info.tokenizer:
            raise ConfigError(f"{last}: trained on shards of another tokenizer than {cfg.data.shards}")
        ckpt.load(last, model, optim)
        sched.load_state_dict(meta["scheduler"])
        loader.load_state_dict(meta["loader"])
        step = resumed = int(meta["step"])
    elif cfg.run.init_from:
        meta = ckpt.read_meta(cfg.run.init_from)
        if meta["config"]["objective"] != cfg.objective:
            raise ConfigError(f"{cfg.run.init_from}: a checkpoint of objective {meta['config']['objective']!r}")
        if meta["tokenizer"] != info.tokenizer:
            raise ConfigError(f"{cfg.run.init_from}: trained on another tokenizer than {cfg.data.shards}'s")
        ckpt.load(meta["path"], model, None)

    tokens_per_step = cfg.data.batch_size * info.max_row_len
    summary = [
        f"wakachi train: {cfg.objective} on {info.format} shards {cfg.data.shards} ({info.rows:,} rows, "
        f"{info.steps_per_epoch:,} steps/epoch), model {cfg.model.size} {n_params / 1e6:.1f}M params",
        f"  world {d.world_size} × {d.device.type}, global batch {cfg.data.batch_size} "
        f"(≤ {tokens_per_step:,} tokens/step), {cfg.data.micro_batches} micro-batch(es)/rank, "
        f"{'bf16' if bf16 else 'fp32'}, {cfg.optim.steps:,} steps, lr {cfg.optim.lr:g} ({cfg.optim.schedule}, "
        f"warmup {cfg.optim.warmup_steps:,})",
        f"  {'resumed from step ' + str(resumed) if resumed else 'fresh start'}"
        f"{' (weights from ' + cfg.run.init_from + ')' if cfg.run.init_from and not resumed else ''}; "
        f"checkpoints every {cfg.run.checkpoint_every} steps in {out / 'checkpoints'}",
    ]
    for line in summary:
        say(line)
    if d.is_main:
        say("  config: " + json.dumps(cfg.to_dict(), ensure_ascii=False))
    metrics = MetricsLog(out / "metrics.jsonl", d.is_main)
    metrics.truncate_after(step)
    peak = cfg.run.peak_flops or wdist.peak_flops(d.device)
    progress = Progress(cfg.optim.steps, step, say, enabled=cfg.run.progress)
    terms = TERMS[cfg.objective]
    weights = [cfg.run.disc_weight if name == "disc" else 1.0 for name, _ in terms]
    steps_iter = loader.steps()
    last_ckpt: str | None = str(last) if last else None
    loss_value = float("nan")
    t_log, tok_log = time.perf_counter(), 0.0

    def save() -> str:
        meta = {
            "config": cfg.to_dict(),
            "info": dict(info.__dict__),
            "tokenizer": info.tokenizer,
            "scheduler": sched.state_dict(),
            "loader": loader.state_dict(),
            "world_size": d.world_size,
        }
        p = ckpt.save(out, step, model, optim, meta, cfg.run.keep_checkpoints)
        if d.is_main:
            plot_metrics(out / "metrics.jsonl", out / "metrics.png")
        return str(p)

    with _Stop() as stop:
        while step < cfg.optim.steps:
            micro = next(steps_iter)
            local: dict[str, float] = {}
            for mb in micro:
                for k, v in counts(cfg.objective, mb).items():
                    local[k] = local.get(k, 0.0) + v
            local["tokens"] = local.get("tokens", sum(float(mb["num_tokens"]) for mb in micro))
            keys = sorted(local)
            glob = dict(zip(keys, wdist.all_sum([local[k] for k in keys], d.device), strict=True))
            torch.manual_seed(_seed_step(cfg.seed, step, d.rank))
            optim.zero_grad(set_to_none=True)
            sums = torch.zeros(len(terms), dtype=torch.float64, device=d.device)
            for i, mb in enumerate(micro):
                batch = {k: v.to(d.device, non_blocking=True) for k, v in mb.items() if isinstance(v, torch.Tensor)}
                if hasattr(model, "sample_seed"):
                    setattr(model, "sample_seed", _seed_step(cfg.seed, step, d.rank * 1024 + i))  # noqa: B010
                if sharded:
                    model.set_requires_gradient_sync(i == len(micro) - 1)  # type: ignore[operator]
                parts = model(batch)
                loss = sum(
                    p / max(glob[denom], 1.0) * w for p, (_, denom), w in zip(parts, terms, weights, strict=True)
                )
                (loss * d.world_size).backward()
                sums += torch.stack([p.detach().double() for p in parts])
            dist.all_reduce(sums)
            comp = [float(s) / max(glob[denom], 1.0) for s, (_, denom) in zip(sums.tolist(), terms, strict=True)]
            loss_value = sum(c * w for c, w in zip(comp, weights, strict=True))
            if not math.isfinite(loss_value):
                raise TrainingDiverged(
                    f"step {step + 1}: loss is {loss_value} ({dict(zip([t for t, _ in terms], comp, strict=True))}); "
                    f"stopped, the last good checkpoint is {last_ckpt or 'none (no checkpoint yet)'}"
                )
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.clip or float("inf"))
            if hasattr(grad_norm, "full_tensor"):
                grad_norm = grad_norm.full_tensor()
            lr = sched.get_last_lr()[0]
            optim.step()
            sched.step()
            step += 1
            tok_log += glob["tokens"]
            if step % cfg.run.log_every == 0 or step == cfg.optim.steps:
                now = time.perf_counter()
                tps = tok_log / max(now - t_log, 1e-9)
                seq = micro[0]["input_ids"].shape[1]
                share = glob["predicted"] / max(glob["tokens"], 1.0)
                mfu = (
                    tps * flops_per_token(model, cfg, seq, share, info.vocab_size) / (peak * d.world_size)
                    if peak
                    else None
                )
                rec = {
                    "step": step,
                    "epoch": loader.state_dict()["epoch"],
                    "loss": loss_value,
                    **{name: c for (name, _), c in zip(terms, comp, strict=True)},
                    "lr": lr,
                    "grad_norm": float(grad_norm),
                    "tokens_per_s": tps,
                    "mfu": mfu,
                    "time": time.time(),
                }
                metrics.append(rec)
                progress.update(step, rec)
                t_log, tok_log = now, 0.0
            flag = torch.tensor([float(stop.signal or 0)], device=d.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stopping = flag.item() > 0
            if step % cfg.run.checkpoint_every == 0 or step == cfg.optim.steps or stopping:
                last_ckpt = save()
            if stopping:
                say(f"stopped at step {step} by signal; checkpoint {last_ckpt}; the same command resumes")
                if int(flag.item()) == signal.SIGINT:
                    raise KeyboardInterrupt
                break
    progress.done(step, loss_value)
    return TrainResult(step, loss_value, last_ckpt, resumed)


def world_from_env() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))
