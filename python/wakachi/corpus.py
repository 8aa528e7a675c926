"""`wakachi corpus`: corpus preparation as the reference pipelines did it.

* ``wikipedia`` — cl-tohoku/bert-japanese's ``make_corpus_wiki.py``: a CirrusSearch dump (JSON
  lines; bulk headers with an ``index`` key skipped) → each page's ``text`` cleaned (NFKC,
  non-printables, footnote marks ``[1]``, ``[要…]``, templates ``{{…}}``, the breadcrumb
  ``… > TITLE``, the ``" ^ "`` tail, annotations ``[要出典]``/``[リンク切れ]``/``[…?]``,
  whitespace — in that order), cut into sentences by cl-tohoku's MeCab 句点 rule (the rule of
  ``wakachi split --rule cl-tohoku``), sentences kept if ``min_len <= len <= max_len`` and free
  of ``\\displaystyle``; one sentence per line, a blank line after each page that kept one.
* ``deal`` — cl-tohoku's ``merge_split_corpora.py``: documents (blank-line separated) dealt to
  N files at random with CPython's ``random.Random(seed)``, lines whitespace-normalised.
* ``kuten`` — colorfulscoop/gpt-ja's ``get_jawiki.sh`` layout for GPT-2: lines containing a string
  dropped (theirs: ``doc``), a cut after every 。, empty lines dropped; no document breaks.

Outputs are compressed by extension (``.gz``, ``.zst``, ``.xz``; anything else plain) and written
under ``NAME.partial``, renamed when complete: a killed run leaves no finished-looking output and
the same command restarts it.

>>> clean_page("東京[1]は{{citation}}首都[要出典]。", title=None)
'東京は首都。'
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from wakachi import _core
from wakachi.segment import Segmenter

COMPRESSIONS = ("none", "gz", "zst", "xz")


def clean_page(text: str, title: str | None = None) -> str:
    """cl-tohoku's cleaning of one CirrusSearch page text (``title=None``: no breadcrumb step)."""
    return _core.corpus_clean(text, title)


def _errors(errors: str) -> bool:
    if errors not in ("strict", "skip"):
        raise _core.ConfigError(f"errors must be 'strict' or 'skip', not {errors!r}")
    return errors == "skip"


def wikipedia(
    paths: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None,
    *,
    segmenter: Segmenter | str = "mecab:unidic-lite",
    min_len: int = 10,
    max_len: int | None = 1000,
    threads: int = 0,
    errors: str = "strict",
    progress: bool = False,
    cache: bool = True,
) -> dict[str, Any]:
    """cl-tohoku's Wikipedia corpus from CirrusSearch dumps (plain, .gz, .zst, .xz) into `output`
    (stdout when None or ``-``). Defaults are ``make_corpus_wiki.py``'s (its README's run used
    ``max_len=200`` and mecab-ipadic-NEologd). Returns the figures: lines, bytes, index_lines,
    pages, pages_kept, sentences, dropped_by_length, dropped_displaystyle, skipped_* and seconds."""
    for name, v in (("min_len", min_len), ("max_len", max_len)):
        if v is not None and v < 0:
            raise _core.ConfigError(f"{name} must be >= 0, not {v}")
    if isinstance(segmenter, str):
        segmenter = Segmenter.from_spec(segmenter, cache=cache)
    return _core.corpus_wikipedia(
        [os.fspath(p) for p in paths],
        None if output is None else os.fspath(output),
        segmenter._core,
        min_len,
        max_len,
        threads,
        _errors(errors),
        progress,
    )


def deal(
    paths: Sequence[str | os.PathLike[str]],
    output_dir: str | os.PathLike[str],
    num_files: int,
    *,
    seed: int = 0,
    compression: str = "none",
    prefix: str = "corpus_",
    threads: int = 0,
    errors: str = "strict",
    progress: bool = False,
) -> dict[str, Any]:
    """Deals the documents of `paths` into ``output_dir/{prefix}{i:02}.txt[.gz|.zst|.xz]``,
    i = 1..num_files, as ``merge_split_corpora.py`` (seed 0 there). Returns lines, bytes,
    documents, lines_per_file, outputs, skipped_invalid_utf8 and seconds."""
    if compression not in COMPRESSIONS:
        raise _core.ConfigError(f"compression must be one of {', '.join(COMPRESSIONS)}, not {compression!r}")
    if num_files < 1:
        raise _core.ConfigError(f"num_files must be at least 1, not {num_files}")
    if seed < 0:
        raise _core.ConfigError(f"seed must be >= 0, not {seed}")
    return _core.corpus_deal(
        [os.fspath(p) for p in paths],
        os.fspath(output_dir),
        num_files,
        seed,
        compression,
        prefix,
        threads,
        _errors(errors),
        progress,
    )


def kuten(
    paths: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None,
    *,
    drop_containing: str | None = None,
    errors: str = "strict",
    progress: bool = False,
) -> dict[str, Any]:
    """colorfulscoop's layout of `paths` into `output` (stdout when None or ``-``): lines containing
    `drop_containing` dropped (``"doc"`` for their WikiExtractor output), each line cut after every
    。, empty pieces dropped. Returns lines, bytes, dropped_lines, sentences, skipped_invalid_utf8
    and seconds."""
    return _core.corpus_kuten(
        [os.fspath(p) for p in paths],
        None if output is None else os.fspath(output),
        drop_containing or None,
        _errors(errors),
        progress,
    )


def _summary(what: str, r: dict[str, Any], counts: str) -> str:
    from wakachi.report import throughput_line

    return throughput_line(f"corpus {what}", r, counts)


