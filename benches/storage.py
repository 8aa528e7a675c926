"""Object-store round trip vs local disk, in one run: `pack` to a local directory and to `s3://`
(the same settings; the S3 pack also reads its input from `s3://`), and epochs of the loader from
the local directory and from the `s3://` prefix (through a cache of four shards, smaller than the
set, so every epoch downloads and sha256-checks every shard again; and with every shard cached). The S3 server is moto's (a separate process on
127.0.0.1), so the figures are wakachi's own overhead — staging, upload, download, hashing, the
cache — plus a local HTTP server's, not a network's. Prints seconds, ratios (S3/local), peak RSS.

    .venv/bin/python benches/storage.py [--mb 6] [--batch 128] [--epochs 5]

Input: KWDLC + JGLUE Wikipedia + Aozora documents from ../shared/corpora (the first `--mb` MB),
packed as `roberta` (seq 128, 2,000 rows a shard) with the test WordPiece vocabulary.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start")


def epoch(loader: object) -> tuple[float, int]:
    t = time.perf_counter()
    n = 0
    for b in loader:  # type: ignore[attr-defined]
        n += int(b["num_tokens"])
    return time.perf_counter() - t, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=6.0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wakachi-storage-bench-"))
    server, endpoint = start_server()
    try:
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            NO_PROXY="127.0.0.1",
            WAKACHI_STORAGE_CACHE=str(work / "cache"),
        )
        import fsspec

        fsspec.config.conf["s3"] = {"endpoint_url": endpoint}
        import shard_fixtures
        from wakachi.loader import Loader
        from wakachi.pack import pack

        tok = shard_fixtures.build()["tok"]
        texts = []
        for name in ("kwdlc.txt", "jglue_wikipedia.txt", "aozora_ja.txt"):
            text = (shard_fixtures.CORPORA / name).read_text(encoding="utf-8")
            texts.append(text if name == "kwdlc.txt" else "\n\n".join(text.split("\n")))
        data = "\n\n".join(texts).encode()[: int(args.mb * 1e6)]
        corpus = work / "corpus.txt"
        corpus.write_bytes(data[: data.rfind(b"\n") + 1])
        fs = fsspec.filesystem("s3")
        fs.mkdir("bench")
        fs.put_file(str(corpus), "bench/in/corpus.txt")
        settings = {"format": "roberta", "max_seq_length": 128, "rows_per_shard": 2000, "tokenizer": str(tok)}

        t = time.perf_counter()
        local_report = pack(inputs=[str(corpus)], output=str(work / "local"), **settings)
        pack_local = time.perf_counter() - t
        t = time.perf_counter()
        s3_report = pack(inputs=["s3://bench/in/corpus.txt"], output="s3://bench/shards/", **settings)
        pack_s3 = time.perf_counter() - t
        manifest = json.loads((work / "local" / "manifest.json").read_text())
        same = all(
            fs.cat_file(f"bench/shards/{e['file']}") == (work / "local" / e["file"]).read_bytes()
            for e in manifest["shards"]
        )
        mb_out = manifest["totals"]["bytes"] / 1e6
        print(
            f"input {corpus.stat().st_size / 1e6:.1f} MB, {local_report['instances']:,} rows → "
            f"{len(manifest['shards'])} shards, {mb_out:.1f} MB; S3 shards byte-identical to local: {same}"
        )
        print(
            f"pack  local {pack_local:6.2f} s | s3→s3 {pack_s3:6.2f} s (upload after the core: "
            f"{s3_report['upload']['seconds_after_pack']:.2f} s) | ratio s3/local {pack_s3 / pack_local:.2f}"
        )

        # `--epochs` epochs per loader, best of 3 (fresh loaders; a fresh cache for the bounded one,
        # which is smaller than the set, so every epoch downloads every shard again).
        kw = {"batch_size": args.batch, "seed": 1, "epochs": args.epochs}
        budget = 4 * max(e["bytes"] for e in manifest["shards"])
        best: dict[str, float] = {}
        for rep in range(3):
            secs_local, toks = epoch(Loader(work / "local", **kw))
            cold = Loader("s3://bench/shards/", cache_dir=work / f"bounded{rep}", cache_bytes=budget, **kw)
            secs_cold, toks_cold = epoch(cold)
            assert toks_cold == toks
            store = cold._remote[2]
            warm = Loader("s3://bench/shards/", cache_dir=work / "warm", cache_bytes=1 << 40, **kw)
            secs_warm, _ = epoch(warm)  # the first repetition fills the cache; later ones read it
            for k, v in (("local", secs_local), ("bounded", secs_cold), ("warm", secs_warm)):
                if rep > 0 or k != "warm":
                    best[k] = min(best.get(k, v), v)
        print(
            f"loader ({args.epochs} epochs, batch {args.batch}, best of 3) local {best['local']:6.2f} s "
            f"({toks / best['local'] / 1e6:.2f} M tokens/s) | s3 through a cache of {budget / 1e6:.1f} MB "
            f"({store.downloads} downloads, {store.downloaded_bytes / 1e6:.0f} MB) {best['bounded']:6.2f} s ratio "
            f"{best['bounded'] / best['local']:.2f} | s3, every shard cached {best['warm']:6.2f} s ratio "
            f"{best['warm'] / best['local']:.2f}"
        )
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; {os.cpu_count()} cores")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
