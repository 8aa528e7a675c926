"""`wakachi.shards`: Arrow IPC shards readable by pyarrow and datasets, token width by vocab size,
manifest contents, corrupt shards, the on-disk shuffle, and resume after a real `kill -9`.
Rows come from KWDLC's gold-segmented text (shards_driver.py)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import shards_driver as drv
from wakachi import ConfigError, ShardError
from wakachi.cli import main as cli_main
from wakachi.shards import ShardWriter, inspect, load_manifest, read_shard, verify

N = 3000
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def rows_vocab():
    return drv.kwdlc_rows(N)


@pytest.fixture(scope="module")
def direct_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("direct")
    drv.write(d, "direct", N)
    return d


@pytest.fixture(scope="module")
def shuffle_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("shuffle")
    drv.write(d, "shuffle", N)
    return d


def dir_bytes(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def shard_files(d: Path) -> list[Path]:
    return sorted(d.glob("shard-*.arrow"))


def test_pyarrow_reads_every_shard(direct_dir, rows_vocab):
    rows, _ = rows_vocab
    got = []
    for p in shard_files(direct_dir):
        with ipc.open_file(pa.memory_map(str(p))) as r:
            assert r.num_record_batches == 1
            got.extend(r.read_all().to_pylist())
    assert len(got) == N
    assert [g["input_ids"] for g in got] == [r["input_ids"] for r in rows]
    assert [g["next_sentence_label"] for g in got] == [r["next_sentence_label"] for r in rows]
    assert [g["word_starts"] for g in got] == [r["word_starts"] for r in rows]


def test_datasets_loads_the_shards(direct_dir, rows_vocab, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    import datasets

    files = [str(p) for p in shard_files(direct_dir)]
    ds = datasets.load_dataset("arrow", data_files=files, split="train", cache_dir=str(tmp_path))
    assert ds.num_rows == N
    assert ds[17]["input_ids"] == rows_vocab[0][17]["input_ids"]
    assert ds.features["input_ids"].feature.dtype == "uint16"
    # `Dataset.from_file` reads only the IPC stream format, not these (file-format) shards.
    with pytest.raises(pa.ArrowInvalid):
        datasets.Dataset.from_file(files[0])


def test_token_columns_are_uint16_or_int32_by_vocab_size(tmp_path, rows_vocab):
    rows, _ = rows_vocab
    for vocab_size, ty in [(65_535, pa.uint16()), (65_536, pa.int32())]:
        d = tmp_path / str(vocab_size)
        w = ShardWriter(str(d), vocab_size, 100, format="bert", pad_id=0)
        w.push(rows[:150])
        w.finish()
        schema = ipc.open_file(str(d / "shard-00000.arrow")).schema
        assert schema.field("input_ids").type == pa.list_(ty)
        assert schema.field("masked_ids").type == pa.list_(ty)
        assert schema.field("masked_positions").type == pa.list_(pa.uint16())
        assert schema.field("segment_ids").type == pa.list_(pa.uint8())
        assert schema.field("word_starts").type == pa.list_(pa.bool_())
        assert schema.field("next_sentence_label").type == pa.int8()
        assert schema.field("next_sentence_label").nullable and not schema.field("input_ids").nullable


def test_manifest_contents(direct_dir, rows_vocab):
    rows, _ = rows_vocab
    m = load_manifest(direct_dir)
    assert m["format_version"] == 1
    assert [s["file"] for s in m["shards"]] == [p.name for p in shard_files(direct_dir)]
    assert [s["rows"] for s in m["shards"]] == [drv.ROWS_PER_SHARD] * (N // drv.ROWS_PER_SHARD)
    for s in m["shards"]:
        data = (direct_dir / s["file"]).read_bytes()
        assert s["bytes"] == len(data)
        assert s["sha256"] == hashlib.sha256(data).hexdigest()
    ident = m["identity"]
    assert ident["settings"] == {"corpus": "kwdlc.seg.txt", "mode": "direct"}
    assert ident["tokenizer"] == "kwdlc-chars"
    (inp,) = ident["inputs"]
    seg = drv.SEG_FILE.read_bytes()
    assert inp["size"] == len(seg) and inp["sha256"] == hashlib.sha256(seg).hexdigest()
    assert inp["mtime_ns"] == drv.SEG_FILE.stat().st_mtime_ns
    t = m["totals"]
    assert t["rows"] == N
    assert t["tokens"] == sum(len(r["input_ids"]) for r in rows)
    assert t["padding"] == 0 and t["padding_share"] == 0.0
    assert t["bytes"] == sum(s["bytes"] for s in m["shards"])
    assert m["state"] == {"phase": "complete", "input_rows": N}
    assert verify(direct_dir) == m


def test_read_shard_roundtrips_rows(direct_dir, rows_vocab):
    rows, _ = rows_vocab
    got = read_shard(direct_dir / "shard-00003.arrow")
    want = rows[3 * drv.ROWS_PER_SHARD : 4 * drv.ROWS_PER_SHARD]
    # Booleans come back as 0/1 ints.
    assert got == [{**r, "word_starts": [int(b) for b in r["word_starts"]]} for r in want]


def test_truncated_or_corrupt_shard_is_an_error_naming_it(direct_dir, tmp_path, capsys):
    d = tmp_path / "copy"
    d.mkdir()
    for name, data in dir_bytes(direct_dir).items():
        (d / name).write_bytes(data)
    shard = d / "shard-00002.arrow"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ShardError, match=r"shard-00002\.arrow.*truncated"):
        read_shard(shard)
    with pytest.raises(ShardError, match=r"shard-00002\.arrow"):
        verify(d)
    assert cli_main(["inspect", str(shard)]) == 1
    assert "shard-00002.arrow" in capsys.readouterr().err
    # Without a manifest the Arrow reader itself must refuse it, naming the file.
    (d / "manifest.json").unlink()
    with pytest.raises(ShardError, match=r"shard-00002\.arrow.*Arrow IPC"):
        read_shard(shard)
    # One flipped byte, same size: the manifest's sha256 catches it.
    (d / "manifest.json").write_bytes((direct_dir / "manifest.json").read_bytes())
    bad = bytearray(data)
    bad[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(bad))
    with pytest.raises(ShardError, match=r"shard-00002\.arrow.*sha256"):
        read_shard(shard)


def test_shuffle_is_a_deterministic_permutation(shuffle_dir, direct_dir, tmp_path):
    def all_rows(d):
        return [r for p in shard_files(d) for r in read_shard(p)]

    plain, shuffled = all_rows(direct_dir), all_rows(shuffle_dir)
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(map(key, plain)) == sorted(map(key, shuffled))
    assert plain != shuffled
    # Same seed, same bytes; another seed, another order.
    again = tmp_path / "again"
    drv.write(again, "shuffle", N)
    assert dir_bytes(again) == dir_bytes(shuffle_dir)
    other = tmp_path / "other"
    rows, vocab = drv.kwdlc_rows(N)
    w = ShardWriter(
        str(other),
        len(vocab),
        drv.ROWS_PER_SHARD,
        format="bert",
        pad_id=0,
        shuffle_seed=99,
        memory_budget=64 << 10,
        max_buckets=16,
    )
    w.push(rows)
    w.finish()
    assert all_rows(other) != shuffled
    assert sorted(map(key, all_rows(other))) == sorted(map(key, plain))


def test_other_settings_are_refused(direct_dir, tmp_path, rows_vocab):
    rows, vocab = rows_vocab
    d = tmp_path / "s"
    w = ShardWriter(str(d), len(vocab), 100, format="bert", settings_json='{"a": 1}')
    w.push(rows[:120])
    w.finish()
    with pytest.raises(ConfigError, match=r"settings.*overwrite"):
        ShardWriter(str(d), len(vocab), 100, format="bert", settings_json='{"a": 2}')
    w = ShardWriter(str(d), len(vocab), 100, format="bert", settings_json='{"a": 2}', overwrite=True)
    assert w.input_rows_done == 0


def test_inspect_decodes_rows_to_text(direct_dir, rows_vocab, tmp_path, capsys):
    rows, vocab = rows_vocab
    vocab_txt = tmp_path / "vocab.txt"
    vocab_txt.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    out = inspect(direct_dir / "shard-00000.arrow", vocab=vocab_txt, n=5)
    lines = [ln.rstrip("\n") for ln in Path(drv.SEG_FILE).read_text(encoding="utf-8").splitlines() if ln.strip()]
    text = [ln for ln in out.splitlines() if ln.startswith("  text: ")]
    assert len(text) == 5
    assert sum(len(r["masked_ids"]) for r in rows[:5]) >= 5
    for i, t in enumerate(text):
        r = rows[i]
        assert t.count("[MASK:") == len(r["masked_ids"])
        assert all(f"[MASK:{vocab[m]}]" in t for m in r["masked_ids"])
        # Unmasking gives back the gold words (with [CLS]/[SEP] around the two halves).
        plain = t[len("  text: ") :]
        for orig in r["masked_ids"]:
            plain = plain.replace(f"[MASK:{vocab[orig]}]", vocab[orig], 1)
        assert plain.replace("[CLS]", "").replace("[SEP]", "").split() == lines[i].split()
    assert cli_main(["inspect", str(direct_dir / "shard-00000.arrow"), "--vocab", str(vocab_txt), "-n", "1"]) == 0
    assert capsys.readouterr().out.count("row ") == 1
    # The notation is explained in the output.
    legend = [ln for ln in out.splitlines() if ln.startswith("  legend: ")]
    assert any("[MASK:x→y]" in ln for ln in legend) and any("next_sentence_label: 0 =" in ln for ln in legend)


def run_driver(out: Path, mode: str, delay: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    return subprocess.Popen(
        [sys.executable, str(HERE / "shards_driver.py"), str(out), mode, str(N), str(delay)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(out: Path, mode: str) -> None:
    p = run_driver(out, mode)
    _stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr.decode()


def writing_seconds(out: Path, mode: str) -> float:
    """Seconds an uninterrupted driver spends writing (from its `writing` line to the end)."""
    p = run_driver(out, mode)
    assert p.stdout is not None and p.stdout.readline() == b"writing\n"
    t0 = time.monotonic()
    _, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr.decode()
    return time.monotonic() - t0


def kill_after(out: Path, mode: str, seconds: float) -> str:
    """Starts the driver on `out`, SIGKILLs it `seconds` after it starts writing; returns the phase
    the manifest then records ("complete" when the kill came too late)."""
    p = run_driver(out, mode)
    assert p.stdout is not None and p.stdout.readline() == b"writing\n", p.communicate()
    time.sleep(seconds)
    p.kill()
    p.wait()
    manifest = out / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["state"]["phase"] if manifest.exists() else "none"


@pytest.mark.parametrize("mode", ["direct", "shuffle"])
def test_kills_at_random_points_while_writing_then_rerun_gives_identical_bytes(mode, tmp_path, direct_dir, shuffle_dir):
    """SIGKILL at random moments spread over the whole write (rows, buckets, shards and manifest
    being written; no sleeps in the driver), a second kill in the resumed run, then a run to the
    end: every file equals an uninterrupted run's, at every point."""
    seconds = writing_seconds(tmp_path / "timed", mode)
    rng = random.Random(f"{mode}-kills")
    want = dir_bytes(direct_dir if mode == "direct" else shuffle_dir)
    points, first_mid_run = 6, 0
    for k in range(points):
        out = tmp_path / f"out{k}"
        # Strata over the first 80% of the write (the timed run, on cold caches, is the slowest).
        first = kill_after(out, mode, 0.8 * seconds * rng.uniform(k, k + 1) / points)
        second = kill_after(out, mode, seconds * rng.uniform(0, 0.3))
        first_mid_run += first != "complete"
        finish(out, mode)
        assert dir_bytes(out) == want, f"killed at {first}, then at {second}"
    assert first_mid_run >= points // 2, f"only {first_mid_run} of {points} first kills landed mid-run"
