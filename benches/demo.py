"""`make demo`: the pipeline on the bundled sample (data/sample_ja.txt, Aozora Bunko, public domain):

1. segment with both PyPI MeCab dictionaries (and check against MeCab itself when fugashi is there);
2. split into sentences with cl-tohoku's rule;
3. train a WordPiece vocabulary with cl-tohoku's recipe (small size for the sample);
4. encode with it (ids identical to transformers' BertJapaneseTokenizer);
5. pack BERT pretraining instances into Arrow shards and show one decoded;
6. train a tiny BERT (MLM + NSP) on them for a few hundred steps on the CPU (FSDP2, one process);
7. export it for transformers and run `pipeline("fill-mask")` on a sentence of the sample.

Everything is written under build/demo/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from wakachi import Segmenter, Tokenizer

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_ja.txt"
OUT = ROOT / "build" / "demo"


def step(title: str) -> None:
    print(f"\n== {title}")


def segment(lines: list[str], mb: float) -> None:
    for d in ["unidic-lite", "ipadic"]:
        t0 = time.perf_counter()
        seg = Segmenter.mecab(d)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        words = seg.segment_batch(lines)
        secs = time.perf_counter() - t0
        cached = "from cache" if seg.load_report["from_cache"] else "built and cached"
        print(
            f"mecab:{d}: dictionary {load:.2f} s ({cached}); "
            f"{mb / secs:.1f} MB/s on all cores, {sum(map(len, words)):,} words"
        )
        for w in [w for w in words if w][:2]:
            print("   " + " / ".join(w[:16]) + (" …" if len(w) > 16 else ""))
        try:
            import fugashi

            tagger = fugashi.GenericTagger(f'-d "{seg.load_report["dicdir"]}" -r /dev/null')
            same = sum([x.surface for x in tagger(ln)] == w for ln, w in zip(lines, words, strict=True))
            print(f"   identical to MeCab (fugashi) on {same}/{len(lines)} lines")
        except ImportError:
            pass


def split(lines_path: Path) -> Path:
    from wakachi.split import split_files

    out = OUT / "sentences.txt"
    r = split_files([str(lines_path)], str(out), "cl-tohoku", Segmenter.mecab("unidic-lite"), min_len=10, max_len=200)
    print(
        f"{r['sentences']:,} sentences in {r['documents']:,} documents ({r['dropped_by_length']:,} dropped by length) -> {out.relative_to(ROOT)}"
    )
    return out


def vocab(sentences: Path) -> Path:
    from wakachi.vocab import train_wordpiece

    out = OUT / "tokenizer"
    r = train_wordpiece([str(sentences)], out, preset="cl-tohoku-v3", vocab_size=9000)
    print(
        f"WordPiece vocabulary of {len(r['vocab']):,} entries (cl-tohoku-v3 recipe: unidic-lite words, "
        f"its 7,012-character alphabet) -> {out.relative_to(ROOT)}"
    )
    return out


def encode(tokenizer_dir: Path, lines: list[str]) -> None:
    tok = Tokenizer.from_pretrained(tokenizer_dir)
    text = next(ln for ln in lines if len(ln) > 20)[:40]
    print(f"{text}\n   -> {tok.tokenize(text)}\n   -> {tok.encode(text)}")


def pack(tokenizer_dir: Path, sentences: Path) -> None:
    from wakachi.pack import pack as run_pack
    from wakachi.pack import summary
    from wakachi.shards import inspect

    out = OUT / "shards"
    report = run_pack(
        tokenizer=str(tokenizer_dir),
        inputs=(str(sentences),),
        output=str(out),
        format="bert",
        max_seq_length=128,
        dupe_factor=5,
        seed=12345,
        rows_per_shard=2000,
    )
    print(summary(report))
    first = sorted(out.glob("shard-*.arrow"))[0]
    print(inspect(str(first), vocab=str(tokenizer_dir / "vocab.txt"), n=1))


def train(tokenizer_dir: Path) -> Path:
    from wakachi.train import TrainConfig
    from wakachi.train import train as run_train

    out = OUT / "run"
    cfg = TrainConfig.from_dict(
        {
            "out": str(out),
            "model": {"size": "tiny", "max_position_embeddings": 128},
            "data": {"shards": str(OUT / "shards"), "tokenizer": str(tokenizer_dir), "batch_size": 32},
            "optim": {"lr": 1e-3, "warmup_steps": 20, "steps": 200},
            "run": {"checkpoint_every": 100, "log_every": 25, "device": "cpu"},
        }
    )
    run_train(cfg)
    print(f"metrics: {(out / 'metrics.jsonl').relative_to(ROOT)}, plot: {(out / 'metrics.png').relative_to(ROOT)}")
    return out


def fill_mask(run: Path, lines: list[str]) -> None:
    from transformers import pipeline

    from wakachi.train import export

    model_dir = export(run, OUT / "model")[0]
    print(
        f"exported -> {model_dir.relative_to(ROOT)} (config.json, model.safetensors, vocab.txt, tokenizer_config.json)"
    )
    fill = pipeline("fill-mask", model=str(model_dir), device="cpu")
    text = next(line for line in lines if 15 < len(line) < 60)
    words = Segmenter.mecab("unidic-lite")(text)
    target = next((w for w in words if len(w) >= 2), words[0])
    masked = text.replace(target, fill.tokenizer.mask_token, 1)
    print(f"{masked}   (masked: {target})")
    for p in fill(masked, top_k=5):
        print(f"   {p['token_str']:>6}  {p['score']:.3f}")


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")[:-1]
    mb = sum(len(ln.encode()) + 1 for ln in lines) / 1e6
    print(f"sample: {SAMPLE.relative_to(ROOT)}, {len(lines)} lines, {mb:.2f} MB")
    step("1. segment (MeCab through wakachi)")
    segment(lines, mb)
    step("2. split into sentences (cl-tohoku's rule, 10-200 characters)")
    sentences = split(SAMPLE)
    step("3. train a WordPiece vocabulary")
    tokenizer_dir = vocab(sentences)
    step("4. encode")
    encode(tokenizer_dir, lines)
    step("5. pack BERT instances into Arrow shards")
    pack(tokenizer_dir, sentences)
    step("6. train a tiny BERT (MLM + NSP) on the shards, CPU")
    run = train(tokenizer_dir)
    step("7. export for transformers and fill a mask")
    fill_mask(run, lines)


if __name__ == "__main__":
    main()
