"""A drop-in for transformers' `BertJapaneseTokenizer` whose encoding runs in wakachi's Rust core.

`BertJapaneseTokenizerFast.from_pretrained(DIR)` (or `wakachi.hf.from_pretrained(DIR)`, or
`AutoTokenizer.from_pretrained(DIR, tokenizer_type="wakachi")` after `import wakachi.hf`) loads any
directory that `BertJapaneseTokenizer` loads with MeCab (unidic-lite, ipadic, unidic, `-d PATH`),
basic or no word tokenization, and WordPiece or character subwords. It *is* a
`BertJapaneseTokenizer` (a subclass that never builds fugashi): every method it does not override
is transformers' own code, so `decode`, `convert_*`, `pad`, special tokens, `save_pretrained` (the
saved directory names `BertJapaneseTokenizer` and loads with plain transformers) behave as the
slow tokenizer's do. The hot path, `__call__`/`encode` on text, single or batched, pairs,
truncation, padding and `return_tensors`, is done by the core on all cores with the GIL released
and gives the slow tokenizer's ids, token type ids, masks and lengths; it also gives
`return_offsets_mapping` (character offsets into the original text) and `BatchEncoding.word_ids()`
(the MeCab or basic word of each token), which the slow tokenizer cannot. Calls the core does not
cover (pre-tokenized input, ids as input, `return_overflowing_tokens`, tokens added after loading
that the core does not know) run transformers' Python path around the core's tokenization, so
they too match the slow tokenizer.
"""

from __future__ import annotations

import collections
import importlib
import itertools
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from transformers.models.bert_japanese.tokenization_bert_japanese import BertJapaneseTokenizer, load_vocab
from transformers.tokenization_python import PythonBackend
from transformers.tokenization_utils_base import BatchEncoding, TruncationStrategy
from transformers.utils import logging
from transformers.utils.generic import PaddingStrategy, TensorType

from wakachi import _core
from wakachi.dictionaries import default_cache_dir, resolve_mecab_dicdir

__all__ = ["BertJapaneseTokenizerFast", "WakachiEncoding", "from_pretrained", "register"]

TOKENIZER_TYPE = "wakachi"
_slow_logger = logging.get_logger("transformers.tokenization_python")
_LONGEST_FIRST_WARNING = (
    "Be aware, overflowing tokens are not returned for the setting you have chosen,"
    " i.e. sequence pairs with the 'longest_first' truncation strategy. So the returned list will always be empty"
    " even if some tokens have been removed."
)


def _dicdir(origin: Path, config_json: str) -> Path | None:
    """The MeCab dictionary directory that the config asks for (None: no MeCab)."""
    dic = _core.config_mecab_dic(str(origin), config_json)
    if dic is None:
        return None
    kind, value = dic
    if kind == "path":
        return resolve_mecab_dicdir(value)
    if value == "unidic":
        try:
            dicdir = Path(importlib.import_module("unidic").DICDIR)
        except ImportError:
            raise _core.DictionaryError(f"{origin}: mecab_dic 'unidic' needs `pip install unidic`") from None
        if not dicdir.is_dir():
            raise _core.DictionaryError(f"{dicdir}: the unidic dictionary is not downloaded")
        return dicdir
    return resolve_mecab_dicdir(value)


