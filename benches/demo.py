"""`make demo`: a newcomer's first run, on the bundled sample (data/sample_ja.txt, Aozora Bunko,
public domain):

1. segment it with both PyPI MeCab dictionaries (and check against MeCab itself when fugashi is there);
2. run the `cl-tohoku-bert-base-v3` recipe at `--scale tiny`, every stage of cl-tohoku's pipeline:
   sentences (their MeCab rule), the random deal to files, a WordPiece vocabulary with their
   recipe, BERT shards at seq 128 and 512, a tiny BERT trained on the CPU in both stages, export
   for transformers, and `pipeline("fill-mask")` on a sentence of the sample.

It is `wakachi run cl-tohoku-bert-base-v3 --scale tiny --input data/sample_ja.txt --out build/demo
--set corpus.kind=sentences` with more steps for stage 1. Everything is written under build/demo/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from wakachi import Segmenter

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


def run_recipe() -> None:
    from wakachi.recipe import Runner, load
    from wakachi.train.config import parse_override

    sets = [
        "corpus.kind=sentences",  # the sample is plain text: cl-tohoku's MeCab sentence rule, 10-200 characters
        "stage.seq128.train.optim.steps=200",  # a few minutes on two cores: enough to see predictions form
        "stage.seq128.train.data.batch_size=32",
        "stage.seq128.train.optim.warmup_steps=20",
        "train.run.log_every=25",
        "train.run.checkpoint_every=100",
    ]
    recipe = load("cl-tohoku-bert-base-v3", "tiny", [parse_override(x) for x in sets])
    print("wakachi run cl-tohoku-bert-base-v3 --scale tiny --input data/sample_ja.txt --out build/demo \\")
    print("    " + " ".join(f"--set {x}" for x in sets))
    runner = Runner(recipe, [str(SAMPLE)], OUT, log=lambda line: print(line, flush=True))
    results = runner.run()
    print("\nstage            seconds")
    for r in results:
        print(f"  {r.name:<14} {r.seconds:7.1f}")
    last_train = [r for r in results if r.name.startswith("train-")][-1]
    print(
        f"\nloss plot:      {Path(last_train.figures['plot']).relative_to(ROOT)} (and build/demo/train-seq128/metrics.png)"
    )
    print(f"exported model: {(OUT / 'model').relative_to(ROOT)} (AutoModelForMaskedLM, AutoTokenizer, pipeline)")


def main() -> None:
    t0 = time.perf_counter()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")[:-1]
    mb = sum(len(ln.encode()) + 1 for ln in lines) / 1e6
    print(f"sample: {SAMPLE.relative_to(ROOT)}, {len(lines)} lines, {mb:.2f} MB")
    step("1. segment (MeCab through wakachi)")
    segment(lines, mb)
    step("2. the cl-tohoku-bert-base-v3 recipe at tiny scale: every stage of the reference pipeline")
    run_recipe()
    print(f"\ndemo done in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
