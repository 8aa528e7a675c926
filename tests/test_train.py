"""The trainer on CPU: tiny models on shards packed from the shared corpora.

Each objective trains and its loss falls, and its first losses match a golden file (a change in
numerics shows up); 2 gloo ranks under torchrun give the parameters of one process on the same
global batches; `kill -9` then the same command continues with the losses of an uninterrupted run;
a world-size-2 checkpoint resumes at world size 1; each kind exports to a directory that
`transformers` loads with no missing or unexpected keys, and the pipelines run on it.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import shard_fixtures
from conftest import CORPORA
from wakachi import ConfigError
from wakachi.train import TrainConfig, TrainingDiverged, export, train
from wakachi.train.metrics import read_metrics

GOLDEN = Path(__file__).parent / "golden" / "train_losses.json"
# Losses of the first steps may differ in the last bits between CPUs (vector widths change the
# order of float sums); a change in the numerics moves them by far more.
GOLDEN_RTOL = 2e-3
OBJECTIVES = {"bert": "bert", "mlm": "roberta", "electra": "electra", "clm": "gpt2"}


@pytest.fixture(scope="module")
def dirs() -> dict[str, Path]:
    return shard_fixtures.build()


def config(dirs, out: Path, objective: str, **over) -> TrainConfig:
    d = {
        "objective": objective,
        "out": str(out),
        "seed": 7,
        "model": {"size": "tiny", "dropout": 0.0, "attention_dropout": 0.0, "max_position_embeddings": 136},
        "data": {"shards": str(dirs[OBJECTIVES[objective]]), "tokenizer": str(dirs["tok"]), "batch_size": 16},
        "optim": {"lr": 2e-3, "warmup_steps": 3, "steps": 40, "schedule": "linear"},
        "run": {"checkpoint_every": 40, "log_every": 1, "progress": False, "device": "cpu"},
    }
    for key, v in over.items():
        section, _, name = key.rpartition("__")
        (d[section] if section else d)[name] = v
    return TrainConfig.from_dict(d)


def cli(dirs, out: Path, objective: str, *extra: str) -> list[str]:
    return [
        "-m", "wakachi", "train", "--objective", objective, "--out", str(out), "--seed", "7",
        "--shards", str(dirs[OBJECTIVES[objective]]), "--tokenizer", str(dirs["tok"]), "--size", "tiny",
        "--batch-size", "16", "--lr", "2e-3", "--warmup-steps", "2", "--device", "cpu",
        "--set", "model.dropout=0.0", "--set", "model.attention_dropout=0.0",
        "--set", "model.max_position_embeddings=136", "--set", "run.log_every=1", "--set", "optim.schedule=\"constant\"",
        *extra,
    ]  # fmt: skip


def losses(out: Path) -> list[float]:
    return [r["loss"] for r in read_metrics(out / "metrics.jsonl")]


@pytest.fixture(scope="module")
def trained(dirs, tmp_path_factory) -> dict[str, Path]:
    """One run of 40 steps per objective (in this process, a world of one)."""
    runs = {}
    for objective in OBJECTIVES:
        out = tmp_path_factory.mktemp(f"run-{objective}")
        res = train(config(dirs, out, objective))
        assert res.steps == 40 and res.checkpoint is not None
        runs[objective] = out
    return runs


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_loss_falls_and_matches_the_golden_file(trained, objective):
    ls = losses(trained[objective])
    assert len(ls) == 40 and all(math.isfinite(x) for x in ls)
    first, last = sum(ls[:5]) / 5, sum(ls[-5:]) / 5
    assert last < first * 0.9, f"{objective}: loss {first:.3f} → {last:.3f} did not fall"
    if os.environ.get("WAKACHI_WRITE_GOLDEN"):
        g = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        g[objective] = ls[:10]
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(g, indent=1) + "\n")
    golden = json.loads(GOLDEN.read_text())[objective]
    assert len(golden) == 10
    for step, (got, want) in enumerate(zip(ls[:10], golden, strict=True), 1):
        assert math.isclose(got, want, rel_tol=GOLDEN_RTOL), f"{objective} step {step}: loss {got} vs golden {want}"


def test_metrics_and_plot_are_written(trained):
    out = trained["bert"]
    rec = read_metrics(out / "metrics.jsonl")[-1]
    assert {"step", "loss", "mlm", "nsp", "lr", "grad_norm", "tokens_per_s", "mfu"} <= set(rec)
    assert rec["tokens_per_s"] > 0 and rec["mfu"] is None  # no peak FLOPs known on a CPU
    assert (out / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    png = out / "replot.png"
    r = subprocess.run([sys.executable, "-m", "wakachi", "plot", str(out / "metrics.jsonl"), "-o", str(png)])
    assert r.returncode == 0 and png.stat().st_size > 1000


def _load_kwargs() -> dict:
    return {"output_loading_info": True, "local_files_only": True}


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_export_loads_in_transformers_and_the_pipelines_run(trained, tmp_path, objective):
    from transformers import (
        AutoModelForCausalLM,
        AutoModelForMaskedLM,
        AutoModelForPreTraining,
        AutoTokenizer,
        pipeline,
    )

    written = export(trained[objective], tmp_path / "model")
    assert written[0] == tmp_path / "model"
    main = tmp_path / "model"
    auto = {"bert": AutoModelForPreTraining, "mlm": AutoModelForMaskedLM, "electra": AutoModelForPreTraining}
    cls = auto.get(objective, AutoModelForCausalLM)
    model, info = cls.from_pretrained(main, **_load_kwargs())
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"], info
    tok = AutoTokenizer.from_pretrained(main, local_files_only=True)
    text = next(line for line in (CORPORA / "kwdlc.txt").read_text(encoding="utf-8").split("\n") if len(line) > 20)
    if objective == "clm":
        assert model.lm_head.weight is model.transformer.wte.weight
        gen = pipeline("text-generation", model=str(main), tokenizer=str(main), device="cpu")
        res = gen(text[:10], max_new_tokens=5, do_sample=False)
        assert res[0]["generated_text"].startswith(text[:10].split()[0][:1])
        return
    mlm_dir = main / "generator" if objective == "electra" else main
    if objective == "electra":
        assert written == [main, mlm_dir]
        gen, ginfo = AutoModelForMaskedLM.from_pretrained(mlm_dir, **_load_kwargs())
        assert not ginfo["missing_keys"] and not ginfo["unexpected_keys"], ginfo
        # the exported discriminator carries the shared embeddings the generator was trained with
        assert torch.equal(
            gen.electra.embeddings.word_embeddings.weight, model.electra.embeddings.word_embeddings.weight
        )
    fill = pipeline("fill-mask", model=str(mlm_dir), tokenizer=str(mlm_dir), device="cpu")
    words = tok.tokenize(text)
    masked = text.replace(tok.convert_tokens_to_string([words[2]]).replace(" ", ""), tok.mask_token, 1)
    out = fill(masked, top_k=3)
    assert len(out) == 3 and all("token_str" in o for o in out)


def _max_param_diff(a: Path, b: Path, objective: str, tmp: Path) -> float:
    from transformers import AutoModelForPreTraining

    export(a, tmp / "a")
    export(b, tmp / "b")
    ma = AutoModelForPreTraining.from_pretrained(tmp / "a", local_files_only=True)
    mb = AutoModelForPreTraining.from_pretrained(tmp / "b", local_files_only=True)
    sb = mb.state_dict()
    return max(float((v - sb[k]).abs().max()) for k, v in ma.state_dict().items())


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def ws1_run(dirs, tmp_path_factory) -> Path:
    """Single process, constant LR, 8 steps, checkpoints every 4."""
    out = tmp_path_factory.mktemp("ws1")
    r = _run(cli(dirs, out, "bert", "--steps", "8", "--checkpoint-every", "4"))
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_two_gloo_ranks_equal_one_process_then_resume_at_world_size_1(dirs, ws1_run, tmp_path):
    """After 4 steps, FSDP over 2 gloo ranks holds the parameters of a single process run on the same
    global batches (tolerance 1e-5); its checkpoint then resumes at world size 1 with the losses of
    the uninterrupted run (1e-5)."""
    out = tmp_path / "ws2"
    args = ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    r = _run(args + cli(dirs, out, "bert", "--steps", "4", "--checkpoint-every", "4")[0:])
    assert r.returncode == 0, r.stderr[-3000:]
    ref = losses(ws1_run)
    assert losses(out) == pytest.approx(ref[:4], rel=1e-5, abs=1e-6)
    diff = _max_param_diff(
        out / "checkpoints" / "step-00000004", ws1_run / "checkpoints" / "step-00000004", "bert", tmp_path
    )
    assert diff < 1e-5, f"max parameter difference {diff}"
    r = _run(cli(dirs, out, "bert", "--steps", "8", "--checkpoint-every", "4"))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resumed from step 4" in r.stderr
    assert losses(out) == pytest.approx(ref, rel=1e-5, abs=1e-6)


def test_kill_9_then_the_same_command_continues_exactly(dirs, ws1_run, tmp_path):
    out = tmp_path / "killed"
    args = cli(dirs, out, "bert", "--steps", "8", "--checkpoint-every", "4")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, *args], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.time() + 300
    metrics = out / "metrics.jsonl"
    # Kill once step 4's checkpoint is complete and step 5 or later has run (logged past it).
    while time.time() < deadline and proc.poll() is None:
        ready = (out / "checkpoints" / "step-00000004" / "meta.json").exists() and metrics.exists()
        if ready and any(r["step"] >= 5 for r in read_metrics(metrics)):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "checkpoints" / "step-00000008").exists()
    r = _run(args)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resumed from step 4" in r.stderr
    assert [x["step"] for x in read_metrics(metrics)] == list(range(1, 9))
    assert losses(out) == pytest.approx(losses(ws1_run), rel=1e-6, abs=1e-7)


def test_sigterm_writes_a_checkpoint_and_stops(dirs, tmp_path):
    out = tmp_path / "term"
    args = cli(dirs, out, "mlm", "--steps", "1000", "--checkpoint-every", "1000")
    proc = subprocess.Popen([sys.executable, *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and not (out / "metrics.jsonl").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    saved = sorted((out / "checkpoints").iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("step-")
    assert "stopped at step" in err


def test_bad_pairings_fail_before_training(dirs, trained, tmp_path, other_tok):
    with pytest.raises(ConfigError, match="cannot be fed by 'roberta' shards"):
        train(config(dirs, tmp_path / "a", "clm", data__shards=str(dirs["roberta"])))
    with pytest.raises(ConfigError, match="is not the tokenizer"):
        train(config(dirs, tmp_path / "b", "mlm", data__tokenizer=str(other_tok)))
    with pytest.raises(ConfigError, match="objective 'bert'"):
        train(config(dirs, tmp_path / "c", "mlm", run__init_from=str(trained["bert"])))
    with pytest.raises(ConfigError, match=re.escape("do not fit model.max_position_embeddings")):
        train(config(dirs, tmp_path / "d", "mlm", model__max_position_embeddings=64))


@pytest.fixture
def other_tok(dirs):
    import shutil

    d = dirs["roberta"].parent / "tok-other"
    if not d.exists():
        shutil.copytree(dirs["tok"], d)
        with open(d / "vocab.txt", "a", encoding="utf-8") as f:
            f.write("追加\n")
    return d


def test_nan_loss_stops_with_the_step_and_keeps_the_checkpoint(dirs, tmp_path):
    out = tmp_path / "nan"
    cfg = config(dirs, out, "mlm", optim__lr=1e30, optim__warmup_steps=0, run__checkpoint_every=1, optim__steps=50)
    with pytest.raises(TrainingDiverged, match=r"step \d+: loss is (nan|inf)") as e:
        train(cfg)
    kept = sorted((out / "checkpoints").iterdir())
    assert kept and all(math.isfinite(r["loss"]) for r in read_metrics(out / "metrics.jsonl"))
    assert kept[-1].name in str(e.value)


def test_second_stage_starts_from_the_first_stages_weights(dirs, trained, tmp_path):
    fresh = tmp_path / "fresh"
    train(config(dirs, fresh, "mlm", optim__steps=3, optim__warmup_steps=0))
    stage2 = tmp_path / "stage2"
    res = train(config(dirs, stage2, "mlm", optim__steps=3, optim__warmup_steps=0, run__init_from=str(trained["mlm"])))
    assert res.resumed_from == 0
    # the first step's loss is that of the trained weights, far below a fresh model's
    assert losses(stage2)[0] < losses(fresh)[0] - 1.0
    assert losses(stage2)[0] == pytest.approx(losses(trained["mlm"])[-1], abs=1.0)


def test_print_torchrun(dirs, tmp_path):
    r = _run(
        [
            "-m",
            "wakachi",
            "train",
            "--shards",
            str(dirs["bert"]),
            "--print-torchrun",
            "--nodes",
            "2",
            "--gpus-per-node",
            "8",
        ]
    )
    assert r.returncode == 0, r.stderr
    cmd = r.stdout.strip()
    assert cmd.startswith("torchrun --nnodes=2 --nproc-per-node=8 --rdzv-backend=c10d")
    assert (
        "-m wakachi train --shards" in cmd
        and "--print-torchrun" not in cmd
        and "--nodes" not in cmd.split("wakachi")[1]
    )


def test_activation_checkpointing_and_micro_batches_keep_the_losses(dirs, tmp_path):
    """Recomputing activations, or cutting the global batch into 4 micro-batches (gradient
    accumulation), trains the same model: the losses equal a plain run's (fp32, no dropout)."""
    plain = tmp_path / "plain"
    train(config(dirs, plain, "mlm", optim__steps=4))
    ac = tmp_path / "ac"
    train(config(dirs, ac, "mlm", optim__steps=4, run__activation_checkpointing=True))
    acc = tmp_path / "acc"
    train(config(dirs, acc, "mlm", optim__steps=4, data__micro_batches=4))
    assert losses(ac) == pytest.approx(losses(plain), rel=1e-6)
    assert losses(acc) == pytest.approx(losses(plain), rel=1e-5)
