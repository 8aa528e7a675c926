"""wakachi.Tokenizer against transformers' BertJapaneseTokenizer on real lines of the shared
Japanese corpora, for unidic-lite and ipadic, WordPiece and character vocabularies, cased and
lower-cased (vocabularies trained here with HF `tokenizers`); plus bad tokenizer directories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import wakachi
import wordpiece_fixtures as fx
from parity import assert_same

os.environ["HF_HUB_OFFLINE"] = "1"
LINES_PER_FILE = 150


@pytest.fixture(scope="session")
def dirs(tmp_path_factory):
    return fx.build_all(tmp_path_factory.mktemp("tokenizers"), train_lines_per_file=1000)


@pytest.fixture(scope="session")
def lines():
    out = []
    for name in fx.JA_FILES:
        out += fx.sample(fx.read_lines(name), LINES_PER_FILE)
    return fx.with_masks(out)


CONFIGS = [
    f"{dic}-{sub}-{case}" for dic in fx.DICS for sub in ("wordpiece", "character") for case in ("cased", "lower")
] + ["basic-wordpiece-lower"]


@pytest.mark.parametrize("config", CONFIGS)
def test_identical_to_transformers(dirs, lines, config):
    hf = fx.hf_tokenizer(dirs[config])
    ours = wakachi.Tokenizer.from_pretrained(dirs[config])
    want = [hf(line, add_special_tokens=False)["input_ids"] for line in lines]
    got = ours.encode_batch(lines, threads=2)
    assert_same(lines, want, got, config)
    # The slice exercises unknown words, continuation pieces and special tokens in the text.
    flat = [i for ids in want for i in ids]
    assert hf.unk_token_id in flat and hf.mask_token_id in flat
    if "wordpiece" in config:
        assert any(hf.convert_ids_to_tokens(i).startswith("##") for i in flat[:20000])
    sample = lines[3]
    assert ours.tokenize(sample) == hf.tokenize(sample)
    assert ours.encode(sample) == want[3]


def test_word_ids_group_wordpieces_by_mecab_word(dirs, lines):
    tok = wakachi.Tokenizer.from_pretrained(dirs["unidic_lite-wordpiece-cased"])
    hf = fx.hf_tokenizer(dirs["unidic_lite-wordpiece-cased"])
    for line in lines[:300]:
        ids, word_ids = tok.encode_with_word_ids(line)
        assert len(ids) == len(word_ids)
        assert word_ids == sorted(word_ids) and (not word_ids or word_ids[0] == 0)
        tokens = hf.convert_ids_to_tokens(ids)
        for k in range(1, len(ids)):
            if tokens[k].startswith("##"):  # a continuation never starts a word
                assert word_ids[k] == word_ids[k - 1], line
    batch = tok.encode_batch_with_word_ids(lines[:50])
    assert batch == [tok.encode_with_word_ids(line) for line in lines[:50]]


def test_cli_matches_api(dirs, lines, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(line + "\n" for line in lines[:400]), encoding="utf-8")
    d = dirs["ipadic-wordpiece-cased"]
    out = subprocess.run(
        [sys.executable, "-m", "wakachi.cli", "encode", "--tokenizer", str(d), "-j", "2", "-q", str(src)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    want = wakachi.Tokenizer.from_pretrained(d).encode_batch(lines[:400])
    assert out.split("\n")[:-1] == [" ".join(map(str, ids)) for ids in want]


def test_cli_invalid_utf8(dirs, tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes("日本語\n".encode() + b"\xff\xfe\n" + "東京\n".encode())
    d = str(dirs["ipadic-character-cased"])
    cmd = [sys.executable, "-m", "wakachi.cli", "encode", "-t", d, "-q"]
    strict = subprocess.run([*cmd, str(src)], capture_output=True, text=True)
    assert strict.returncode == 1 and "bad.txt:2" in strict.stderr
    skip = subprocess.run([*cmd, "--errors", "skip", str(src)], capture_output=True, text=True, check=True)
    assert skip.stdout.split("\n")[1] == "" and len(skip.stdout.split("\n")) == 4


def _copy(dirs, tmp_path, name="ipadic-wordpiece-cased"):
    d = tmp_path / "tok"
    shutil.copytree(dirs[name], d)
    return d


def _config(d, **changes):
    cfg = json.loads((d / "tokenizer_config.json").read_text())
    cfg.update(changes)
    (d / "tokenizer_config.json").write_text(json.dumps(cfg))


def test_missing_vocab(dirs, tmp_path):
    d = _copy(dirs, tmp_path)
    (d / "vocab.txt").unlink()
    with pytest.raises(OSError, match=r"vocab\.txt"):
        wakachi.Tokenizer.from_pretrained(d)


def test_duplicate_token_names_line(dirs, tmp_path):
    d = _copy(dirs, tmp_path)
    vocab = (d / "vocab.txt").read_text().split("\n")
    vocab.insert(10, vocab[7])
    (d / "vocab.txt").write_text("\n".join(vocab))
    with pytest.raises(wakachi.InputError, match=r"vocab.txt:11: duplicate token"):
        wakachi.Tokenizer.from_pretrained(d)


def test_no_unk(dirs, tmp_path):
    d = _copy(dirs, tmp_path)
    vocab = [t for t in (d / "vocab.txt").read_text().split("\n") if t != "[UNK]"]
    (d / "vocab.txt").write_text("\n".join(vocab))
    with pytest.raises(
        wakachi.ConfigError, match=r"vocab.txt: no unknown token '\[UNK\]'|vocab.txt: no unknown token \"\[UNK\]\""
    ):
        wakachi.Tokenizer.from_pretrained(d)


def test_invalid_utf8_and_empty_vocab(dirs, tmp_path):
    d = _copy(dirs, tmp_path)
    (d / "vocab.txt").write_bytes(b"[UNK]\n\xe3\x81\n")
    with pytest.raises(wakachi.InputError, match=r"vocab.txt:2: invalid UTF-8"):
        wakachi.Tokenizer.from_pretrained(d)
    (d / "vocab.txt").write_bytes(b"")
    with pytest.raises(wakachi.InputError, match=r"vocab.txt:1: empty vocabulary"):
        wakachi.Tokenizer.from_pretrained(d)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"tokenizer_class": "BertTokenizer"}, "tokenizer_class"),
        ({"mecab_kwargs": {"mecab_dic": "jumandic"}}, "unknown mecab_dic 'jumandic'|unknown mecab_dic \"jumandic\""),
        ({"word_tokenizer_type": "sudachi"}, "word_tokenizer_type"),
        ({"subword_tokenizer_type": "sentencepiece"}, "subword_tokenizer_type"),
        ({"mecab_kwargs": {"mecab_dic": "ipadic", "mecab_option": "-u user.dic"}}, "mecab_option"),
    ],
)
def test_bad_config_names_the_file(dirs, tmp_path, changes, message):
    d = _copy(dirs, tmp_path)
    _config(d, **changes)
    with pytest.raises(wakachi.WakachiError, match=f"tokenizer_config.json: .*({message})"):
        wakachi.Tokenizer.from_pretrained(d)


def test_mecab_option_dicdir(dirs, tmp_path):
    import ipadic

    d = _copy(dirs, tmp_path)
    _config(d, mecab_kwargs={"mecab_dic": None, "mecab_option": f'-d "{ipadic.DICDIR}" -r "{ipadic.DICDIR}/mecabrc"'})
    text = "東京都に住むＡＢＣさん[MASK]です。"
    assert wakachi.Tokenizer.from_pretrained(d).encode(text) == fx.hf_tokenizer(d).encode(
        text, add_special_tokens=False
    )
