"""`wakachi corpus` against the independent reference in corpus_reference.py, on a CirrusSearch
dump built from the shared corpora with the cleaning's artifacts planted in it, and on documents
of the shared corpora for `deal`; bad input, compression, atomic output."""

from __future__ import annotations

import gzip
import lzma
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import sigint_default
from corpus_reference import NOISE, build_dump, clean_reference, deal_reference, wikipedia_reference
from split_reference import corpus_lines, mecab_tagger
from wakachi import ConfigError, InputError, Segmenter
from wakachi.corpus import clean_page, deal, wikipedia


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    elif path.suffix == ".xz":
        data = lzma.decompress(data)
    elif path.suffix == ".zst":
        import zstandard

        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data.decode("utf-8")


def assert_same_lines(ours: list[str], ref: list[str], what: str) -> None:
    first = next((i for i, (a, b) in enumerate(zip(ours, ref, strict=True)) if a != b), None)
    assert first is None, f"{what}: line {first + 1} differs: ours {ours[first]!r}, reference {ref[first]!r}"
    assert len(ours) == len(ref), f"{what}: {len(ours)} lines, reference {len(ref)}"


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> tuple[Path, list[str]]:
    lines = build_dump()
    path = tmp_path_factory.mktemp("dump") / "jawiki-test-cirrussearch-content.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path, lines


# --- cleaning ------------------------------------------------------------------------------------

PIECES = [
    *NOISE,
    "[",
    "]",
    "{",
    "}",
    "{{",
    "}}",
    "要",
    "出典",
    "リンク切れ",
    "?",
    "^",
    " ^ ",
    " > ",
    ">",
    " ",
    "1",
    "٣",
    "a",
    "日本",
    "東京都",
    "。",
    "\\displaystyle",
    "\ud7ff",
    "\U000e0001",
    "😀",
    "ｶﾞ",
    "が",
]


def test_clean_matches_re_on_random_strings():
    rng = random.Random(7)
    titles = [None, "東京都", "a", "?", "C++ (言語)", "Ｗｉｋｉ", ""]
    bad = []
    for _ in range(20000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 25)))
        title = rng.choice(titles)
        if title and rng.random() < 0.5:
            text = rng.choice(["x", "地理 > y", "", " "]) + " > " + title + text
        if clean_page(text, title) != clean_reference(text, title):
            bad.append((text, title))
    assert not bad, (
        f"{len(bad)} differ, first: {bad[0]!r}: ours {clean_page(*bad[0])!r}, re {clean_reference(*bad[0])!r}"
    )


def test_clean_on_corpus_lines():
    lines = [ln for name in ("jglue_wikipedia.txt", "ja_debian.txt") for ln in corpus_lines(name)]
    ours = [clean_page(ln, "Debian") for ln in lines]
    ref = [clean_reference(ln, "Debian") for ln in lines]
    assert_same_lines(ours, ref, "cleaned corpus lines")


# --- wikipedia -----------------------------------------------------------------------------------


@pytest.mark.parametrize("limits", [(10, 1000), (10, 200), (0, None)])
def test_wikipedia_matches_reference(dump, tmp_path, limits):
    path, lines = dump
    min_len, max_len = limits
    out = tmp_path / "corpus.txt"
    r = wikipedia([path], out, min_len=min_len, max_len=max_len, threads=2)
    ours = read_text(out).split("\n")
    assert ours.pop() == ""
    ref = wikipedia_reference(lines, mecab_tagger("unidic-lite"), min_len, max_len if max_len is not None else 10**9)
    assert_same_lines(ours, ref, "wikipedia")
    assert r["index_lines"] == len(lines) // 2 == r["pages"]
    assert r["sentences"] == sum(1 for ln in ref if ln) > 1000
    assert r["pages_kept"] == sum(1 for ln in ref if not ln)
    if min_len:
        assert r["dropped_by_length"] > 0 and r["dropped_displaystyle"] > 0
    assert not list(tmp_path.glob("*.partial"))


