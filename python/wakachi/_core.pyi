# Types of the compiled extension `wakachi._core` (rust/wakachi-py). Kept equal to the module by
# `make lint` (mypy.stubtest); the public API wraps these in python/wakachi/*.py.

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeAlias, final

_Path: TypeAlias = str | os.PathLike[str]
# (surface, start, end, feature) with character offsets.
_TokenTuple: TypeAlias = tuple[str, int, int, str]
_Ids: TypeAlias = list[list[list[int]]]
_Starts: TypeAlias = list[list[list[bool]]]
_Instance: TypeAlias = dict[str, Any]
_Row: TypeAlias = dict[str, int | list[int] | None]

__all__ = [
    "VIBRATO_VERSION",
    "ConfigError",
    "DictionaryError",
    "InputError",
    "PackTaskRunner",
    "ShardError",
    "WakachiError",
    "_Buffer",
    "_Loader",
    "_SegmentedBatch",
    "_Segmenter",
    "_ShardWriter",
    "_Tokenizer",
    "_Unigram",
    "__version__",
    "config_mecab_dic",
    "corpus_clean",
    "corpus_deal",
    "corpus_kuten",
    "corpus_wikipedia",
    "decompile_mecab",
    "electra_instances",
    "file_sha256",
    "google_instances",
    "google_instances_stream",
    "gpt2_instances",
    "lower",
    "mecab_alphabet",
    "nfkc",
    "pack_finish_gather",
    "pack_gather",
    "pack_plan",
    "pack_reduce",
    "pack_run",
    "python_random_pattern",
    "read_shard",
    "roberta_instances",
    "split_files",
    "split_sentences_batch",
    "tokenizer_fingerprint",
    "tokenizer_mecab_dic",
    "train_wordpiece",
    "uer_instances",
    "verify_shards",
]

__version__: str
VIBRATO_VERSION: str

class WakachiError(Exception): ...
class DictionaryError(WakachiError): ...
class InputError(WakachiError): ...
class ConfigError(WakachiError): ...
class ShardError(InputError): ...

@final
class _Segmenter:
    @staticmethod
    def mecab(dicdir: _Path, cache_dir: _Path | None) -> _Segmenter: ...
    @staticmethod
    def jieba(hmm: bool, user_dict: _Path | None = None) -> _Segmenter: ...
    @staticmethod
    def simple(spec: str) -> _Segmenter: ...
    def load_report(self) -> dict[str, Any] | None: ...
    def segment(self, text: str) -> list[str]: ...
    def tokenize(self, text: str) -> list[_TokenTuple]: ...
    def segment_batch(self, texts: list[str], threads: int = 0) -> list[list[str]]: ...
    def segment_batch_lazy(self, texts: list[str], threads: int = 0) -> _SegmentedBatch: ...
    def tokenize_batch(self, texts: list[str], threads: int = 0) -> list[list[_TokenTuple]]: ...
    def segment_files(
        self,
        paths: Sequence[_Path],
        features: bool = False,
        threads: int = 0,
        skip_invalid: bool = False,
        progress: bool = False,
    ) -> dict[str, Any]: ...

@final
class _SegmentedBatch:
    def __len__(self) -> int: ...
    def __getitem__(self, key: int, /) -> list[str]: ...
    @property
    def word_count(self) -> int: ...
    def byte_spans(self, i: int) -> list[tuple[int, int]]: ...
    def lists(self) -> list[list[str]]: ...
    def joined(self, sep: str = " ") -> list[str]: ...
    def to_arrow(self) -> Any: ...

def decompile_mecab(dicdir: _Path, outdir: _Path) -> int: ...
def split_sentences_batch(
    texts: list[str],
    rule: str,
    segmenter: _Segmenter | None = None,
    min_len: int = 0,
    max_len: int | None = None,
    threads: int = 0,
) -> list[list[str]]: ...
def split_files(
    paths: Sequence[_Path],
    output: _Path | None,
    rule: str,
    segmenter: _Segmenter | None = None,
    min_len: int = 0,
    max_len: int | None = None,
    documents: bool = True,
    threads: int = 0,
    skip_invalid: bool = False,
    progress: bool = False,
) -> dict[str, Any]: ...

