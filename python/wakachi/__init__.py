"""wakachi: pretraining data for Japanese and Chinese language models.

Stages: segment (text → words) → encode → instances → shards → loader → train → export.
"""

from wakachi._core import (
    ConfigError,
    DictionaryError,
    InputError,
    ShardError,
    WakachiError,
    __version__,
)
from wakachi.segment import Segmenter, Token
from wakachi.tokenizer import Tokenizer

__all__ = [
    "ConfigError",
    "DictionaryError",
    "InputError",
    "Segmenter",
    "ShardError",
    "Token",
    "Tokenizer",
    "WakachiError",
    "__version__",
]
