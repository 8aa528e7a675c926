"""`wakachi train` on two nodes: two `torchrun` agents (`--nnodes 2`, c10d rendezvous on
127.0.0.1, one gloo rank each, CPU), as on two machines, against one process with the same global
batch: the per-step losses are the same (the loader cuts every global batch the same way for any
world size, and FSDP's gradient reduction averages the ranks' shares back into the global batch).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import shard_fixtures
from wakachi.train.metrics import read_metrics

STEPS = 4


@pytest.fixture(scope="module")
def dirs() -> dict[str, Path]:
    return shard_fixtures.build()


def train_args(dirs, out: Path) -> list[str]:
    return [
        "-m", "wakachi", "train", "--objective", "mlm", "--out", str(out), "--seed", "7",
        "--shards", str(dirs["roberta"]), "--tokenizer", str(dirs["tok"]), "--size", "tiny",
        "--batch-size", "16", "--lr", "2e-3", "--warmup-steps", "2", "--device", "cpu",
        "--steps", str(STEPS), "--checkpoint-every", str(STEPS),
        "--set", "model.dropout=0.0", "--set", "model.attention_dropout=0.0",
        "--set", "model.max_position_embeddings=136", "--set", "run.log_every=1",
    ]  # fmt: skip


def losses(out: Path) -> list[float]:
    return [r["loss"] for r in read_metrics(out / "metrics.jsonl")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def test_two_torchrun_nodes_give_the_losses_of_one_process(dirs, tmp_path):
    """The single-process run goes at the same time as the two nodes (one thread each)."""
    one = tmp_path / "one"
    two = tmp_path / "two"
    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []  # the single process, then the node agents
    logs = []
    try:
        log = open(tmp_path / "one.log", "w+")  # noqa: SIM115 (closed below)
        logs.append(log)
        procs.append(subprocess.Popen([sys.executable, *train_args(dirs, one)], env=env(), stdout=log, stderr=log))
        for node in (0, 1):
            log = open(tmp_path / f"node{node}.log", "w+")  # noqa: SIM115 (closed below)
            logs.append(log)
            cmd = [
                sys.executable, "-m", "torch.distributed.run",
                "--nnodes", "2", "--node-rank", str(node), "--nproc-per-node", "1",
                "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", "wakachi-test",
                # node 0 hosts the rendezvous store, as the first node of a cluster would
                "--rdzv-conf", f"is_host={1 if node == 0 else 0}",
                *train_args(dirs, two),
            ]  # fmt: skip
            procs.append(subprocess.Popen(cmd, env=env(), stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 600
        while time.time() < deadline and any(p.poll() is None for p in procs):
            if any(p.poll() not in (None, 0) for p in procs):
                break
            time.sleep(0.2)
    finally:
        for p in procs:  # stopped on any outcome: a failed agent leaves the other waiting
            if p.poll() is None:
                p.kill()
            p.wait()
        outputs = []
        for log in logs:
            log.seek(0)
            outputs.append(log.read())
            log.close()
    single, *agents = procs
    assert single.returncode == 0, outputs[0][-3000:]
    outputs = outputs[1:]
    for node, (a, text) in enumerate(zip(agents, outputs, strict=True)):
        assert a.returncode == 0, f"node {node}:\n{text[-3000:]}"
    assert "world 2 × cpu" in outputs[0] + outputs[1], outputs[0][-2000:]
    ref = losses(one)
    assert len(ref) == STEPS
    got = losses(two)
    assert len(got) == STEPS
    assert got == pytest.approx(ref, rel=1e-5, abs=1e-6)
