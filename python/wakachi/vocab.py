"""Vocabulary training: WordPiece (HF `tokenizers`' trainer, reproduced in Rust and
deterministic, over words from any wakachi segmenter) and SentencePiece Unigram (Google's
trainer, fed raw or pre-segmented lines). Both write a transformers tokenizer directory.

Presets reproduce published recipes: `cl-tohoku-v3` (BERT v3: unidic-lite words, NFKC, 32768,
initial alphabet of the dictionary's lexicon) and `izumi-lab-electra` (ELECTRA-small: ipadic
words, BERT's punctuation split, `limit_alphabet 6129`, `[UNK] [CLS] [SEP] [PAD] [MASK]`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from wakachi import _core
from wakachi.dictionaries import resolve_mecab_dicdir
from wakachi.segment import Segmenter

BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


@dataclass(frozen=True)
class WordPieceRecipe:
    """Everything that decides a WordPiece vocabulary."""

    segmenter: str = "mecab:unidic-lite"
    nfkc: bool = True
    bert_split: bool = False
    vocab_size: int = 32768
    min_frequency: int = 2
    limit_alphabet: int | None = None
    # None, "dictionary" (the MeCab segmenter's lexicon), "mecab:NAME|PATH", a file (one
    # character per line) or the characters themselves.
    alphabet: str | Sequence[str] | None = None
    special_tokens: tuple[str, ...] = BERT_SPECIALS
    unused: int = 10
    unused_format: str = "[unused{}]"
    prefix: str = "##"
    model_max_length: int = 512


WORDPIECE_PRESETS = {
    # cl-tohoku/bert-japanese v3 train_tokenizer.py + make_alphabet_from_unidic.py.
    "cl-tohoku-v3": WordPieceRecipe(limit_alphabet=7012, alphabet="dictionary"),
    # retarfi/language-pretraining v1.0 train_tokenizer.py (izumi-lab ELECTRA-small).
    "izumi-lab-electra": WordPieceRecipe(
        segmenter="mecab:ipadic",
        nfkc=False,
        bert_split=True,
        limit_alphabet=6129,
        special_tokens=("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"),
        unused_format="<unused{}>",
    ),
}


def wordpiece_recipe(preset: str | None = None, **overrides: Any) -> WordPieceRecipe:
    """A preset (or the defaults) with `overrides` (None values are ignored)."""
    if preset is None:
        base = WordPieceRecipe()
    elif preset in WORDPIECE_PRESETS:
        base = WORDPIECE_PRESETS[preset]
    else:
        raise _core.ConfigError(f"unknown WordPiece preset {preset!r}: use {', '.join(WORDPIECE_PRESETS)}")
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def mecab_alphabet(dictionary: str | os.PathLike[str]) -> str:
    """cl-tohoku's initial alphabet of a MeCab dictionary (`unidic-lite`, `ipadic` or a dicdir):
    the characters of its lexicon surfaces, each NFKC-normalised alone, kept when that gives one
    printable character (`str.isprintable`), distinct, sorted by code point."""
    return _core.mecab_alphabet(str(resolve_mecab_dicdir(dictionary)))


def _initial_alphabet(recipe: WordPieceRecipe) -> str:
    a = recipe.alphabet
    if a is None:
        return ""
    if not isinstance(a, str):
        return "".join(a)
    if a == "dictionary":
        kind, _, dic = recipe.segmenter.partition(":")
        if kind != "mecab":
            raise _core.ConfigError(f"alphabet 'dictionary' needs a MeCab segmenter, not {recipe.segmenter!r}")
        return mecab_alphabet(dic or "unidic-lite")
    if a.startswith("mecab:"):
        return mecab_alphabet(a[len("mecab:") :])
    path = Path(a)
    if not path.is_file():
        raise _core.ConfigError(f"alphabet {a!r}: not 'dictionary', 'mecab:DIC' or a file")
    chars = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if len(line) != 1:
            raise _core.InputError(f"{path}:{n}: an alphabet file holds one character per line, not {line!r}")
        chars.append(line)
    return "".join(chars)


def _special_tokens(recipe: WordPieceRecipe) -> list[str]:
    return list(recipe.special_tokens) + [recipe.unused_format.format(i) for i in range(recipe.unused)]


def _mecab_kwargs(segmenter: str) -> dict[str, str | None] | None:
    kind, _, dic = segmenter.partition(":")
    if kind != "mecab":
        return None
    dic = dic or "unidic-lite"
    if dic in ("unidic-lite", "unidic_lite", "ipadic"):
        return {"mecab_dic": dic.replace("-", "_")}
    path = resolve_mecab_dicdir(dic).resolve()
    return {"mecab_dic": None, "mecab_option": f'-d "{path}" -r "{path / "dicrc"}"'}


def _named_specials(tokens: Iterable[str]) -> dict[str, str]:
    present = set(tokens)
    names = {
        "unk_token": "[UNK]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "mask_token": "[MASK]",
    }
    return {k: v for k, v in names.items() if v in present}


def write_bert_japanese(
    directory: str | os.PathLike[str],
    vocab: Sequence[str],
    *,
    segmenter: str,
    subword: str = "wordpiece",
    model_max_length: int = 512,
) -> Path:
    """Writes `vocab.txt`, `tokenizer_config.json` and `special_tokens_map.json` of a
    `BertJapaneseTokenizer` (cased; the MeCab dictionary always named in `mecab_kwargs`)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    kwargs = _mecab_kwargs(segmenter)
    specials = _named_specials(vocab)
    config: dict[str, Any] = {
        "tokenizer_class": "BertJapaneseTokenizer",
        "do_lower_case": False,
        "word_tokenizer_type": "mecab" if kwargs else "basic",
        "subword_tokenizer_type": subword,
        "model_max_length": model_max_length,
        **specials,
    }
    if kwargs:
        config["mecab_kwargs"] = kwargs
    _write_json(out / "tokenizer_config.json", config)
    _write_json(out / "special_tokens_map.json", specials)
    return out


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def train_wordpiece(
    files: Sequence[str | os.PathLike[str]],
    output_dir: str | os.PathLike[str] | None,
    *,
    preset: str | None = None,
    char_vocab: int | None = None,
    char_output_dir: str | os.PathLike[str] | None = None,
    threads: int = 0,
    errors: str = "strict",
    progress: bool = False,
    continuation_order: str = "",
    cache: bool = True,
    **settings: Any,
) -> dict[str, Any]:
    """Trains a WordPiece vocabulary on `files` (one text per line; none: stdin) and writes a
    `BertJapaneseTokenizer` directory to `output_dir` (None: write nothing). `settings` are the
    fields of `WordPieceRecipe` overriding the preset. With `char_vocab=N` the first N entries
    (special tokens and characters, cl-tohoku's character vocabulary: 7027) are also written as a
    character tokenizer to `char_output_dir` (default: `output_dir` + `-char`).

    `continuation_order` fixes the order of the first `##c` entries (to reproduce one run of HF
    `tokenizers`, whose order follows its hash maps). Returns the vocabulary and the figures."""
    recipe = wordpiece_recipe(preset, **settings)
    initial_alphabet = _initial_alphabet(recipe)  # before the segmenter: the lexicon is freed first
    seg = Segmenter.from_spec(recipe.segmenter, cache=cache)
    specials = _special_tokens(recipe)
    vocab, report = _core.train_wordpiece(
        seg._core,
        [os.fspath(f) for f in files],
        nfkc=recipe.nfkc,
        bert_split=recipe.bert_split,
        vocab_size=recipe.vocab_size,
        min_frequency=recipe.min_frequency,
        limit_alphabet=recipe.limit_alphabet,
        initial_alphabet=initial_alphabet,
        special_tokens=specials,
        prefix=recipe.prefix,
        continuation_order=continuation_order,
        threads=threads,
        skip_invalid=errors == "skip",
        progress=progress,
    )
    if char_vocab is not None and not 0 < char_vocab <= len(vocab):
        raise _core.ConfigError(f"char vocab size {char_vocab} must be between 1 and the vocabulary's {len(vocab)}")
    report.update(vocab=vocab, recipe=recipe)
    if output_dir is not None:
        report["output_dir"] = write_bert_japanese(
            output_dir, vocab, segmenter=recipe.segmenter, model_max_length=recipe.model_max_length
        )
        if char_vocab is not None:
            char_dir = Path(char_output_dir) if char_output_dir else Path(f"{os.fspath(output_dir).rstrip('/')}-char")
            report["char_output_dir"] = write_bert_japanese(
                char_dir,
                vocab[:char_vocab],
                segmenter=recipe.segmenter,
                subword="character",
                model_max_length=recipe.model_max_length,
            )
    if not recipe.segmenter.startswith("mecab"):
        report["warning"] = (
            f"transformers has no {recipe.segmenter!r} word tokenizer: the directory uses 'basic' "
            "(whitespace and punctuation), so give it text segmented the same way"
        )
    return report


