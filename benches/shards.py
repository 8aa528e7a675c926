"""Shard-writing speed and memory: wakachi's writer (no shuffle, and the on-disk shuffle) vs
pyarrow writing the same rows as Arrow IPC files, in one run. Each measurement runs in its own
process, so its peak RSS is its own.

Rows are bert rows built from KWDLC's gold-segmented lines (tests/shards_driver.py), repeated to
`--rows` rows. Timed: from the rows as Python lists to finished shard files on disk (wakachi:
`ShardWriter.push` in chunks + `finish`, incl. fsyncs, sha256 and the manifest; pyarrow:
`pa.Table.from_pylist` + `ipc.new_file` per shard, no fsync, no hash). MB/s is of shard bytes.

    .venv/bin/python benches/shards.py [--rows 300000] [--rows-per-shard 50000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def rows_for(n: int) -> tuple[list[dict], int]:
    import shards_driver as drv

    base, vocab = drv.kwdlc_rows(20_000)
    return [base[i % len(base)] for i in range(n)], len(vocab)


def worker(kind: str, n: int, per_shard: int, out: str) -> dict:
    rows, vocab_size = rows_for(n)
    t0 = time.perf_counter()
    if kind == "pyarrow":
        import pyarrow as pa
        import pyarrow.ipc as ipc

        schema = pa.schema(
            [
                ("input_ids", pa.list_(pa.uint16())),
                ("segment_ids", pa.list_(pa.uint8())),
                ("word_starts", pa.list_(pa.bool_())),
                ("masked_positions", pa.list_(pa.uint16())),
                ("masked_ids", pa.list_(pa.uint16())),
                ("next_sentence_label", pa.int8()),
            ]
        )
        for k, s in enumerate(range(0, n, per_shard)):
            t = pa.Table.from_pylist(rows[s : s + per_shard], schema=schema)
            with ipc.new_file(f"{out}/shard-{k:05}.arrow", schema) as w:
                w.write_table(t)
    else:
        from wakachi.shards import ShardWriter

        shuffle = {"shuffle_seed": 1, "memory_budget": 64 << 20} if kind == "wakachi-shuffle" else {}
        w = ShardWriter(out, vocab_size, per_shard, format="bert", pad_id=0, **shuffle)
        for s in range(0, n, 10_000):
            w.push(rows[s : s + 10_000])
        w.finish()
    secs = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in Path(out).glob("shard-*.arrow"))
    return {
        "kind": kind,
        "seconds": secs,
        "bytes": size,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--rows-per-shard", type=int, default=50_000)
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], int(a.worker[1]), int(a.worker[2]), a.worker[3])))
        return
    res = {}
    for kind in ("pyarrow", "wakachi", "wakachi-shuffle"):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run(
                [sys.executable, __file__, "--worker", kind, str(a.rows), str(a.rows_per_shard), d],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(p.stdout)
        res[kind] = r
        print(
            f"{kind:16s} {a.rows / r['seconds']:>10,.0f} rows/s {r['bytes'] / 1e6 / r['seconds']:>7.1f} MB/s "
            f"{r['bytes'] / 1e6:>7.1f} MB  {r['bytes'] / a.rows:>6.1f} B/row  peak RSS {r['rss_mb']:.0f} MB"
        )
    for kind in ("wakachi", "wakachi-shuffle"):
        print(f"ratio {kind}/pyarrow (rows/s): {res['pyarrow']['seconds'] / res[kind]['seconds']:.2f}")


if __name__ == "__main__":
    main()
