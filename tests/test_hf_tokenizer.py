"""wakachi.hf.BertJapaneseTokenizerFast against transformers' slow BertJapaneseTokenizer on a slice
of the shared Japanese corpora (every line: benches/parity_hf_tokenizer.py): the calls of
tests/hf_calls.py for unidic-lite and ipadic, WordPiece and character, cased and lower-cased, and
the basic word tokenizer; offsets and word ids checked against the text and fugashi; the calls
that fall back to transformers' Python path; save/load, pickling, AutoTokenizer; and use in
`pipeline("fill-mask")` and `datasets.Dataset.map`."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import unicodedata

import pytest
import torch

import hf_calls
import wordpiece_fixtures as fx

os.environ["HF_HUB_OFFLINE"] = "1"
LINES_PER_FILE = 250
CONFIGS = ["unidic_lite-wordpiece-cased", "ipadic-wordpiece-lower", "ipadic-character-cased", "basic-wordpiece-lower"]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    return fx.build_all(tmp_path_factory.mktemp("hf_tokenizers"), train_lines_per_file=1000)


@pytest.fixture(scope="module")
def lines():
    out = []
    for name in fx.JA_FILES:
        out += fx.sample(fx.read_lines(name), LINES_PER_FILE)
    return fx.with_masks(out)


def load(d):
    from wakachi.hf import BertJapaneseTokenizerFast

    return BertJapaneseTokenizerFast.from_pretrained(str(d))


def slow(d):
    tok = fx.hf_tokenizer(d)
    assert type(tok).__name__ == "BertJapaneseTokenizer"
    return tok


@pytest.mark.parametrize("config", CONFIGS)
def test_calls_identical_to_slow_tokenizer(dirs, lines, config):
    ours, ref = load(dirs[config]), slow(dirs[config])
    # The core serves these calls (a fallback to the Python path gives no encodings).
    assert ours._fast_ok() and ours(lines[:3], text_pair=lines[3:6], truncation=True, max_length=8).encodings
    hf_calls.memoize_tokenize(ref)
    long_lines = 0
    for name in hf_calls.CALLS:
        want = hf_calls.run_call(name, ref, lines)
        got = hf_calls.run_call(name, ours, lines)
        same = hf_calls.per_line(name, hf_calls.compare(want, got), len(lines))
        bad = [lines[i][:80] for i, ok in enumerate(same) if not ok]
        assert not bad, f"{config} / {name}: {len(bad)} of {len(lines)} lines differ, first {bad[0]!r}"
        if name == "batch longest_first 128 pad pt":
            long_lines = int(sum((o["attention_mask"].sum(1) == 128).sum() for o in want))
    # The slice reaches the truncation limit, unknown words and special tokens in the text.
    assert long_lines > 20
    ids = [i for e in hf_calls.run_call("single", ref, lines[:400]) for i in e["input_ids"]]
    assert ref.unk_token_id in ids and ref.mask_token_id in ids


@pytest.mark.parametrize("config", ["unidic_lite-wordpiece-lower", "ipadic-character-lower"])
def test_decode_round_trips_as_slow(dirs, lines, config):
    ours, ref = load(dirs[config]), slow(dirs[config])
    batch = ours(lines[:300])["input_ids"]
    for ids in batch:
        assert ours.decode(ids) == ref.decode(ids)
        assert ours.decode(ids, skip_special_tokens=True) == ref.decode(ids, skip_special_tokens=True)
        assert ours.convert_ids_to_tokens(ids) == ref.convert_ids_to_tokens(ids)
    assert ours.batch_decode(batch) == ref.batch_decode(batch)
    # Re-encoding a decoded WordPiece/character string gives the ids again (as for the slow one).
    again = sum(ours(ours.decode(ids, skip_special_tokens=True))["input_ids"] == ids for ids in batch[:100])
    assert again == sum(ref(ref.decode(ids, skip_special_tokens=True))["input_ids"] == ids for ids in batch[:100])


def _normalizer(config):
    """The text normalization a token went through, as a function of the original span."""
    lower = "lower" in config
    if config.startswith("basic"):
        from transformers.models.bert_japanese.tokenization_bert_japanese import BasicTokenizer

        b = BasicTokenizer(do_lower_case=lower, tokenize_chinese_chars=False)

        def basic(s):
            s = unicodedata.normalize("NFC", b._clean_text(s))
            return b._run_strip_accents(s.lower()) if lower else s

        return basic
    return lambda s: unicodedata.normalize("NFKC", s).lower() if lower else unicodedata.normalize("NFKC", s)


@pytest.mark.parametrize("config", CONFIGS)
def test_offsets_map_tokens_back_to_the_text(dirs, lines, config):
    """Each token's span of the original line, normalized as the tokenizer normalizes, is the
    token's text. Named exceptions: [UNK] (covers an unknown part), and tokens from characters
    that normalization expands (`…` → `...`, `㍻` → `平成`: each token lies inside their span)."""
    ours = load(dirs[config])
    norm = _normalizer(config)
    enc = ours(lines, return_offsets_mapping=True, add_special_tokens=True)
    exact = inside = unk = 0
    for k, line in enumerate(lines):
        tokens = enc.tokens(k)
        offsets = enc["offset_mapping"][k]
        assert len(offsets) == len(tokens)
        last = 0
        for tok, (a, b) in zip(tokens, offsets, strict=True):
            if tok in ("[CLS]", "[SEP]"):
                assert (a, b) == (0, 0)
                continue
            assert 0 <= a < b <= len(line) and a >= last, (line, tok, a, b)
            last = a
            text = tok[2:] if tok.startswith("##") else tok
            span = line[a:b]
            if tok == "[UNK]":
                unk += 1
            elif span == tok or norm(span) == text:
                exact += 1
            else:
                # Characters normalized to more characters (… → ...): each token lies inside them.
                assert len(norm(span)) > len(span) and text in norm(span), (line, tok, span)
                inside += 1
    assert exact > 10_000 and unk > 0, (exact, inside, unk)


def test_offsets_through_normalization(dirs):
    ours = load(dirs["unidic_lite-character-lower"])
    text = "ＡＢＣはｶﾞｲﾄﾞ㍻[MASK]です"
    ids, words, offsets = ours.encode_with_offsets(text)
    tokens = ours.convert_ids_to_tokens(ids)
    spans = [text[a:b] for a, b in offsets]
    assert tokens[:3] == ["a", "b", "c"] and spans[:3] == ["Ａ", "Ｂ", "Ｃ"]
    assert ("ガ" in tokens or "[UNK]" in tokens) and "ｶﾞ" in spans  # two characters became one token
    assert spans.count("㍻") == 2  # one character became two tokens
    assert spans[tokens.index("[MASK]")] == "[MASK]"
    assert ids == ours.encode(text, add_special_tokens=False)
    assert words == sorted(words)


def test_word_ids_are_mecab_words(dirs, lines):
    """word_ids() groups the tokens of each MeCab word (fugashi on the NFKC text is the reference)."""
    import fugashi
    import unidic_lite

    ours = load(dirs["unidic_lite-wordpiece-cased"])
    tagger = fugashi.GenericTagger(f'-d "{unidic_lite.DICDIR}" -r "{unidic_lite.DICDIR}/mecabrc"')
    plain = [ln for ln in lines[:600] if "[" not in ln]
    enc = ours(plain, text_pair=plain[1:] + plain[:1])
    checked = 0
    for k, line in enumerate(plain):
        words = [w.surface for w in tagger(unicodedata.normalize("NFKC", line))]
        wids, seq, tokens = enc.word_ids(k), enc.sequence_ids(k), enc.tokens(k)
        first = [w for w, s in zip(wids, seq, strict=True) if s == 0]
        assert first == sorted(first) and first[:1] in ([], [0])
        grouped: dict[int, str] = {}
        for w, s, t in zip(wids, seq, tokens, strict=True):
            if s == 0:
                grouped[w] = grouped.get(w, "") + (t[2:] if t.startswith("##") else t)
        assert sorted(grouped) == list(range(len(grouped)))
        for w, text in grouped.items():
            if "[UNK]" not in text:
                assert text == words[w], (line, w, text, words[w])
                checked += 1
        if first:
            assert enc.token_to_word(k, 1) == 0 and enc.word_to_tokens(k, 0).start == 1
    assert checked > 5000


def test_fallback_calls_match_slow(dirs, lines):
    """Calls the core does not cover go through transformers' Python code around the core."""
    d = dirs["ipadic-wordpiece-cased"]
    ours, ref = load(d), slow(d)
    text = lines[:40]
    for kw in (
        {"truncation": "only_first", "max_length": 16, "return_overflowing_tokens": True, "stride": 4},
        {"truncation": "only_second", "max_length": 24, "return_overflowing_tokens": True, "stride": 2},
    ):
        for x, y in itertools.pairwise(text):
            assert hf_calls.equal(ref(x, y, **kw), ours(x, y, **kw))
    words = [t.split("、") for t in text]
    assert hf_calls.equal(ref(words, is_split_into_words=True), ours(words, is_split_into_words=True))
    ids = ref.encode(text[0], add_special_tokens=False)
    assert hf_calls.equal(ref(ids, truncation=True, max_length=8), ours(ids, truncation=True, max_length=8))
    assert hf_calls.equal(ref(text, split_special_tokens=True), ours(text, split_special_tokens=True))
    assert ours.tokenize(text[3]) == ref.tokenize(text[3])
    # A token added after loading: both cut it out of the text.
    for t in (ours, ref):
        t.add_tokens(["東京都", "ゲーム"])
    assert hf_calls.equal(ref(text, padding=True), ours(text, padding=True))
    with pytest.raises(ValueError, match="return_offsets_mapping"):
        ours(text[0], return_offsets_mapping=True)


