"""`wakachi pack` (bert) against Google's `create_pretraining_data` as cl-tohoku runs it — the
Python reference of its algorithm (tests/google_reference.py) over transformers'
`BertJapaneseTokenizer` (fugashi + unidic-lite) — on the same input, each side in its own process:
wall time (process start to end: tokenizer load, tokenization, instances, ids), the ratio, and
both peak RSS, at seq 128 / dupe 5 and seq 512 / dupe 30. Then ours alone on ~10 MB and ~50 MB to
show that its peak RSS does not grow with the corpus (the same 10 MB of kwdlc + ja_debian, once
and five times).

Input for the comparison: kwdlc.txt plus the first lines of ja_debian.txt (blank lines between
documents, a sentence or paragraph a line), `--mb` MB in all (default 2.5; the reference is slow).
Tokenizer: a WordPiece vocabulary trained here on MeCab (unidic-lite) words of the shared corpora
(tests/wordpiece_fixtures.py), written as a BertJapaneseTokenizer directory both sides load.

    .venv/bin/python benches/pack.py [--mb 2.5] [--threads 0] [--scaling-only | --no-scaling]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CASES = [(128, 5), (512, 30)]


def vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        line = next(ln for ln in f if ln.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def read_documents(path: str):
    """Google's reader: stripped lines, a blank line ends a document."""
    docs = [[]]
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                docs.append([])
            else:
                docs[-1].append(line)
    return [d for d in docs if d]


def side_reference(args) -> dict:
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoTokenizer

    import google_reference

    tok = AutoTokenizer.from_pretrained(args.tok)
    t0 = time.perf_counter()
    docs = [[t for t in (tok.tokenize(s) for s in d) if t] for d in read_documents(args.input)]
    t1 = time.perf_counter()
    instances = google_reference.create_instances(
        docs,
        list(tok.vocab.keys()),
        seed=12345,
        dupe_factor=args.dupe,
        max_seq_length=args.seq,
        short_seq_prob=0.1,
        masked_lm_prob=0.15,
        max_predictions_per_seq=int(args.seq * 0.15),
        do_whole_word_mask=True,
    )
    tokens = 0
    for inst in instances:  # what write_instance_to_example_files does before serialising
        ids = tok.convert_tokens_to_ids(inst["masked_tokens"])
        tok.convert_tokens_to_ids(inst["masked_labels"])
        tokens += len(ids)
    t2 = time.perf_counter()
    return {
        "instances": len(instances),
        "tokens": tokens,
        "tokenize_s": t1 - t0,
        "instances_s": t2 - t1,
        "peak_rss_mb": vm_hwm_mb(),
    }


def side_ours(args) -> dict:
    from wakachi.pack import pack

    r = pack(
        tokenizer=args.tok,
        inputs=[args.input],
        output=args.out,
        compat=args.compat,
        max_seq_length=args.seq,
        dupe_factor=args.dupe,
        threads=args.threads,
        overwrite=True,
        shuffle=args.shuffle,
        shuffle_memory=args.shuffle_memory,
        rows_per_shard=50_000,
    )
    return {
        "instances": r["instances"],
        "tokens": r["tokens"],
        "pack_s": r["seconds"],
        "peak_rss_mb": vm_hwm_mb(),
        "padding_share": r["padding_share"],
        "shards": r["shards"],
        "profile": r.get("profile"),
    }


def run_side(side: str, **kw) -> tuple[dict, float]:
    cmd = [sys.executable, __file__, "--side", side]
    for k, v in kw.items():
        if v is True:
            cmd.append(f"--{k}")
        elif v is not None and v is not False:
            cmd += [f"--{k}", str(v)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1]), time.perf_counter() - t0


def make_input(path: Path, mb: float) -> Path:
    from conftest import CORPORA

    want = int(mb * 1e6)
    with open(path, "w", encoding="utf-8") as out:
        size = 0
        for name in ("kwdlc.txt", "ja_debian.txt", "aozora_ja.txt"):
            with open(CORPORA / name, encoding="utf-8") as f:
                for line in f:
                    out.write(line)
                    size += len(line.encode())
                    if size >= want and not line.strip():
                        return path
            out.write("\n")
    return path


def repeat_input(path: Path, base: Path, times: int) -> Path:
    """`base` written `times` times (the same material, so only the size changes)."""
    text = base.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(times):
            out.write(text)
    return path


def build_tokenizer(root: Path) -> Path:
    import wordpiece_fixtures as wf

    vocab = wf.train_wordpiece(wf.training_words("unidic_lite", 1500), vocab_size=32768, limit_alphabet=3000)
    return wf.write_dir(root / "tok", vocab, mecab_dic="unidic_lite", subword="wordpiece", lower=False)


