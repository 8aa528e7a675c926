"""`wakachi.split` against the independent references in split_reference.py, on slices of the
shared corpora (the full corpora: benches/parity_split.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from parity import assert_same
from split_reference import (
    CORPORA,
    cl_tohoku_raw,
    corpus_lines,
    keep,
    mecab_tagger,
    split_document_lines,
    zh_raw,
)
from wakachi import ConfigError, InputError, Segmenter
from wakachi.split import split_files, split_sentences, split_sentences_batch

N = 2000
JA_SLICE = ["aozora_ja.txt", "ja_debian.txt", "kwdlc.txt", "jglue_wikipedia.txt"]
ZH_SLICE = ["zh_debian.txt", "sighan2005_pku.txt"]
LIMITS = [(0, None), (10, 200)]


@pytest.fixture(scope="module", params=["unidic-lite", "ipadic"])
def mecab(request):
    return Segmenter.mecab(request.param), mecab_tagger(request.param)


def assert_identical(ours: list[list[str]], refs: list[list[str]], lines: list[str]) -> None:
    assert_same(lines, refs, ours)


def assert_not_trivial(name, raws, refs, min_len):
    """Lines were really cut (kwdlc has one sentence a line), and the limits really dropped some."""
    if min_len:
        assert sum(len(keep(r)) for r in raws) > sum(map(len, refs))
    else:
        assert sum(len(r) > 1 for r in raws) > 10 or name == "kwdlc.txt"


@pytest.mark.parametrize("name", JA_SLICE)
@pytest.mark.parametrize("min_len,max_len", LIMITS)
def test_cl_tohoku_rule_matches_reference(mecab, name, min_len, max_len):
    seg, tagger = mecab
    lines = corpus_lines(name, N)
    ours = split_sentences_batch(lines, "cl-tohoku", seg, min_len=min_len, max_len=max_len)
    raws = [cl_tohoku_raw(tagger, ln) for ln in lines]
    refs = [keep(r, min_len, max_len) for r in raws]
    assert_identical(ours, refs, lines)
    assert_not_trivial(name, raws, refs, min_len)


@pytest.mark.parametrize("name", ZH_SLICE)
@pytest.mark.parametrize("min_len,max_len", LIMITS)
def test_zh_rule_matches_reference(name, min_len, max_len):
    lines = corpus_lines(name, N)
    ours = split_sentences_batch(lines, "zh", min_len=min_len, max_len=max_len)
    raws = [zh_raw(ln) for ln in lines]
    refs = [keep(r, min_len, max_len) for r in raws]
    assert_identical(ours, refs, lines)
    assert_not_trivial(name, raws, refs, min_len)


def test_sentences_are_text_slices_with_inner_whitespace():
    # MeCab skips the spaces; the sentence keeps them, the outer ones are stripped.
    text = "今日は　晴れ。  明日は 雨．後"
    assert split_sentences(text) == ["今日は　晴れ。", "明日は 雨．", "後"]
    assert split_sentences(text, min_len=2, max_len=6) == ["明日は 雨．"]


def test_zh_closers_follow_the_sentence_end():
    text = "他说：“走吧。”（真的！？）好 的"
    assert split_sentences(text, rule="zh") == ["他说：“走吧。”", "（真的！？）", "好 的"]
    assert split_sentences("版本?v=1!", rule="zh") == ["版本?v=1!"]


def test_bad_rule_and_segmenter_are_config_errors():
    with pytest.raises(ConfigError, match="unknown sentence rule"):
        split_sentences("a", rule="en")
    with pytest.raises(ConfigError, match="needs a MeCab segmenter"):
        split_sentences("a", rule="cl-tohoku", segmenter=Segmenter.char())
    with pytest.raises(ConfigError, match="takes no segmenter"):
        split_sentences("a", rule="zh", segmenter="mecab:ipadic")
    with pytest.raises(ConfigError, match="min_len must be >= 0"):
        split_sentences("a", rule="zh", min_len=-1)


def write_lines(path, lines):
    path.write_text("".join(ln + "\n" for ln in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("documents", [True, False])
def test_split_files_documents_and_counts(tmp_path, documents):
    tagger = mecab_tagger("unidic-lite")
    lines = corpus_lines("kwdlc.txt", 600)  # documents separated by blank lines
    src = write_lines(tmp_path / "in.txt", lines)
    out = tmp_path / "out.txt"
    r = split_files([src, src], out, "cl-tohoku", min_len=10, max_len=40, documents=documents, threads=2)
    raw_split = lambda ln: cl_tohoku_raw(tagger, ln)  # noqa: E731
    ref = split_document_lines(lines, raw_split, 10, 40, documents) * 2
    assert out.read_text(encoding="utf-8").split("\n")[:-1] == ref
    raw = [s for ln in lines if ln.strip() for s in raw_split(ln) if s.strip()]
    assert r["lines"] == 2 * len(lines) and r["bytes"] == 2 * src.stat().st_size
    assert r["sentences"] == len([ln for ln in ref if ln])
    assert r["dropped_by_length"] == 2 * len(raw) - r["sentences"]
    assert r["dropped_by_length"] > 0
    assert r["documents"] == 2 * split_document_lines(lines, raw_split, 10, 40).count("") > 0


def test_split_files_invalid_utf8(tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes("一句。\n".encode() + b"\xff\xfe\n" + "二句。\n\n三句。\n".encode())
    with pytest.raises(InputError, match=r"bad\.txt:2: invalid UTF-8"):
        split_files([src], tmp_path / "o.txt", "zh")
    r = split_files([src], tmp_path / "o.txt", "zh", errors="skip")
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "一句。\n二句。\n\n三句。\n\n"
    assert (r["skipped_invalid_utf8"], r["sentences"], r["documents"]) == (1, 3, 2)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wakachi.cli", "split", *args], capture_output=True, text=True, encoding="utf-8"
    )


def test_cli_zh_matches_reference():
    p = run_cli("--rule", "zh", "--min-len", "5", "--max-len", "100", "-j", "2", str(CORPORA / "zh_debian.txt"))
    assert p.returncode == 0, p.stderr
    ours = p.stdout.split("\n")[:-1]
    full = corpus_lines("zh_debian.txt")
    assert ours == split_document_lines(full, zh_raw, 5, 100)
    assert "sentences" in p.stderr and len(ours) > len(full)


def test_cli_cl_tohoku_stdin_ipadic_and_errors(tmp_path):
    tagger = mecab_tagger("ipadic")
    lines = corpus_lines("ja_debian.txt", 300)
    p = subprocess.run(
        [sys.executable, "-m", "wakachi.cli", "split", "-q", "-s", "mecab:ipadic", "--no-documents"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.split("\n")[:-1] == split_document_lines(
        lines, lambda ln: cl_tohoku_raw(tagger, ln), documents=False
    )
    assert p.stderr == ""
    p = run_cli("--rule", "zh", str(tmp_path / "missing.txt"))
    assert p.returncode == 1 and "missing.txt" in p.stderr
