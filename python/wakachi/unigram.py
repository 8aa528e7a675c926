"""SentencePiece Unigram encoding: the ids of `sentencepiece.SentencePieceProcessor.encode` (0.2.3)
for a `.model` file, computed in Rust, plus the word each piece belongs to."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, NamedTuple

from wakachi import _core


class Encoded(NamedTuple):
    """Piece ids, the index of the word of each piece (a piece starting with `▁` starts a word) and
    each piece's `(start, end)` character offsets into the input (as sentencepiece's begin/end)."""

    ids: list[int]
    word_ids: list[int]
    offsets: list[tuple[int, int]]


class UnigramModel:
    """A SentencePiece Unigram `.model`. Immutable and thread-safe; batch calls release the GIL and
    run on all cores (or `threads`), results in input order.

    Words: with `add_dummy_prefix` every whitespace-separated word of the input begins with a
    piece that starts with `▁`, so `word_ids` groups the pieces of one word (for whole-word
    masking of pre-segmented text). The first piece is always in word 0.
    """

    def __init__(self, path: str | os.PathLike[str] | _core._Unigram):
        """Loads a `.model` file (as `from_file`)."""
        self._core: _core._Unigram
        if isinstance(path, _core._Unigram):  # from the bindings
            self._core = path
        elif isinstance(path, (str, os.PathLike)):
            self._core = _core._Unigram.from_file(os.fspath(path))
        else:
            raise TypeError(f"UnigramModel(path): expected a .model path, not {type(path).__name__}")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> UnigramModel:
        """Loads a `.model` file; a corrupt one raises `DictionaryError` naming it."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"UnigramModel.from_file(path): expected a .model path, not {type(path).__name__}")
        return cls(path)

    @property
    def path(self) -> str:
        return os.fspath(self._core.path())

    @property
    def vocab_size(self) -> int:
        return self._core.vocab_size()

    def __len__(self) -> int:
        return self._core.vocab_size()

    @property
    def unk_id(self) -> int | None:
        return self._core.unk_id()

    @property
    def settings(self) -> dict[str, Any]:
        """The normalizer's name and switches, and whether bytes stand in for unknown characters."""
        name, dummy, remove, escape, byte_fallback = self._core.settings()
        return {
            "normalizer": name,
            "add_dummy_prefix": dummy,
            "remove_extra_whitespaces": remove,
            "escape_whitespaces": escape,
            "byte_fallback": byte_fallback,
        }

    def encode(self, text: str) -> list[int]:
        """The ids of `text` (no BOS/EOS), as `SentencePieceProcessor.encode(text)`."""
        return self._core.encode(text)

    def __call__(self, text: str) -> list[int]:
        return self._core.encode(text)

    def encode_with_word_ids(self, text: str) -> tuple[list[int], list[int]]:
        """`(ids, word_ids)`."""
        ids, words, _ = self._core.encode_full(text)
        return ids, words

    def encode_full(self, text: str) -> Encoded:
        """Ids, word ids and character offsets."""
        return Encoded(*self._core.encode_full(text))

    def encode_batch(self, texts: Iterable[str], threads: int = 0) -> list[list[int]]:
        """The ids of each text, in parallel (`threads=0`: all cores)."""
        return self._core.encode_batch(list(texts), threads)

    def encode_batch_with_word_ids(self, texts: Iterable[str], threads: int = 0) -> list[tuple[list[int], list[int]]]:
        """`(ids, word_ids)` of each text, in parallel."""
        return self._core.encode_batch_with_word_ids(list(texts), threads)

    def id_to_piece(self, id: int) -> str:
        piece = self._core.id_to_piece(id)
        if piece is None:
            raise IndexError(f"id {id} is out of range (vocabulary of {self.vocab_size})")
        return piece

    def piece_to_id(self, piece: str) -> int | None:
        """The id of `piece`, or None if it is not in the vocabulary."""
        return self._core.piece_to_id(piece)

    def __repr__(self) -> str:
        return f"UnigramModel({self.path!r}, vocab_size={self.vocab_size})"


