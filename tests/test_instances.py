"""Instance builders on real text (shared corpora, MeCab ipadic words, a tiny local vocabulary):
Google compat mode identical to the independent reference (google_reference.py) in every field
and order; the streaming mode and the other formats against their rules and small references.
The whole of kwdlc and large slices of ja_debian/aozora: benches/parity_instances.py."""

from __future__ import annotations

import random

import pytest

import google_reference
from electra_reference import electra_reference
from instances_data import load, reference_as_dicts, to_parts
from parity import assert_same
from wakachi import ConfigError, Segmenter, _core

SLICES = [("kwdlc.txt", 700, 0), ("ja_debian.txt", 100, 40)]
GOOGLE_CASES = [(128, 5, 19, 12345), (128, 5, 19, 1), (512, 2, 76, 12345), (512, 2, 76, 2024)]


@pytest.fixture(scope="module")
def data():
    vocab, docs = load(Segmenter.mecab("ipadic"), SLICES)
    ids, starts = to_parts(vocab, docs)
    return vocab, docs, ids, starts


def google_settings(seq, dupe, max_pred, seed, wwm):
    return {
        "seed": seed,
        "dupe_factor": dupe,
        "max_seq_length": seq,
        "short_seq_prob": 0.1,
        "masked_lm_prob": 0.15,
        "max_predictions_per_seq": max_pred,
        "do_whole_word_mask": wwm,
    }


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**32 + 5, 2**63 + 11])
def test_rng_matches_cpython(seed):
    floats, ints, perm = _core.python_random_pattern(seed, 500, 1000)
    r = random.Random(seed)
    want_f, want_i = [], []
    for _ in range(500):
        want_f.append(r.random())
        want_i.append(r.randint(0, 1000))
    want_p = list(range(500))
    r.shuffle(want_p)
    assert (floats, ints, perm) == (want_f, want_i, want_p)


@pytest.mark.parametrize("seq,dupe,max_pred,seed", GOOGLE_CASES)
@pytest.mark.parametrize("wwm", [True, False])
def test_google_compat_identical_to_reference(data, seq, dupe, max_pred, seed, wwm):
    vocab, docs, ids, starts = data
    settings = google_settings(seq, dupe, max_pred, seed, wwm)
    ref = google_reference.create_instances(docs, vocab.words, **settings)
    ours = _core.google_instances(ids, starts, **settings, **vocab.specials())
    want = reference_as_dicts(vocab, ref)
    assert_same(range(len(want)), want, ours, "instances")
    assert_not_trivial(ref, seq, wwm)


