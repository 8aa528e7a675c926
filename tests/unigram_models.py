"""Small SentencePiece Unigram models trained on the shared corpora, for tests and benches.

Each variant is trained once with sentencepiece's own trainer and cached by its settings under
`$WAKACHI_CACHE_DIR/unigram-models` (or a temporary directory)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WAKACHI_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"

JA_FILES = [
    "aozora_ja",
    "ja_debian",
    "kwdlc",
    "jglue_captions",
    "jglue_questions",
    "jglue_wikipedia",
    "ud_ja_gsd",
    "ud_ja_gsdluw",
]
ZH_FILES = [
    "zh_debian",
    "sighan2005_pku",
    "sighan2005_as",
    "ud_zh_gsd",
    "ud_zh_gsdsimp",
    "ud_zh_hk",
    "ud_zh_cfl",
    "ud_zh_beginner",
]

# name → (language, trainer settings beyond the common ones)
VARIANTS: dict[str, tuple[str, dict]] = {
    "ja": ("ja", {}),
    "zh": ("zh", {}),
    "ja_bytes": ("ja", {"byte_fallback": True}),
    "zh_bytes": ("zh", {"byte_fallback": True}),
    "ja_user": ("ja", {"user_defined_symbols": ["[MASK]", "[unused1]", "です", "。", "日本", "(", "ます。"]}),
    "zh_user": (
        "zh",
        {"user_defined_symbols": ["[MASK]", "[unused1]", "中国", "，", "的"], "max_sentencepiece_length": 6},
    ),
    "ja_nodummy": ("ja", {"add_dummy_prefix": False}),
    "ja_identity": ("ja", {"normalization_rule_name": "identity"}),
    "ja_nfkc": ("ja", {"normalization_rule_name": "nfkc"}),
    "zh_nfkc_cf": ("zh", {"normalization_rule_name": "nmt_nfkc_cf"}),
    "ja_keepspace": ("ja", {"remove_extra_whitespaces": False}),
    "ja_suffix": ("ja", {"treat_whitespace_as_suffix": True}),
    # colorfulscoop gpt2-small-ja's layout (loaded in transformers as BertGenerationTokenizer).
    "ja_gpt2": (
        "ja",
        {
            "add_dummy_prefix": False,
            "pad_id": 0,
            "pad_piece": "<pad>",
            "unk_id": 1,
            "bos_id": 2,
            "eos_id": 3,
            "control_symbols": ["<cls>", "<sep>"],
        },
    ),
    "zh_gpt2": (
        "zh",
        {
            "pad_id": 0,
            "pad_piece": "<pad>",
            "unk_id": 1,
            "bos_id": 2,
            "eos_id": 3,
            "control_symbols": ["<cls>", "<sep>"],
        },
    ),
}

TRAIN_LINES = 4000
VOCAB = 4000


def corpus_files(lang: str) -> list[Path]:
    return [CORPORA / f"{n}.txt" for n in (JA_FILES if lang == "ja" else ZH_FILES)]


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def training_lines(lang: str, n: int = TRAIN_LINES) -> list[str]:
    """Every k-th non-blank line of each file of `lang`, about `n` in all, spread over the files."""
    files = corpus_files(lang)
    out: list[str] = []
    for f in files:
        lines = [x for x in read_lines(f) if x.strip()]
        step = max(1, len(lines) // (n // len(files)))
        out.extend(lines[::step][: n // len(files)])
    return out


def cache_dir() -> Path:
    base = os.environ.get("WAKACHI_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "wakachi-cache")
    d = Path(base) / "unigram-models"
    d.mkdir(parents=True, exist_ok=True)
    return d


def train(name: str) -> Path:
    """The `.model` file of variant `name`, trained on first use."""
    import sentencepiece as spm

    lang, extra = VARIANTS[name]
    settings = dict(
        model_type="unigram",
        vocab_size=VOCAB,
        character_coverage=0.995,
        seed_sentencepiece_size=50000,
        num_threads=2,
        shuffle_input_sentence=False,
        minloglevel=2,
        **extra,
    )
    key = hashlib.sha256(
        json.dumps([lang, TRAIN_LINES, sorted(settings.items()), spm.__version__]).encode()
    ).hexdigest()[:16]
    path = cache_dir() / f"{name}-{key}.model"
    if not path.exists():
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(sentence_iterator=iter(training_lines(lang)), model_writer=model, **settings)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(model.getvalue())
        tmp.replace(path)
    return path


ALBERT_CONFIGS = {
    # nlp-waseda RoBERTa: accents kept, no lowercasing.
    "keep": {"tokenizer_class": "AlbertTokenizer", "keep_accents": True, "do_lower_case": False},
    # AlbertTokenizer's defaults: NFKD + accents stripped, lowercased.
    "default": {"tokenizer_class": "AlbertTokenizer"},
}


def albert_dir(name: str, config: str) -> Path:
    """A transformers `AlbertTokenizer` directory: variant `name`'s model with `[CLS]`, `[SEP]`,
    `[MASK]` appended as CONTROL pieces (AlbertTokenizer needs them) and `ALBERT_CONFIGS[config]`."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    src = train(name)
    d = cache_dir() / f"albert-{src.stem}-{config}"
    if not (d / "tokenizer_config.json").exists():
        d.mkdir(exist_ok=True)
        m = pb.ModelProto()
        m.ParseFromString(src.read_bytes())
        for s in ["[CLS]", "[SEP]", "[MASK]"]:
            p = m.pieces.add()
            p.piece, p.score, p.type = s, 0.0, pb.ModelProto.SentencePiece.CONTROL
        (d / "spiece.model").write_bytes(m.SerializeToString())
        (d / "tokenizer_config.json").write_text(json.dumps(ALBERT_CONFIGS[config]))
    return d


def bert_generation_dir(name: str) -> Path:
    """A transformers `BertGenerationTokenizer` directory over variant `name`'s model (the class
    colorfulscoop's GPT-2 tokenizer loads as)."""
    src = train(name)
    d = cache_dir() / f"bertgen-{src.stem}"
    if not (d / "tokenizer_config.json").exists():
        d.mkdir(exist_ok=True)
        (d / "spiece.model").write_bytes(src.read_bytes())
        (d / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertGenerationTokenizer"}))
    return d