class AlbertUnigram:
    """A SentencePiece model as transformers 5.x's `AlbertTokenizer` applies it (there it is a
    `tokenizers` pipeline, not sentencepiece): special tokens (the model's CONTROL and UNKNOWN
    pieces and the configured special tokens) are cut out of the raw text first; the rest has
    ``` `` ``` and `''` replaced by `"`, then unless `keep_accents` NFKD and combining marks
    removed, then with `do_lower_case` lowercased; then the model's own normalisation and
    segmentation; unknown pieces get id 1, transformers' fixed `unk_id` for this class.

    Built by `load_albert_dir`. Known differences from transformers 5.23 that remain (see
    `benches/parity_albert.py`): pieces of equal total score (`tokenizers` adds in double
    precision, sentencepiece in single), and a few decomposed sequences (kana + combining
    (semi-)voiced mark) that the model's rule composes but `tokenizers`' grapheme-wise rule does not.
    """

    HF_UNK_ID = 1

    def __init__(self, model: UnigramModel, *, do_lower_case: bool, keep_accents: bool, special_tokens: dict[str, int]):
        if not isinstance(model, UnigramModel):
            raise TypeError(
                f"AlbertUnigram(model): expected a UnigramModel, not {type(model).__name__} "
                "(load a directory with load_albert_dir(path) or wakachi.Tokenizer.from_pretrained(path))"
            )
        self.model = model
        self.do_lower_case = do_lower_case
        self.keep_accents = keep_accents
        self.special_tokens = dict(special_tokens)
        self._specials = sorted(self.special_tokens, key=len, reverse=True)

    def _prepare(self, text: str) -> str:
        import unicodedata

        text = text.replace("``", '"').replace("''", '"')
        if not self.keep_accents:
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c)[0] != "M")
        if self.do_lower_case:
            text = "".join(c.lower() for c in text)
        return text

    def _split(self, text: str) -> list[str | int]:
        """Text segments and special-token ids, leftmost-longest."""
        out: list[str | int] = []
        start = i = 0
        while self._specials and i < len(text):
            tok = next((s for s in self._specials if text.startswith(s, i)), None)
            if tok is None:
                i += 1
                continue
            if start < i:
                out.append(text[start:i])
            out.append(self.special_tokens[tok])
            i = start = i + len(tok)
        if start < len(text):
            out.append(text[start:])
        return out

    def encode(self, text: str) -> list[int]:
        """`AutoTokenizer.from_pretrained(dir)(text, add_special_tokens=False).input_ids`."""
        ids: list[int] = []
        unk = self.model.unk_id
        for part in self._split(text):
            if isinstance(part, int):
                ids.append(part)
            else:
                ids.extend(self.HF_UNK_ID if i == unk else i for i in self.model.encode(self._prepare(part)))
        return ids

    def __call__(self, text: str) -> list[int]:
        return self.encode(text)


def load_albert_dir(path: str | os.PathLike[str]) -> AlbertUnigram:
    """Reads an `AlbertTokenizer` directory (`spiece.model` + `tokenizer_config.json`) as
    transformers 5.x does (its defaults: `do_lower_case=True`, `keep_accents=False`)."""
    import json

    d = os.fspath(path)
    cfg_path = os.path.join(d, "tokenizer_config.json")
    cfg = {}
    if os.path.exists(cfg_path):
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
    model = UnigramModel.from_file(os.path.join(d, "spiece.model"))
    specials = {p: i for i, (p, _, kind) in enumerate(model._core.pieces()) if kind in ("CONTROL", "UNKNOWN")}
    next_id = len(model)
    # transformers' order of special-token attributes; missing ones get ids after the vocabulary.
    for key, default in [
        ("bos_token", "[CLS]"),
        ("eos_token", "[SEP]"),
        ("unk_token", "<unk>"),
        ("sep_token", "[SEP]"),
        ("pad_token", "<pad>"),
        ("cls_token", "[CLS]"),
        ("mask_token", "[MASK]"),
    ]:
        tok = cfg.get(key, default)
        if isinstance(tok, dict):
            tok = tok.get("content", default)
        if tok is None:  # null in the config: no such token
            continue
        if tok not in specials:
            known = model.piece_to_id(tok)
            specials[tok] = known if known is not None else next_id
            next_id += known is None
    return AlbertUnigram(
        model,
        do_lower_case=cfg.get("do_lower_case", True),
        keep_accents=cfg.get("keep_accents", False),
        special_tokens=specials,
    )