# ---------------------------------------------------------------------------------------------
# SentencePiece Unigram


@dataclass(frozen=True)
class UnigramRecipe:
    """SentencePiece trainer flags (names as `spm_train`'s) plus the input's segmenter."""

    segmenter: str | None = None  # words joined by spaces before training; None: raw lines
    nfkc: bool = False  # NFKC lines before segmenting (sentencepiece's own nmt_nfkc runs anyway)
    flags: dict[str, Any] = field(default_factory=dict)
    model_max_length: int = 512


_UNUSED = [f"[unused{i}]" for i in range(1, 11)]
# ALBERT's id layout (transformers 5's AlbertTokenizer assumes the unknown piece at id 1).
UNIGRAM_DEFAULTS = {
    "model_type": "unigram",
    "vocab_size": 32000,
    "character_coverage": 0.9995,
    "pad_id": 0,
    "pad_piece": "[PAD]",
    "unk_id": 1,
    "unk_piece": "[UNK]",
    "bos_id": 2,
    "bos_piece": "[CLS]",
    "eos_id": 3,
    "eos_piece": "[SEP]",
    "user_defined_symbols": ["[MASK]"],
}
UNIGRAM_PRESETS = {
    # UER-py word-based Chinese RoBERTa (HF model card command line).
    "uer-word-zh": UnigramRecipe(
        flags={
            "vocab_size": 100000,
            "max_sentence_length": 1024,
            "max_sentencepiece_length": 6,
            "user_defined_symbols": ["[MASK]", *_UNUSED],
            "pad_id": 0,
            "pad_piece": "[PAD]",
            "unk_id": 1,
            "unk_piece": "[UNK]",
            "bos_id": 2,
            "bos_piece": "[CLS]",
            "eos_id": 3,
            "eos_piece": "[SEP]",
            "train_extremely_large_corpus": True,
        }
    ),
    # colorfulscoop gpt2-small-ja (src/train_tokenizer.py).
    "colorfulscoop-gpt2-ja": UnigramRecipe(
        flags={
            "vocab_size": 32000,
            "pad_id": 0,
            "pad_piece": "<pad>",
            "unk_id": 1,
            "unk_piece": "<unk>",
            "bos_id": 2,
            "bos_piece": "<s>",
            "eos_id": 3,
            "eos_piece": "</s>",
            "control_symbols": ["<cls>", "<sep>"],
            "user_defined_symbols": [],  # none: piece 6 is the first learned piece, as in their model
            "input_sentence_size": 1_000_000,
            "shuffle_input_sentence": True,
            "add_dummy_prefix": False,
        }
    ),
    # nlp-waseda RoBERTa: Juman++ words separated by spaces (so `whitespace`), each word gets ▁.
    "nlp-waseda-roberta": UnigramRecipe(
        segmenter="whitespace",
        flags={
            "vocab_size": 32000,
            "pad_id": 0,
            "pad_piece": "[PAD]",
            "unk_id": 1,
            "unk_piece": "[UNK]",
            "bos_id": 2,
            "bos_piece": "[CLS]",
            "eos_id": 3,
            "eos_piece": "[SEP]",
            "user_defined_symbols": ["[MASK]"],
        },
    ),
}