@final
class _Tokenizer:
    @staticmethod
    def from_dir(dir: _Path, dicdir: _Path | None, cache_dir: _Path | None) -> _Tokenizer: ...
    @staticmethod
    def from_sentencepiece(path: _Path) -> _Tokenizer: ...
    @staticmethod
    def from_config(
        origin: _Path, config_json: str, vocab: _Path, dicdir: _Path | None, cache_dir: _Path | None
    ) -> _Tokenizer: ...
    def kind(self) -> str: ...
    def vocab_size(self) -> int: ...
    def id_to_token(self, id: int) -> str | None: ...
    def encode(self, text: str) -> list[int]: ...
    def encode_with_word_ids(self, text: str) -> tuple[list[int], list[int]]: ...
    def tokenize(self, text: str) -> list[str]: ...
    def added_tokens(self) -> list[tuple[str, int]]: ...
    def encode_with_offsets(
        self, text: str, split_special_tokens: bool | None = None
    ) -> tuple[list[int], list[int], list[tuple[int, int]]]: ...
    def tokenize_split(self, text: str, split_special_tokens: bool) -> list[str]: ...
    def model_inputs(
        self,
        firsts: list[str],
        seconds: list[str | None],
        *,
        add_special_tokens: bool,
        cls: int,
        sep: int,
        truncation: str,
        max_length: int | None,
        truncate_left: bool,
        padding: str,
        pad_to_multiple_of: int | None,
        pad_left: bool,
        pad_id: int,
        pad_type_id: int,
        offsets: bool,
        split_special_tokens: bool,
        type_ids: bool,
        special_mask: bool,
        attention: bool,
        threads: int,
    ) -> dict[str, Any]: ...
    def encode_batch(self, texts: list[str], threads: int = 0) -> list[list[int]]: ...
    def encode_batch_with_word_ids(self, texts: list[str], threads: int = 0) -> list[tuple[list[int], list[int]]]: ...
    def encode_files(
        self, paths: Sequence[_Path], threads: int = 0, skip_invalid: bool = False, progress: bool = False
    ) -> dict[str, Any]: ...

def tokenizer_mecab_dic(dir: _Path) -> tuple[Literal["name", "path"], str] | None: ...
def config_mecab_dic(origin: _Path, config_json: str) -> tuple[Literal["name", "path"], str] | None: ...
def nfkc(text: str) -> str: ...
def lower(text: str) -> str: ...

@final
class _Unigram:
    @staticmethod
    def from_file(path: _Path) -> _Unigram: ...
    def encode(self, text: str) -> list[int]: ...
    def encode_full(self, text: str) -> tuple[list[int], list[int], list[tuple[int, int]]]: ...
    def encode_batch(self, texts: list[str], threads: int = 0) -> list[list[int]]: ...
    def encode_batch_with_word_ids(self, texts: list[str], threads: int = 0) -> list[tuple[list[int], list[int]]]: ...
    def id_to_piece(self, id: int) -> str | None: ...
    def pieces(self) -> list[tuple[str, float, str]]: ...
    def piece_to_id(self, piece: str) -> int | None: ...
    def vocab_size(self) -> int: ...
    def unk_id(self) -> int | None: ...
    def settings(self) -> tuple[str, bool, bool, bool, bool]: ...
    def path(self) -> str: ...

def google_instances(
    documents: _Ids,
    word_starts: _Starts,
    *,
    seed: int,
    dupe_factor: int,
    max_seq_length: int,
    short_seq_prob: float,
    masked_lm_prob: float,
    max_predictions_per_seq: int,
    do_whole_word_mask: bool,
    vocab_size: int,
    cls: int,
    sep: int,
    mask: int,
    pad: int,
) -> list[_Instance]: ...
def google_instances_stream(
    documents: _Ids,
    word_starts: _Starts,
    *,
    seed: int,
    dupe_factor: int,
    max_seq_length: int,
    short_seq_prob: float,
    masked_lm_prob: float,
    max_predictions_per_seq: int,
    do_whole_word_mask: bool,
    block_documents: int,
    vocab_size: int,
    cls: int,
    sep: int,
    mask: int,
    pad: int,
) -> list[_Instance]: ...
def electra_instances(
    documents: _Ids,
    word_starts: _Starts,
    *,
    seed: int,
    max_seq_length: int,
    short_seq_prob: float,
    short_min_length: int,
    compat: bool,
    vocab_size: int,
    cls: int,
    sep: int,
    mask: int,
    pad: int,
) -> list[_Instance]: ...
def roberta_instances(
    documents: _Ids,
    word_starts: _Starts,
    *,
    max_seq_length: int,
    cross_documents: bool,
    doc_separator: bool,
    vocab_size: int,
    cls: int,
    sep: int,
    mask: int,
    pad: int,
) -> list[_Instance]: ...
def gpt2_instances(
    documents: _Ids, word_starts: _Starts, *, block_size: int, separator: int | None, vocab_size: int
) -> list[_Instance]: ...
def uer_instances(
    documents: _Ids,
    word_starts: _Starts,
    *,
    seq_length: int,
    full_sentences: bool,
    docs_buffer_size: int,
    empty_tail: bool,
    vocab_size: int,
    cls: int,
    sep: int,
    mask: int,
    pad: int,
) -> list[_Instance]: ...
def python_random_pattern(seed: int, n: int, bound: int) -> tuple[list[float], list[int], list[int]]: ...

