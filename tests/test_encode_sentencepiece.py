"""`wakachi.Tokenizer.from_pretrained` and `wakachi encode` on every SentencePiece tokenizer kind
`wakachi pack` accepts — `AlbertTokenizer` directories (as `wakachi vocab unigram` writes them, and
with AlbertTokenizer's defaults), `BertGenerationTokenizer` directories (colorfulscoop's GPT-2
layout) and bare `.model` files — against transformers' `AutoTokenizer` and sentencepiece on real
lines of every shared Japanese and Chinese corpus file (every line: benches/parity_tokenizers.py).
Plus the public constructors and plain-words errors."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import unigram_models as um
from wakachi import ConfigError, Tokenizer
from wakachi.unigram import AlbertUnigram, UnigramModel, load_albert_dir

os.environ["HF_HUB_OFFLINE"] = "1"
spm = pytest.importorskip("sentencepiece")
transformers = pytest.importorskip("transformers")

LINES_PER_FILE = 150
WAKACHI = [sys.executable, "-m", "wakachi.cli"]
SPECIALS_IN_TEXT = {  # planted into some lines: each class cuts its own special tokens out
    "albert": ["[MASK]", "[CLS]", "<unk>", "[SEP]"],
    "bert_generation": ["<s>", "</s>", "<unk>", "<pad>", "<::::>"],
    "sentencepiece": ["<s>", "[MASK]"],
}


def lines_of(lang: str) -> list[str]:
    """LINES_PER_FILE lines spread over each file of `lang`, blank ones included."""
    out = []
    for f in um.corpus_files(lang):
        lines = um.read_lines(f)
        step = max(1, len(lines) // LINES_PER_FILE)
        out += lines[step // 2 :: step][:LINES_PER_FILE]
    return out


def with_specials(lines: list[str], tokens: list[str]) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        if i % 9 == 4 and len(line) > 4:
            k = len(line) // 2
            line = line[:k] + tokens[i % len(tokens)] + line[k:]
        out.append(line)
    return out


def hf(path: Path):
    from transformers import AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    return AutoTokenizer.from_pretrained(str(path))


@pytest.fixture(scope="session")
def vocab_unigram_dir(tmp_path_factory) -> Path:
    """An AlbertTokenizer directory written by `wakachi vocab unigram` (the issue's case)."""
    src = tmp_path_factory.mktemp("spm") / "train.txt"
    src.write_text("\n".join(um.training_lines("ja", 3000)) + "\n", encoding="utf-8")
    out = src.parent / "tok"
    r = subprocess.run(
        [*WAKACHI, "vocab", "unigram", "--vocab-size", "3000", "-o", str(out), "-q", str(src)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    return out


# (kind, model language, how the directory or file is made)
CASES = {
    "albert-vocab-ja": ("albert", "ja", None),
    "albert-keep-zh": ("albert", "zh", lambda: um.albert_dir("zh", "keep")),
    "albert-default-ja": ("albert", "ja", lambda: um.albert_dir("ja", "default")),
    "bertgen-ja": ("bert_generation", "ja", lambda: um.bert_generation_dir("ja_gpt2")),
    "bertgen-zh": ("bert_generation", "zh", lambda: um.bert_generation_dir("zh_gpt2")),
    "model-ja": ("sentencepiece", "ja", lambda: um.train("ja")),
    "model-zh": ("sentencepiece", "zh", lambda: um.train("zh")),
}


def case_path(case: str, vocab_unigram_dir: Path) -> Path:
    make = CASES[case][2]
    return vocab_unigram_dir if make is None else make()


def expected(kind: str, path: Path, lines: list[str]) -> list[list[int]]:
    if kind == "sentencepiece":
        return spm.SentencePieceProcessor(model_file=str(path)).encode(lines)
    return hf(path)(lines, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("case", list(CASES))
def test_identical_to_the_reference_on_both_languages(case, vocab_unigram_dir):
    kind, _, _ = CASES[case]
    path = case_path(case, vocab_unigram_dir)
    tok = Tokenizer.from_pretrained(path)
    assert tok.kind == kind
    for lang in ("ja", "zh"):
        lines = with_specials(lines_of(lang), SPECIALS_IN_TEXT[kind])
        want = expected(kind, path, lines)
        got = tok.encode_batch(lines, threads=2)
        assert len(got) == len(want) == len(lines)
        diff = [k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        if kind == "albert" and diff:
            # The named AlbertTokenizer differences (tokenizers' ties and kana composition): there
            # wakachi follows sentencepiece, as load_albert_dir does.
            alb = load_albert_dir(path)
            assert all(got[k] == alb.encode(lines[k]) for k in diff)
            assert len(diff) <= 2, [lines[k] for k in diff]
            diff = []
        assert not diff, (
            f"{case}/{lang}: {len(diff)}/{len(lines)} lines differ, first line {diff[0]}: {lines[diff[0]]!r}"
        )
        assert [tok.encode(line) for line in lines[:40]] == want[:40]
    assert sum(map(len, got)) > len(lines)


@pytest.mark.parametrize("case", ["albert-vocab-ja", "bertgen-ja", "model-zh"])
def test_word_ids_follow_the_space_mark_and_specials(case, vocab_unigram_dir):
    kind, lang, _ = CASES[case]
    path = case_path(case, vocab_unigram_dir)
    tok = Tokenizer.from_pretrained(path)
    lines = with_specials(lines_of(lang)[::4], SPECIALS_IN_TEXT[kind])
    batch = tok.encode_batch_with_word_ids(lines, threads=2)
    for line, (ids, words) in zip(lines, batch, strict=True):
        assert (ids, words) == tok.encode_with_word_ids(line)
        assert ids == tok.encode(line) and len(words) == len(ids)
        assert all(b - a in (0, 1) for a, b in itertools.pairwise(words)) and (not words or words[0] == 0)
        for k in range(1, len(ids)):
            piece = tok.id_to_token(ids[k]) or ""
            if piece.startswith("▁") and len(piece) > 1:  # a ▁ piece starts a word
                assert words[k] == words[k - 1] + 1, (line, k)


@pytest.mark.parametrize("case", ["albert-vocab-ja", "bertgen-zh", "model-ja"])
def test_cli_encode_writes_the_api_ids(case, vocab_unigram_dir, tmp_path):
    kind, lang, _ = CASES[case]
    path = case_path(case, vocab_unigram_dir)
    lines = lines_of(lang)[:600]
    src = tmp_path / "in.txt"
    src.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    r = subprocess.run([*WAKACHI, "encode", "-t", str(path), "-j", "2", "-q", str(src)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = [[int(x) for x in row.split()] for row in r.stdout.split("\n")[:-1]]
    want = expected(kind, path, lines)
    assert len(got) == len(want) == len(lines)
    first = next((k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w), None)
    assert first is None, f"line {first + 1} differs: {lines[first]!r}"


def test_unsupported_directories_say_so_in_plain_words(vocab_unigram_dir, tmp_path):
    d = tmp_path / "t5"
    shutil.copytree(vocab_unigram_dir, d)
    (d / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer"}))
    for call in (lambda: Tokenizer.from_pretrained(d), lambda: Tokenizer(d)):
        with pytest.raises(ConfigError, match="tokenizer_class T5Tokenizer is not supported") as e:
            call()
        assert "Some(" not in str(e.value) and "tokenizer_config.json" in str(e.value)
    r = subprocess.run([*WAKACHI, "encode", "-t", str(d)], capture_output=True, text=True, input="")
    assert r.returncode == 1 and "T5Tokenizer is not supported" in r.stderr and "Some(" not in r.stderr
    (d / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "AlbertTokenizer"}))
    (d / "spiece.model").unlink()
    with pytest.raises(FileNotFoundError, match=r"spiece\.model"):
        Tokenizer.from_pretrained(d)
    with pytest.raises(ConfigError, match="not a tokenizer"):
        Tokenizer.from_pretrained(d / "tokenizer_config.json")
    # A directory with only spiece.model is the bare model.
    (d / "tokenizer_config.json").unlink()
    shutil.copy(um.train("ja"), d / "spiece.model")
    line = lines_of("ja")[5]
    assert Tokenizer(d).encode(line) == spm.SentencePieceProcessor(model_file=str(d / "spiece.model")).encode(line)


def test_public_constructors_take_paths_or_raise_type_error():
    path = um.train("ja")
    line = lines_of("ja")[7]
    want = spm.SentencePieceProcessor(model_file=str(path)).encode(line)
    assert UnigramModel(str(path)).encode(line) == UnigramModel(path).encode(line) == want
    assert UnigramModel.from_file(path).encode(line) == want
    assert Tokenizer(path).encode(line) == want
    for bad in (lambda: UnigramModel(3), lambda: UnigramModel.from_file(None), lambda: Tokenizer(3)):
        with pytest.raises(TypeError):
            bad()
    with pytest.raises(TypeError, match="load_albert_dir"):
        AlbertUnigram(str(path), do_lower_case=False, keep_accents=True, special_tokens={})
    from wakachi import Segmenter

    with pytest.raises(TypeError, match=r"Segmenter\.mecab"):
        Segmenter("ipadic", "mecab:ipadic")