def assert_not_trivial(ref, seq, wwm):
    """The run exercised random next sentences, truncation, short targets and (with whole-word
    masking) masked multi-token words."""
    assert 0.3 < sum(i["is_random_next"] for i in ref) / len(ref) < 0.9
    assert any(len(i["tokens"]) == seq for i in ref)
    assert sum(len(i["tokens"]) < seq // 2 for i in ref) > 10
    grouped = sum(i["masked_labels"][k].startswith("##") for i in ref for k in range(len(i["masked_labels"])))
    assert grouped > 100


def id_string(xs) -> str:
    return " " + " ".join(map(str, xs)) + " "


def unmasked(inst) -> list[int]:
    ids = list(inst["input_ids"])
    for p, i in zip(inst["masked_positions"], inst["masked_ids"], strict=True):
        ids[p] = i
    return ids


class DocIndex:
    """Which documents hold a run of ids (trigram index, then a substring check)."""

    def __init__(self, ids):
        self.texts = [id_string(x for s in d for x in s) for d in ids]
        self.grams: dict[tuple, set] = {}
        for k, d in enumerate(ids):
            flat = [x for s in d for x in s]
            for j in range(len(flat) - 2):
                self.grams.setdefault(tuple(flat[j : j + 3]), set()).add(k)

    def find(self, seq) -> list[int]:
        cands = self.grams.get(tuple(seq[:3]), set()) if len(seq) >= 3 else range(len(self.texts))
        needle = id_string(seq)
        return [k for k in cands if needle in self.texts[k]]


@pytest.mark.parametrize("wwm", [True, False])
def test_google_stream_rules(data, wwm):
    vocab, _docs, ids, starts = data
    sp = vocab.specials()
    block = 200
    settings = google_settings(128, 3, 19, 7, wwm)
    out = _core.google_instances_stream(ids, starts, **settings, block_documents=block, **sp)
    assert out == _core.google_instances_stream(ids, starts, **settings, block_documents=block, **sp)
    index = DocIndex(ids)
    for inst in out:
        toks = unmasked(inst)
        n = len(toks)
        assert n <= 128 and toks[0] == sp["cls"] and toks[-1] == sp["sep"]
        b0 = inst["segment_ids"].index(1)
        a, b = toks[1 : b0 - 1], toks[b0:-1]
        assert toks[b0 - 1] == sp["sep"] and a and b
        assert all(inst["word_starts"][p] for p in (0, b0 - 1, n - 1))
        homes = index.find(a)
        assert homes
        if inst["next_sentence_label"] == 0:
            # Truncation may cut A's end and B's start, so only the document is checked.
            assert set(homes) & set(index.find(b)), "B comes from A's document"
        else:
            blocks = {k // block for k in homes}
            assert any(k // block in blocks for k in index.find(b)), "a random B comes from the same block"
        wanted = min(19, max(1, round(n * 0.15)))
        assert len(inst["masked_positions"]) <= wanted
        if not wwm:
            assert len(inst["masked_positions"]) == wanted
    labels = [i["next_sentence_label"] for i in out]
    assert 0.3 < sum(labels) / len(labels) < 0.9
    other_seed = _core.google_instances_stream(ids, starts, **{**settings, "seed": 8}, block_documents=block, **sp)
    assert other_seed != out


@pytest.mark.parametrize("seed", [42, 3])
def test_electra_compat_matches_reference(data, seed):
    vocab, _docs, ids, starts = data
    sp = vocab.specials()
    kw = {"seed": seed, "max_seq_length": 128, "short_seq_prob": 0.05, "short_min_length": 5}
    ours = _core.electra_instances(ids, starts, **kw, compat=True, **sp)
    ref = electra_reference(ids, **kw, cls=sp["cls"], sep=sp["sep"])
    assert [(o["input_ids"], o["segment_ids"]) for o in ours] == ref
    assert any(o["input_ids"][-2:] == [sp["sep"]] * 2 for o in ours), "some B are empty"
    assert all(o["next_sentence_label"] is None and not o["masked_positions"] for o in ours)
    flat_starts = [f for d in starts for s in d for f in s]
    assert sum(not f for o in ours for f in o["word_starts"]) > 0 and not all(flat_starts)
    stream = _core.electra_instances(ids, starts, **kw, compat=False, **sp)
    assert stream != ours and all(len(o["input_ids"]) <= 128 for o in stream)


def roberta_reference(docs, max_seq_length, cls, sep):
    """FULL-SENTENCES: whole sentences (cut to rows if longer), a separator between documents."""
    budget, rows, row, pending = max_seq_length - 2, [], [], False
    for doc in docs:
        for s in doc:
            for k in range(0, len(s), budget):
                piece = s[k : k + budget]
                extra = [sep] if pending and row else []
                if len(row) + len(extra) + len(piece) > budget:
                    rows.append(row)
                    row, extra = [], []
                row += extra + piece
                pending = False
        pending = bool(row)
    return [[cls, *r, sep] for r in [*rows, row] if r]


def test_roberta_full_sentences(data):
    vocab, _docs, ids, starts = data
    sp = vocab.specials()
    out = _core.roberta_instances(ids, starts, max_seq_length=128, cross_documents=True, doc_separator=True, **sp)
    rows = [o["input_ids"] for o in out]
    assert rows == roberta_reference(ids, 128, sp["cls"], sp["sep"])
    assert all(len(r) <= 128 and r[0] == sp["cls"] and r[-1] == sp["sep"] for r in rows)
    body = sum(len(r) - 2 - r[1:-1].count(sp["sep"]) for r in rows)
    assert body == sum(len(s) for d in ids for s in d), "no token lost or added"
    assert sum(map(len, rows)) > 0.8 * 128 * len(rows), "rows are packed"
    per_doc = _core.roberta_instances(ids, starts, max_seq_length=128, cross_documents=False, doc_separator=True, **sp)
    assert all(sp["sep"] not in o["input_ids"][1:-1] for o in per_doc)
    assert len(per_doc) >= len(ids)


def test_gpt2_windows(data):
    vocab, _docs, ids, starts = data
    flat = [t for d in ids for s in d for t in s]
    flat_starts = [f for d in starts for s in d for f in s]
    out = _core.gpt2_instances(ids, starts, block_size=64, separator=None, vocab_size=len(vocab.words))
    n = len(out)
    assert n == (len(flat) - 1) // 64
    for k, o in enumerate(out):
        assert o["input_ids"] == flat[64 * k : 64 * k + 65]
        assert o["word_starts"] == flat_starts[64 * k : 64 * k + 65]
    assert len(flat) - 64 * n < 65, "only a remainder shorter than a window is dropped"


def chunks(xs, n):
    return [xs[k : k + n] for k in range(0, len(xs), n)]


def uer_line(doc, cls, sep):
    return [cls] + [t for s in doc for t in s] + [sep]


@pytest.mark.parametrize("seq", [64, 128])
def test_uer_chunks(data, seq):
    vocab, _docs, ids, starts = data
    sp = vocab.specials()
    lines = [uer_line(d, sp["cls"], sp["sep"]) for d in ids]
    kw = {"seq_length": seq, "docs_buffer_size": 100, "empty_tail": False}
    out = _core.uer_instances(ids, starts, full_sentences=False, **kw, **sp)
    assert [o["input_ids"] for o in out] == [c for line in lines for c in chunks(line, seq)]
    assert sum(o["input_ids"][0] == sp["cls"] for o in out) == len(ids), "chunks never cross lines"
    full = _core.uer_instances(ids, starts, full_sentences=True, **kw, **sp)
    buffers = [[t for line in lines[k : k + 100] for t in line] for k in range(0, len(lines), 100)]
    assert [o["input_ids"] for o in full] == [c for b in buffers for c in chunks(b, seq)]
    feb = _core.uer_instances(ids, starts, full_sentences=False, **{**kw, "empty_tail": True}, **sp)
    assert len(feb) - len(out) == sum(len(line) % seq == 0 for line in lines)


def test_bad_input_is_an_error(data):
    vocab, _docs, ids, starts = data
    sp = vocab.specials()
    with pytest.raises(ConfigError, match="document 0"):
        _core.google_instances([[[5, 6]]], [[[True]]], **google_settings(128, 1, 20, 1, True), **sp)
    with pytest.raises(ConfigError, match="max_seq_length"):
        _core.google_instances(ids, starts, **google_settings(4, 1, 20, 1, True), **sp)
    with pytest.raises(ConfigError):
        _core.google_instances(ids, starts, **google_settings(128, 1, 20, 1, True), **{**sp, "cls": 10**6})
