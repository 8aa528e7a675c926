"""Tiny BertJapaneseTokenizer directories built locally for the encode tests and benches: a
WordPiece vocabulary trained with HF `tokenizers` on MeCab words of a slice of the shared
Japanese corpora (small enough that `[UNK]` and `##` pieces both occur), and its character
vocabulary (special tokens + single characters, as cl-tohoku's char models are made)."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

SHARED = Path(os.environ.get("WAKACHI_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared"))
CORPORA = SHARED / "corpora"
JA_FILES = [
    "aozora_ja.txt",
    "ja_debian.txt",
    "kwdlc.txt",
    "jglue_captions.txt",
    "jglue_questions.txt",
    "jglue_wikipedia.txt",
    "ud_ja_gsd.txt",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
DICS = {"unidic_lite": "unidic-lite", "ipadic": "ipadic"}


def read_lines(name: str) -> list[str]:
    with open(CORPORA / name, encoding="utf-8", newline="\n") as f:
        return f.read().split("\n")[:-1]


def sample(lines: list[str], n: int) -> list[str]:
    """`n` lines spread evenly over the file."""
    step = max(1, len(lines) // n)
    return lines[::step][:n]


def training_words(mecab_dic: str, lines_per_file: int = 1500) -> list[str]:
    """NFKC + MeCab words (space-separated) of a slice of every Japanese corpus."""
    import importlib

    import fugashi

    dicdir = importlib.import_module(mecab_dic).DICDIR
    tagger = fugashi.GenericTagger(f'-d "{dicdir}" -r "{dicdir}/mecabrc"')
    out = []
    for name in JA_FILES:
        for line in sample(read_lines(name), lines_per_file):
            text = unicodedata.normalize("NFKC", line)
            out.append(" ".join(w.surface for w in tagger(text)))
    return out


def train_wordpiece(words: list[str], vocab_size: int = 6000, limit_alphabet: int = 1500) -> list[str]:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        limit_alphabet=limit_alphabet,
        special_tokens=SPECIALS,
        continuing_subword_prefix="##",
        show_progress=False,
    )
    tok.train_from_iterator(words, trainer)
    vocab = tok.get_vocab()
    return sorted(vocab, key=vocab.__getitem__)


def character_vocab(wordpiece_vocab: list[str]) -> list[str]:
    return [t for t in wordpiece_vocab if t in SPECIALS or len(t) == 1]


def write_dir(path: Path, vocab: list[str], *, mecab_dic: str | None, subword: str, lower: bool) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    config = {
        "tokenizer_class": "BertJapaneseTokenizer",
        "do_lower_case": lower,
        "word_tokenizer_type": "mecab" if mecab_dic else "basic",
        "subword_tokenizer_type": subword,
    }
    if mecab_dic:
        config["mecab_kwargs"] = {"mecab_dic": mecab_dic}
    (path / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return path


def build_all(root: Path, train_lines_per_file: int = 1500) -> dict[str, Path]:
    """Tokenizer directories for every configuration: `{dic}-{wordpiece|character}-{cased|lower}`
    for both MeCab dictionaries, plus `basic-wordpiece-lower`."""
    dirs = {}
    for dic in DICS:
        wp = train_wordpiece(training_words(dic, train_lines_per_file))
        for subword, vocab in (("wordpiece", wp), ("character", character_vocab(wp))):
            for lower in (False, True):
                name = f"{dic}-{subword}-{'lower' if lower else 'cased'}"
                dirs[name] = write_dir(root / name, vocab, mecab_dic=dic, subword=subword, lower=lower)
    dirs["basic-wordpiece-lower"] = write_dir(
        root / "basic-wordpiece-lower", wp, mecab_dic=None, subword="wordpiece", lower=True
    )
    return dirs


def hf_tokenizer(path: Path):
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    return AutoTokenizer.from_pretrained(str(path))


def with_masks(lines: list[str], every: int = 7) -> list[str]:
    """Real lines with `[MASK]`/`[UNK]` put into some of them (special tokens kept whole)."""
    out = []
    for i, line in enumerate(lines):
        if i % every == 3 and len(line) > 4:
            k = len(line) // 2
            line = line[:k] + ("[MASK]" if i % 2 else " [UNK]") + line[k:]
        out.append(line)
    return out
