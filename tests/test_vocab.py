"""Vocabulary training against the references, on slices of the shared corpora.

WordPiece: wakachi's trainer against HF `tokenizers`' WordPieceTrainer fed the same words. The HF
trainer walks hash maps in a random order, so its own vocab.txt changes from run to run in the
order of the `##c` entries (and, through their ids, the order of equally frequent merges) and in
which equally frequent characters fall at `limit_alphabet`. Each comparison therefore reads the
`##c` order off the HF run and gives it to wakachi, and uses alphabet limits without a tie at the
cut; the two vocab.txt must then be equal line by line. Also: the cl-tohoku alphabet against a
Python reference over the decompiled lexicon; presets; written directories loaded by transformers
and by wakachi.Tokenizer. Unigram: wakachi's run equals sentencepiece's trainer called directly."""

from __future__ import annotations

import collections
import csv
import os
import re
import subprocess
import sys
import unicodedata

import pytest

from conftest import corpus_slice
from parity import first_difference
from wakachi import ConfigError, Segmenter, Tokenizer, _core
from wakachi.vocab import mecab_alphabet, train_unigram, train_wordpiece

os.environ["HF_HUB_OFFLINE"] = "1"
BERT = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"[unused{i}]" for i in range(10)]
IZUMI = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"] + [f"<unused{i}>" for i in range(10)]


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpora(tmp_path_factory):
    d = tmp_path_factory.mktemp("vocab_corpora")
    return {
        "ja": [
            write(d / "kwdlc.txt", corpus_slice("kwdlc.txt", 1500)),
            write(d / "jglue.txt", corpus_slice("jglue_captions.txt", 1500)),
        ],
        "zh": [
            write(d / "pku.txt", corpus_slice("sighan2005_pku.txt", 600)),
            write(d / "gsd.txt", corpus_slice("ud_zh_gsd.txt", 500)),
        ],
        "seg": [write(d / "kwdlc.seg.txt", corpus_slice("kwdlc.seg.txt", 2000))],
    }


def read(files):
    return [line.rstrip("\n") for f in files for line in open(f, encoding="utf-8")]


def words_text(files, spec, nfkc=True):
    """Each line's words (as wakachi's segmenter gives them) joined by spaces."""
    lines = read(files)
    if nfkc:
        lines = [unicodedata.normalize("NFKC", line) for line in lines]
    return [" ".join(ws) for ws in Segmenter.from_spec(spec).segment_batch(lines, threads=2)]


def hf_vocab(texts, specials, vocab_size, limit_alphabet=None, initial_alphabet=(), bert=False):
    from tokenizers import Tokenizer as HfTokenizer
    from tokenizers import models, pre_tokenizers, trainers
    from tokenizers.implementations import BertWordPieceTokenizer

    kw = {
        "vocab_size": vocab_size,
        "min_frequency": 2,
        "special_tokens": specials,
        "show_progress": False,
        "initial_alphabet": list(initial_alphabet),
    }
    if limit_alphabet is not None:
        kw["limit_alphabet"] = limit_alphabet
    if bert:  # izumi-lab: BertWordPieceTokenizer on MeCab -Owakati text
        tok = BertWordPieceTokenizer(handle_chinese_chars=False, strip_accents=False, lowercase=False)
        tok._tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(continuing_subword_prefix="##", **kw))
        tok = tok._tokenizer
    else:
        tok = HfTokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        tok.train_from_iterator(texts, trainers.WordPieceTrainer(continuing_subword_prefix="##", **kw))
    v = tok.get_vocab()
    return sorted(v, key=v.__getitem__)


def continuation_order(vocab):
    return "".join(t[2:] for t in vocab if t.startswith("##") and len(t) == 3)


def assert_same(want, got, merges=True):
    diff = first_difference(want, got)
    assert diff is None and len(want) == len(got), (
        f"HF {len(want)} vs wakachi {len(got)} entries, first difference at line {diff}: "
        f"{want[diff : diff + 3] if diff is not None else ''} / {got[diff : diff + 3] if diff is not None else ''}"
    )
    merged = [t for t in got if len(t.removeprefix("##")) > 1 and t not in BERT + IZUMI]
    if merges:
        assert len(merged) > 500 and any(t.startswith("##") for t in merged)
    else:  # single characters as words: characters only
        assert merged == [] and len(got) > 1000


