"""The `wakachi` command. Subcommands call the public API only."""

from __future__ import annotations

import argparse
import sys

from wakachi import WakachiError, __version__
from wakachi.corpus import add_parsers as add_corpus_parsers
from wakachi.segment import Segmenter
from wakachi.train.cli import add_parsers as add_train_parsers


def _report_lines(args: argparse.Namespace, what: str, report: dict, counts: str, blank: bool = True) -> None:
    """The closing stderr line of a line-to-line command (always when lines were skipped)."""
    skipped = report["skipped_invalid_utf8"]
    if args.quiet and not skipped:
        return
    mb = report["bytes"] / 1e6
    secs = max(report["seconds"], 1e-9)
    msg = f"wakachi {what}: {report['lines']:,} lines, {mb:.2f} MB, {counts} in {secs:.2f} s ({mb / secs:.2f} MB/s)"
    if skipped:
        msg += f"; {skipped:,} lines skipped as invalid UTF-8" + (" (written blank)" if blank else "")
    print(msg, file=sys.stderr)


def _segment(args: argparse.Namespace) -> int:
    extra = {} if args.user_dict is None else {"user_dict": args.user_dict}
    seg = Segmenter.from_spec(args.segmenter, cache=not args.no_cache, **extra)
    sys.stdout.flush()
    report = seg._core.segment_files(
        args.files,
        features=args.features,
        threads=args.threads,
        skip_invalid=args.errors == "skip",
        progress=args.progress,
    )
    _report_lines(args, "segment", report, f"{report['words']:,} words")
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
        f"{report['sentences']:,} sentences ({report['dropped_by_length']:,} dropped by length), "
        f"{report['documents']:,} documents"
    )
    _report_lines(args, "split", report, counts, blank=False)
    return 0


def _encode(args: argparse.Namespace) -> int:
    from wakachi.tokenizer import Tokenizer

    tok = Tokenizer.from_pretrained(args.tokenizer, cache=not args.no_cache)
    sys.stdout.flush()
    report = tok._core.encode_files(
        args.files, threads=args.threads, skip_invalid=args.errors == "skip", progress=args.progress
    )
    _report_lines(args, "encode", report, f"{report['tokens']:,} tokens")
    return 0


