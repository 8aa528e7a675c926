"""`wakachi vocab wordpiece --preset cl-tohoku-v3` against cl-tohoku's own route (HF `tokenizers`'
BertWordPieceTokenizer with an NFKC + Strip normaliser and a fugashi MeCab pre-tokenizer, unidic-lite,
the initial alphabet of the lexicon, limit_alphabet 7012, vocab 32768), on about `--mb` MB of the
shared Japanese corpora. Each side runs in its own process; prints wall time, MB/s, peak RSS, the
ratio, and how many vocab.txt lines are identical (wakachi rerun untimed with the `##c` order of the
HF run, since HF's order follows its hash maps).

    python benches/vocab.py [--mb 10] [--vocab-size 32768] [--threads 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WAKACHI_SHARED", ROOT.parent / "shared"))
FILES = [
    "aozora_ja.txt",
    "kwdlc.txt",
    "jglue_captions.txt",
    "jglue_questions.txt",
    "jglue_wikipedia.txt",
    "ja_debian.txt",
]

REFERENCE = r"""
import sys, unicodedata, fugashi, unidic_lite
from tokenizers import NormalizedString, PreTokenizedString, normalizers, pre_tokenizers
from tokenizers.implementations import BertWordPieceTokenizer

class MeCabPreTokenizer:
    def __init__(self):
        d = unidic_lite.DICDIR
        self.tagger = fugashi.GenericTagger(f'-d "{d}" -r "{d}/mecabrc"')
    def split(self, i, ns):
        text, out, cursor = str(ns), [], 0
        for w in self.tagger(text):
            start = text.index(w.surface, cursor)
            cursor = start + len(w.surface)
            out.append(ns[start:cursor])
        return out
    def pre_tokenize(self, pretok):
        pretok.split(self.split)

corpus, out, vocab_size, alphabet_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
alphabet = open(alphabet_file, encoding="utf-8").read().split("\n")[:-1]
tok = BertWordPieceTokenizer(clean_text=False, handle_chinese_chars=False, strip_accents=False, lowercase=False)
tok._tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Strip()])
tok._tokenizer.pre_tokenizer = pre_tokenizers.PreTokenizer.custom(MeCabPreTokenizer())
specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"[unused{i}]" for i in range(10)]
tok.train([corpus], vocab_size=vocab_size, limit_alphabet=7012, initial_alphabet=alphabet,
          special_tokens=specials, show_progress=False, wordpieces_prefix="##")
v = tok.get_vocab()
open(out, "w", encoding="utf-8").write("".join(t + "\n" for t in sorted(v, key=v.__getitem__)))
"""


def make_corpus(path: Path, mb: float) -> int:
    """Non-blank lines of the Japanese corpora, round-robin over the files, up to `mb` MB."""
    sources = [
        [ln for ln in (SHARED / "corpora" / f).read_text(encoding="utf-8").splitlines() if ln.strip()] for f in FILES
    ]
    limit, size, out = mb * 1e6, 0, []
    idx = [0] * len(sources)
    while size < limit and any(i < len(s) for i, s in zip(idx, sources, strict=True)):
        for k, s in enumerate(sources):
            for _ in range(50):
                if idx[k] < len(s) and size < limit:
                    out.append(s[idx[k]])
                    size += len(s[idx[k]].encode()) + 1
                    idx[k] += 1
    path.write_text("".join(ln + "\n" for ln in out), encoding="utf-8")
    return size


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t
    err = p.stderr.read().decode()
    if status != 0:
        sys.exit(f"{' '.join(cmd[:4])}… failed:\n{err}")
    return secs, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--vocab-size", type=int, default=32768)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus.txt"
        size = make_corpus(corpus, args.mb)
        mb = size / 1e6
        # Warm the compiled-dictionary cache (and the page cache) first: neither side is timed loading it cold.
        subprocess.run(
            [sys.executable, "-m", "wakachi.cli", "dict", "info", "unidic-lite"], check=True, capture_output=True
        )
        # The initial alphabet file, as cl-tohoku passes it (made untimed, in a child: this process
        # stays small, as a forked child's peak RSS counts what it inherits; tests/test_vocab.py checks
        # the alphabet against cl-tohoku's rule over the lexicon).
        alphabet = tmp / "unidic_lite.txt"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from wakachi.vocab import mecab_alphabet; "
                "open(sys.argv[1], 'w', encoding='utf-8').write(''.join(c + '\\n' for c in "
                "mecab_alphabet('unidic-lite')))",
                str(alphabet),
            ],
            check=True,
        )
        ours_cmd = [
            sys.executable,
            "-m",
            "wakachi.cli",
            "vocab",
            "wordpiece",
            "--preset",
            "cl-tohoku-v3",
            "--alphabet",
            str(alphabet),
            "--vocab-size",
            str(args.vocab_size),
            "-j",
            str(args.threads),
            "-q",
            "-o",
            str(tmp / "ours"),
            str(corpus),
        ]
        ref_cmd = [
            sys.executable,
            "-c",
            REFERENCE,
            str(corpus),
            str(tmp / "ref.txt"),
            str(args.vocab_size),
            str(alphabet),
        ]
        t_ours, rss_ours = timed(ours_cmd)
        t_ref, rss_ref = timed(ref_cmd)
        print(
            f"corpus: {mb:.2f} MB, {len(corpus.read_text(encoding='utf-8').splitlines()):,} lines; "
            f"vocab {args.vocab_size}; cores: {os.cpu_count()}"
        )
        print(f"{'':28} {'seconds':>8} {'MB/s':>7} {'peak RSS MB':>12}")
        print(f"{f'wakachi (-j {args.threads})':28} {t_ours:8.2f} {mb / t_ours:7.2f} {rss_ours:12.0f}")
        print(f"{'fugashi + HF tokenizers':28} {t_ref:8.2f} {mb / t_ref:7.2f} {rss_ref:12.0f}")
        print(f"speed ratio wakachi/reference: {t_ref / t_ours:.2f}x; RSS ratio: {rss_ours / rss_ref:.2f}")
        ref = (tmp / "ref.txt").read_text(encoding="utf-8").splitlines()
        ours = (tmp / "ours" / "vocab.txt").read_text(encoding="utf-8").splitlines()
        print(
            f"as run: {sum(a == b for a, b in zip(ref, ours, strict=False)):,} / {len(ref):,} vocab.txt lines identical "
            f"(wakachi {len(ours):,} entries); set difference {len(set(ref) ^ set(ours)):,}"
        )
        from wakachi.vocab import train_wordpiece

        order = "".join(t[2:] for t in ref if t.startswith("##") and len(t) == 3)
        again = train_wordpiece(
            [corpus], None, preset="cl-tohoku-v3", vocab_size=args.vocab_size, continuation_order=order
        )["vocab"]
        same = sum(a == b for a, b in zip(ref, again, strict=False))
        first = next((i for i, (a, b) in enumerate(zip(ref, again, strict=False)) if a != b), None)
        print(
            f"with HF's ##c order: {same:,} / {len(ref):,} lines identical"
            + ("" if first is None else f"; first difference at line {first + 1}: {ref[first]!r} vs {again[first]!r}")
        )


if __name__ == "__main__":
    main()
