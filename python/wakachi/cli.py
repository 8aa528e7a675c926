"""wakachi: Japanese and Chinese text to pretraining shards, on every core.

Segment text exactly as MeCab (or jieba) does, split it into sentences, train a WordPiece or
Unigram vocabulary, encode exactly as transformers does, and pack pretraining instances (BERT,
RoBERTa, ELECTRA, GPT-2, UER) into resumable Arrow shards."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from wakachi import ConfigError, WakachiError, __version__
from wakachi.corpus import add_parsers as add_corpus_parsers
from wakachi.recipe.cli import add_parsers as add_recipe_parsers
from wakachi.report import plural, throughput_line
from wakachi.segment import Segmenter
from wakachi.train.cli import add_parsers as add_train_parsers

EXAMPLES = """examples:
  wakachi segment -s mecab:unidic-lite corpus.txt > words.txt
  wakachi split --rule cl-tohoku --min-len 10 --max-len 200 wiki.txt > sentences.txt
  wakachi vocab wordpiece --preset cl-tohoku-v3 -o tok/ sentences.txt
  wakachi encode -t tok/ sentences.txt > ids.txt
  wakachi pack -t tok/ --format bert -o shards/ sentences.txt
  wakachi inspect shards/shard-00000.arrow --vocab tok/vocab.txt -n 3

Run `wakachi COMMAND --help` for a command's options."""


def _report_lines(args: argparse.Namespace, what: str, report: dict[str, Any], counts: str, blank: bool = True) -> None:
    """The closing stderr line of a line-to-line command (always when lines were skipped)."""
    skipped = report["skipped_invalid_utf8"]
    if args.quiet and not skipped:
        return
    msg = throughput_line(what, report, counts)
    if skipped:
        msg += f"; {plural(skipped, 'line')} skipped as invalid UTF-8" + (" (written blank)" if blank else "")
    print(msg, file=sys.stderr)


def _segment(args: argparse.Namespace) -> int:
    extra = {} if args.user_dict is None else {"user_dict": args.user_dict}
    seg = Segmenter.from_spec(args.segmenter, cache=not args.no_cache, **extra)
    sys.stdout.flush()
    report = seg.segment_files(
        args.files, features=args.features, threads=args.threads, errors=args.errors, progress=args.progress
    )
    _report_lines(args, "segment", report, plural(report["words"], "word"))
    return 0


def _split(args: argparse.Namespace) -> int:
    from wakachi.split import split_files

    seg = args.segmenter
    if seg is not None:
        seg = Segmenter.from_spec(seg, cache=not args.no_cache)
    sys.stdout.flush()
    report = split_files(
        args.files,
        args.output,
        args.rule,
        seg,
        min_len=args.min_len,
        max_len=args.max_len,
        documents=not args.no_documents,
        threads=args.threads,
        errors=args.errors,
        progress=args.progress,
    )
    counts = (
        f"{plural(report['sentences'], 'sentence')} ({report['dropped_by_length']:,} dropped by length), "
        f"{plural(report['documents'], 'document')}"
    )
    _report_lines(args, "split", report, counts, blank=False)
    return 0


def _encode(args: argparse.Namespace) -> int:
    from wakachi.tokenizer import Tokenizer

    tok = Tokenizer.from_pretrained(args.tokenizer, cache=not args.no_cache)
    sys.stdout.flush()
    report = tok.encode_files(args.files, threads=args.threads, errors=args.errors, progress=args.progress)
    _report_lines(args, "encode", report, plural(report["tokens"], "token"))
    return 0


def _flag(name: str) -> str:
    """The command-line flag of a `PackConfig` field."""
    return {"inputs": "FILE...", "tokenizer": "--tokenizer", "output": "--output", "cache": "--no-cache"}.get(
        name, "--" + name.replace("_", "-")
    )