def compare(tmp: Path, tok: Path, args) -> None:
    inp = make_input(tmp / "input.txt", args.mb)
    mb = inp.stat().st_size / 1e6
    print(
        f"input: {mb:.2f} MB ({inp}); tokenizer: {tok} ({len((tok / 'vocab.txt').read_text(encoding='utf-8').splitlines())} entries)"
    )
    print(f"{'seq':>4} {'dupe':>4} {'side':<22} {'wall s':>8} {'MB/s':>6} {'instances':>10} {'peak RSS MB':>11}")
    for seq, dupe in args.cases:
        ref, ref_s = run_side("reference", tok=tok, input=inp, seq=seq, dupe=dupe)
        rows = [("reference (Python)", ref, ref_s)]
        for label, compat in (("wakachi --compat", True), ("wakachi (stream)", False)):
            ours, s = run_side(
                "ours",
                tok=tok,
                input=inp,
                seq=seq,
                dupe=dupe,
                out=tmp / "out",
                compat=compat,
                threads=args.threads,
                shuffle=None if compat else "on",
            )
            rows.append((label, ours, s))
        for label, r, s in rows:
            print(
                f"{seq:>4} {dupe:>4} {label:<22} {s:>8.1f} {mb / s:>6.2f} {r['instances']:>10,} {r['peak_rss_mb']:>11.0f}"
            )
        print(
            f"{'':>9} ratio wall ours/theirs: compat {rows[1][2] / ref_s:.3f} ({ref_s / rows[1][2]:.1f}x faster), "
            f"stream {rows[2][2] / ref_s:.3f} ({ref_s / rows[2][2]:.1f}x faster); reference tokenize "
            f"{ref['tokenize_s']:.1f} s + instances {ref['instances_s']:.1f} s; compat rows == reference count: "
            f"{rows[1][1]['instances'] == ref['instances']}"
        )


def scaling(tmp: Path, tok: Path, args) -> None:
    print("\nours alone, seq 128 / dupe 5 (streaming bert), peak RSS by corpus size:")
    print(f"{'input MB':>8} {'shuffle':<18} {'wall s':>7} {'MB/s':>6} {'instances':>10} {'peak RSS MB':>11}")
    base = make_input(tmp / "base10.txt", 10.0)
    for times in args.times:
        inp = repeat_input(tmp / f"rep{times}.txt", base, times)
        real = inp.stat().st_size / 1e6
        for label, shuffle, memory in (
            ("off", "off", None),
            ("on, 64 MiB budget", "on", 64 << 20),
            ("on, 512 MiB (default)", "on", None),
        ):
            r, s = run_side(
                "ours",
                tok=tok,
                input=inp,
                seq=128,
                dupe=5,
                out=tmp / "scale",
                threads=args.threads,
                shuffle=shuffle,
                **({"shuffle-memory": memory} if memory else {}),
            )
            print(
                f"{real:>8.1f} {label:<18} {s:>7.1f} {real / s:>6.2f} {r['instances']:>10,} {r['peak_rss_mb']:>11.0f}"
            )
        inp.unlink()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", choices=["reference", "ours"])
    ap.add_argument("--tok")
    ap.add_argument("--input")
    ap.add_argument("--out")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--dupe", type=int, default=5)
    ap.add_argument("--compat", action="store_true")
    ap.add_argument("--shuffle", choices=["on", "off"])
    ap.add_argument("--shuffle-memory", type=int, default=512 << 20)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--mb", type=float, default=2.5)
    ap.add_argument(
        "--cases",
        type=lambda v: [tuple(int(x) for x in c.split("/")) for c in v.split(",")],
        default=CASES,
        help="seq/dupe cases of the comparison (default 128/5,512/30)",
    )
    ap.add_argument("--scaling-only", action="store_true")
    ap.add_argument("--no-scaling", action="store_true")
    ap.add_argument(
        "--times",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 5],
        help="corpus sizes for the RSS scaling runs, as multiples of 10 MB (e.g. 1,5,20)",
    )
    args = ap.parse_args()
    if args.side:
        args.shuffle = None if args.shuffle is None else args.shuffle == "on"
        print(json.dumps(side_reference(args) if args.side == "reference" else side_ours(args)))
        return 0
    os.environ.setdefault("WAKACHI_CACHE_DIR", str(ROOT / ".cache" / "wakachi"))
    print(f"machine: {os.cpu_count()} cores; threads for wakachi: {args.threads or 'all'}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tok = build_tokenizer(tmp)
        if not args.scaling_only:
            compare(tmp, tok, args)
        if not args.no_scaling:
            scaling(tmp, tok, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