@pytest.mark.parametrize(
    "spec,corpus",
    [
        ("mecab:unidic-lite", "ja"),
        ("mecab:ipadic", "ja"),
        ("char", "ja"),
        ("jieba", "zh"),
        ("whitespace", "seg"),
    ],
)
def test_wordpiece_equals_hf_trainer(corpora, spec, corpus):
    files = corpora[corpus]
    size = 9000 if spec == "jieba" else 5000
    want = hf_vocab(words_text(files, spec), BERT, size)
    got = train_wordpiece(
        files, None, segmenter=spec, vocab_size=size, threads=2, continuation_order=continuation_order(want)
    )["vocab"]
    assert_same(want, got, merges=spec != "char")


def test_limit_alphabet(corpora):
    files = corpora["ja"]
    texts = words_text(files, "mecab:ipadic")
    counts = collections.Counter(c for t in texts for c in t.replace(" ", ""))
    freqs = sorted(counts.values(), reverse=True)
    # A limit with no tie at the cut (HF drops tied characters in a random order).
    limit = next(k for k in range(len(freqs) // 2, len(freqs)) if freqs[k - 1] > freqs[k])
    want = hf_vocab(texts, BERT, 4000, limit_alphabet=limit)
    got = train_wordpiece(
        files,
        None,
        segmenter="mecab:ipadic",
        vocab_size=4000,
        limit_alphabet=limit,
        threads=2,
        continuation_order=continuation_order(want),
    )["vocab"]
    assert_same(want, got)
    assert sum(len(t) == 1 for t in got) == limit < len(counts)


@pytest.fixture(scope="session")
def lexicon_alphabets(tmp_path_factory):
    """cl-tohoku's make_alphabet_from_unidic.py rule over the decompiled lex.csv, in Python."""
    from wakachi.dictionaries import resolve_mecab_dicdir

    out = {}
    for dic in ("unidic-lite", "ipadic"):
        d = tmp_path_factory.mktemp(dic)
        _core.decompile_mecab(str(resolve_mecab_dicdir(dic)), str(d))
        seen = set()
        with open(d / "lex.csv", newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for ch in row[0] or '"':
                    ch = unicodedata.normalize("NFKC", ch)
                    if len(ch) == 1 and ch.isprintable():
                        seen.add(ch)
        out[dic] = "".join(sorted(seen))
    return out


def test_mecab_alphabet(lexicon_alphabets):
    for dic, want in lexicon_alphabets.items():
        assert mecab_alphabet(dic) == want
    assert len(lexicon_alphabets["unidic-lite"]) == 7012  # cl-tohoku's published figure


def hf_and_wakachi_ids(directory, lines):
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(directory))
    ours = Tokenizer.from_pretrained(directory)
    want = [hf(line, add_special_tokens=False)["input_ids"] for line in lines]
    return hf, want, ours.encode_batch(lines, threads=2)


def test_cl_tohoku_preset(corpora, tmp_path, lexicon_alphabets):
    files = corpora["ja"]
    alphabet = lexicon_alphabets["unidic-lite"]
    want = hf_vocab(words_text(files, "mecab:unidic-lite"), BERT, 10000, limit_alphabet=7012, initial_alphabet=alphabet)
    r = train_wordpiece(
        files,
        tmp_path / "wp",
        preset="cl-tohoku-v3",
        vocab_size=10000,
        char_vocab=7027,
        threads=2,
        continuation_order=continuation_order(want),
    )
    assert_same(want, r["vocab"])
    assert r["vocab"][:15] == BERT and "".join(r["vocab"][15:7027]) == alphabet
    assert (tmp_path / "wp-char" / "vocab.txt").read_text(encoding="utf-8").splitlines() == r["vocab"][:7027]
    lines = corpus_slice("jglue_wikipedia.txt", 150) + corpus_slice("aozora_ja.txt", 150)
    for d, size in ((tmp_path / "wp", 10000), (tmp_path / "wp-char", 7027)):
        hf, want_ids, got_ids = hf_and_wakachi_ids(d, lines)
        assert type(hf).__name__ == "BertJapaneseTokenizer" and len(hf) == size
        assert got_ids == want_ids
        assert hf.unk_token_id in {i for ids in want_ids for i in ids}  # the slice has unknown characters


def test_izumi_preset(corpora, tmp_path):
    files = corpora["ja"]
    # retarfi v1.0: MeCab (ipadic, -Owakati) on the raw lines, then BertWordPieceTokenizer.
    want = hf_vocab(words_text(files, "mecab:ipadic", nfkc=False), IZUMI, 4000, limit_alphabet=6129, bert=True)
    r = train_wordpiece(
        files,
        tmp_path / "izumi",
        preset="izumi-lab-electra",
        vocab_size=4000,
        threads=2,
        continuation_order=continuation_order(want),
    )
    assert_same(want, r["vocab"])
    assert r["vocab"][:5] == IZUMI[:5]
    import json

    config = json.loads((tmp_path / "izumi" / "tokenizer_config.json").read_text())
    assert config["mecab_kwargs"] == {"mecab_dic": "ipadic"} and config["do_lower_case"] is False
    hf, want_ids, got_ids = hf_and_wakachi_ids(tmp_path / "izumi", corpus_slice("jglue_questions.txt", 300))
    assert got_ids == want_ids and hf.pad_token_id == 3


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "wakachi.cli", *map(str, args)], capture_output=True, text=True)