def test_wikipedia_ipadic_and_one_thread(dump, tmp_path):
    path, lines = dump
    out1, out2 = tmp_path / "a.txt", tmp_path / "b.txt"
    wikipedia([path], out1, segmenter="mecab:ipadic", threads=1)
    wikipedia([path], out2, segmenter=Segmenter.mecab("ipadic"), threads=2)
    assert out1.read_bytes() == out2.read_bytes()
    ref = wikipedia_reference(lines, mecab_tagger("ipadic"))
    assert_same_lines(out1.read_text("utf-8").split("\n")[:-1], ref, "wikipedia ipadic")


@pytest.mark.parametrize("ext", [".gz", ".zst", ".xz"])
def test_wikipedia_compressed_output(dump, tmp_path, ext):
    path, _ = dump
    plain = tmp_path / "corpus.txt"
    wikipedia([path], plain)
    packed = tmp_path / f"corpus.txt{ext}"
    wikipedia([path], packed)
    assert read_text(packed) == plain.read_text("utf-8")
    # a .zst / .xz / plain dump reads the same as the .gz one
    src = tmp_path / f"dump.json{ext}"
    src.write_bytes(packed_bytes(gzip.decompress(path.read_bytes()), ext))
    again = tmp_path / "again.txt"
    wikipedia([src], again)
    assert again.read_bytes() == plain.read_bytes()


def packed_bytes(data: bytes, ext: str) -> bytes:
    if ext == ".gz":
        return gzip.compress(data)
    if ext == ".xz":
        return lzma.compress(data)
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def test_wikipedia_bad_lines(tmp_path):
    good = '{"index": {"_id": "1"}}\n{"title": "t", "text": "これは十分に長い一文です。"}\n'
    cases = {
        "json": (good + '{"title": "t", "text": \n', "3: not a JSON object"),
        "notext": (good + '{"title": "t"}\n', '3: no "text" field'),
        "array": (good + '["title", "text"]\n', "3: not a JSON object"),
        "title": (good + '{"title": 5, "text": "x"}\n', '3: "title" is not a string'),
    }
    for name, (content, msg) in cases.items():
        src = tmp_path / f"{name}.json"
        src.write_text(content, encoding="utf-8")
        out = tmp_path / f"{name}.txt"
        with pytest.raises(InputError, match=f"{name}.json:{msg}"):
            wikipedia([src], out)
        assert not out.exists() and not list(tmp_path.glob("*.partial"))
        r = wikipedia([src], out, errors="skip")
        assert r["skipped_bad_records"] == 1 and r["sentences"] == 1
        assert out.read_text("utf-8") == "これは十分に長い一文です。\n\n"
    src = tmp_path / "utf8.json"
    src.write_bytes(good.encode() + b'{"title": "t", "text": "\xff"}\n')
    with pytest.raises(InputError, match=r"utf8.json:3: invalid UTF-8"):
        wikipedia([src], tmp_path / "u.txt")
    r = wikipedia([src], tmp_path / "u.txt", errors="skip")
    assert r["skipped_invalid_utf8"] == 1 and r["pages"] == 1
    with pytest.raises(ConfigError):
        wikipedia([src], tmp_path / "u.txt", min_len=-1)