def test_save_load_pickle_and_auto(dirs, lines, tmp_path):
    from transformers import AutoTokenizer

    import wakachi.hf

    d = dirs["unidic_lite-wordpiece-lower"]
    ours = wakachi.hf.from_pretrained(d, num_threads=2)
    auto = AutoTokenizer.from_pretrained(str(d), tokenizer_type="wakachi")
    assert type(auto) is wakachi.hf.BertJapaneseTokenizerFast
    out = tmp_path / "saved"
    ours.save_pretrained(out)
    cfg = json.loads((out / "tokenizer_config.json").read_text())
    assert cfg["tokenizer_class"] == "BertJapaneseTokenizer" and cfg["do_lower_case"] is True
    plain = AutoTokenizer.from_pretrained(str(out))
    assert type(plain).__name__ == "BertJapaneseTokenizer"
    # The slow tokenizer saves the very same files.
    slow(d).save_pretrained(tmp_path / "slow")
    for f in ("tokenizer_config.json", "vocab.txt"):
        assert (out / f).read_bytes() == (tmp_path / "slow" / f).read_bytes()
    again = pickle.loads(pickle.dumps(ours))
    batch = lines[:200]
    want = plain(batch, padding=True, return_tensors="np")
    for t in (ours, auto, again, wakachi.hf.from_pretrained(out)):
        assert t._fast_ok()
        assert hf_calls.equal(want, t(batch, padding=True, return_tensors="np"))
    # Keyword overrides at load reach the core too.
    cased = wakachi.hf.from_pretrained(d, do_lower_case=False)
    assert cased.tokenize("ABC") == slow(d).__class__.from_pretrained(str(d), do_lower_case=False).tokenize("ABC")