def unigram_recipe(
    preset: str | None = None, segmenter: str | None = None, nfkc: bool | None = None, **flags: Any
) -> UnigramRecipe:
    if preset is None:
        base = UnigramRecipe()
    elif preset in UNIGRAM_PRESETS:
        base = UNIGRAM_PRESETS[preset]
    else:
        raise _core.ConfigError(f"unknown Unigram preset {preset!r}: use {', '.join(UNIGRAM_PRESETS)}")
    merged = {**UNIGRAM_DEFAULTS, **base.flags, **{k: v for k, v in flags.items() if v is not None}}
    return replace(
        base,
        flags=merged,
        segmenter=segmenter if segmenter is not None else base.segmenter,
        nfkc=base.nfkc if nfkc is None else nfkc,
    )


def _spm() -> Any:
    try:
        import sentencepiece
    except ImportError:
        raise _core.ConfigError("Unigram training needs sentencepiece: pip install 'wakachi[sentencepiece]'") from None
    return sentencepiece


def write_training_text(
    files: Sequence[str | os.PathLike[str]],
    out: IO[str],
    segmenter: Segmenter | None,
    *,
    nfkc: bool = False,
    threads: int = 0,
    batch: int = 20000,
) -> int:
    """Writes the non-blank lines of `files` to the text file `out`, each as its words joined by
    single spaces when `segmenter` is given. Returns the number of lines written."""
    import unicodedata

    n = 0
    buf: list[str] = []

    def flush() -> None:
        nonlocal n
        texts = [unicodedata.normalize("NFKC", t) for t in buf] if nfkc else buf
        rows = [" ".join(ws) for ws in segmenter.segment_batch(texts, threads)] if segmenter else texts
        for r in rows:
            if r.strip():
                out.write(r + "\n")
                n += 1
        buf.clear()

    for f in files:
        with open(f, encoding="utf-8", newline="\n") as fh:
            for line in fh:
                line = line.rstrip("\n").rstrip("\r")
                if line.strip():
                    buf.append(line)
                if len(buf) >= batch:
                    flush()
    flush()
    return n


