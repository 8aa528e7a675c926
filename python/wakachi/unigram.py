"""SentencePiece Unigram encoding: the ids of `sentencepiece.SentencePieceProcessor.encode` (0.2.3)
for a `.model` file, computed in Rust, plus the word each piece belongs to."""

from __future__ import annotations

import os
from typing import Iterable, NamedTuple

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

    def __init__(self, core: _core._Unigram):
        self._core = core

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "UnigramModel":
        """Loads a `.model` file; a corrupt one raises `DictionaryError` naming it."""
        return cls(_core._Unigram.from_file(os.fspath(path)))

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
    def settings(self) -> dict:
        """The normalizer's name and switches, and whether bytes stand in for unknown characters."""
        name, dummy, remove, escape, byte_fallback = self._core.settings()
        return {"normalizer": name, "add_dummy_prefix": dummy, "remove_extra_whitespaces": remove,
                "escape_whitespaces": escape, "byte_fallback": byte_fallback}

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