class WakachiEncoding:
    """One row of a batch, with the accessors of `tokenizers.Encoding` that `BatchEncoding` uses
    (`word_ids`, `sequence_ids`, `tokens`, `offsets`, `char_to_token`, …). Word ids count the
    MeCab (or basic) words of each sequence from 0; special tokens and padding have `None`."""

    def __init__(
        self,
        ids: list[int],
        type_ids: list[int],
        attention_mask: list[int],
        special_tokens_mask: list[int],
        word_ids: list[int | None],
        sequence_ids: list[int | None],
        offsets: list[tuple[int, int]],
        tokens: list[str],
        n_sequences: int,
    ) -> None:
        self.ids = ids
        self.type_ids = type_ids
        self.attention_mask = attention_mask
        self.special_tokens_mask = special_tokens_mask
        self.word_ids = word_ids
        self.words = word_ids
        self.sequence_ids = sequence_ids
        self.offsets = offsets
        self.tokens = tokens
        self.n_sequences = n_sequences
        self.overflowing: list[WakachiEncoding] = []

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"WakachiEncoding(num_tokens={len(self.ids)}, n_sequences={self.n_sequences})"

    def token_to_sequence(self, token_index: int) -> int | None:
        return self.sequence_ids[token_index]

    def token_to_word(self, token_index: int) -> int | None:
        return self.word_ids[token_index]

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        if self.sequence_ids[token_index] is None or not self.offsets:
            return None
        return self.offsets[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        hits = [
            i
            for i, (w, s) in enumerate(zip(self.word_ids, self.sequence_ids, strict=True))
            if w == word_index and s == sequence_index
        ]
        return (hits[0], hits[-1] + 1) if hits else None

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        span = self.word_to_tokens(word_index, sequence_index)
        if span is None or not self.offsets:
            return None
        return self.offsets[span[0]][0], self.offsets[span[1] - 1][1]

    def char_to_token(self, char_pos: int, sequence_index: int = 0) -> int | None:
        for i, ((a, b), s) in enumerate(zip(self.offsets, self.sequence_ids, strict=True)):
            if s == sequence_index and a <= char_pos < b:
                return i
        return None

    def char_to_word(self, char_pos: int, sequence_index: int = 0) -> int | None:
        t = self.char_to_token(char_pos, sequence_index)
        return None if t is None else self.word_ids[t]


class _Encodings(Sequence[WakachiEncoding]):
    """The rows of one call, built on access from the core's flat arrays (picklable): padded
    `input_ids` (row `i` is `starts[i]:starts[i+1]`), per-token `word_ids`, `sequence_ids` and
    `offsets` without padding (`token_starts`)."""

    def __init__(
        self,
        arrays: dict[str, np.ndarray],
        id_tokens: list[str],
        *,
        pad_left: bool,
        add_special_tokens: bool,
        pad_type_id: int,
    ) -> None:
        self._arrays = arrays
        self._id_tokens = id_tokens
        self._pad_left = pad_left
        self._add_special_tokens = add_special_tokens
        self._pad_type_id = pad_type_id

    def __len__(self) -> int:
        return len(self._arrays["starts"]) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        arr = self._arrays
        a, b = int(arr["starts"][i]), int(arr["starts"][i + 1])
        ta, tb = int(arr["token_starts"][i]), int(arr["token_starts"][i + 1])
        ids = arr["input_ids"][a:b].tolist()
        real = tb - ta
        pad = (b - a) - real
        seq: list[int | None] = [None if s < 0 else s for s in arr["sequence_ids"][ta:tb].tolist()]
        words: list[int | None] = [None if w < 0 else w for w in arr["word_ids"][ta:tb].tolist()]
        offs = arr.get("offsets")
        offsets: list[tuple[int, int]] = [(0, 0)] * real
        if offs is not None:
            offsets = [(int(p[0]), int(p[1])) for p in offs[ta:tb].tolist()]
        n0 = sum(s == 0 for s in seq)
        pair = any(s == 1 for s in seq) or (self._add_special_tokens and real - n0 == 3)
        if self._add_special_tokens and pair:
            types = [0] * (n0 + 2) + [1] * (real - n0 - 2)
        else:
            types = [0] * real
        special = [1 if s is None else 0 for s in seq]
        attention = [1] * real

        def padded(values: list[Any], fill: Any) -> list[Any]:
            return [fill] * pad + values if self._pad_left else values + [fill] * pad

        n_tokens = len(self._id_tokens)
        return WakachiEncoding(
            ids=ids,
            type_ids=padded(types, self._pad_type_id),
            attention_mask=padded(attention, 0),
            special_tokens_mask=padded(special, 1),
            word_ids=padded(words, None),
            sequence_ids=padded(seq, None),
            offsets=padded(offsets, (0, 0)),
            tokens=[self._id_tokens[t] if 0 <= t < n_tokens else "" for t in ids],
            n_sequences=2 if pair else 1,
        )

    def __iter__(self) -> Iterator[WakachiEncoding]:
        return (self[i] for i in range(len(self)))


class _Rows:
    """Inputs of one call normalized the way `PythonBackend._encode_plus` reads them."""

    def __init__(self, firsts: list[str], seconds: list[str | None], batched: bool) -> None:
        self.firsts = firsts
        self.seconds = seconds
        self.batched = batched


def _rows(text: Any, text_pair: Any) -> _Rows | None:
    """The texts of a call, or None when the inputs are not plain text (pre-tokenized, ids, …)."""
    if isinstance(text, str):
        if text_pair is None or isinstance(text_pair, str):
            return _Rows([text], [text_pair], batched=False)
        return None
    if not isinstance(text, (list, tuple)) or not text:
        return None
    if not isinstance(text[0], (str, list, tuple)):
        return None
    if text_pair is not None and (not isinstance(text_pair, (list, tuple)) or len(text_pair) != len(text)):
        return None
    pairs = text_pair if text_pair is not None else [None] * len(text)
    firsts: list[str] = []
    seconds: list[str | None] = []
    for t, p in zip(text, pairs, strict=True):
        if isinstance(t, (list, tuple)) and p is None:
            if len(t) == 2 and isinstance(t[0], str) and isinstance(t[1], str):
                t, p = t
            elif len(t) == 1:
                t = t[0]
        if not isinstance(t, str) or not (p is None or isinstance(p, str)):
            return None
        firsts.append(t)
        seconds.append(p)
    return _Rows(firsts, seconds, batched=True)


class BertJapaneseTokenizerFast(BertJapaneseTokenizer):
    """transformers' `BertJapaneseTokenizer` with wakachi's Rust core doing the encoding (see the
    module docstring). `num_threads` (0: all cores) is the threads a batched call uses."""

    can_save_slow_tokenizer = True
    num_threads: int = 0

    def __init__(
        self,
        vocab_file: str,
        spm_file: str | None = None,
        do_lower_case: bool = False,
        do_word_tokenize: bool = True,
        do_subword_tokenize: bool = True,
        word_tokenizer_type: str = "basic",
        subword_tokenizer_type: str = "wordpiece",
        never_split: list[str] | None = None,
        unk_token: str = "[UNK]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        cls_token: str = "[CLS]",
        mask_token: str = "[MASK]",
        mecab_kwargs: dict[str, Any] | None = None,
        sudachi_kwargs: dict[str, Any] | None = None,
        jumanpp_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if do_word_tokenize and word_tokenizer_type not in ("basic", "mecab"):
            raise ValueError(
                f"word_tokenizer_type {word_tokenizer_type!r} is not supported by wakachi (mecab, basic); "
                "use transformers' BertJapaneseTokenizer"
            )
        if do_subword_tokenize and subword_tokenizer_type not in ("wordpiece", "character"):
            raise ValueError(
                f"subword_tokenizer_type {subword_tokenizer_type!r} is not supported by wakachi "
                "(wordpiece, character); use transformers' BertJapaneseTokenizer"
            )
        if vocab_file is None or not os.path.isfile(vocab_file):
            raise ValueError(f"Can't find a vocabulary file at path '{vocab_file}'.")
        # The attributes BertJapaneseTokenizer.__init__ sets, without its word/subword tokenizers.
        self.vocab = load_vocab(vocab_file)  # type: ignore[no-untyped-call]
        self.ids_to_tokens = collections.OrderedDict([(ids, tok) for tok, ids in self.vocab.items()])
        self.do_word_tokenize = do_word_tokenize
        self.word_tokenizer_type = word_tokenizer_type
        self.lower_case = do_lower_case
        self.never_split = never_split
        self.mecab_kwargs = dict(mecab_kwargs) if mecab_kwargs else mecab_kwargs
        self.sudachi_kwargs = sudachi_kwargs
        self.jumanpp_kwargs = jumanpp_kwargs
        self.do_subword_tokenize = do_subword_tokenize
        self.subword_tokenizer_type = subword_tokenizer_type
        self._vocab_file = str(vocab_file)
        PythonBackend.__init__(  # type: ignore[no-untyped-call]
            self,
            spm_file=spm_file,
            unk_token=unk_token,
            sep_token=sep_token,
            pad_token=pad_token,
            cls_token=cls_token,
            mask_token=mask_token,
            do_lower_case=do_lower_case,
            do_word_tokenize=do_word_tokenize,
            do_subword_tokenize=do_subword_tokenize,
            word_tokenizer_type=word_tokenizer_type,
            subword_tokenizer_type=subword_tokenizer_type,
            never_split=never_split,
            mecab_kwargs=mecab_kwargs,
            sudachi_kwargs=sudachi_kwargs,
            jumanpp_kwargs=jumanpp_kwargs,
            token_type_ids_pattern="bert_style",
            token_type_ids_include_special_tokens=True,
            special_tokens_pattern="cls_sep",
            **kwargs,
        )
        self._load_core()

    # --- the core -------------------------------------------------------------------------

    def _core_config(self) -> str:
        """The settings as a `tokenizer_config.json` text for the core (the loaded values,
        including keyword overrides and the ids transformers gave the special tokens)."""
        added = {
            str(i): {"content": t.content, "special": True}
            for i, t in self._added_tokens_decoder.items()
            if not (t.lstrip or t.rstrip or t.single_word)
        }
        cfg = {
            "tokenizer_class": "BertJapaneseTokenizer",
            "do_lower_case": self.lower_case,
            "do_word_tokenize": self.do_word_tokenize,
            "do_subword_tokenize": self.do_subword_tokenize,
            "word_tokenizer_type": self.word_tokenizer_type,
            "subword_tokenizer_type": self.subword_tokenizer_type,
            "never_split": self.never_split,
            "mecab_kwargs": self.mecab_kwargs,
            "unk_token": str(self.unk_token),
            "sep_token": str(self.sep_token),
            "pad_token": str(self.pad_token),
            "cls_token": str(self.cls_token),
            "mask_token": str(self.mask_token),
            "extra_special_tokens": [str(t) for t in self.extra_special_tokens],
            "added_tokens_decoder": added,
            "split_special_tokens": bool(self.split_special_tokens),
        }
        return json.dumps({k: v for k, v in cfg.items() if v is not None})

    def _load_core(self) -> None:
        origin = Path(self._vocab_file).parent / "tokenizer_config.json"
        config = self._core_config()
        dicdir = _dicdir(origin, config) if self.do_word_tokenize and self.word_tokenizer_type == "mecab" else None
        self._core = _core._Tokenizer.from_config(
            str(origin), config, self._vocab_file, None if dicdir is None else str(dicdir), str(default_cache_dir())
        )
        self._core_added = dict(self._core.added_tokens())
        self._core_specials = list(self.all_special_tokens)
        self._id_tokens_cache: list[str] | None = None

    def _fast_ok(self) -> bool:
        """Whether the core knows every added token (none added or changed since loading)."""
        return (
            self._core_added == self._added_tokens_encoder
            and self._core_specials == self.all_special_tokens
            and self.special_tokens_pattern == "cls_sep"
            and self.token_type_ids_pattern == "bert_style"
            and self.token_type_ids_include_special_tokens
        )

    def _id_tokens(self) -> list[str]:
        if self._id_tokens_cache is None or len(self._id_tokens_cache) != len(self):
            n = max([len(self.vocab), *[i + 1 for i in self._added_tokens_decoder]])
            self._id_tokens_cache = [self._convert_id_to_token(i) for i in range(n)]  # type: ignore[no-untyped-call]
            for i, t in self._added_tokens_decoder.items():
                self._id_tokens_cache[i] = t.content
        return self._id_tokens_cache

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_core", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__ = state
        self._load_core()

    # --- tokenization -----------------------------------------------------------------------

    def tokenize(self, text: str, **kwargs: Any) -> list[str]:  # type: ignore[override]
        split = kwargs.pop("split_special_tokens", self.split_special_tokens)
        if not kwargs and isinstance(text, str) and self._fast_ok():
            return list(self._core.tokenize_split(text, bool(split)))
        return super().tokenize(text, split_special_tokens=split, **kwargs)

    def _tokenize(self, text: str, **kwargs: Any) -> list[str]:
        # transformers cut the added tokens out already (or was asked not to): none are kept whole.
        return list(self._core.tokenize_split(text, True))

    def _encode_plus(  # type: ignore[override]
        self,
        text: Any,
        text_pair: Any = None,
        add_special_tokens: bool = True,
        padding_strategy: PaddingStrategy = PaddingStrategy.DO_NOT_PAD,
        truncation_strategy: TruncationStrategy = TruncationStrategy.DO_NOT_TRUNCATE,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | TensorType | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        **kwargs: Any,
    ) -> BatchEncoding:
        split = bool(kwargs.pop("split_special_tokens", self.split_special_tokens))
        side = padding_side if padding_side is not None else self.padding_side
        rows = None
        if (
            not kwargs
            and not is_split_into_words
            and not return_overflowing_tokens
            and side in ("left", "right")
            and self.truncation_side in ("left", "right")
            and (pad_to_multiple_of is None or (isinstance(pad_to_multiple_of, int) and pad_to_multiple_of > 0))
            and (max_length is None or max_length >= 0)
            and not (padding_strategy == PaddingStrategy.MAX_LENGTH and max_length is None)
            and (not add_special_tokens or (self.cls_token_id is not None and self.sep_token_id is not None))
            and self._fast_ok()
        ):
            rows = _rows(text, text_pair)
        if rows is None:
            if return_offsets_mapping:
                raise ValueError(
                    "return_offsets_mapping is available for text inputs (str, a batch of str or of str pairs) "
                    "without return_overflowing_tokens, is_split_into_words or tokens added after loading"
                )
            return super()._encode_plus(
                text=text,
                text_pair=text_pair,
                add_special_tokens=add_special_tokens,
                padding_strategy=padding_strategy,
                truncation_strategy=truncation_strategy,
                max_length=max_length,
                stride=stride,
                is_split_into_words=is_split_into_words,
                pad_to_multiple_of=pad_to_multiple_of,
                padding_side=padding_side,
                return_tensors=return_tensors,
                return_token_type_ids=return_token_type_ids,
                return_attention_mask=return_attention_mask,
                return_overflowing_tokens=return_overflowing_tokens,
                return_special_tokens_mask=return_special_tokens_mask,
                return_length=return_length,
                verbose=verbose,
                split_special_tokens=split,
                return_offsets_mapping=return_offsets_mapping,
                **kwargs,
            )
        if return_token_type_ids is None:
            return_token_type_ids = "token_type_ids" in self.model_input_names
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        res = self._core.model_inputs(
            rows.firsts,
            rows.seconds,
            add_special_tokens=add_special_tokens,
            cls=self.cls_token_id if add_special_tokens else 0,
            sep=self.sep_token_id if add_special_tokens else 0,
            truncation=truncation_strategy.value,
            max_length=max_length,
            truncate_left=self.truncation_side == "left",
            padding=padding_strategy.value,
            pad_to_multiple_of=pad_to_multiple_of,
            pad_left=side == "left",
            pad_id=self.pad_token_id if padding_strategy != PaddingStrategy.DO_NOT_PAD else 0,
            pad_type_id=self.pad_token_type_id,
            offsets=return_offsets_mapping,
            split_special_tokens=split,
            type_ids=bool(return_token_type_ids),
            special_mask=bool(return_special_tokens_mask),
            attention=bool(return_attention_mask),
            threads=self.num_threads if rows.batched else 1,
        )
        if res["longest_first_pair_truncated"]:
            _slow_logger.warning(_LONGEST_FIRST_WARNING)
        arrays = {k: np.frombuffer(v, dtype=np.int64) for k, v in res.items() if k != "longest_first_pair_truncated"}
        arrays["offsets"] = arrays["offsets"].reshape(-1, 2)
        if not return_offsets_mapping:
            del arrays["offsets"]
        lengths = arrays["lengths"]
        if max_length is None and len(lengths):
            self._eventual_warn_about_too_long_sequence([0] * int(lengths.max()), max_length, verbose)
        encodings = _Encodings(
            arrays,
            self._id_tokens(),
            pad_left=side == "left",
            add_special_tokens=add_special_tokens,
            pad_type_id=self.pad_token_type_id,
        )
        n_sequences = 2 if rows.seconds[0] is not None else 1
        names = ["input_ids"]
        if return_token_type_ids:
            names.append("token_type_ids")
        if return_special_tokens_mask:
            names.append("special_tokens_mask")
        if not rows.batched:
            return self._single(encodings, names, return_attention_mask, return_length, return_tensors)
        if return_length:
            names.append("length")
        if return_attention_mask:
            names.append("attention_mask")
        if return_offsets_mapping:
            names.append("offset_mapping")
        data = self._batch_data(encodings, arrays, names, return_tensors)
        return BatchEncoding(data, encoding=encodings, tensor_type=return_tensors, n_sequences=n_sequences)  # type: ignore[arg-type]

    def _batch_data(
        self,
        encodings: _Encodings,
        arrays: dict[str, np.ndarray],
        names: list[str],
        return_tensors: str | TensorType | None,
    ) -> dict[str, Any]:
        """The batch's values: 2-D arrays or tensors when every row has the same length and
        tensors were asked for, lists of lists otherwise (BatchEncoding converts them as it does
        the slow tokenizer's)."""
        starts = arrays["starts"]
        n = len(starts) - 1
        widths = np.diff(starts)
        uniform = n > 0 and bool((widths == widths[0]).all())
        tensor = None if return_tensors is None else TensorType(return_tensors)
        data: dict[str, Any] = {}
        for name in names:
            if name == "length":
                data[name] = arrays["lengths"].tolist()
            elif name == "offset_mapping":
                rows = [e.offsets for e in encodings]
                data[name] = np.array(rows, dtype=np.int64) if uniform and tensor is not None else rows
                if uniform and tensor == TensorType.PYTORCH:
                    import torch

                    data[name] = torch.from_numpy(data[name])
            else:
                flat = arrays[name]
                if uniform and tensor in (TensorType.NUMPY, TensorType.PYTORCH):
                    arr: Any = flat.reshape(n, int(widths[0]))
                    if tensor == TensorType.PYTORCH:
                        import torch

                        arr = torch.from_numpy(arr)
                    data[name] = arr
                elif uniform:
                    data[name] = flat.reshape(n, int(widths[0])).tolist()
                else:
                    values = flat.tolist()
                    data[name] = [values[int(a) : int(b)] for a, b in itertools.pairwise(starts)]
        return data

    def _single(
        self,
        encodings: _Encodings,
        names: list[str],
        return_attention_mask: bool,
        return_length: bool,
        return_tensors: str | TensorType | None,
    ) -> BatchEncoding:
        """One text (or pair) not in a batch: flat lists, in the slow tokenizer's key order
        (`prepare_for_model`: … attention_mask, then length)."""
        e = encodings[0]
        arr = encodings._arrays
        a, b = int(arr["starts"][0]), int(arr["starts"][1])
        data: dict[str, Any] = {name: arr[name][a:b].tolist() for name in names}
        if return_attention_mask:
            data["attention_mask"] = arr["attention_mask"][a:b].tolist()
        if "offsets" in arr:
            data["offset_mapping"] = e.offsets
        if return_length:
            data["length"] = len(e.ids)
        return BatchEncoding(
            data,
            encoding=encodings,  # type: ignore[arg-type]
            tensor_type=return_tensors,
            prepend_batch_axis=True,
            n_sequences=e.n_sequences,
        )

    # --- helpers ----------------------------------------------------------------------------

    def encode_with_offsets(self, text: str) -> tuple[list[int], list[int], list[tuple[int, int]]]:
        """Ids (no special tokens), word ids and character offsets of `text`."""
        return self._core.encode_with_offsets(text, bool(self.split_special_tokens))


def from_pretrained(
    directory: str | os.PathLike[str], *, num_threads: int = 0, **kwargs: Any
) -> BertJapaneseTokenizerFast:
    """`BertJapaneseTokenizerFast.from_pretrained(directory, **kwargs)` for a local directory
    (nothing is downloaded); `num_threads` (0: all cores) for batched calls."""
    tok = cast(
        BertJapaneseTokenizerFast,
        BertJapaneseTokenizerFast.from_pretrained(os.fspath(directory), local_files_only=True, **kwargs),
    )
    tok.num_threads = num_threads
    return tok


def register() -> None:
    """Lets `AutoTokenizer.from_pretrained(DIR, tokenizer_type="wakachi")` load this class (done
    on import; idempotent)."""
    from transformers.models.auto import tokenization_auto as auto

    auto.TOKENIZER_MAPPING_NAMES[TOKENIZER_TYPE] = BertJapaneseTokenizerFast.__name__
    auto.REGISTERED_TOKENIZER_CLASSES[BertJapaneseTokenizerFast.__name__] = BertJapaneseTokenizerFast


register()
