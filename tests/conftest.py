"""Shared fixtures: the shared corpora, the PyPI dictionaries, and MeCab itself (fugashi) as the
independent reference."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WAKACHI_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"

JA_FILES = [
    "aozora_ja.txt",
    "ja_debian.txt",
    "kwdlc.txt",
    "jglue_captions.txt",
    "jglue_questions.txt",
    "jglue_wikipedia.txt",
    "ud_ja_gsd.txt",
    "ud_ja_gsdluw.txt",
]
ZH_FILES = [
    "zh_debian.txt",
    "sighan2005_pku.txt",
    "sighan2005_as.txt",
    "ud_zh_gsd.txt",
    "ud_zh_gsdsimp.txt",
    "ud_zh_hk.txt",
    "ud_zh_cfl.txt",
    "ud_zh_beginner.txt",
]


def corpus_lines(name: str) -> list[str]:
    """Every line of a shared corpus file, newline removed (blank lines kept)."""
    with open(CORPORA / name, encoding="utf-8", newline="\n") as f:
        return [ln[:-1] if ln.endswith("\n") else ln for ln in f]


def corpus_slice(name: str, n: int) -> list[str]:
    """`n` non-blank lines spread evenly over the file (its head, middle and tail)."""
    lines = [ln for ln in corpus_lines(name) if ln]
    step = max(1, len(lines) // n)
    return lines[::step][:n]


def fugashi_tagger(dictionary: str):
    import fugashi

    from wakachi.dictionaries import resolve_mecab_dicdir

    return fugashi.GenericTagger(f'-d "{resolve_mecab_dicdir(dictionary)}" -r /dev/null')


@pytest.fixture(scope="session", params=["unidic-lite", "ipadic"])
def dictionary(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def mecab_pair(dictionary):
    """(wakachi Segmenter, fugashi tagger) on the same dicdir."""
    from wakachi import Segmenter

    return Segmenter.mecab(dictionary), fugashi_tagger(dictionary)


# A skipped test is a failure unless `allowed_skips.txt` lists it (a pattern of node ids): a
# missing reference or corpus must not turn a parity test into a silent pass.
ALLOWED_SKIPS = Path(__file__).with_name("allowed_skips.txt")
_skipped: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    allowed = [ln.strip() for ln in ALLOWED_SKIPS.read_text(encoding="utf-8").splitlines()]
    allowed = [a for a in allowed if a and not a.startswith("#")]
    bad = [(n, r) for n, r in _skipped if not any(fnmatch.fnmatch(n, a) for a in allowed)]
    if bad:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write("\n")
            tr.write_line(f"skipped but not listed in {ALLOWED_SKIPS.name} (a failure):", red=True)
            for n, r in bad:
                tr.write_line(f"  {n}: {r}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def sigint_default() -> None:
    """`preexec_fn` for children a test interrupts with SIGINT: a runner started in the background
    by a non-interactive shell (`cmd &`) ignores SIGINT, children inherit that, and Python then
    installs no KeyboardInterrupt handler. The child gets the default disposition back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