def _pack(args: argparse.Namespace) -> int:
    import re

    from wakachi.pack import FIELDS, PackConfig, load_config_file, pack, summary

    settings = load_config_file(args.config) if args.config else {}
    flags = {k: v for k, v in vars(args).items() if k in FIELDS and v is not None}
    if args.files:
        flags["inputs"] = args.files
    if args.no_cache:
        flags["cache"] = False
    if getattr(args, "task_mb", None) is not None:
        if args.task_mb <= 0:
            raise ConfigError("--task-mb must be > 0")
        flags["task_bytes"] = max(1, int(args.task_mb * 1e6))
    settings.update(flags)
    for key in ("tokenizer", "output", "inputs"):
        if key not in settings:
            raise ConfigError(f"pack needs {_flag(key)} (on the command line or in --config)")
    try:
        cfg = PackConfig(**settings)
    except ConfigError as e:
        # Name the flag the user typed (`--max-seq-length`), not the setting (`max_seq_length`).
        msg = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", lambda m: _flag(m[0]) if m[0] in flags else m[0], str(e))
        raise ConfigError(msg) from None
    try:
        report = pack(cfg)
    except KeyboardInterrupt:
        print("wakachi pack: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    if not args.quiet or report["skipped_invalid_utf8"] or report["skipped_bad_records"]:
        print(summary(report), file=sys.stderr)
    return 0


def _vocab_wordpiece(args: argparse.Namespace) -> int:
    from wakachi.vocab import train_wordpiece

    settings = {
        "segmenter": args.segmenter,
        "vocab_size": args.vocab_size,
        "min_frequency": args.min_frequency,
        "limit_alphabet": args.limit_alphabet,
        "alphabet": args.alphabet,
        "unused": args.unused,
    }
    if args.no_nfkc:
        settings["nfkc"] = False
    order = ""
    if args.continuation_order is not None:
        with open(args.continuation_order, encoding="utf-8") as f:
            order = "".join(t[2:] for t in f.read().splitlines() if t.startswith("##") and len(t) == 3)
    r = train_wordpiece(
        args.files,
        args.output,
        preset=args.preset,
        char_vocab=args.char_vocab,
        char_output_dir=args.char_output,
        threads=args.threads,
        errors=args.errors,
        progress=args.progress,
        continuation_order=order,
        cache=not args.no_cache,
        **settings,
    )
    if not args.quiet:
        mb = r["bytes"] / 1e6
        print(
            f"wakachi vocab wordpiece: {plural(r['lines'], 'line')}, {mb:.2f} MB, {plural(r['words'], 'word')} "
            f"({r['distinct_words']:,} distinct) counted in {r['count_seconds']:.2f} s, "
            f"{plural(len(r['vocab']), 'entry')} trained in {r['train_seconds']:.2f} s -> {r['output_dir']}"
            + (f" and {r['char_output_dir']}" if "char_output_dir" in r else ""),
            file=sys.stderr,
        )
    if "warning" in r:
        print(f"wakachi: warning: {r['warning']}", file=sys.stderr)
    return 0


def _vocab_unigram(args: argparse.Namespace) -> int:
    from wakachi.vocab import train_unigram

    flags: dict[str, Any] = {}
    for kv in args.flag or []:
        k, sep, v = kv.partition("=")
        if not sep:
            raise ConfigError(f"--flag {kv!r}: use NAME=VALUE")
        try:
            flags[k] = json.loads(v)
        except json.JSONDecodeError:
            flags[k] = v
    for k in ("vocab_size", "character_coverage", "max_sentencepiece_length", "input_sentence_size"):
        if getattr(args, k) is not None:
            flags[k] = getattr(args, k)
    if args.user_defined_symbols is not None:
        flags["user_defined_symbols"] = args.user_defined_symbols
    if args.no_dummy_prefix:
        flags["add_dummy_prefix"] = False
    r = train_unigram(
        args.files,
        args.output,
        preset=args.preset,
        segmenter=args.segmenter,
        seed=args.seed,
        threads=args.threads,
        cache=not args.no_cache,
        **flags,
    )
    if not args.quiet:
        print(f"wakachi vocab unigram: {plural(r['lines'], 'line')} -> {r['output']}", file=sys.stderr)
    return 0


def _dict_decompile(args: argparse.Namespace) -> int:
    from wakachi.dictionaries import decompile_mecab

    n = decompile_mecab(args.dictionary, args.outdir)
    print(f"wrote {plural(n, 'lexicon entry')} as MeCab sources to {args.outdir}", file=sys.stderr)
    return 0


def _dict_info(args: argparse.Namespace) -> int:
    seg = Segmenter.mecab(args.dictionary, cache=not args.no_cache)
    for k, v in (seg.load_report or {}).items():
        print(f"{k}: {v}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from wakachi.shards import inspect

    print(inspect(args.shard, vocab=args.vocab, n=args.n))
    return 0


def _parent(
    *flags: str, errors: str = "skip and count", bad: str = "invalid UTF-8", config: dict[str, Any] | None = None
) -> argparse.ArgumentParser:
    """The run flags several commands share, each defined once: `threads`, `errors`, `progress`,
    `cache`, `quiet`. With `config` (pack) the defaults live in a config object: the flags default
    to None, so that a --config file can set them, and the help shows the config's defaults."""

    def default(name: str, value: Any) -> tuple[Any, str]:
        return (value, "(default: %(default)s)") if config is None else (None, f"(default: {config[name]})")

    p = argparse.ArgumentParser(add_help=False)
    if "threads" in flags:
        value, shown = default("threads", 0)
        p.add_argument("-j", "--threads", type=int, default=value, help=f"threads, 0 = all cores {shown}")
    if "errors" in flags:
        value, shown = default("errors", "strict")
        p.add_argument(
            "--errors",
            choices=["strict", "skip"],
            default=value,
            help=f"{bad}: stop naming file and line (strict) or {errors} (skip) {shown}",
        )
    if "progress" in flags:
        value, _ = default("progress", False)
        p.add_argument("--progress", action="store_true", default=value, help="show MB/s and ETA on stderr")
    if "cache" in flags:
        p.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    if "quiet" in flags:
        p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    return p


RUN = ("threads", "errors", "progress", "cache", "quiet")


# Commands on text alone: when one of them is run, the parser holds only these, since the other
# commands' parsers import modules (vocabulary training, pack, recipes) that text never needs.
TEXT_COMMANDS = ("segment", "split", "encode", "inspect")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; with `command` one of `TEXT_COMMANDS`, only those commands are in it."""
    p = argparse.ArgumentParser(
        prog="wakachi", description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--version", action="version", version=f"wakachi {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    blank = _parent(*RUN, errors="write a blank line and count it")

    s = sub.add_parser("segment", parents=[blank], help="split text into words, one output line per input line")
    s.add_argument(
        "-s",
        "--segmenter",
        default="mecab:unidic-lite",
        help="mecab:unidic-lite | mecab:ipadic | mecab:PATH | whitespace | char | jieba | jieba:nohmm "
        "(default: %(default)s)",
    )
    s.add_argument(
        "--user-dict", metavar="PATH", help="jieba user dictionary (word [freq] [tag] per line, as jieba.load_userdict)"
    )
    s.add_argument(
        "--features",
        action="store_true",
        help="write MeCab's format: surface<TAB>feature per word, EOS after each line",
    )
    s.add_argument("files", nargs="*", help="input files (default: stdin)")
    s.set_defaults(func=_segment)

    sp = sub.add_parser(
        "split",
        parents=[_parent(*RUN, errors="skip the line and count it")],
        help="split lines into sentences, one per line, blank lines between documents",
    )
    sp.add_argument(
        "--rule",
        choices=["cl-tohoku", "zh"],
        default="cl-tohoku",
        help="cl-tohoku: cut after MeCab tokens tagged 記号+句点; zh: cut after 。！？ and closing quotes "
        "(default: %(default)s)",
    )
    sp.add_argument(
        "-s",
        "--segmenter",
        default=None,
        help="MeCab segmenter for cl-tohoku (default mecab:unidic-lite): mecab:ipadic | mecab:PATH",
    )
    sp.add_argument("--min-len", type=int, help="drop sentences shorter than N characters (cl-tohoku used 10)")
    sp.add_argument("--max-len", type=int, help="drop sentences longer than N characters (cl-tohoku used 200)")
    sp.add_argument("--no-documents", action="store_true", help="no blank line after each document")
    sp.add_argument("-o", "--output", help="output file (default: stdout)")
    sp.add_argument("files", nargs="*", help="input files (default: stdin); blank lines separate documents")
    sp.set_defaults(func=_split)

    e = sub.add_parser(
        "encode",
        parents=[blank],
        help="text to token ids as transformers/sentencepiece, one line of ids per input line",
    )
    e.add_argument(
        "-t",
        "--tokenizer",
        required=True,
        help="BertJapaneseTokenizer, AlbertTokenizer or BertGenerationTokenizer directory, or a SentencePiece .model",
    )
    e.add_argument("files", nargs="*", help="input files (default: stdin)")
    e.set_defaults(func=_encode)

    ins = sub.add_parser(
        "inspect",
        help="decode the first rows of a shard back to text (verified against its manifest)",
        description="Decode the first rows of a shard back to text, verified against its manifest. In the "
        "text, [MASK:x] is a masked position and x the token the model must predict; [MASK:x→y] a masked "
        "position whose input shows y instead of [MASK] (BERT keeps 10% and randomises 10% of them). "
        "next_sentence_label is 0 when B follows A in the document and 1 when B is a random sentence.",
    )
    ins.add_argument("shard", help="a shard-NNNNN.arrow file")
    ins.add_argument("--vocab", help="vocab.txt (one token a line) to show tokens instead of ids")
    ins.add_argument("-n", type=int, default=5, help="rows to show (default: %(default)s)")
    ins.set_defaults(func=_inspect)
    if command in TEXT_COMMANDS:
        return p
    _add_vocab_parser(sub)
    _add_pack_parser(sub)
    add_train_parsers(sub)  # train, export, plot
    add_corpus_parsers(sub)  # corpus wikipedia, corpus deal
    add_recipe_parsers(sub)  # recipe list|show, run

    d = sub.add_parser("dict", help="MeCab dictionary tools")
    dsub = d.add_subparsers(dest="dict_command", required=True, metavar="COMMAND")
    dc = dsub.add_parser("decompile", help="write a binary MeCab dictionary as UTF-8 source files")
    dc.add_argument("dictionary", help="unidic-lite | ipadic | PATH")
    dc.add_argument("outdir")
    dc.set_defaults(func=_dict_decompile)
    di = dsub.add_parser("info", parents=[_parent("cache")], help="load a dictionary (filling the cache) and print how")
    di.add_argument("dictionary", help="unidic-lite | ipadic | PATH")
    di.set_defaults(func=_dict_info)
    return p


def _add_pack_parser(sub: Any) -> None:
    from wakachi.pack import MAX_BERT_SEQ_LENGTH, SHORT_SEQ_PROB, PackConfig

    default = {f: getattr(PackConfig, f) for f in PackConfig.__dataclass_fields__ if hasattr(PackConfig, f)}
    pk = sub.add_parser(
        "pack",
        parents=[_parent(*RUN, bad="invalid UTF-8 / bad JSONL record", config=default)],
        help="corpus files to pretraining instances in Arrow shards (resumable)",
        description="Corpus files to pretraining instances in Arrow shards, on all cores, in bounded memory; "
        "a run stopped at any point (Ctrl-C, kill -9) resumes to the same bytes when run again. Settings come "
        "from the flags, --config, or both (flags win).",
    )
    need = pk.add_argument_group("required (here or in --config)")
    need.add_argument(
        "-t", "--tokenizer", help="BertJapaneseTokenizer dir, SentencePiece .model, or AlbertTokenizer dir"
    )
    need.add_argument(
        "-o", "--output", help="output directory, or a URL: s3://bucket/prefix/, gs://…, any fsspec URL (wakachi[s3])"
    )
    need.add_argument("files", nargs="*", metavar="FILE", help="corpus files or URLs (.gz, .zst, .xz are decompressed)")
    pk.add_argument(
        "--format",
        choices=["bert", "roberta", "electra", "gpt2", "uer"],
        help=f"instance format (default {default['format']}); uer reads one document a line unless --input-format "
        "says otherwise",
    )
    pk.add_argument(
        "--compat",
        action="store_true",
        default=None,
        help="the reference script's exact random draws: bert: Google's create_pretraining_data (whole input "
        "in memory); electra: izumi-lab's (one random.Random(seed) over the documents in order)",
    )
    pk.add_argument(
        "--max-seq-length",
        type=_positive,
        help=f"tokens per row; gpt2: the block size, rows hold one more; bert: at most {MAX_BERT_SEQ_LENGTH:,} "
        f"(default {default['max_seq_length']})",
    )
    pk.add_argument(
        "--dupe-factor", type=_positive, help=f"bert: passes over the data (default {default['dupe_factor']})"
    )
    pk.add_argument("--seed", type=int, help=f"random seed (default {default['seed']})")
    pk.add_argument(
        "--rows-per-shard", type=_positive, help=f"rows per shard file (default {default['rows_per_shard']:,})"
    )
    pk.add_argument(
        "--block-documents",
        type=_positive,
        help=f"bert streaming: documents per block (default {default['block_documents']:,})",
    )
    pk.add_argument(
        "--block-bytes",
        type=_positive,
        help=f"bert streaming: a block also ends at this much text (default {default['block_bytes'] >> 20} MiB)",
    )
    pk.add_argument(
        "--masked-lm-prob", type=float, help=f"bert: share of tokens masked (default {default['masked_lm_prob']})"
    )
    pk.add_argument(
        "--max-predictions-per-seq",
        type=_positive,
        help="bert: most masked tokens per row (default: max-seq-length × masked-lm-prob, rounded down: 19 at 128)",
    )
    pk.add_argument(
        "--short-seq-prob",
        type=float,
        help="bert/electra: probability of a short target length (default: "
        + ", ".join(f"{k} {v}" for k, v in SHORT_SEQ_PROB.items())
        + ")",
    )
    pk.add_argument(
        "--shuffle",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="shuffle rows on disk (default: on for bert and electra, off for the others and --compat)",
    )
    pk.add_argument(
        "--shuffle-memory",
        type=_positive,
        help=f"bytes for the shuffle's bucket (default {default['shuffle_memory'] >> 20} MiB)",
    )
    pk.add_argument("--config", help="TOML or JSON file of settings (flags override it)")
    pk.add_argument(
        "--input-format",
        choices=["lines", "docs", "jsonl"],
        help="lines: a sentence a line, blank lines between documents (default); docs: a document a line "
        "(default for uer, as UER-py reads its corpus); jsonl: a JSON record a line",
    )
    pk.add_argument(
        "--jsonl-field", help=f"jsonl: the text field (default {default['jsonl_field']}); its lines are the sentences"
    )
    pk.add_argument("--overwrite", action="store_true", default=None, help="replace the output instead of resuming it")
    ray = pk.add_argument_group("distributed (the same output, byte for byte)")
    ray.add_argument(
        "--executor",
        choices=["local", "ray"],
        help="local: this process, on its cores (default); ray: tasks on a Ray cluster (wakachi[ray])",
    )
    ray.add_argument(
        "--address",
        dest="ray_address",
        help="ray: the cluster to join (ray.init's address, e.g. 10.0.0.1:6379 or auto); default: start a "
        "local Ray instance",
    )
    ray.add_argument(
        "--task-mb", type=float, help=f"ray: MB of text per task (default {default['task_bytes'] / 1e6:.0f})"
    )
    ray.add_argument("--task-threads", type=_positive, help=f"ray: cores per task (default {default['task_threads']})")
    ray.add_argument(
        "--max-retries",
        type=int,
        help=f"ray: reruns of a task whose worker died (default {default['max_retries']})",
    )
    ray.add_argument(
        "--task-dir",
        help="ray: work directory every node reaches (shared path or URL; default OUTPUT/.wakachi-tasks)",
    )
    pk.set_defaults(func=_pack)


def _positive(text: str) -> int:
    """An argparse type: an integer > 0 (argparse names the flag in its error)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, not {n}")
    return n


def _add_vocab_parser(sub: Any) -> None:
    from wakachi.vocab import UNIGRAM_DEFAULTS, WordPieceRecipe

    wp = WordPieceRecipe()
    v = sub.add_parser("vocab", help="train a subword vocabulary (WordPiece or SentencePiece Unigram)")
    vsub = v.add_subparsers(dest="vocab_command", required=True, metavar="KIND")
    w = vsub.add_parser(
        "wordpiece",
        parents=[_parent(*RUN, errors="skip the line and count it")],
        help="WordPiece over segmented words, as HF tokenizers' trainer",
    )
    w.add_argument("--preset", help="cl-tohoku-v3 | izumi-lab-electra")
    w.add_argument(
        "-s",
        "--segmenter",
        help=f"mecab:unidic-lite | mecab:ipadic | mecab:PATH | jieba | whitespace | char (default {wp.segmenter})",
    )
    w.add_argument("-o", "--output", required=True, help="tokenizer directory to write")
    w.add_argument("--vocab-size", type=_positive, help=f"default {wp.vocab_size}")
    w.add_argument("--min-frequency", type=int, help=f"default {wp.min_frequency}")
    w.add_argument("--limit-alphabet", type=int, help="keep at most N characters")
    w.add_argument("--alphabet", help="initial alphabet: dictionary | mecab:DIC | FILE (one character per line)")
    w.add_argument(
        "--unused", type=int, help=f"number of [unusedN] tokens after the special tokens (default {wp.unused})"
    )
    w.add_argument("--no-nfkc", action="store_true", help="do not NFKC lines before segmenting")
    w.add_argument(
        "--continuation-order",
        metavar="VOCAB_TXT",
        help="a vocab.txt whose ##c entries (one character after ##) give the order of ours: HF tokenizers "
        "orders them by its hash maps, differently in every process; given one run's vocab.txt, the "
        "vocabulary is reproduced byte for byte",
    )
    w.add_argument("--char-vocab", type=_positive, help="also write a character tokenizer of the first N entries")
    w.add_argument("--char-output", help="its directory (default: OUTPUT-char)")
    w.add_argument("files", nargs="*", help="input files, one text per line (default: stdin)")
    w.set_defaults(func=_vocab_wordpiece)

    u = vsub.add_parser(
        "unigram",
        parents=[_parent("threads", "cache", "quiet")],
        help="SentencePiece Unigram (Google's trainer) on raw or segmented lines",
    )
    u.add_argument("--preset", help="uer-word-zh | colorfulscoop-gpt2-ja | nlp-waseda-roberta")
    u.add_argument("-s", "--segmenter", help="feed each line's words joined by spaces (default: raw lines)")
    u.add_argument(
        "-o", "--output", required=True, help="directory (spiece.model + AlbertTokenizer config) or FILE.model"
    )
    u.add_argument("--vocab-size", type=_positive, help=f"default {UNIGRAM_DEFAULTS['vocab_size']}")
    u.add_argument("--character-coverage", type=float, help=f"default {UNIGRAM_DEFAULTS['character_coverage']}")
    u.add_argument("--max-sentencepiece-length", type=_positive)
    u.add_argument("--input-sentence-size", type=int, help="sample this many lines (shuffled)")
    u.add_argument("--user-defined-symbols", help="comma-separated")
    u.add_argument("--no-dummy-prefix", action="store_true", help="add_dummy_prefix=false")
    u.add_argument(
        "--flag",
        action="append",
        metavar="NAME=VALUE",
        help="any spm_train flag, e.g. pad_id=0 pad_piece=[PAD] (repeatable)",
    )
    u.add_argument("--seed", type=int, help="sentencepiece's random seed")
    u.add_argument("files", nargs="+", help="input files, one text per line")
    u.set_defaults(func=_vocab_unigram)


def main(argv: list[str] | None = None) -> int:
    """Runs one command; returns the exit status: 0, 1 on an error (one line on stderr), 130 on
    Ctrl-C (one line, never a traceback, also while a command waits for input)."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv and argv[0] in TEXT_COMMANDS else None).parse_args(argv)
    name = " ".join(
        x for x in (args.command, getattr(args, "vocab_command", None), getattr(args, "dict_command", None)) if x
    )
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        print(f"wakachi {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (WakachiError, OSError) as e:
        print(f"wakachi: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
