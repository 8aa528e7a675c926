"""`wakachi segment`: the fixed line format, MeCab's --features format, bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import corpus_lines, fugashi_tagger


def run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "wakachi.cli", *args], input=input, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A slice of kwdlc.txt with its blank document separators."""
    lines = corpus_lines("kwdlc.txt")[:600]
    p = tmp_path_factory.mktemp("cli") / "sample.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p, lines


@pytest.mark.parametrize("dictionary", ["unidic-lite", "ipadic"])
def test_words_per_line_match_mecab(sample, dictionary):
    path, lines = sample
    r = run("segment", "-s", f"mecab:{dictionary}", "-j", "2", str(path))
    assert r.returncode == 0, r.stderr
    tagger = fugashi_tagger(dictionary)
    want = [" ".join(w.surface for w in tagger(ln)) for ln in lines]
    assert r.stdout.decode().split("\n")[:-1] == want


def test_features_format_is_mecabs(sample):
    path, lines = sample
    r = run("segment", "-s", "mecab:ipadic", "--features", str(path))
    assert r.returncode == 0, r.stderr
    tagger = fugashi_tagger("ipadic")
    want = "".join("".join(f"{w.surface}\t{w.feature_raw}\n" for w in tagger(ln)) + "EOS\n" for ln in lines)
    assert r.stdout.decode() == want


def test_stdin_threads_and_simple_segmenters(sample):
    path, lines = sample
    data = path.read_bytes()
    one = run("segment", "-s", "mecab:ipadic", "-j", "1", input=data)
    two = run("segment", "-s", "mecab:ipadic", "-j", "2", str(path))
    assert one.stdout == two.stdout and one.returncode == 0
    r = run("segment", "-s", "char", "-q", str(path))
    assert r.stdout.decode().split("\n")[:-1] == [" ".join(c for c in ln if not c.isspace()) for ln in lines]
    ws = run("segment", "-s", "whitespace", "-q", input=one.stdout)
    assert ws.stdout == one.stdout  # already segmented text passes through unchanged


def test_invalid_utf8_named_or_skipped(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes("一行目\n二行目\n".encode() + b"\xff\xfe broken\n" + "四行目\n".encode())
    r = run("segment", "-s", "mecab:ipadic", str(p))
    assert r.returncode == 1
    assert f"{p}:3: invalid UTF-8" in r.stderr.decode()
    r = run("segment", "-s", "mecab:ipadic", "--errors", "skip", str(p))
    assert r.returncode == 0
    tagger = fugashi_tagger("ipadic")
    want = [" ".join(w.surface for w in tagger(ln)) for ln in ["一行目", "二行目", "", "四行目"]]
    assert r.stdout.decode().split("\n") == [*want, ""]
    # One line: the summary says "1 line", "4 lines".
    assert "wakachi segment: 4 lines," in r.stderr.decode() and "; 1 line skipped as invalid UTF-8" in r.stderr.decode()


def test_empty_file_nul_and_long_line(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = run("segment", "-s", "mecab:ipadic", str(empty))
    assert r.returncode == 0 and r.stdout == b""
    nul = tmp_path / "nul.txt"
    nul.write_bytes("東京\x00大阪\n".encode())
    r = run("segment", "-s", "mecab:ipadic", str(nul))
    want = " ".join(w.surface for w in fugashi_tagger("ipadic")("東京\x01大阪")).replace("\x01", "\x00")
    assert r.returncode == 0 and r.stdout.decode() == want + "\n"
    long = tmp_path / "long.txt"
    text = "".join(ln for ln in corpus_lines("aozora_ja.txt")[:4000])[:400_000]
    long.write_text(text + "\n", encoding="utf-8")
    r = run("segment", "-s", "mecab:ipadic", "-q", str(long))
    assert r.returncode == 0
    assert r.stdout.decode() == " ".join(w.surface for w in fugashi_tagger("ipadic")(text)) + "\n"


def test_missing_file_and_unknown_segmenter(tmp_path):
    r = run("segment", "-s", "mecab:ipadic", str(tmp_path / "nope.txt"))
    assert r.returncode == 1 and "nope.txt" in r.stderr.decode()
    r = run("segment", "-s", "nonsense", str(tmp_path / "nope.txt"))
    assert r.returncode == 1 and "unknown segmenter" in r.stderr.decode()


def test_segment_builds_only_the_text_commands(sample):
    """`wakachi segment` starts without importing pack, vocabulary training or recipes (their
    parsers are built only for their own commands), and its output is unchanged by that."""
    path, lines = sample
    code = (
        "import sys\n"
        "from wakachi.cli import main\n"
        f"rc = main(['segment', '-q', '-s', 'mecab:ipadic', {str(path)!r}])\n"
        "heavy = [m for m in ('wakachi.pack', 'wakachi.vocab', 'wakachi.recipe.runner') if m in sys.modules]\n"
        "print(rc, heavy, file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr.split() == ["0", "[]"]
    tagger = fugashi_tagger("ipadic")
    assert r.stdout.split("\n")[:-1] == [" ".join(w.surface for w in tagger(ln)) for ln in lines]
    # Every command is still there for anything else, and help lists them all.
    h = run("--help")
    assert h.returncode == 0
    for cmd in ("segment", "pack", "vocab", "train", "recipe", "dict"):
        assert cmd in h.stdout.decode()
    assert run("pack", "--help").returncode == 0