def test_bad_settings(corpora, tmp_path):
    files = corpora["ja"]
    r = run_cli("vocab", "wordpiece", "--preset", "bert-xyz", "-o", tmp_path / "x", *files)
    assert r.returncode == 1 and "unknown WordPiece preset 'bert-xyz'" in r.stderr
    with pytest.raises(ConfigError, match="vocab size 5000 is smaller than the 15 special tokens and 7012"):
        train_wordpiece(files, None, preset="cl-tohoku-v3", vocab_size=5000)
    with pytest.raises(ConfigError, match=r"special tokens, .* characters and .* continuation characters"):
        train_wordpiece(files, None, segmenter="mecab:ipadic", vocab_size=100)
    bad = write(tmp_path / "alphabet.txt", ["a", "bc"])
    with pytest.raises(_core.InputError, match=r"alphabet\.txt:2"):
        train_wordpiece(files, None, alphabet=str(bad))
    with pytest.raises(ConfigError, match="char vocab size"):
        train_wordpiece(files, None, segmenter="char", vocab_size=3000, char_vocab=4000)
    with pytest.raises(ConfigError, match="unk_id 0"):
        train_unigram(files, tmp_path / "u", unk_id=0)
    r = run_cli("vocab", "unigram", "--preset", "nope", "-o", tmp_path / "u", *files)
    assert r.returncode == 1 and "unknown Unigram preset" in r.stderr


def test_cli_wordpiece(corpora, tmp_path):
    r = run_cli(
        "vocab",
        "wordpiece",
        "-s",
        "mecab:ipadic",
        "--vocab-size",
        "4000",
        "-j",
        "2",
        "--char-vocab",
        "100",
        "-o",
        tmp_path / "cli",
        *corpora["ja"],
    )
    assert r.returncode == 0, r.stderr
    api = train_wordpiece(corpora["ja"], None, segmenter="mecab:ipadic", vocab_size=4000)["vocab"]
    assert (tmp_path / "cli" / "vocab.txt").read_text(encoding="utf-8").splitlines() == api
    assert len((tmp_path / "cli-char" / "vocab.txt").read_text(encoding="utf-8").splitlines()) == 100


def test_cli_takes_the_order_of_a_hf_run(corpora, tmp_path):
    """HF's trainer orders the `##c` entries differently in every process; given one run's
    vocab.txt, `--continuation-order` reproduces that vocabulary byte for byte."""
    files = corpora["ja"]
    want = hf_vocab(words_text(files, "mecab:ipadic"), BERT, 5000)
    hf_txt = tmp_path / "hf-vocab.txt"
    hf_txt.write_text("".join(t + "\n" for t in want), encoding="utf-8")
    args = ["vocab", "wordpiece", "-s", "mecab:ipadic", "--vocab-size", "5000", "-j", "2"]
    r = run_cli(*args, "--continuation-order", hf_txt, "-o", tmp_path / "cli", *files)
    assert r.returncode == 0, r.stderr
    assert_same(want, (tmp_path / "cli" / "vocab.txt").read_text(encoding="utf-8").splitlines())