def sentencepiece_flags(recipe: UnigramRecipe, input_path: str, model_prefix: str) -> dict[str, Any]:
    """The keyword arguments for `SentencePieceTrainer.train`."""
    flags = dict(recipe.flags)
    for k in ("user_defined_symbols", "control_symbols"):
        if isinstance(flags.get(k), (list, tuple)):
            flags[k] = ",".join(flags[k])
    return {"input": input_path, "model_prefix": model_prefix, **flags}


def train_unigram(
    files: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    preset: str | None = None,
    segmenter: str | None = None,
    nfkc: bool | None = None,
    seed: int | None = None,
    threads: int = 0,
    keep_input: str | os.PathLike[str] | None = None,
    cache: bool = True,
    **flags: Any,
) -> dict[str, Any]:
    """Trains a SentencePiece model with Google's trainer on `files` — raw lines, or each line's
    words joined by spaces when a segmenter is given (with `split_by_whitespace`, sentencepiece's
    default, no piece crosses a word boundary and every word starts with ▁). `flags` are
    `spm_train` flags over the preset's. `output` ending in `.model` gets the bare model;
    otherwise it is a directory with `spiece.model` and an `AlbertTokenizer` config
    (`keep_accents`, no lower-casing). `seed` fixes sentencepiece's random generator (sampling
    and shuffling of `input_sentence_size`). `keep_input` keeps the text fed to the trainer."""
    spm = _spm()
    recipe = unigram_recipe(preset, segmenter, nfkc, **flags)
    if "num_threads" not in recipe.flags and threads:
        recipe = replace(recipe, flags={**recipe.flags, "num_threads": threads})
    output = Path(output)
    if output.suffix != ".model" and recipe.flags.get("unk_id", 0) != 1:
        raise _core.ConfigError(
            f"unk_id {recipe.flags.get('unk_id', 0)}: transformers 5's AlbertTokenizer maps unknown text to id 1, "
            "so an AlbertTokenizer directory needs unk_id=1 (ALBERT's layout); write a bare .model instead"
        )
    seg = Segmenter.from_spec(recipe.segmenter, cache=cache) if recipe.segmenter else None
    with tempfile.TemporaryDirectory(prefix="wakachi-spm-") as tmp:
        text = Path(keep_input) if keep_input else Path(tmp) / "input.txt"
        with open(text, "w", encoding="utf-8", newline="\n") as out:
            lines = write_training_text(files, out, seg, nfkc=recipe.nfkc, threads=threads)
        if lines == 0:
            raise _core.InputError(f"{', '.join(map(str, files)) or '<stdin>'}: no non-blank line to train on")
        kwargs = sentencepiece_flags(recipe, str(text), str(Path(tmp) / "spiece"))
        if seed is not None:
            spm.set_random_generator_seed(seed)
        try:
            spm.SentencePieceTrainer.train(**kwargs, minloglevel=2)
        except RuntimeError as e:
            raise _core.ConfigError(f"sentencepiece: {e}") from None
        model = Path(tmp) / "spiece.model"
        if output.suffix == ".model":
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(model, output)
        else:
            output.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(model, output / "spiece.model")
            write_albert_config(output, recipe.model_max_length)
    return {"output": output, "lines": lines, "flags": kwargs, "recipe": recipe}


def write_albert_config(directory: Path, model_max_length: int = 512) -> None:
    """`tokenizer_config.json` and `special_tokens_map.json` for `AlbertTokenizer` over
    `directory/spiece.model`, naming the model's own special pieces."""
    sp = _spm().SentencePieceProcessor(model_file=str(directory / "spiece.model"))
    if sp.unk_id() != 1:
        raise _core.ConfigError(
            f"unk_id {sp.unk_id()}: transformers 5's AlbertTokenizer maps unknown text to id 1, so an "
            "AlbertTokenizer directory needs unk_id=1 (ALBERT's layout); write a bare .model instead"
        )

    def piece(i: int) -> str | None:
        return sp.id_to_piece(i) if 0 <= i < sp.get_piece_size() else None

    specials = {
        "unk_token": piece(sp.unk_id()),
        "pad_token": piece(sp.pad_id()),
        "bos_token": piece(sp.bos_id()),
        "eos_token": piece(sp.eos_id()),
        "cls_token": piece(sp.bos_id()),
        "sep_token": piece(sp.eos_id()),
    }
    pieces = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    if "[MASK]" in pieces:
        specials["mask_token"] = "[MASK]"
    elif "<mask>" in pieces:
        specials["mask_token"] = "<mask>"
    specials.setdefault("mask_token", None)  # null: transformers would add its default as a new token
    config = {
        "tokenizer_class": "AlbertTokenizer",
        "do_lower_case": False,
        "keep_accents": True,
        "remove_space": True,
        "model_max_length": model_max_length,
        **specials,
    }
    _write_json(directory / "tokenizer_config.json", config)
    _write_json(directory / "special_tokens_map.json", specials)
