"""Real-text documents for the instance tests and benches: shared corpus files (one sentence or
paragraph a line, blank lines between documents) segmented into MeCab words (ipadic), then
tokenized with a tiny local WordPiece-like vocabulary built from the same text — the most
frequent words, every character, and every character as a `##` continuation — so a word missing
from the vocabulary becomes its first character followed by `##` pieces (multi-token words).

Both sides see the same tokens: the Python reference as strings, wakachi as ids with
`word_start = not token.startswith("##")` (the mapping compat mode relies on)."""

from __future__ import annotations

from collections import Counter

from conftest import CORPORA

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TOP_WORDS = 3000


def read_documents(name: str, max_docs: int | None = None, skip_docs: int = 0) -> list[list[str]]:
    """Documents (lists of non-blank lines) of a corpus file, `skip_docs` first ones skipped."""
    docs: list[list[str]] = [[]]
    with open(CORPORA / name, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                if docs[-1]:
                    docs.append([])
                continue
            docs[-1].append(line)
    docs = [d for d in docs if d][skip_docs:]
    return docs[:max_docs] if max_docs is not None else docs


def segment_documents(seg, docs: list[list[str]]) -> list[list[list[str]]]:
    """Every line of every document as MeCab words."""
    flat = [line for d in docs for line in d]
    words = iter(seg.segment_batch(flat))
    return [[next(words) for _ in d] for d in docs]


class Vocab:
    """Specials, the most frequent multi-character words, characters, `##` characters."""

    def __init__(self, worded_docs: list[list[list[str]]]):
        counts = Counter(w for d in worded_docs for s in d for w in s)
        chars = sorted({c for w in counts for c in w})
        top = [w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if len(w) > 1][:TOP_WORDS]
        entries = SPECIALS + top + chars + ["##" + c for c in chars]
        self.words = list(dict.fromkeys(entries))
        self.ids = {w: i for i, w in enumerate(self.words)}

    def tokenize(self, word: str) -> list[str]:
        return [word] if word in self.ids else [word[0]] + ["##" + c for c in word[1:]]

    def special(self, name: str) -> int:
        return self.ids[f"[{name.upper()}]"]

    def specials(self) -> dict:
        return {
            "vocab_size": len(self.words),
            "cls": self.special("cls"),
            "sep": self.special("sep"),
            "mask": self.special("mask"),
            "pad": self.special("pad"),
        }


def token_documents(vocab: Vocab, worded_docs) -> list[list[list[str]]]:
    return [[[t for w in s for t in vocab.tokenize(w)] for s in d] for d in worded_docs]


def to_parts(vocab: Vocab, token_docs):
    """(ids, word_starts), nested like the documents."""
    ids = [[[vocab.ids[t] for t in s] for s in d] for d in token_docs]
    starts = [[[not t.startswith("##") for t in s] for s in d] for d in token_docs]
    return ids, starts


def reference_as_dicts(vocab: Vocab, instances) -> list[dict]:
    """The reference's instances in the bindings' format."""
    return [
        {
            "input_ids": [vocab.ids[t] for t in i["masked_tokens"]],
            "segment_ids": i["segment_ids"],
            "word_starts": [not t.startswith("##") for t in i["tokens"]],
            "masked_positions": i["masked_positions"],
            "masked_ids": [vocab.ids[t] for t in i["masked_labels"]],
            "next_sentence_label": int(i["is_random_next"]),
        }
        for i in instances
    ]


def load(seg, files: list[tuple[str, int | None, int]]):
    """(vocab, token documents) of slices `(file, max_docs, skip_docs)`, in that order."""
    worded = []
    for name, max_docs, skip in files:
        worded += segment_documents(seg, read_documents(name, max_docs, skip))
    vocab = Vocab(worded)
    return vocab, token_documents(vocab, worded)
