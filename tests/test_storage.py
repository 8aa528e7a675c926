"""Inputs and shards in an object store: an S3-compatible server (moto's server mode) started by each
test on 127.0.0.1 and stopped at its end, pass or fail.

- `pack` from an `s3://` input (a pattern) to an `s3://` prefix gives shards byte-identical to a local pack of
  the local file with the same settings, and the manifest last;
- the loader reading that prefix through a cache of a few shards yields the batches of the local
  directory, over two epochs (shards evicted and fetched again);
- `wakachi train --set data.shards=s3://…` trains with the losses of the local directory;
- a pack to S3 killed with SIGKILL after some shards were uploaded leaves no manifest, and the
  same command then finishes without uploading those shards again nor leaving extra objects;
- a corrupted object is named with its sha256; a prefix holding another run's objects is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import shard_fixtures
from conftest import CORPORA
from wakachi import ConfigError, ShardError
from wakachi.loader import Loader
from wakachi.pack import pack
from wakachi.shards import load_manifest
from wakachi.train.metrics import read_metrics

BUCKET = "wakachi-test"
ROBERTA = {**shard_fixtures.FORMATS["roberta"], "rows_per_shard": 100}


@pytest.fixture(scope="module")
def dirs() -> dict[str, Path]:
    return shard_fixtures.build()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(monkeypatch, tmp_path):
    """A moto S3 server on loopback with one bucket; the fsspec/AWS settings that point at it for
    this process and its children; stopped when the test ends, whatever its outcome."""
    import fsspec
    import s3fs
    from moto.server import ThreadedMotoServer

    from wakachi import storage

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        # the server's state lives in this process: start from an empty store
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "NO_PROXY": "127.0.0.1",
            "FSSPEC_S3": json.dumps({"endpoint_url": endpoint}),
            "WAKACHI_STORAGE_CACHE": str(tmp_path / "storage-cache"),
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint})
        s3fs.S3FileSystem.clear_instance_cache()
        fs = fsspec.filesystem("s3")
        fs.mkdir(BUCKET)
        yield fs
    finally:
        for cache in storage.ShardCache._shared.values():
            cache.close()
        storage.ShardCache._shared.clear()
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def objects(fs, prefix: str) -> dict[str, bytes]:
    fs.invalidate_cache()
    return {p.rsplit("/", 1)[-1]: fs.cat_file(p) for p in fs.ls(f"{BUCKET}/{prefix}", refresh=True)}


def assert_same_shards(remote: dict[str, bytes], local: Path) -> None:
    """The prefix holds exactly the local directory's shards, byte for byte, and its manifest."""
    manifest = load_manifest(local)
    files = [e["file"] for e in manifest["shards"]]
    assert sorted(remote) == sorted([*files, "manifest.json"])
    for name in files:
        assert remote[name] == (local / name).read_bytes(), name
    keys = ("file", "rows", "bytes", "sha256")
    got = json.loads(remote["manifest.json"])
    assert [{k: e[k] for k in keys} for e in got["shards"]] == [{k: e[k] for k in keys} for e in manifest["shards"]]
    assert got["totals"] == manifest["totals"]


def batches(loader: Loader) -> list[dict]:
    out = []
    for b in loader:
        out.append({k: v.tolist() if hasattr(v, "tolist") else v for k, v in b.items()})
    return out


