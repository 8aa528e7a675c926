"""Google's `create_pretraining_data` instance algorithm (BERT; cl-tohoku's v3 data), written here
from its documented behaviour in plain Python over token *strings* with one
`random.Random(seed)`: the independent reference for `wakachi` compat mode.

Draw order (it defines the output): shuffle the non-empty documents; for every dupe pass and
every document: `random()` (and `randint(2, max)` when short) for the target length; per chunk
`randint(1, n-1)` for the A/B split when n >= 2, `random()` for the next-sentence coin unless
n == 1, `randint` for the random document (up to 10 times) and its start sentence, `random()`
per truncated token, `shuffle` of the masking candidates, `random()` (one or two) and maybe
`randint(0, |V|-1)` per masked token; finally `shuffle` of all instances.
"""

from __future__ import annotations

import random
import unicodedata

CLS, SEP, MASK, UNK = "[CLS]", "[SEP]", "[MASK]", "[UNK]"


def cltohoku_characters(words, vocab):
    """cl-tohoku's character tokens of one line (their `tokenization.CharacterTokenizer`, which
    built `bert-base-japanese-char-v3`; it is not transformers' `CharacterTokenizer`): per MeCab
    word, NFKC, then every character after the word's first carries `##` — except a character
    missing from `vocab`, which is a bare `[UNK]`. The ids drop the `##` again (the vocabulary has
    no `##` entries), so only whole-word masking sees the marks: a `[UNK]` starts a new group and
    the marked characters after it continue that group."""
    out = []
    for word in words:
        for i, c in enumerate(unicodedata.normalize("NFKC", word)):
            if c not in vocab:
                out.append(UNK)
            else:
                out.append("##" + c if i > 0 else c)
    return out


def character_id(token, ids):
    """The id of a character token (`##` dropped, as `vocab_has_no_subword_prefix`)."""
    return ids[token[2:] if token.startswith("##") else token]


def create_instances(
    documents,
    vocab_words,
    *,
    seed,
    dupe_factor,
    max_seq_length,
    short_seq_prob,
    masked_lm_prob,
    max_predictions_per_seq,
    do_whole_word_mask,
):
    """documents: list of documents, each a list of sentences, each a list of token strings.
    Returns dicts: tokens (original), masked_tokens, segment_ids, masked_positions,
    masked_labels, is_random_next."""
    rng = random.Random(seed)
    docs = [d for d in ([s for s in doc if s] for doc in documents) if d]
    rng.shuffle(docs)
    settings = {
        "max_seq_length": max_seq_length,
        "short_seq_prob": short_seq_prob,
        "masked_lm_prob": masked_lm_prob,
        "max_predictions": max_predictions_per_seq,
        "whole_word": do_whole_word_mask,
        "vocab_words": vocab_words,
    }
    instances = []
    for _ in range(dupe_factor):
        for index in range(len(docs)):
            instances += document_instances(docs, index, rng, **settings)
    rng.shuffle(instances)
    return instances


def document_instances(docs, index, rng, *, max_seq_length, short_seq_prob, **settings):
    document = docs[index]
    budget = max_seq_length - 3
    target = budget
    if rng.random() < short_seq_prob:
        target = rng.randint(2, budget)
    out = []
    chunk, length, i = [], 0, 0
    while i < len(document):
        chunk.append(document[i])
        length += len(document[i])
        if i == len(document) - 1 or length >= target:
            inst, unused = pair_from_chunk(docs, index, chunk, target, budget, rng, **settings)
            out.append(inst)
            i -= unused
            chunk, length = [], 0
        i += 1
    return out


def flatten(sentences):
    return [t for s in sentences for t in s]


def random_continuation(docs, index, target_b, rng):
    other = index
    for _ in range(10):
        other = rng.randint(0, len(docs) - 1)
        if other != index:
            break
    doc = docs[other]
    b = []
    for sentence in doc[rng.randint(0, len(doc) - 1) :]:
        b += sentence
        if len(b) >= target_b:
            break
    return b


def pair_from_chunk(docs, index, chunk, target, budget, rng, **masking):
    a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
    a = flatten(chunk[:a_end])
    unused = 0
    if len(chunk) == 1 or rng.random() < 0.5:
        is_random_next = True
        b = random_continuation(docs, index, target - len(a), rng)
        unused = len(chunk) - a_end
    else:
        is_random_next = False
        b = flatten(chunk[a_end:])
    truncate(a, b, budget, rng)
    tokens = [CLS, *a, SEP, *b, SEP]
    segment_ids = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    masked, positions, labels = mask_tokens(tokens, rng, **masking)
    inst = {
        "tokens": tokens,
        "masked_tokens": masked,
        "segment_ids": segment_ids,
        "masked_positions": positions,
        "masked_labels": labels,
        "is_random_next": is_random_next,
    }
    return inst, unused


def truncate(a, b, budget, rng):
    while len(a) + len(b) > budget:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def word_groups(tokens, whole_word):
    groups = []
    for i, t in enumerate(tokens):
        if t in (CLS, SEP):
            continue
        if whole_word and groups and t.startswith("##"):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def mask_tokens(tokens, rng, *, masked_lm_prob, max_predictions, whole_word, vocab_words):
    groups = word_groups(tokens, whole_word)
    rng.shuffle(groups)
    limit = min(max_predictions, max(1, round(len(tokens) * masked_lm_prob)))
    out = list(tokens)
    chosen = []
    taken = set()
    for group in groups:
        if len(chosen) >= limit:
            break
        if len(chosen) + len(group) > limit or taken.intersection(group):
            continue
        for p in group:
            taken.add(p)
            if rng.random() < 0.8:
                out[p] = MASK
            elif rng.random() < 0.5:
                out[p] = tokens[p]
            else:
                out[p] = vocab_words[rng.randint(0, len(vocab_words) - 1)]
            chosen.append(p)
    chosen.sort()
    return out, chosen, [tokens[p] for p in chosen]