def _wikipedia(args: argparse.Namespace) -> int:
    sys.stdout.flush()
    r = wikipedia(
        args.files,
        args.output,
        segmenter=args.segmenter,
        min_len=args.min_len,
        max_len=args.max_len,
        threads=args.threads,
        errors=args.errors,
        progress=args.progress,
        cache=not args.no_cache,
    )
    skipped = r["skipped_invalid_utf8"] + r["skipped_bad_records"]
    if not args.quiet or skipped:
        counts = (
            f"{r['pages']:,} pages ({r['pages_kept']:,} kept), {r['sentences']:,} sentences "
            f"({r['dropped_by_length']:,} dropped by length, {r['dropped_displaystyle']:,} by \\displaystyle)"
        )
        msg = _summary("wikipedia", r, counts)
        if skipped:
            msg += (
                f"; skipped {r['skipped_invalid_utf8']:,} lines of invalid UTF-8 and "
                f"{r['skipped_bad_records']:,} bad records"
            )
        print(msg, file=sys.stderr)
    return 0


def _deal(args: argparse.Namespace) -> int:
    r = deal(
        args.files,
        args.output,
        args.num_files,
        seed=args.seed,
        compression=args.compress,
        prefix=args.prefix,
        threads=args.threads,
        errors=args.errors,
        progress=args.progress,
    )
    skipped = r["skipped_invalid_utf8"]
    if not args.quiet or skipped:
        msg = _summary("deal", r, f"{r['documents']:,} documents into {len(r['outputs'])} files")
        if skipped:
            msg += f"; skipped {skipped:,} lines of invalid UTF-8"
        print(msg, file=sys.stderr)
    return 0


def _kuten(args: argparse.Namespace) -> int:
    sys.stdout.flush()
    r = kuten(args.files, args.output, drop_containing=args.drop_containing, errors=args.errors, progress=args.progress)
    skipped = r["skipped_invalid_utf8"]
    if not args.quiet or skipped:
        msg = _summary("kuten", r, f"{r['dropped_lines']:,} lines dropped, {r['sentences']:,} lines written")
        if skipped:
            msg += f"; skipped {skipped:,} lines of invalid UTF-8"
        print(msg, file=sys.stderr)
    return 0


def _common(p: argparse.ArgumentParser, threads: bool = True) -> None:
    if threads:
        p.add_argument("-j", "--threads", type=int, default=0, help="threads (default: all cores)")
    p.add_argument(
        "--errors",
        choices=["strict", "skip"],
        default="strict",
        help="a bad line: stop naming file and line (strict) or skip it and count it (skip)",
    )
    p.add_argument("--progress", action="store_true", help="show MB/s and ETA on stderr")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")


def add_parsers(sub: Any) -> None:
    """Adds ``corpus wikipedia`` and ``corpus deal`` to the ``wakachi`` command."""
    c = sub.add_parser("corpus", help="prepare corpora as the reference pipelines did (Wikipedia, dealing)")
    csub = c.add_subparsers(dest="corpus_command", required=True)

    w = csub.add_parser(
        "wikipedia",
        help="CirrusSearch dump -> a sentence a line, blank line after each page (cl-tohoku's make_corpus_wiki.py)",
    )
    w.add_argument("files", nargs="+", metavar="DUMP", help="CirrusSearch JSON lines (.json, .gz, .zst, .xz)")
    w.add_argument(
        "-o", "--output", required=True, help="output file, compressed by extension (.gz, .zst, .xz); - for stdout"
    )
    w.add_argument(
        "-s",
        "--segmenter",
        default="mecab:unidic-lite",
        help="MeCab for the 句点 rule: mecab:unidic-lite (default) | mecab:ipadic | mecab:PATH (e.g. NEologd)",
    )
    w.add_argument("--min-len", type=int, default=10, help="drop sentences shorter than N characters (default 10)")
    w.add_argument(
        "--max-len",
        type=int,
        default=1000,
        help="drop sentences longer than N characters (default 1000 as the script; cl-tohoku's run: 200)",
    )
    w.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-dictionary cache")
    _common(w)
    w.set_defaults(func=_wikipedia)

    d = csub.add_parser(
        "deal", help="deal documents to N files at random, lines whitespace-normalised (cl-tohoku's merge step)"
    )
    d.add_argument("files", nargs="+", help="input files (plain, .gz, .zst, .xz); blank lines end documents")
    d.add_argument("-n", "--num-files", type=int, required=True, help="number of output files")
    d.add_argument("--seed", type=int, default=0, help="seed of random.Random (default 0, cl-tohoku's)")
    d.add_argument("-o", "--output", required=True, help="output directory (created if missing)")
    d.add_argument("--compress", choices=COMPRESSIONS, default="none", help="compress the outputs (default none: .txt)")
    d.add_argument("--prefix", default="corpus_", help="output name prefix (default corpus_ -> corpus_01.txt)")
    _common(d)
    d.set_defaults(func=_deal)

    k = csub.add_parser("kuten", help="cut after every 。, no document breaks (colorfulscoop's gpt2-small-ja corpus)")
    k.add_argument("files", nargs="+", help="input files (plain, .gz, .zst, .xz), e.g. WikiExtractor output")
    k.add_argument(
        "-o", "--output", required=True, help="output file, compressed by extension (.gz, .zst, .xz); - for stdout"
    )
    k.add_argument(
        "--drop-containing",
        metavar="STR",
        help="drop input lines containing STR first (colorfulscoop: doc, as their grep -v doc)",
    )
    _common(k, threads=False)
    k.set_defaults(func=_kuten)