@final
class _ShardWriter:
    def __new__(
        cls,
        dir: _Path,
        vocab_size: int,
        rows_per_shard: int,
        *,
        format: str | None = None,
        columns: list[tuple[str, str]] | None = None,
        tokens_column: str | None = None,
        pad_id: int | None = None,
        settings_json: str = "null",
        tokenizer: str = "",
        inputs: Sequence[_Path] = ...,
        shuffle_seed: int | None = None,
        memory_budget: int = ...,
        max_buckets: int = 256,
        checkpoint_rows: int = 0,
        overwrite: bool = False,
    ) -> _ShardWriter: ...
    @property
    def columns(self) -> list[str]: ...
    @property
    def input_rows_done(self) -> int: ...
    @property
    def needs_input(self) -> bool: ...
    def manifest_json(self) -> str: ...
    def set_on_shard(self, callback: Any) -> None: ...
    def push(self, rows: list[_Row]) -> None: ...
    def finish(self) -> str: ...

def read_shard(path: _Path) -> list[_Row]: ...
def verify_shards(dir: _Path) -> str: ...
def file_sha256(path: _Path) -> tuple[int, str]: ...
def pack_run(config_json: str, dicdir: _Path | None = None) -> dict[str, Any]: ...
def pack_plan(config_json: str, task_bytes: int) -> dict[str, Any]: ...
def pack_reduce(
    config_json: str, kind: str, parts: Iterable[_Path], dicdir: _Path | None = None, gather: bool = True
) -> dict[str, Any]: ...
def pack_gather(dir: _Path, first: int, count: int) -> str: ...
def pack_finish_gather(config_json: str, entries_json: str) -> dict[str, Any]: ...

@final
class PackTaskRunner:
    def __new__(cls, config_json: str, dicdir: _Path | None = None) -> PackTaskRunner: ...
    def run(self, task_json: str, dir: _Path) -> dict[str, Any]: ...

def train_wordpiece(
    segmenter: _Segmenter,
    paths: Sequence[_Path],
    *,
    nfkc: bool,
    bert_split: bool,
    vocab_size: int,
    min_frequency: int,
    limit_alphabet: int | None,
    initial_alphabet: str,
    special_tokens: list[str],
    prefix: str,
    continuation_order: str,
    threads: int = 0,
    skip_invalid: bool = False,
    progress: bool = False,
) -> tuple[list[str], dict[str, Any]]: ...
def mecab_alphabet(dicdir: _Path) -> str: ...

@final
class _Buffer:
    """An owned int64 array exporting the buffer protocol (`torch.frombuffer` wraps it; the slot
    is C-level, so Python < 3.12 shows no `__buffer__` method)."""

    def __len__(self) -> int: ...

@final
class _Loader:
    def __new__(cls, config_json: str, fetch: Callable[[int, list[int]], str] | None = None) -> _Loader: ...
    def info(self) -> dict[str, Any]: ...
    def state(self) -> tuple[int, int]: ...
    def set_state(self, epoch: int, samples: int) -> None: ...
    def next_step(self) -> tuple[int, int, list[dict[str, Any]]] | None: ...

def tokenizer_fingerprint(path: _Path, dicdir: _Path | None = None) -> str: ...
def corpus_clean(text: str, title: str | None = None) -> str: ...
def corpus_wikipedia(
    paths: Sequence[_Path],
    output: _Path | None,
    segmenter: _Segmenter,
    min_len: int = 10,
    max_len: int | None = None,
    threads: int = 0,
    skip_invalid: bool = False,
    progress: bool = False,
) -> dict[str, Any]: ...
def corpus_deal(
    paths: Sequence[_Path],
    output_dir: _Path,
    num_files: int,
    seed: int = 0,
    compression: str = "none",
    prefix: str = "corpus_",
    threads: int = 0,
    skip_invalid: bool = False,
    progress: bool = False,
) -> dict[str, Any]: ...
def corpus_kuten(
    paths: Sequence[_Path],
    output: _Path | None,
    drop_containing: str | None = None,
    skip_invalid: bool = False,
    progress: bool = False,
) -> dict[str, Any]: ...
