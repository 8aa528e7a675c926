"""wakachi's Unigram encoder against sentencepiece 0.2.3 on real lines of every shared corpus file,
for models trained here with sentencepiece's own trainer (see unigram_models.py)."""

from __future__ import annotations

import pytest

import unigram_models as um
from parity import assert_same

spm = pytest.importorskip("sentencepiece")

from wakachi import DictionaryError  # noqa: E402
from wakachi.unigram import UnigramModel  # noqa: E402

# Models of the fast test run; benches/parity_unigram.py checks every variant on every line.
TEST_VARIANTS = ["ja", "zh", "ja_bytes", "ja_user", "zh_user", "ja_nodummy", "ja_identity", "ja_nfkc"]
LINES_PER_FILE = 300


def sample(lang: str) -> list[tuple[str, str]]:
    """`(file, line)`: LINES_PER_FILE lines spread over each file of `lang`, blank ones included."""
    out = []
    for f in um.corpus_files(lang):
        lines = um.read_lines(f)
        step = max(1, len(lines) // LINES_PER_FILE)
        out.extend((f.name, x) for x in lines[step // 2 :: step][:LINES_PER_FILE])
    return out


@pytest.fixture(scope="module", params=TEST_VARIANTS)
def models(request):
    path = um.train(request.param)
    return request.param, UnigramModel.from_file(path), spm.SentencePieceProcessor(model_file=str(path))


def test_ids_equal_sentencepiece_on_real_lines(models):
    name, ours, sp = models
    lines = sample(um.VARIANTS[name][0])
    texts = [x for _, x in lines]
    expected = sp.encode(texts)
    got = ours.encode_batch(texts, threads=2)
    assert_same(lines, expected, got, name)
    assert [ours.encode(t) for t in texts[:50]] == expected[:50]
    assert sum(map(len, got)) > len(texts)  # something was encoded


def test_offsets_equal_sentencepiece(models):
    name, ours, sp = models
    texts = [t for _, t in sample(um.VARIANTS[name][0])[::7]]
    for text in texts:
        proto = sp.encode(text, out_type="proto")
        enc = ours.encode_full(text)
        assert enc.ids == [p.id for p in proto.pieces], text
        # sentencepiece's begin/end are UTF-8 byte offsets; ours are characters.
        b2c = {len(text[:i].encode()): i for i in range(len(text) + 1)}
        assert enc.offsets == [(b2c[p.begin], b2c[p.end]) for p in proto.pieces], text


def test_word_ids_follow_the_space_mark(models):
    name, ours, _sp = models
    for _, text in sample(um.VARIANTS[name][0])[::5]:
        ids, words = ours.encode_with_word_ids(text)
        assert len(words) == len(ids)
        if not ids:
            continue
        starts = [i > 0 and ours.id_to_piece(x).startswith("▁") for i, x in enumerate(ids)]
        if ours.settings["byte_fallback"]:
            # Byte pieces (<0xE2>…) of an unknown ▁ cannot be read as text; check the counting rule.
            assert words == sorted(words) and words[0] == 0
            continue
        expected, w = [], 0
        for s in starts:
            w += s
            expected.append(w)
        assert words == expected, text


def test_pre_segmented_words_map_to_word_ids():
    """Space-separated words (Juman++-style input): one word id per input word."""
    ours = UnigramModel.from_file(um.train("ja"))
    seg = um.CORPORA / "kwdlc.seg.txt"
    lines = [x for x in um.read_lines(seg) if x][:200]
    for text in lines:
        _ids, words = ours.encode_with_word_ids(text)
        assert words[-1] + 1 == len(text.split()), text


def test_batch_order_and_threads():
    ours = UnigramModel.from_file(um.train("zh"))
    texts = [t for _, t in sample("zh")]
    one = ours.encode_batch(texts, threads=1)
    assert ours.encode_batch(texts, threads=3) == one
    assert ours.encode_batch_with_word_ids(texts[:20], threads=2) == [ours.encode_with_word_ids(t) for t in texts[:20]]


def test_pieces_and_ids():
    path = um.train("ja_user")
    ours, sp = UnigramModel.from_file(path), spm.SentencePieceProcessor(model_file=str(path))
    assert ours.vocab_size == len(ours) == sp.get_piece_size()
    assert [ours.id_to_piece(i) for i in range(len(ours))] == [sp.id_to_piece(i) for i in range(len(ours))]
    assert ours.piece_to_id("[MASK]") == sp.piece_to_id("[MASK]")
    assert ours.piece_to_id("no such piece") is None
    assert ours.unk_id == sp.unk_id()
    with pytest.raises(IndexError):
        ours.id_to_piece(len(ours))
    # A user-defined symbol is kept whole wherever it occurs.
    assert sp.piece_to_id("[MASK]") in ours.encode("これは[MASK]です")


def test_corrupt_or_truncated_model_is_an_error_naming_the_file(tmp_path):
    good = um.train("ja").read_bytes()
    cases = {
        "truncated.model": good[: len(good) // 2],
        "cut_in_header.model": good[:3],
        "garbage.model": bytes(range(256)) * 8,
        "empty.model": b"",
        "text.model": "これはモデルではない\n".encode() * 50,
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(DictionaryError, match=name):
            UnigramModel.from_file(p)
    with pytest.raises(OSError, match=r"missing\.model"):
        UnigramModel.from_file(tmp_path / "missing.model")


@pytest.mark.parametrize("name", ["ja", "zh"])
@pytest.mark.parametrize("config", list(um.ALBERT_CONFIGS))
def test_albert_dir_equals_transformers(name, config, monkeypatch):
    """load_albert_dir against transformers 5.x AutoTokenizer on a sample of real lines and on the
    AlbertTokenizer-specific rules (quotes, special tokens, unknown id, accents, case). The known
    residual differences (equal-score ties, half-width kana + sound marks) are counted by
    benches/parity_albert.py."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    transformers = pytest.importorskip("transformers")
    from wakachi.unigram import load_albert_dir

    d = um.albert_dir(name, config)
    hf = transformers.AutoTokenizer.from_pretrained(str(d))
    ours = load_albert_dir(d)
    texts = [
        *[t for _, t in sample(name)][::3],
        "東京``タワー''へ",
        "これは[MASK]です[SEP]次",
        "犇犇犇と𠮷",
        "Ｃａｆé ΣΑΣ Ελλάδα",
        "<unk>と<s>",
        "  \t ",
    ]
    expected = hf(texts, add_special_tokens=False)["input_ids"]
    assert_same(texts, expected, [ours.encode(t) for t in texts], f"{name}/{config}")