def _pack(args: argparse.Namespace) -> int:
    from wakachi.pack import FIELDS, PackConfig, load_config_file, pack, summary

    settings = load_config_file(args.config) if args.config else {}
    flags = {k: v for k, v in vars(args).items() if k in FIELDS and v is not None}
    if args.files:
        flags["inputs"] = args.files
    settings.update(flags)
    for key, flag in (("tokenizer", "--tokenizer"), ("output", "-o"), ("inputs", "FILE...")):
        if key not in settings:
            raise WakachiError(f"pack needs {flag} (on the command line or in --config)")
    try:
        report = pack(PackConfig(**settings))
    except KeyboardInterrupt:
        print("wakachi pack: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    if not args.quiet or report["skipped_invalid_utf8"] or report["skipped_bad_records"]:
        print(summary(report), file=sys.stderr)
    return 0


def _vocab_wordpiece(args: argparse.Namespace) -> int:
    from wakachi.vocab import train_wordpiece

    settings = dict(
        segmenter=args.segmenter,
        vocab_size=args.vocab_size,
        min_frequency=args.min_frequency,
        limit_alphabet=args.limit_alphabet,
        alphabet=args.alphabet,
        unused=args.unused,
    )
    if args.no_nfkc:
        settings["nfkc"] = False
    r = train_wordpiece(
        args.files,
        args.output,
        preset=args.preset,
        char_vocab=args.char_vocab,
        char_output_dir=args.char_output,
        threads=args.threads,
        errors=args.errors,
        progress=args.progress,
        cache=not args.no_cache,
        **settings,
    )
    if not args.quiet:
        mb = r["bytes"] / 1e6
        print(
            f"wakachi vocab wordpiece: {r['lines']:,} lines, {mb:.2f} MB, {r['words']:,} words "
            f"({r['distinct_words']:,} distinct) counted in {r['count_seconds']:.2f} s, "
            f"{len(r['vocab']):,} entries trained in {r['train_seconds']:.2f} s -> {r['output_dir']}"
            + (f" and {r['char_output_dir']}" if "char_output_dir" in r else ""),
            file=sys.stderr,
        )
    if "warning" in r:
        print(f"wakachi: warning: {r['warning']}", file=sys.stderr)
    return 0


def _vocab_unigram(args: argparse.Namespace) -> int:
    import json

    from wakachi.vocab import train_unigram

    flags = {}
    for kv in args.flag or []:
        k, sep, v = kv.partition("=")
        if not sep:
            raise WakachiError(f"--flag {kv!r}: use NAME=VALUE")
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
        print(f"wakachi vocab unigram: {r['lines']:,} lines -> {r['output']}", file=sys.stderr)
    return 0


def _dict_decompile(args: argparse.Namespace) -> int:
    from wakachi import _core
    from wakachi.dictionaries import resolve_mecab_dicdir

    n = _core.decompile_mecab(str(resolve_mecab_dicdir(args.dictionary)), args.outdir)
    print(f"wrote {n:,} lexicon entries as MeCab sources to {args.outdir}", file=sys.stderr)
    return 0


def _dict_info(args: argparse.Namespace) -> int:
    seg = Segmenter.mecab(args.dictionary, cache=not args.no_cache)
    for k, v in seg.load_report.items():
        print(f"{k}: {v}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from wakachi.shards import inspect

    print(inspect(args.shard, vocab=args.vocab, n=args.n))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wakachi", description=__doc__)
    p.add_argument("--version", action="version", version=f"wakachi {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("segment", help="split text into words, one output line per input line")
    s.add_argument(
        "-s",
        "--segmenter",
        default="mecab:unidic-lite",
        help="mecab:unidic-lite | mecab:ipadic | mecab:PATH | whitespace | char | jieba | jieba:nohmm",
    )
    s.add_argument(
        "--user-dict", metavar="PATH", help="jieba user dictionary (word [freq] [tag] per line, as jieba.load_userdict)"
    )
    s.add_argument(
        "--features",
        action="store_true",
        help="write MeCab's format: surface<TAB>feature per word, EOS after each line",
    )
    s.add_argument("-j", "--threads", type=int, default=0, help="threads (default: all cores)")
    s.add_argument(
        "--errors",
        choices=["strict", "skip"],
        default="strict",
        help="invalid UTF-8: stop naming file and line (strict) or write a blank line and count it (skip)",
    )
    s.add_argument("--progress", action="store_true", help="show MB/s and ETA on stderr")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    s.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    s.add_argument("files", nargs="*", help="input files (default: stdin)")
    s.set_defaults(func=_segment)

    sp = sub.add_parser("split", help="split lines into sentences, one per line, blank lines between documents")
    sp.add_argument(
        "--rule",
        choices=["cl-tohoku", "zh"],
        default="cl-tohoku",
        help="cl-tohoku: cut after MeCab tokens tagged 記号+句点; zh: cut after 。！？ and closing quotes",
    )
    sp.add_argument(
        "-s",
        "--segmenter",
        default=None,
        help="MeCab segmenter for cl-tohoku (default mecab:unidic-lite): mecab:ipadic | mecab:PATH",
    )
    sp.add_argument(
        "--min-len", type=int, default=None, help="drop sentences shorter than N characters (cl-tohoku: 10)"
    )
    sp.add_argument(
        "--max-len", type=int, default=None, help="drop sentences longer than N characters (cl-tohoku: 200)"
    )
    sp.add_argument("--no-documents", action="store_true", help="no blank line after each document")
    sp.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    sp.add_argument("-j", "--threads", type=int, default=0, help="threads (default: all cores)")
    sp.add_argument(
        "--errors",
        choices=["strict", "skip"],
        default="strict",
        help="invalid UTF-8: stop naming file and line (strict) or skip the line and count it (skip)",
    )
    sp.add_argument("--progress", action="store_true", help="show MB/s and ETA on stderr")
    sp.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    sp.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    sp.add_argument("files", nargs="*", help="input files (default: stdin); blank lines separate documents")
    sp.set_defaults(func=_split)

    e = sub.add_parser("encode", help="text to token ids (BertJapaneseTokenizer), one line of ids per input line")
    e.add_argument("-t", "--tokenizer", required=True, help="tokenizer directory (vocab.txt + tokenizer_config.json)")
    e.add_argument("-j", "--threads", type=int, default=0, help="threads (default: all cores)")
    e.add_argument(
        "--errors",
        choices=["strict", "skip"],
        default="strict",
        help="invalid UTF-8: stop naming file and line (strict) or write a blank line and count it (skip)",
    )
    e.add_argument("--progress", action="store_true", help="show MB/s and ETA on stderr")
    e.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    e.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    e.add_argument("files", nargs="*", help="input files (default: stdin)")
    e.set_defaults(func=_encode)

    ins = sub.add_parser(
        "inspect", help="decode the first rows of a shard back to text (verified against its manifest)"
    )
    ins.add_argument("shard", help="a shard-NNNNN.arrow file")
    ins.add_argument("--vocab", default=None, help="vocab.txt (one token a line) to show tokens instead of ids")
    ins.add_argument("-n", type=int, default=5, help="rows to show (default 5)")
    ins.set_defaults(func=_inspect)
    _add_vocab_parser(sub)
    add_train_parsers(sub)  # train, export, plot
    add_corpus_parsers(sub)  # corpus wikipedia, corpus deal

    pk = sub.add_parser("pack", help="corpus files to pretraining instances in Arrow shards (resumable)")
    pk.add_argument("-t", "--tokenizer", help="BertJapaneseTokenizer dir, SentencePiece .model, or AlbertTokenizer dir")
    pk.add_argument(
        "--format", choices=["bert", "roberta", "electra", "gpt2", "uer"], help="instance format (default bert)"
    )
    pk.add_argument(
        "--compat",
        action="store_true",
        default=None,
        help="bert: Google's exact algorithm and random draws, whole input in memory",
    )
    pk.add_argument("--max-seq-length", type=int, help="tokens per row (gpt2: the block size; rows hold one more)")
    pk.add_argument("--dupe-factor", type=int, help="bert: passes over the data (default 10)")
    pk.add_argument("--seed", type=int, help="random seed (default 12345)")
    pk.add_argument("--rows-per-shard", type=int, help="rows per shard file (default 50000)")
    pk.add_argument("--block-documents", type=int, help="bert streaming: documents per block (default 1000)")
    pk.add_argument(
        "--block-bytes", type=int, help="bert streaming: a block also ends at this much text (default 16 MiB)"
    )
    pk.add_argument("--masked-lm-prob", type=float, help="bert: share of tokens masked (default 0.15)")
    pk.add_argument("--max-predictions-per-seq", type=int, help="bert: most masked tokens per row")
    pk.add_argument("--short-seq-prob", type=float, help="bert/electra: probability of a short target length")
    pk.add_argument(
        "--shuffle",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="shuffle rows on disk (default: on for bert and electra, off for the others and --compat)",
    )
    pk.add_argument("--shuffle-memory", type=int, help="bytes for the shuffle's bucket (default 512 MiB)")
    pk.add_argument("--config", help="TOML or JSON file of settings (flags override it)")
    pk.add_argument("-j", "--threads", type=int, help="threads (default: all cores)")
    pk.add_argument(
        "--errors",
        choices=["strict", "skip"],
        help="invalid UTF-8 / bad JSONL record: stop naming file and line (strict) or skip and count (skip)",
    )
    pk.add_argument(
        "--input-format",
        choices=["lines", "docs", "jsonl"],
        help="lines: a sentence a line, blank lines between documents (default); docs: a document a line; "
        "jsonl: a JSON record a line",
    )
    pk.add_argument("--jsonl-field", help="jsonl: the text field (default text); its lines are the sentences")
    pk.add_argument("--overwrite", action="store_true", default=None, help="replace the output instead of resuming it")
    pk.add_argument("--progress", action="store_true", default=None, help="show MB/s, documents, instances and ETA")
    pk.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        default=None,
        help="do not read or write the compiled-dictionary cache",
    )
    pk.add_argument("-o", "--output", help="output directory")
    pk.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    pk.add_argument("files", nargs="*", help="corpus files (.gz, .zst, .xz are decompressed)")
    pk.set_defaults(func=_pack)

    d = sub.add_parser("dict", help="MeCab dictionary tools")
    dsub = d.add_subparsers(dest="dict_command", required=True)
    dc = dsub.add_parser("decompile", help="write a binary MeCab dictionary as UTF-8 source files")
    dc.add_argument("dictionary", help="unidic-lite | ipadic | PATH")
    dc.add_argument("outdir")
    dc.set_defaults(func=_dict_decompile)
    di = dsub.add_parser("info", help="load a dictionary (filling the cache) and print how")
    di.add_argument("dictionary", help="unidic-lite | ipadic | PATH")
    di.add_argument("--no-cache", action="store_true")
    di.set_defaults(func=_dict_info)
    return p


def _add_vocab_parser(sub) -> None:
    v = sub.add_parser("vocab", help="train a subword vocabulary (WordPiece or SentencePiece Unigram)")
    vsub = v.add_subparsers(dest="vocab_command", required=True)
    w = vsub.add_parser("wordpiece", help="WordPiece over segmented words, as HF tokenizers' trainer")
    w.add_argument("--preset", help="cl-tohoku-v3 | izumi-lab-electra")
    w.add_argument(
        "-s", "--segmenter", help="mecab:unidic-lite (default) | mecab:ipadic | mecab:PATH | jieba | whitespace | char"
    )
    w.add_argument("-o", "--output", required=True, help="tokenizer directory to write")
    w.add_argument("--vocab-size", type=int, help="default 32768")
    w.add_argument("--min-frequency", type=int, help="default 2")
    w.add_argument("--limit-alphabet", type=int, help="keep at most N characters")
    w.add_argument("--alphabet", help="initial alphabet: dictionary | mecab:DIC | FILE (one character per line)")
    w.add_argument("--unused", type=int, help="number of [unusedN] tokens after the special tokens (default 10)")
    w.add_argument("--no-nfkc", action="store_true", help="do not NFKC lines before segmenting")
    w.add_argument("--char-vocab", type=int, help="also write a character tokenizer of the first N entries")
    w.add_argument("--char-output", help="its directory (default: OUTPUT-char)")
    w.add_argument("-j", "--threads", type=int, default=0, help="threads (default: all cores)")
    w.add_argument("--errors", choices=["strict", "skip"], default="strict", help="invalid UTF-8 lines: stop or skip")
    w.add_argument("--progress", action="store_true", help="show MB/s and ETA on stderr")
    w.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    w.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    w.add_argument("files", nargs="*", help="input files, one text per line (default: stdin)")
    w.set_defaults(func=_vocab_wordpiece)

    u = vsub.add_parser("unigram", help="SentencePiece Unigram (Google's trainer) on raw or segmented lines")
    u.add_argument("--preset", help="uer-word-zh | colorfulscoop-gpt2-ja | nlp-waseda-roberta")
    u.add_argument("-s", "--segmenter", help="feed each line's words joined by spaces (default: raw lines)")
    u.add_argument(
        "-o", "--output", required=True, help="directory (spiece.model + AlbertTokenizer config) or FILE.model"
    )
    u.add_argument("--vocab-size", type=int, help="default 32000")
    u.add_argument("--character-coverage", type=float)
    u.add_argument("--max-sentencepiece-length", type=int)
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
    u.add_argument("-j", "--threads", type=int, default=0, help="threads (default: all cores)")
    u.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    u.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    u.add_argument("files", nargs="+", help="input files, one text per line")
    u.set_defaults(func=_vocab_unigram)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("wakachi: interrupted", file=sys.stderr)
        return 130
    except (WakachiError, OSError) as e:
        print(f"wakachi: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
