"""`Segmenter.jieba`: identical to Python jieba 0.42.1 (`[w for w in jieba.lcut(line, HMM=hmm) if
w.strip()]`) on slices of every Chinese corpus, with and without the HMM and with a user
dictionary; the CLI; bad input. The full corpora are compared by benches/parity_jieba.py."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from conftest import ZH_FILES, corpus_lines, corpus_slice
from parity import assert_same
from wakachi import ConfigError, InputError, Segmenter

SLICE = 1500


@pytest.fixture(scope="module")
def jieba_tok():
    """One reference tokenizer for the module (jieba takes about a second to load)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@pytest.fixture(scope="module", params=[True, False], ids=["hmm", "nohmm"])
def pair(request, jieba_tok):
    return request.param, Segmenter.jieba(hmm=request.param), jieba_tok


def ref(tok, line: str, hmm: bool) -> list[str]:
    return [w for w in tok.lcut(line, HMM=hmm) if w.strip()]


@pytest.mark.parametrize("name", ZH_FILES)
def test_corpus_slices_match_jieba(pair, name):
    hmm, seg, tok = pair
    lines = corpus_slice(name, SLICE)
    ours = seg.segment_batch(lines, threads=2)
    assert_same(lines, [ref(tok, ln, hmm) for ln in lines], ours)


# Frequency 0 on words the HMM finds in these corpora (jieba then splits them), words without a
# frequency (jieba suggests one), tags, a BOM, CRLF, blank lines, spaces inside a word.
USER_DICT = (
    "\ufeff位未 0\n那行 0 n\r\n以长\n不高 0\n中国 0\n人民 7 n\n人民 9\n软件包管理\n云计算 5 nz\n"
    "New York 12 ns\nx 3 NZ\n  \n\t\napt-get 100\nmini-HOWTO\n的 0\n台中\n石墨烯\nC++ 50 nz\n2023 9\n"
)


@pytest.fixture
def user_dict(tmp_path):
    """A user dictionary file; jieba's force-split set (global in finalseg) is restored after."""
    from jieba import finalseg

    saved = set(finalseg.Force_Split_Words)
    p = tmp_path / "user.dict"
    p.write_bytes(USER_DICT.encode("utf-8"))
    yield p
    finalseg.Force_Split_Words.clear()
    finalseg.Force_Split_Words.update(saved)


@pytest.mark.parametrize("hmm", [True, False], ids=["hmm", "nohmm"])
def test_user_dict_matches_jieba(user_dict, hmm):
    import jieba

    tok = jieba.Tokenizer()
    tok.load_userdict(str(user_dict))
    lines = [ln for name in ("zh_debian.txt", "sighan2005_pku.txt") for ln in corpus_slice(name, 1000)]
    ours = Segmenter.jieba(hmm=hmm, user_dict=user_dict).segment_batch(lines)
    plain = Segmenter.jieba(hmm=hmm).segment_batch(lines)
    assert sum(a != b for a, b in zip(ours, plain, strict=True)) > 50  # the user dictionary does change words
    assert_same(lines, [ref(tok, ln, hmm) for ln in lines], ours)


def test_user_dict_errors(tmp_path):
    bad = tmp_path / "bad.dict"
    bad.write_bytes("云计算 5\n人工智能\n".encode() + b"\xff\xfe 3\n")
    with pytest.raises(InputError, match=r"bad\.dict:3: not valid UTF-8"):
        Segmenter.jieba(user_dict=bad)
    big = tmp_path / "big.dict"
    big.write_text("a 1\nb 123456789012345678901234567890\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"big\.dict:2: frequency"):
        Segmenter.jieba(user_dict=big)
    with pytest.raises(OSError, match=r"missing\.dict"):
        Segmenter.jieba(user_dict=tmp_path / "missing.dict")


def test_specs():
    assert Segmenter.from_spec("jieba").spec == "jieba"
    assert Segmenter.from_spec("jieba:nohmm")("apt-get 对硬件") == ["apt", "-", "get", "对", "硬件"]
    with pytest.raises(ConfigError):
        Segmenter.from_spec("jieba:crf")
    with pytest.raises(ConfigError, match="jieba"):
        Segmenter.from_spec("char", user_dict="x.dict")


def run(*args):
    return subprocess.run([sys.executable, "-m", "wakachi.cli", *args], capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The head of zh_debian.txt with its blank document separators."""
    lines = corpus_lines("zh_debian.txt")[:1000]
    p = tmp_path_factory.mktemp("cli") / "zh.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p, lines


@pytest.mark.parametrize("spec", ["jieba", "jieba:nohmm"])
def test_cli_lines_match_jieba(sample, jieba_tok, spec):
    path, lines = sample
    r = run("segment", "-s", spec, "-j", "2", "-q", str(path))
    assert r.returncode == 0, r.stderr
    hmm = spec == "jieba"
    assert r.stdout.decode().split("\n")[:-1] == [" ".join(ref(jieba_tok, ln, hmm)) for ln in lines]


def test_cli_user_dict(sample, user_dict):
    import jieba

    path, lines = sample
    tok = jieba.Tokenizer()
    tok.load_userdict(str(user_dict))
    r = run("segment", "-s", "jieba", "--user-dict", str(user_dict), "-q", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split("\n")[:-1] == [" ".join(ref(tok, ln, True)) for ln in lines]
    r = run("segment", "-s", "char", "--user-dict", str(user_dict), str(path))
    assert r.returncode == 1 and b"jieba" in r.stderr


def test_cli_bad_input(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes("中文分词\n".encode() + b"\xe4\xb8\n" + "结束了\n".encode())
    r = run("segment", "-s", "jieba", str(p))
    assert r.returncode == 1 and f"{p}:2: invalid UTF-8".encode() in r.stderr, r.stderr
    r = run("segment", "-s", "jieba", "--errors", "skip", str(p))
    assert r.returncode == 0 and r.stdout.decode() == "中文 分词\n\n结束 了\n"
    assert b"1 line skipped as invalid UTF-8" in r.stderr
    d = tmp_path / "user.dict"
    d.write_bytes(b"ok 1\n\n\xc3\n")
    r = run("segment", "-s", "jieba", "--user-dict", str(d), str(p))
    assert r.returncode == 1 and f"{d}:3:".encode() in r.stderr, r.stderr