def test_pack_s3_to_s3_equals_local_and_the_loader_reads_the_same_batches(s3, dirs, tmp_path):
    corpus = shard_fixtures.ROOT_DIR / "kwdlc.txt"
    s3.put_file(str(corpus), f"{BUCKET}/in/kwdlc.txt")
    local = tmp_path / "local"
    pack(tokenizer=str(dirs["tok"]), inputs=[str(corpus)], output=str(local), **ROBERTA)
    report = pack(
        tokenizer=str(dirs["tok"]), inputs=[f"s3://{BUCKET}/in/kwdlc*.txt"], output=f"s3://{BUCKET}/rob/", **ROBERTA
    )
    n = len(load_manifest(local)["shards"])
    assert n >= 10
    assert report["output_dir"] == f"s3://{BUCKET}/rob/" and report["upload"]["uploaded"] == n
    assert_same_shards(objects(s3, "rob"), local)
    # the staging directory and the staged input are gone once the manifest is up
    assert not any((tmp_path / "storage-cache" / "staging").iterdir())
    assert not any((tmp_path / "storage-cache" / "inputs").iterdir())

    # A cache of one byte holds only what the reader pins (the shard read, 2 ahead, 3 held).
    cache = tmp_path / "shard-cache"
    kw = {"batch_size": 16, "seed": 3, "epochs": 2}
    remote = Loader(f"s3://{BUCKET}/rob/", cache_dir=cache, cache_bytes=1, **kw)
    assert remote.info == Loader(local, **kw).info
    got = batches(remote)
    want = batches(Loader(local, **kw))
    assert len(got) == 2 * remote.steps_per_epoch and got == want
    store = remote._remote[2]
    assert store.downloads > n, "the second epoch fetched evicted shards again"
    assert len(list((cache / "objects").glob("*.arrow"))) <= 5
    # Two ranks of one node, two processes reading the URL at once through one node cache: each
    # gets its local twin's half of every batch, and every shard is downloaded once on the node.
    script = (
        "import hashlib, json, sys\n"
        "from wakachi.loader import Loader\n"
        "ld = Loader(sys.argv[1], rank=int(sys.argv[2]), world_size=2, batch_size=16, seed=4, cache_dir=sys.argv[3])\n"
        "out = [{k: v.tolist() if hasattr(v, 'tolist') else v for k, v in b.items()} for b in ld]\n"
        "digest = hashlib.sha256(json.dumps(out).encode()).hexdigest()\n"
        "print(json.dumps({'digest': digest, 'downloads': ld._remote[2].downloads}))\n"
    )
    node = tmp_path / "node-cache"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"s3://{BUCKET}/rob/", str(rank), str(node)],
            env={**os.environ, "LOCAL_RANK": str(rank)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in (0, 1)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    for rank, res in enumerate(results):
        want_rank = batches(Loader(local, rank=rank, world_size=2, batch_size=16, seed=4))
        assert res["digest"] == hashlib.sha256(json.dumps(want_rank).encode()).hexdigest(), rank
    assert sum(r["downloads"] for r in results) == n
    assert not any((node / "held").iterdir()), "each process removes its links when it exits"


def _train_cli(shards: str, tok: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "wakachi", "train", "--objective", "mlm", "--out", str(out), "--seed", "7",
        "--tokenizer", str(tok), "--size", "tiny", "--batch-size", "16", "--lr", "2e-3", "--warmup-steps", "1",
        "--device", "cpu", "--steps", "3", "--checkpoint-every", "3",
        "--set", f"data.shards={shards}", "--set", "model.dropout=0.0",
        "--set", "model.attention_dropout=0.0", "--set", "model.max_position_embeddings=136",
        "--set", "run.log_every=1",
    ]  # fmt: skip


def test_train_reads_shards_from_s3(s3, dirs, tmp_path):
    """`wakachi train --set data.shards=s3://…` trains with the losses of the local directory
    (both runs at once, one thread each)."""
    s3.put(str(dirs["roberta"]) + "/", f"{BUCKET}/train/", recursive=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    runs = {"local": str(dirs["roberta"]), "s3": f"s3://{BUCKET}/train"}
    procs = {}
    for name, shards in runs.items():
        with open(tmp_path / f"{name}.log", "w") as log:
            procs[name] = subprocess.Popen(_train_cli(shards, dirs["tok"], tmp_path / name), env=env, stderr=log)
    for name, proc in procs.items():
        try:
            proc.wait(timeout=600)
        finally:
            proc.kill()
        err = (tmp_path / f"{name}.log").read_text()
        assert proc.returncode == 0, err[-3000:]
        assert f"shards {runs[name]}" in err
    losses = {name: [x["loss"] for x in read_metrics(tmp_path / name / "metrics.jsonl")] for name in runs}
    assert len(losses["s3"]) == 3
    assert losses["s3"] == losses["local"]


def test_killed_pack_to_s3_resumes_without_duplicates(s3, dirs, tmp_path):
    text = tmp_path / "input.txt"
    text.write_bytes((CORPORA / "kwdlc.txt").read_bytes() + (CORPORA / "jglue_wikipedia.txt").read_bytes())
    settings = ["--format", "roberta", "--max-seq-length", "128", "--rows-per-shard", "100"]
    url = f"s3://{BUCKET}/killed/"
    cmd = [sys.executable, "-m", "wakachi", "pack", "--tokenizer", str(dirs["tok"]), "-o", url, *settings, str(text)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([*cmd, "--threads", "1"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        seen: set[str] = set()
        while time.time() < deadline and proc.poll() is None:
            s3.invalidate_cache()
            listed = s3.ls(f"{BUCKET}/killed", refresh=True) if s3.exists(f"{BUCKET}/killed") else []
            seen = {p.rsplit("/", 1)[-1] for p in listed if "/shard-" in p}
            if len(seen) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the pack ended before it could be killed: " + (proc.stderr.read() or "")[-2000:]
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
    before = objects(s3, "killed")
    assert "manifest.json" not in before, "a reader would have seen a partial set"
    assert len([n for n in before if n.startswith("shard-")]) >= 2
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads(objects(s3, "killed")["manifest.json"])
    already = int(r.stderr.split(" already there")[0].rsplit("(", 1)[1])
    uploaded = int(r.stderr.split("uploaded ")[1].split(" shard")[0])
    assert already >= 2 and already + uploaded == len(m["shards"]), r.stderr
    local = tmp_path / "local"
    pack(tokenizer=str(dirs["tok"]), inputs=[str(text)], output=str(local), format="roberta", rows_per_shard=100)
    assert_same_shards(objects(s3, "killed"), local)


def test_corrupt_object_and_foreign_prefix_are_named(s3, dirs, tmp_path):
    s3.put(str(dirs["roberta"]) + "/", f"{BUCKET}/bad/", recursive=True)
    data = bytearray((dirs["roberta"] / "shard-00001.arrow").read_bytes())
    data[len(data) // 2] ^= 0xFF
    s3.pipe_file(f"{BUCKET}/bad/shard-00001.arrow", bytes(data))
    loader = Loader(f"s3://{BUCKET}/bad", batch_size=16, shuffle=False, cache_dir=tmp_path / "c")
    with pytest.raises(ShardError, match=r"shard-00001\.arrow.*sha256 [0-9a-f]{64} is not the manifest's"):
        batches(loader)
    with pytest.raises(ShardError, match=r"nothing/manifest\.json: missing: not a shard directory"):
        Loader(f"s3://{BUCKET}/nothing", batch_size=16)
    # a complete set, and shard objects of another run, are not overwritten without being told
    s3.pipe_file(f"{BUCKET}/foreign/shard-00000.arrow", b"not ours")
    kw = {"tokenizer": str(dirs["tok"]), "inputs": [str(shard_fixtures.ROOT_DIR / "kwdlc.txt")], **ROBERTA}
    with pytest.raises(ConfigError, match=r"holds shard objects but no manifest\.json"):
        pack(output=f"s3://{BUCKET}/foreign/", **kw)
    with pytest.raises(ConfigError, match="already holds a complete shard set"):
        pack(output=f"s3://{BUCKET}/bad/", **kw)


def test_file_url_output_goes_through_temporary_names_and_matches_local(dirs, tmp_path, monkeypatch):
    """A filesystem without atomic puts (`file://`, as a shared filesystem or HDFS would be):
    each object is put under a temporary name and renamed; the set equals the local pack."""
    import fsspec.implementations.local as local_fs

    monkeypatch.setenv("WAKACHI_STORAGE_CACHE", str(tmp_path / "storage-cache"))
    renamed: list[str] = []
    mv = local_fs.LocalFileSystem.mv

    def spy(self, path1, path2, *args, **kwargs):
        renamed.append(Path(path2).name)
        assert ".tmp" in Path(path1).name
        return mv(self, path1, path2, *args, **kwargs)

    monkeypatch.setattr(local_fs.LocalFileSystem, "mv", spy)
    out = tmp_path / "remote"
    kw = shard_fixtures.FORMATS["roberta"]
    pack(tokenizer=str(dirs["tok"]), inputs=[str(shard_fixtures.ROOT_DIR / "kwdlc.txt")], output=f"file://{out}", **kw)
    files = [e["file"] for e in load_manifest(dirs["roberta"])["shards"]]
    assert renamed == [*files, "manifest.json"]  # the manifest last
    assert sorted(p.name for p in out.iterdir()) == sorted([*files, "manifest.json"])
    for name in files:
        assert (out / name).read_bytes() == (dirs["roberta"] / name).read_bytes()
    got = batches(Loader(f"file://{out}", batch_size=16, seed=2, cache_dir=tmp_path / "c"))
    assert got == batches(Loader(dirs["roberta"], batch_size=16, seed=2))
