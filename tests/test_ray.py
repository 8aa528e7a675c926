"""`wakachi pack --executor ray` on a Ray cluster of two nodes on this machine: a head and one
worker node, each started by the test as its own `ray start` (1 CPU each, all traffic on
127.0.0.1), and stopped when the test ends, pass or fail (both process groups killed).

- every part kind — bert (streaming; rows built in the tasks), uer (documents, built in the reduce)
  and electra `--compat` (one random stream over the whole input) — gives shards and a manifest
  byte-identical to the local executor with the same settings, the tasks spread over both nodes;
- a worker process killed by the test in the middle of a task is retried by Ray and the output is
  still identical;
- a driver killed with SIGKILL after some tasks finished, run again with the same command, runs
  only the missing tasks and gives identical output;
- with an `s3://` input and an `s3://` output (an S3-compatible server on loopback), the parts go
  through the object store too, and the objects equal the local shards.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import shard_fixtures
from conftest import CORPORA, corpus_lines, sigint_default
from test_storage import BUCKET, assert_same_shards, objects, s3  # noqa: F401  (the s3 fixture)
from wakachi import InputError
from wakachi.pack import pack

ray = pytest.importorskip("ray")

WAKACHI = [sys.executable, "-m", "wakachi.cli"]
RAY = str(Path(sys.executable).with_name("ray"))
ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "0"}
# The two-node clusters' raylets pass this to their workers: each task first waits that long, so
# that the second node has started a worker before the first node's has run the whole queue (the
# tasks here take ~0.1 s; a node's first worker takes seconds to start on a 2-core machine).
PAUSE = {"WAKACHI_TEST_TASK_PAUSE": "0.4"}
BERT = ["--format", "bert", "--dupe-factor", "2", "--block-documents", "40", "--rows-per-shard", "600"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dirs() -> dict[str, Path]:
    return shard_fixtures.build()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    """Two files, about 1.2 MB: ja_debian's first 6,000 lines and kwdlc's first 5,000."""
    d = tmp_path_factory.mktemp("ray-corpus")
    out = []
    for name, n in (("ja_debian.txt", 6000), ("kwdlc.txt", 5000)):
        lines = (CORPORA / name).read_text(encoding="utf-8").split("\n")[:n]
        p = d / name
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(p)
    return out


@contextlib.contextmanager
def ray_cluster(tmp_path: Path):
    """A head and a worker node (1 CPU each) on 127.0.0.1, each from its own `ray start` in its own
    session; yields the address. Both process groups are killed at the end, whatever happened."""
    port = free_port()
    temp = Path(f"/tmp/wkray-{os.getpid()}-{port}")
    common = ["--num-cpus", "1", "--object-store-memory", str(80 << 20), "--disable-usage-stats"]
    starters = []
    try:
        for args in (
            ["--head", "--port", str(port), "--include-dashboard", "false", "--temp-dir", str(temp)],
            ["--address", f"127.0.0.1:{port}"],
        ):
            p = subprocess.Popen(
                [RAY, "start", *args, *common],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **ENV, **PAUSE},
            )
            starters.append(p)
            out, _ = p.communicate(timeout=120)
            assert p.returncode == 0, out.decode()[-3000:]
        yield f"127.0.0.1:{port}"
    finally:
        for p in starters:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    with ray_cluster(tmp_path) as address:
        yield address


def pack_cmd(tok: Path, out: Path | str, inputs, address: str, *extra: str) -> list[str]:
    return [
        *WAKACHI,
        "pack",
        "-t",
        str(tok),
        "-o",
        str(out),
        "--executor",
        "ray",
        "--address",
        address,
        "--task-mb",
        "0.1",
        *extra,
        *map(str, inputs),
    ]


def local_pack(tok: Path, out: Path, inputs, *extra: str) -> None:
    subprocess.run([*WAKACHI, "pack", "-t", str(tok), "-o", str(out), "-j", "1", *extra, *map(str, inputs)], check=True)


def dir_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def summary_of(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("wakachi pack:")]
    assert lines, stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize(
    "extra",
    [
        BERT,
        ["--format", "uer", "--max-seq-length", "64", "--rows-per-shard", "3000"],
        ["--format", "electra", "--compat", "--rows-per-shard", "500"],
    ],
    ids=["bert-rows", "uer-docs", "electra-compat"],
)
def test_ray_pack_equals_the_local_pack(dirs, corpus, cluster, tmp_path, extra):
    local = tmp_path / "local"
    local_pack(dirs["tok"], local, corpus, *extra)
    out = tmp_path / "ray"
    r = subprocess.run(pack_cmd(dirs["tok"], out, corpus, cluster, *extra), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    s = summary_of(r.stderr)
    assert " on 2 nodes" in s, s
    want = dir_files(local)
    assert len(want) >= 4
    assert dir_files(out) == want
    assert not (out / ".wakachi-tasks").exists()


def task_workers() -> list[int]:
    """Pids of Ray worker processes running a pack task now (Ray titles them `ray::run_task`)."""
    r = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=True)
    return [
        int(ln.split(None, 1)[0]) for ln in r.stdout.splitlines() if ln.split(None, 1)[-1].startswith("ray::run_task")
    ]


def test_a_killed_worker_is_retried_and_the_output_is_identical(dirs, corpus, cluster, tmp_path):
    local = tmp_path / "local"
    local_pack(dirs["tok"], local, corpus, *BERT)
    out = tmp_path / "ray"
    cmd = pack_cmd(dirs["tok"], out, corpus, cluster, *BERT, "--task-mb", "0.05")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = None
    try:
        deadline = time.time() + 120
        while killed is None and time.time() < deadline and proc.poll() is None:
            busy = task_workers()
            if busy:
                time.sleep(0.05)  # into the task
                try:
                    os.kill(busy[0], signal.SIGKILL)
                    killed = busy[0]
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert killed is not None, "no task was seen running"
    assert proc.returncode == 0, err[-3000:]
    assert dir_files(out) == dir_files(local)


@pytest.mark.parametrize("when", ["tasks", "gather"])
def test_a_killed_driver_reruns_only_what_is_missing(dirs, corpus, cluster, tmp_path, when):
    """Killed after two tasks finished (roberta: no shuffle), or once the shuffle is sealed and its
    gather runs as Ray tasks (bert, small buckets so there are many)."""
    if when == "tasks":
        extra = ["--format", "roberta", "--rows-per-shard", "300"]
    else:
        extra = [*BERT, "--shuffle-memory", "150000", "--rows-per-shard", "200"]
    local = tmp_path / "local"
    local_pack(dirs["tok"], local, corpus, *extra)
    out = tmp_path / "ray"
    cmd = pack_cmd(dirs["tok"], out, corpus, cluster, *extra, "--task-mb", "0.05")
    work = out / ".wakachi-tasks"

    def due() -> bool:
        if when == "tasks":
            return len(list(work.glob("task-*.json"))) >= 2
        try:
            return json.loads((out / "manifest.json").read_text())["state"]["phase"] == "gather"
        except (OSError, ValueError, KeyError):
            return False

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=sigint_default)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if due():
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the driver ended before it could be killed"
    plan = json.loads((work / "plan.json").read_text())["plan"]
    time.sleep(2)  # Ray ends a dead driver's job; its tasks may still land their records
    done = len(list(work.glob("task-*.json")))
    if when == "tasks":
        assert 2 <= done < len(plan["tasks"])
    else:
        assert done == len(plan["tasks"])
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    s = summary_of(r.stderr)
    assert f"({done:,} done before)" in s, (done, s)
    assert dir_files(out) == dir_files(local)


def test_ray_pack_from_and_to_s3_equals_local(s3, dirs, corpus, tmp_path, monkeypatch):  # noqa: F811
    """The cluster starts after the S3 server, so its workers inherit the endpoint settings."""
    for i, p in enumerate(corpus):
        s3.put_file(str(p), f"{BUCKET}/in/part-{i}.txt")
    local = tmp_path / "local"
    extra = ["--format", "uer", "--max-seq-length", "64", "--rows-per-shard", "400"]
    local_pack(dirs["tok"], local, corpus, *extra)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    with ray_cluster(tmp_path) as address:
        r = subprocess.run(
            pack_cmd(dirs["tok"], f"s3://{BUCKET}/out/", [f"s3://{BUCKET}/in/part-*.txt"], address, *extra),
            capture_output=True,
            text=True,
        )
    assert r.returncode == 0, r.stderr[-3000:]
    assert " on 2 nodes" in summary_of(r.stderr)
    assert_same_shards(objects(s3, "out"), local)
    s3.invalidate_cache()
    assert not s3.exists(f"{BUCKET}/out/.wakachi-tasks")


def test_pack_help_lists_the_executor():
    out = subprocess.run([*WAKACHI, "pack", "--help"], capture_output=True, text=True, check=True).stdout
    for flag in ("--executor", "--address", "--task-mb", "--task-threads", "--task-dir", "--max-retries"):
        assert flag in out


def test_in_process_api_on_a_local_ray_instance(dirs, corpus, tmp_path, monkeypatch):
    """`pack(executor="ray")` without an address starts a local Ray instance (ray.init()), and the
    report names the tasks; stopped at the end."""
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    kw = {"format": "gpt2", "max_seq_length": 64, "rows_per_shard": 300, "threads": 1}
    inputs = [str(p) for p in corpus]
    a = pack(tokenizer=str(dirs["tok"]), inputs=inputs, output=str(tmp_path / "a"), **kw)
    on_ray = {"executor": "ray", "task_bytes": 200_000, **kw}
    bad = tmp_path / "bad.txt"
    lines = corpus_lines("kwdlc.txt")[:300]
    bad.write_bytes(("\n".join(lines[:200]) + "\n").encode() + b"\xff\xfe broken\n" + "\n".join(lines[200:]).encode())
    try:
        b = pack(tokenizer=str(dirs["tok"]), inputs=inputs, output=str(tmp_path / "b"), **on_ray)
        # run again: the output is complete, nothing is planned or run
        again = pack(tokenizer=str(dirs["tok"]), inputs=inputs, output=str(tmp_path / "b"), **on_ray)
        # a task's error is raised as the local run raises it, naming the file and line
        with pytest.raises(InputError, match=rf"{bad}:201: invalid UTF-8"):
            pack(tokenizer=str(dirs["tok"]), inputs=[*inputs, str(bad)], output=str(tmp_path / "c"), **on_ray)
    finally:
        ray.shutdown()
    assert b["executor"]["tasks"] >= 4 and b["executor"]["part_kind"] == "docs"
    assert (b["instances"], b["documents"], b["tokens"]) == (a["instances"], a["documents"], a["tokens"])
    assert dir_files(tmp_path / "b") == dir_files(tmp_path / "a")
    assert again["executor"]["tasks_run"] == 0 and again["instances"] == a["instances"]


def test_recipe_pack_stages_on_ray(tmp_path, monkeypatch):
    """`wakachi run … --executor ray`: a recipe's pack stages on a local Ray instance give the local
    shards, and the executor is not part of a stage's fingerprint (a done run stays done)."""
    from wakachi.recipe import Runner, load

    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    name, inputs = "izumi-electra-small", [str(CORPORA / "ja_debian.txt")]

    def runner(out: Path, **executor: str) -> Runner:
        return Runner(load(name, "tiny", []), inputs, out, progress=False, log=lambda s: None, pack_executor=executor)

    runner(tmp_path / "local").run(data_only=True)
    try:
        on_ray = runner(tmp_path / "ray", executor="ray")
        results = on_ray.run(data_only=True)
        again = runner(tmp_path / "local", executor="ray")
        states = {st.name: again.state(st) for st in again.stages if st.name.startswith("pack")}
    finally:
        ray.shutdown()
    packs = [r.name for r in results if r.name.startswith("pack")]
    assert packs and {r.figures["executor"] for r in results if r.name in packs} == {"ray"}
    assert set(states.values()) == {"skip"}
    for p in packs:
        d = p.replace("pack-", "shards-")
        # the two runs' corpus files differ in path and mtime (recorded in the manifests) only
        want, got = dir_files(tmp_path / "local" / d), dir_files(tmp_path / "ray" / d)
        shards = sorted(n for n in want if n.endswith(".arrow"))
        assert shards and sorted(n for n in got if n.endswith(".arrow")) == shards, p
        assert all(got[n] == want[n] for n in shards), p
        m_want, m_got = (json.loads(x["manifest.json"]) for x in (want, got))
        assert (m_got["shards"], m_got["totals"]) == (m_want["shards"], m_want["totals"]), p