def test_threads_and_batch_order(dirs, lines):
    ours = load(dirs["ipadic-wordpiece-cased"])
    ours.num_threads = 1
    one = ours(lines, truncation=True, max_length=64, padding=True, return_tensors="np")
    ours.num_threads = 0
    many = ours(lines, truncation=True, max_length=64, padding=True, return_tensors="np")
    assert hf_calls.equal(one, many)
    alone = ours(lines[5], truncation=True, max_length=64)["input_ids"]
    assert many["input_ids"][5][: len(alone)].tolist() == alone
    assert many.word_ids(5)[: len(alone)] == ours(lines[5], truncation=True, max_length=64).word_ids()


def test_fill_mask_pipeline(dirs, tmp_path):
    """An exported directory (a tiny BertForMaskedLM + the tokenizer saved by wakachi.hf) in
    `pipeline("fill-mask")`: the same predictions as with transformers' own tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM, pipeline

    ours = load(dirs["unidic_lite-wordpiece-cased"])
    torch.manual_seed(0)
    model = BertForMaskedLM(
        BertConfig(
            vocab_size=len(ours),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=128,
        )
    )
    out = tmp_path / "model"
    model.save_pretrained(out)
    ours.save_pretrained(out)
    texts = ["東京は日本の[MASK]です。", "吾輩は[MASK]である。名前はまだ無い。"]
    fast = pipeline("fill-mask", model=str(out), tokenizer=ours, top_k=5)
    ref = pipeline("fill-mask", model=str(out), tokenizer=AutoTokenizer.from_pretrained(str(out)), top_k=5)
    got, want = fast(texts), ref(texts)
    assert got == want and len(got) == 2 and len(got[0]) == 5


def test_datasets_map(dirs, lines):
    import datasets

    datasets.disable_progress_bars()
    d = dirs["ipadic-wordpiece-lower"]
    ours, ref = load(d), slow(d)
    ds = datasets.Dataset.from_dict({"text": lines[:500]})

    def fn(tok):
        return lambda b: tok(b["text"], truncation=True, max_length=64)

    want = ds.map(fn(ref), batched=True, remove_columns=["text"], load_from_cache_file=False)
    got = ds.map(fn(ours), batched=True, remove_columns=["text"], load_from_cache_file=False)
    assert got.column_names == want.column_names and got.to_dict() == want.to_dict()
    two = ds.map(
        fn(ours), batched=True, batch_size=100, num_proc=2, remove_columns=["text"], load_from_cache_file=False
    )
    assert two.to_dict() == want.to_dict()
