"""izumi-lab ELECTRA (retarfi/language-pretraining v1.0) instance creation, written here from its
documented behaviour: the reference for `electra` compat mode (core and `wakachi pack`)."""

from __future__ import annotations

import random

import google_reference


def electra_reference(docs, seed, max_seq_length, short_seq_prob, short_min_length, cls, sep):
    """izumi-lab v1.0 `create_examples_from_document`, one `random.Random(seed)`, documents in order."""
    rng = random.Random(seed)
    out = []
    for doc in docs:
        budget = max_seq_length - 3
        target = rng.randint(short_min_length, budget) if rng.random() < short_seq_prob else budget
        chunk, length = [], 0
        for i, s in enumerate(doc):
            chunk.append(s)
            length += len(s)
            if i == len(doc) - 1 or length >= target:
                a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
                a = [t for x in chunk[:a_end] for t in x]
                b = [t for x in chunk[a_end:] for t in x]
                google_reference.truncate(a, b, budget, rng)
                out.append(([cls, *a, sep, *b, sep], [0] * (len(a) + 2) + [1] * (len(b) + 1)))
                chunk, length = [], 0
    return out