UNIGRAM_FLAGS = {
    "vocab_size": 3000,
    "input_sentence_size": 2000,
    "shuffle_input_sentence": True,
    "max_sentencepiece_length": 8,
    "user_defined_symbols": ["[MASK]", "[unused1]"],
    "num_threads": 2,
}


def without_paths(model_file):
    """The model proto with the trainer's input and output paths cleared (all else compared)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    m = pb.ModelProto()
    m.ParseFromString(model_file.read_bytes())
    assert len(m.pieces) > 0
    m.trainer_spec.ClearField("input")
    m.trainer_spec.ClearField("model_prefix")
    return m.SerializeToString()


def test_unigram_equals_sentencepiece(corpora, tmp_path):
    import sentencepiece as spm

    files = corpora["ja"]
    model = tmp_path / "w.model"
    r = train_unigram(files, model, seed=7, keep_input=tmp_path / "in.txt", **UNIGRAM_FLAGS)
    assert r["lines"] == len([x for x in read(files) if x.strip()])
    flags = {**r["flags"], "model_prefix": str(tmp_path / "direct"), "input": str(tmp_path / "in.txt")}
    assert flags["pad_piece"] == "[PAD]" and flags["unk_id"] == 1 and flags["input_sentence_size"] == 2000
    spm.set_random_generator_seed(7)
    spm.SentencePieceTrainer.train(**flags, minloglevel=2)
    assert without_paths(model) == without_paths(tmp_path / "direct.model")
    # The sampling flag reached the trainer: all 3000 lines give another model.
    spm.SentencePieceTrainer.train(
        **{**flags, "model_prefix": str(tmp_path / "other"), "input_sentence_size": 0}, minloglevel=2
    )
    assert without_paths(model) != without_paths(tmp_path / "other.model")
    sp = spm.SentencePieceProcessor(model_file=str(model))
    assert sp.get_piece_size() == 3000 and sp.id_to_piece(4) == "[MASK]" and sp.unk_id() == 1


# Known differences between sentencepiece and transformers 5's AlbertTokenizer (not ours):
# ``/'' become ", and half-width kana + sound marks are not composed.
KNOWN = re.compile("[\uff61-\uff9f\u3099\u309a]|``|''")


def test_unigram_directory_loads_in_transformers(corpora, tmp_path):
    import sentencepiece as spm
    from transformers import AutoTokenizer

    train_unigram(corpora["ja"], tmp_path / "dir", seed=1, **UNIGRAM_FLAGS)
    hf = AutoTokenizer.from_pretrained(str(tmp_path / "dir"))
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "dir" / "spiece.model"))
    assert type(hf).__name__ == "AlbertTokenizer" and len(hf) == sp.get_piece_size()
    lines = corpus_slice("jglue_questions.txt", 1000) + corpus_slice("aozora_ja.txt", 300)
    diff = [x for x in lines if hf(x, add_special_tokens=False)["input_ids"] != sp.encode(x)]
    assert [x for x in diff if not KNOWN.search(x)] == []
    assert hf.unk_token_id == sp.unk_id() and hf.mask_token_id == sp.piece_to_id("[MASK]")


def test_unigram_presegmented_words_start_with_boundary(corpora, tmp_path):
    import sentencepiece as spm

    files = corpora["seg"]
    train_unigram(files, tmp_path / "waseda.model", preset="nlp-waseda-roberta", vocab_size=3000, seed=3, num_threads=2)
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "waseda.model"))
    n = 0
    for line in read(files)[:500]:
        words = line.split()
        pieces = sp.encode(" ".join(words), out_type=str)
        starts = sum(p.startswith("▁") for p in pieces)
        assert starts == len(words), (line, pieces)  # every word begins a piece with ▁, none spans two
        n += len(words)
    assert n > 5000