def test_wikipedia_cli(dump, tmp_path):
    path, _ = dump
    out = tmp_path / "cli.txt.gz"
    p = subprocess.run(
        [sys.executable, "-m", "wakachi", "corpus", "wikipedia", str(path), "-o", str(out), "--max-len", "200"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    assert "wakachi corpus wikipedia:" in p.stderr and "pages" in p.stderr
    ref = tmp_path / "api.txt"
    wikipedia([path], ref, max_len=200)
    assert read_text(out) == ref.read_text("utf-8")


def test_wikipedia_killed_run_restarts(dump, tmp_path):
    """A run killed mid-way leaves only a .partial file; the same command then writes the output."""
    _path, lines = dump
    big = tmp_path / "big.json"
    big.write_text("\n".join(lines * 20) + "\n", encoding="utf-8")
    out = tmp_path / "big.txt"
    cmd = [sys.executable, "-m", "wakachi", "corpus", "wikipedia", str(big), "-o", str(out), "-j", "1", "-q"]
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    partial = tmp_path / "big.txt.partial"
    for _ in range(600):
        if partial.exists() and partial.stat().st_size > 0:
            break
        if p.poll() is not None:
            break
        import time

        time.sleep(0.05)
    p.kill()
    p.wait()
    assert not out.exists() or p.returncode == 0
    assert subprocess.run(cmd).returncode == 0
    assert out.exists() and not partial.exists()
    small = tmp_path / "small.txt"
    wikipedia([big], small)
    assert out.read_bytes() == small.read_bytes()


# --- deal ----------------------------------------------------------------------------------------


def _documents(rng: random.Random, name: str, n: int) -> list[str]:
    lines = [ln for ln in corpus_lines(name) if ln.strip()]
    out = []
    start = rng.randrange(len(lines) - 10 * n)
    i = start
    for _ in range(n):
        k = rng.randrange(1, 8)
        for ln in lines[i : i + k]:
            out.append(rng.choice(["", " ", "\t", "\u3000"]) + ln.replace("。", rng.choice(["。", "。 ", "。\t"])))
        i += k
        out.append(rng.choice(["", "", " ", "\u3000"]))
    return out


@pytest.mark.parametrize("num_files,seed", [(8, 0), (64, 0), (3, 12345), (1, 5)])
def test_deal_matches_reference(tmp_path, num_files, seed):
    rng = random.Random(num_files + seed)
    inputs = [_documents(rng, name, 300) for name in ("aozora_ja.txt", "ja_debian.txt", "kwdlc.txt")]
    inputs[2] = inputs[2][:-1]  # the last file does not end with a blank line
    paths = []
    for i, (lines, ext) in enumerate(zip(inputs, ["", ".gz", ".xz"], strict=True)):
        data = ("\n".join(lines) + "\n").encode()
        p = tmp_path / f"in{i}.txt{ext}"
        p.write_bytes(packed_bytes(data, ext) if ext else data)
        paths.append(p)
    out = tmp_path / "out"
    r = deal(paths, out, num_files, seed=seed, threads=2)
    ref = deal_reference(inputs, num_files, seed)
    for i, lines in enumerate(ref):
        f = out / f"corpus_{i + 1:02d}.txt"
        got = f.read_text("utf-8").split("\n")
        assert got.pop() == ""
        assert_same_lines(got, lines, f.name)
    assert r["lines_per_file"] == [len(ln) for ln in ref]
    assert r["documents"] == sum(ln.count("") for ln in ref)
    assert sorted(os.listdir(out)) == [f"corpus_{i + 1:02d}.txt" for i in range(num_files)]


def test_deal_universal_newlines_compression_and_errors(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes("a  b\r\nc\rd\r\r\n  \n\u3000e\tf\n".encode())
    ref = deal_reference([["a  b", "c", "d", "", "  ", "\u3000e\tf"]], 4, 3)
    for comp in ("none", "gz", "zst", "xz"):
        out = tmp_path / comp
        deal([src], out, 4, seed=3, compression=comp)
        suffix = "" if comp == "none" else f".{comp}"
        for i, lines in enumerate(ref):
            got = read_text(out / f"corpus_{i + 1:02d}.txt{suffix}")
            assert got == "".join(ln + "\n" for ln in lines)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\nfine\n\xfe\xff\n")
    with pytest.raises(InputError, match=r"bad.txt:4: invalid UTF-8"):
        deal([bad], tmp_path / "bad", 2)
    assert not list((tmp_path / "bad").iterdir())
    r = deal([bad], tmp_path / "bad", 2, errors="skip")
    assert r["skipped_invalid_utf8"] == 1 and r["lines"] == 4
    with pytest.raises(ConfigError):
        deal([bad], tmp_path / "x", 0)


def test_deal_cli(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("一。\n二。\n\n三。\n\n", encoding="utf-8")
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "wakachi",
            "corpus",
            "deal",
            str(src),
            "-n",
            "2",
            "--seed",
            "1",
            "-o",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    got = [(tmp_path / "o" / f"corpus_0{i}.txt").read_text("utf-8").split("\n")[:-1] for i in (1, 2)]
    assert got == deal_reference([["一。", "二。", "", "三。", ""]], 2, 1)


def test_wikipedia_lone_surrogate_escapes_as_python(tmp_path):
    """Python's json keeps lone surrogates (then isprintable drops them); serde_json refuses them."""
    lines = [
        r'{"title": "東\ud800京", "text": "地理 > 東\ud800京 東京は\udc00日本の首都である。絵文字\ud83d\ude00も残る文です。"}',
        r'{"title": "t", "text": "か\ud800\u3099は結合しない文である。\\ud800は文字列のままである。"}',
        r'{"title": "\udfff", "text": "a > \udfff 表題は一致しないままの文。"}',
    ]
    src = tmp_path / "s.json"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "s.txt"
    r = wikipedia([src], out)
    ref = wikipedia_reference(lines, mecab_tagger("unidic-lite"))
    assert_same_lines(out.read_text("utf-8").split("\n")[:-1], ref, "surrogates")
    assert r["pages"] == 3 and r["sentences"] >= 4


def test_kuten_matches_reference(tmp_path):
    from corpus_reference import kuten_reference
    from wakachi.corpus import kuten

    lines = []
    for name in ("aozora_ja.txt", "jglue_wikipedia.txt", "ja_debian.txt"):
        lines += ['<doc id="1" url="x" title="t">', *corpus_lines(name)[:3000], "</doc>", ""]
    lines += ["docker は。doc を含む。", " 。。 \r", "end。"]
    data = "\n".join(lines)  # no final newline
    for ext in ("", ".gz", ".xz"):
        src = tmp_path / f"in.txt{ext}"
        src.write_bytes(packed_bytes(data.encode(), ext) if ext else data.encode())
        for drop in (None, "doc"):
            out = tmp_path / "out.txt.zst"
            r = kuten([src], out, drop_containing=drop)
            ref = kuten_reference(data, drop)
            got = read_text(out).split("\n")
            assert got.pop() == ""
            assert_same_lines(got, ref, f"kuten {ext} {drop}")
            assert r["sentences"] == len(ref) > 5000
            assert r["dropped_lines"] == (0 if drop is None else sum("doc" in line for line in lines))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"a\xff\n")
    with pytest.raises(InputError, match=r"bad.txt:1: invalid UTF-8"):
        kuten([bad], tmp_path / "b.txt")
    assert kuten([bad], tmp_path / "b.txt", errors="skip")["skipped_invalid_utf8"] == 1


def test_ctrl_c_stops_and_leaves_nothing(dump, tmp_path):
    """SIGINT stops a run after its current batch: exit 130, no output, no partial file."""
    import signal
    import time

    _, lines = dump
    big = tmp_path / "big.json"
    big.write_text("\n".join(lines * 30) + "\n", encoding="utf-8")
    out = tmp_path / "big.txt.gz"
    cmd = [sys.executable, "-m", "wakachi", "corpus", "wikipedia", str(big), "-o", str(out), "-j", "1"]
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default)
    partial = tmp_path / "big.txt.gz.partial"
    deadline = time.time() + 60
    while not partial.exists() and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    if p.returncode == 0:
        pytest.skip("the run finished before the signal")
    assert p.returncode == 130, err
    assert "interrupted" in err
    assert not out.exists() and not partial.exists()
