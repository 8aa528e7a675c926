"""`make demo`: segments the bundled sample with both PyPI MeCab dictionaries and shows a few
lines, the agreement with MeCab itself (fugashi) and the throughput."""

from __future__ import annotations

import time
from pathlib import Path

from wakachi import Segmenter

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_ja.txt"


def main() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")[:-1]
    mb = sum(len(l.encode()) + 1 for l in lines) / 1e6
    print(f"sample: {SAMPLE.name}, {len(lines)} lines, {mb:.2f} MB\n")
    for d in ["unidic-lite", "ipadic"]:
        t0 = time.perf_counter()
        seg = Segmenter.mecab(d)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        words = seg.segment_batch(lines)
        secs = time.perf_counter() - t0
        cached = "from cache" if seg.load_report["from_cache"] else "built and cached"
        print(f"== mecab:{d}: dictionary {load:.2f} s ({cached}); "
              f"{mb / secs:.1f} MB/s on all cores, {sum(map(len, words)):,} words")
        for w in [w for w in words if w][:3]:
            print("   " + " / ".join(w[:18]) + (" …" if len(w) > 18 else ""))
        try:
            import fugashi

            tagger = fugashi.GenericTagger(f'-d "{seg.load_report["dicdir"]}" -r /dev/null')
            same = sum([x.surface for x in tagger(l)] == w for l, w in zip(lines, words))
            print(f"   identical to MeCab (fugashi) on {same}/{len(lines)} lines")
        except ImportError:
            pass
        print()


if __name__ == "__main__":
    main()
