"""`wakachi pack` on real text (shared corpora) with a small local WordPiece vocabulary over MeCab
(unidic-lite) words: compat mode identical to the Python reference of Google's algorithm, the
same bytes for 1 and 2 threads, after a real `kill -9` and rerun, and from compressed / JSONL
inputs; bad input; the rules of every format; the manifest."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import lzma
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import google_reference
import wordpiece_fixtures as wf
from conftest import CORPORA, sigint_default
from parity import assert_same
from wakachi import ConfigError, InputError, Tokenizer
from wakachi.pack import PackConfig, pack
from wakachi.shards import load_manifest, read_shard

WAKACHI = [sys.executable, "-m", "wakachi.cli"]


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory) -> Path:
    """A WordPiece vocabulary of 3000 entries trained on MeCab words of a slice of every corpus."""
    vocab = wf.train_wordpiece(wf.training_words("unidic_lite", 300), vocab_size=3000, limit_alphabet=1200)
    return wf.write_dir(
        tmp_path_factory.mktemp("tok") / "tok", vocab, mecab_dic="unidic_lite", subword="wordpiece", lower=False
    )


@pytest.fixture(scope="module")
def tok(tok_dir) -> Tokenizer:
    return Tokenizer.from_pretrained(tok_dir)


def read_docs(path: Path) -> list[list[str]]:
    """Documents as pack's `lines` layout reads them (stripped lines, blank lines between)."""
    docs: list[list[str]] = [[]]
    for line in path.read_text(encoding="utf-8").split("\n"):
        line = line.strip()
        if line:
            docs[-1].append(line)
        elif docs[-1]:
            docs.append([])
    return [d for d in docs if d]


def write_docs(path: Path, docs: list[list[str]]) -> Path:
    path.write_text("".join("\n".join(d) + "\n\n" for d in docs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def kwdlc(tmp_path_factory) -> Path:
    """The first 400 documents of KWDLC (one sentence a line, blank lines between documents)."""
    docs = read_docs(CORPORA / "kwdlc.txt")[:400]
    return write_docs(tmp_path_factory.mktemp("corpus") / "kwdlc.txt", docs)


def rows(directory: Path) -> list[dict]:
    out = []
    for entry in load_manifest(directory)["shards"]:
        out += read_shard(directory / entry["file"])
    return out


def shard_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("shard-*.arrow"))}


def run(tok_dir, out, inputs, **kw) -> dict:
    kw.setdefault("rows_per_shard", 500)
    kw.setdefault("dupe_factor", 2)
    return pack(tokenizer=str(tok_dir), inputs=[str(p) for p in inputs], output=str(out), **kw)


# (a) compat mode == the Python reference on the same tokens ------------------------------------


@pytest.mark.parametrize("seq,dupe,seed", [(128, 3, 12345), (512, 2, 7)])
def test_compat_rows_equal_the_reference(tok_dir, tok, kwdlc, tmp_path, seq, dupe, seed):
    report = run(
        tok_dir,
        tmp_path / "out",
        [kwdlc],
        compat=True,
        max_seq_length=seq,
        dupe_factor=dupe,
        seed=seed,
        rows_per_shard=10_000,
    )
    vocab = (tok_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    ids = {t: i for i, t in enumerate(vocab)}
    docs = [[tok.tokenize(s) for s in d] for d in read_docs(kwdlc)]
    ref = google_reference.create_instances(
        docs,
        vocab,
        seed=seed,
        dupe_factor=dupe,
        max_seq_length=seq,
        short_seq_prob=0.1,
        masked_lm_prob=0.15,
        max_predictions_per_seq=int(seq * 0.15),
        do_whole_word_mask=True,
    )
    want = [
        {
            "input_ids": [ids[t] for t in i["masked_tokens"]],
            "segment_ids": i["segment_ids"],
            "word_starts": [int(not t.startswith("##")) for t in i["tokens"]],
            "masked_positions": i["masked_positions"],
            "masked_ids": [ids[t] for t in i["masked_labels"]],
            "next_sentence_label": int(i["is_random_next"]),
        }
        for i in ref
    ]
    got = rows(tmp_path / "out")
    got = [{k: [int(x) for x in v] if isinstance(v, list) else v for k, v in r.items()} for r in got]
    assert report["instances"] == len(want) == len(got) > 500
    assert_same(range(len(want)), want, got, "rows")
    # The slice exercises multi-token words inside masked groups and both NSP labels.
    assert sum(r["next_sentence_label"] for r in got) not in (0, len(got))
    assert any(0 in r["word_starts"][1:-1] for r in got)


# (a') a character vocabulary: cl-tohoku's own grouping (their CharacterTokenizer) -------------------


@pytest.fixture(scope="module")
def char_dir(tok_dir, tmp_path_factory) -> Path:
    """The character vocabulary of `tok_dir` (specials + its 1,200 characters, as cl-tohoku's char
    vocabulary is the head of their WordPiece one): real text has characters it lacks, mid-word."""
    vocab = (tok_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    return wf.write_dir(
        tmp_path_factory.mktemp("tok") / "char",
        wf.character_vocab(vocab),
        mecab_dic="unidic_lite",
        subword="character",
        lower=False,
    )


@pytest.fixture(scope="module")
def cltohoku_char_docs(char_dir, kwdlc):
    """`kwdlc` as cl-tohoku's pipeline tokenizes it: transformers' MeCab words (unidic-lite, NFKC),
    then their character rule (google_reference.cltohoku_characters)."""
    hf = wf.hf_tokenizer(char_dir)
    vocab = set((char_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1])
    return [
        [google_reference.cltohoku_characters(hf.word_tokenizer.tokenize(s), vocab) for s in d]
        for d in read_docs(kwdlc)
    ]


def test_char_compat_rows_equal_cltohoku(char_dir, kwdlc, cltohoku_char_docs, tmp_path):
    docs = cltohoku_char_docs
    # The slice has unknown characters inside words, with known characters after them.
    pairs = [(a, b) for d in docs for s in d for a, b in itertools.pairwise(s)]
    assert sum(a == "[UNK]" and b.startswith("##") for a, b in pairs) > 100
    seq, dupe, seed = 128, 3, 12345
    report = run(char_dir, tmp_path / "out", [kwdlc], compat=True, dupe_factor=dupe, seed=seed, rows_per_shard=10_000)
    vocab = (char_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    ids = {t: i for i, t in enumerate(vocab)}
    ref = google_reference.create_instances(
        docs,
        vocab,
        seed=seed,
        dupe_factor=dupe,
        max_seq_length=seq,
        short_seq_prob=0.1,
        masked_lm_prob=0.15,
        max_predictions_per_seq=19,
        do_whole_word_mask=True,
    )
    want = [
        {
            "input_ids": [google_reference.character_id(t, ids) for t in i["masked_tokens"]],
            "segment_ids": i["segment_ids"],
            "word_starts": [int(not t.startswith("##")) for t in i["tokens"]],
            "masked_positions": i["masked_positions"],
            "masked_ids": [google_reference.character_id(t, ids) for t in i["masked_labels"]],
            "next_sentence_label": int(i["is_random_next"]),
        }
        for i in ref
    ]
    got = [{k: [int(x) for x in v] if isinstance(v, list) else v for k, v in r.items()} for r in rows(tmp_path / "out")]
    assert report["instances"] == len(want) == len(got) > 1000
    diff = [k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    assert not diff, f"{len(diff)} of {len(want)} rows differ, first #{diff[0]}: {got[diff[0]]} != {want[diff[0]]}"
    # Masked groups that start at an unknown character and run on.
    unk = ids["[UNK]"]
    assert any(
        unk in r["masked_ids"]
        and any(not r["word_starts"][p + 1] for p in r["masked_positions"] if p + 1 < len(r["word_starts"]))
        for r in got
    )


def test_char_word_starts_of_every_format_follow_cltohoku(char_dir, kwdlc, cltohoku_char_docs, tmp_path):
    """The streaming modes store the same grouping: RoBERTa rows (unmasked, in input order) hold
    every sentence's tokens; bert streaming rows make every `[UNK]` a word start."""
    run(char_dir, tmp_path / "r", [kwdlc], format="roberta", rows_per_shard=10_000)
    vocab = (char_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    ids = {t: i for i, t in enumerate(vocab)}
    specials = {ids["[CLS]"], ids["[SEP]"]}
    got = [
        (i, s)
        for r in rows(tmp_path / "r")
        for i, s in zip(r["input_ids"], r["word_starts"], strict=True)
        if i not in specials
    ]
    want = [
        (google_reference.character_id(t, ids), not t.startswith("##"))
        for d in cltohoku_char_docs
        for s in d
        for t in s
    ]
    assert len(got) == len(want)
    first = next((k for k, (g, w) in enumerate(zip(got, want, strict=True)) if (int(g[0]), bool(g[1])) != w), None)
    assert first is None, f"token {first} differs: {got[first]} != {want[first]}"
    run(char_dir, tmp_path / "b", [kwdlc], rows_per_shard=10_000)
    unk, n_unk = ids["[UNK]"], 0
    for r in rows(tmp_path / "b"):
        original = list(r["input_ids"])
        for p, i in zip(r["masked_positions"], r["masked_ids"], strict=True):
            original[p] = i
        for i, s in zip(original, r["word_starts"], strict=True):
            if i == unk:
                n_unk += 1
                assert s
    assert n_unk > 100


# (b) threads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["bert", "electra", "roberta"])
def test_one_and_two_threads_give_the_same_bytes(tok_dir, kwdlc, tmp_path, fmt):
    a = run(
        tok_dir,
        tmp_path / "a",
        [kwdlc],
        format=fmt,
        threads=1,
        block_documents=64,
        batch_bytes=4096,
        rows_per_shard=150,
    )
    run(
        tok_dir,
        tmp_path / "b",
        [kwdlc],
        format=fmt,
        threads=2,
        block_documents=64,
        batch_bytes=4096,
        rows_per_shard=150,
    )
    assert a["shards"] >= 2
    assert shard_bytes(tmp_path / "a") == shard_bytes(tmp_path / "b")
    if fmt == "bert":  # blocks also end at block_bytes of text: other blocks, other random B spans
        run(tok_dir, tmp_path / "c", [kwdlc], threads=2, block_documents=64, block_bytes=3000, rows_per_shard=150)
        assert shard_bytes(tmp_path / "c") != shard_bytes(tmp_path / "a")


# (c) a real kill -9, then the same command again ---------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """About 5 MB: ja_debian (its first 28,000 lines) — enough for a run that lasts seconds."""
    lines = (CORPORA / "ja_debian.txt").read_text(encoding="utf-8").split("\n")[:28000]
    p = tmp_path_factory.mktemp("big") / "big.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def pack_cmd(tok_dir, out, inputs, *extra) -> list[str]:
    return [
        *WAKACHI,
        "pack",
        "-t",
        str(tok_dir),
        "-o",
        str(out),
        "-j",
        "1",
        "--rows-per-shard",
        "1000",
        "--dupe-factor",
        "3",
        *extra,
        *map(str, inputs),
    ]


def kill_mid_run(cmd: list[str], out: Path, sig: int = signal.SIGKILL) -> dict:
    """Starts `cmd`, sends it `sig` once the manifest records work done, waits for it to end,
    returns the manifest at that moment."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=sigint_default)
    manifest = out / "manifest.json"
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                m = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                m = None
            if m and m["state"]["input_rows"] >= 3000 and m["state"]["phase"] != "complete":
                proc.send_signal(sig)
                m["returncode"] = proc.wait()
                m["stderr"] = proc.stderr.read().decode()
                return m
            time.sleep(0.01)
        raise AssertionError(f"the run ended before it could be killed: {proc.stderr.read().decode()}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def dir_files(directory: Path) -> dict[str, bytes]:
    """Every file of an output directory (shards and manifest), by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def start_work(cmd: list[str], out: Path) -> subprocess.Popen:
    """Starts `cmd` and returns once its manifest exists (the run has begun to read and write)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while not (out / "manifest.json").exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.005)
    return proc


@pytest.mark.parametrize("extra", [(), ("--format", "roberta")], ids=["bert-shuffled", "roberta-direct"])
def test_kills_at_random_points_then_rerun_gives_the_same_files(tok_dir, big, tmp_path, extra):
    """SIGKILL at random moments spread over the work (reading, encoding, shuffling, writing), each
    in its own directory, then the same command to the end: every file equals an uninterrupted
    run's."""
    whole = tmp_path / "whole"
    proc = start_work(pack_cmd(tok_dir, whole, [big], *extra), whole)
    t0 = time.monotonic()
    assert proc.wait() == 0, proc.communicate()
    seconds = time.monotonic() - t0
    want = dir_files(whole)
    assert len(shard_bytes(whole)) >= 3 and "manifest.json" in want
    rng = random.Random(f"pack-kills-{extra}")
    phases = []
    for k in range(3):
        killed = tmp_path / f"killed{k}"
        proc = start_work(pack_cmd(tok_dir, killed, [big], *extra), killed)
        time.sleep(0.8 * seconds * rng.uniform(k, k + 1) / 3)  # the first 80%: timing varies between runs
        proc.kill()
        proc.wait()
        phases.append(json.loads((killed / "manifest.json").read_text(encoding="utf-8"))["state"]["phase"])
        done = subprocess.run(pack_cmd(tok_dir, killed, [big], *extra), check=True, capture_output=True, text=True)
        assert dir_files(killed) == want, f"killed in phase {phases[-1]}: {done.stderr}"
        assert not (killed / ".wakachi-shuffle").exists()
    assert sum(ph != "complete" for ph in phases) >= 2, phases


def test_ctrl_c_stops_after_the_batch_and_the_rerun_resumes(tok_dir, big, tmp_path):
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    subprocess.run(pack_cmd(tok_dir, whole, [big], "--format", "electra"), check=True, capture_output=True)
    at_stop = kill_mid_run(pack_cmd(tok_dir, stopped, [big], "--format", "electra"), stopped, signal.SIGINT)
    assert at_stop["returncode"] == 130 and "rerun the same command to resume" in at_stop["stderr"]
    subprocess.run(pack_cmd(tok_dir, stopped, [big], "--format", "electra"), check=True, capture_output=True)
    assert shard_bytes(whole) == shard_bytes(stopped)


# (d) compressed and JSONL inputs -------------------------------------------------------------------


def test_compressed_and_jsonl_inputs_give_the_same_shards(tok_dir, kwdlc, tmp_path):
    import zstandard

    text = kwdlc.read_bytes()
    gz = tmp_path / "c.txt.gz"
    gz.write_bytes(gzip.compress(text))
    xz = tmp_path / "c.txt.xz"
    xz.write_bytes(lzma.compress(text))
    zst = tmp_path / "c.txt.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(text))
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps({"id": i, "body": "\n".join(d)}, ensure_ascii=False) + "\n"
            for i, d in enumerate(read_docs(kwdlc))
        ),
        encoding="utf-8",
    )
    want = run(tok_dir, tmp_path / "plain", [kwdlc])
    for name, src, kw in [
        ("gz", gz, {}),
        ("xz", xz, {}),
        ("zst", zst, {}),
        ("jsonl", jsonl, {"input_format": "jsonl", "jsonl_field": "body"}),
    ]:
        got = run(tok_dir, tmp_path / name, [src], **kw)
        assert shard_bytes(tmp_path / name) == shard_bytes(tmp_path / "plain"), name
        assert (got["documents"], got["instances"]) == (want["documents"], want["instances"]), name
    # A gzip of the JSONL too (compression and layout compose).
    jgz = tmp_path / "c.jsonl.gz"
    jgz.write_bytes(gzip.compress(jsonl.read_bytes()))
    run(tok_dir, tmp_path / "jgz", [jgz], input_format="jsonl", jsonl_field="body")
    assert shard_bytes(tmp_path / "jgz") == shard_bytes(tmp_path / "plain")


# (e) bad input ------------------------------------------------------------------------------------


def test_invalid_utf8_strict_names_file_and_line_skip_counts(tok_dir, kwdlc, tmp_path):
    lines = kwdlc.read_bytes().split(b"\n")
    lines[6] = lines[6][:4] + b"\xff\xfe" + lines[6][4:]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match=r"bad\.txt:7: invalid UTF-8"):
        run(tok_dir, tmp_path / "strict", [bad])
    cli = subprocess.run(pack_cmd(tok_dir, tmp_path / "cli", [bad]), capture_output=True, text=True)
    assert cli.returncode == 1 and "bad.txt:7: invalid UTF-8" in cli.stderr
    report = run(tok_dir, tmp_path / "skip", [bad], errors="skip")
    assert report["skipped_invalid_utf8"] == 1 and report["instances"] > 0
    cli = subprocess.run(
        pack_cmd(tok_dir, tmp_path / "cli2", [bad], "--errors", "skip"), capture_output=True, text=True
    )
    assert cli.returncode == 0 and "1 line skipped as invalid UTF-8" in cli.stderr


def test_a_run_that_failed_before_its_first_shard_does_not_block_the_next(tok_dir, kwdlc, tmp_path):
    lines = kwdlc.read_bytes().split(b"\n")
    lines[6] = b"\xff" + lines[6]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\n".join(lines))
    out = tmp_path / "o"
    with pytest.raises(InputError, match=r"bad\.txt:7"):
        run(tok_dir, out, [bad])
    assert (out / "manifest.json").exists() and not list(out.glob("*.arrow"))
    report = run(tok_dir, out, [kwdlc])  # other inputs: no --overwrite needed, nothing is lost
    assert report["shards"] > 0 and report["resumed_rows"] == 0
    # With a shard written, other inputs are refused as before.
    with pytest.raises(ConfigError, match="pass overwrite"):
        run(tok_dir, out, [bad])


def test_limits_are_checked_before_any_work_and_name_the_flag(tok_dir, kwdlc, tmp_path):
    out = tmp_path / "o"
    zero = subprocess.run(pack_cmd(tok_dir, out, [kwdlc], "--max-seq-length", "0"), capture_output=True, text=True)
    assert zero.returncode == 2 and "argument --max-seq-length: must be > 0, not 0" in zero.stderr
    big = subprocess.run(pack_cmd(tok_dir, out, [kwdlc], "--max-seq-length", "100000"), capture_output=True, text=True)
    assert big.returncode == 1, big.stderr
    assert big.stderr.startswith("wakachi: error: --max-seq-length 100000 is above 65536"), big.stderr
    assert not out.exists()
    with pytest.raises(ConfigError, match="max_seq_length 65537 is above 65536"):
        run(tok_dir, out, [kwdlc], max_seq_length=65537)


def test_pack_help_shows_defaults_and_required_flags():
    text = subprocess.run([*WAKACHI, "pack", "--help"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "(default 128)" in flat and "(default: bert 0.1, electra 0.05)" in flat and "19 at 128" in flat
    required = text[text.index("required (here or in --config)") :]
    assert "--tokenizer" in required and "--output" in required


def test_bad_jsonl_records(tok_dir, tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text(
        '{"text": "吾輩は猫である。\\n名前はまだない。"}\n{"text": 5}\nnot json\n\n{"text": "どこで生れたか。"}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"x\.jsonl:2: .*not a string"):
        run(tok_dir, tmp_path / "a", [f], input_format="jsonl")
    report = run(tok_dir, tmp_path / "b", [f], input_format="jsonl", errors="skip", format="roberta")
    assert (report["skipped_bad_records"], report["documents"]) == (2, 2)


def test_empty_and_one_sentence_documents(tok_dir, kwdlc, tmp_path):
    sentences = [s for d in read_docs(kwdlc) for s in d][:300]
    f = tmp_path / "one.txt"
    # Every document is one sentence; blank and whitespace-only lines between (empty documents).
    f.write_text("\n\n \n\u3000\n".join(sentences) + "\n\n\n", encoding="utf-8")
    report = run(tok_dir, tmp_path / "one", [f], shuffle=False)
    got = rows(tmp_path / "one")
    assert report["documents"] == 300 and len(got) == report["instances"] > 300
    assert all(r["next_sentence_label"] == 1 for r in got)  # a one-sentence chunk always takes a random B
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n\n", encoding="utf-8")
    report = run(tok_dir, tmp_path / "empty", [empty])
    assert (report["documents"], report["instances"], report["shards"]) == (0, 0, 0)
    # UER: a blank line (layout docs) is an empty document, `[CLS] [SEP]` padded.
    d = tmp_path / "docs.txt"
    d.write_text(sentences[0] + "\n\n" + sentences[1] + "\n", encoding="utf-8")
    run(tok_dir, tmp_path / "uer", [d], format="uer", input_format="docs", max_seq_length=16)
    uer = rows(tmp_path / "uer")
    specials = json.loads((tmp_path / "uer" / "manifest.json").read_text())["identity"]["settings"]["tokenizer"][
        "specials"
    ]
    assert [specials["cls"], specials["sep"]] + [specials["pad"]] * 14 in [r["input_ids"] for r in uer]


def test_a_one_megabyte_line(tok_dir, kwdlc, tmp_path):
    text = "".join(s for d in read_docs(kwdlc) for s in d)
    line = (text * (1_000_000 // len(text.encode()) + 1))[:340_000]
    assert len(line.encode()) >= 1_000_000
    f = tmp_path / "long.txt"
    f.write_text(line + "\n", encoding="utf-8")
    report = run(tok_dir, tmp_path / "rob", [f], format="roberta", max_seq_length=512)
    got = rows(tmp_path / "rob")
    # Cut into rows, no token lost.
    assert sum(len(r["input_ids"]) - 2 for r in got) == report["input_tokens"] > 200_000
    assert all(len(r["input_ids"]) <= 512 for r in got)
    report = run(tok_dir, tmp_path / "bert", [f], max_seq_length=128, dupe_factor=1)
    assert report["instances"] == 1  # one sentence: one instance per pass, B from the same document


def test_missing_tokenizer_files(tok_dir, kwdlc, tmp_path):
    broken = tmp_path / "tok"
    shutil.copytree(tok_dir, broken)
    (broken / "vocab.txt").unlink()
    with pytest.raises(OSError, match=r"vocab\.txt"):
        run(broken, tmp_path / "a", [kwdlc])
    with pytest.raises(FileNotFoundError, match="nowhere"):
        run(tmp_path / "nowhere", tmp_path / "b", [kwdlc])
    (broken / "tokenizer_config.json").unlink()
    with pytest.raises(ConfigError, match="neither"):
        run(broken, tmp_path / "c", [kwdlc])
    cli = subprocess.run(pack_cmd(tmp_path / "nowhere", tmp_path / "d", [kwdlc]), capture_output=True, text=True)
    assert cli.returncode == 1 and "nowhere" in cli.stderr
    with pytest.raises(ConfigError, match="compat"):
        PackConfig(tokenizer="t", inputs=["x"], output="o", format="roberta", compat=True)


# (f) every format's rows obey its rules ------------------------------------------------------------


def unmasked(r: dict) -> list[int]:
    ids = list(r["input_ids"])
    for p, i in zip(r["masked_positions"], r["masked_ids"], strict=True):
        ids[p] = i
    return ids


@pytest.mark.parametrize("fmt", ["bert", "roberta", "electra", "gpt2", "uer"])
def test_rows_obey_their_format(tok_dir, kwdlc, tmp_path, fmt):
    seq = 64
    report = run(tok_dir, tmp_path / fmt, [kwdlc], format=fmt, max_seq_length=seq)
    sp = load_manifest(tmp_path / fmt)["identity"]["settings"]["tokenizer"]["specials"]
    cls, sep, pad = sp["cls"], sp["sep"], sp["pad"]
    got = rows(tmp_path / fmt)
    assert len(got) == report["instances"] > 100
    for r in got:
        ids, starts = r["input_ids"], r["word_starts"] if fmt != "gpt2" else None
        assert starts is None or len(starts) == len(ids)
        assert fmt in ("gpt2", "uer") or starts[0] == 1
        if fmt == "bert":
            u = unmasked(r)
            a_end = u.index(sep)
            assert len(ids) <= seq and u[0] == cls and u[-1] == sep and sep not in u[a_end + 1 : -1]
            assert r["segment_ids"] == [0] * (a_end + 1) + [1] * (len(u) - a_end - 1)
            assert r["masked_positions"] == sorted(set(r["masked_positions"])) and 0 < len(r["masked_positions"]) <= 9
            assert cls not in r["masked_ids"] and r["next_sentence_label"] in (0, 1)
        elif fmt == "electra":
            a_end = ids.index(sep)
            assert len(ids) <= seq and ids[0] == cls and ids[-1] == sep
            assert r["segment_ids"] == [0] * (a_end + 1) + [1] * (len(ids) - a_end - 1)
        elif fmt == "roberta":
            assert len(ids) <= seq and ids[0] == cls and ids[-1] == sep and ids[1] != sep
        elif fmt == "gpt2":
            assert len(ids) == seq + 1
        else:  # uer: chunks of a line, `[CLS]` only on its first, `[SEP]` only on its last, padded
            assert len(ids) == seq and cls not in ids[1:] and (ids[0] == cls or ids[0] != pad)
    if fmt == "gpt2":
        consecutive = [(a["input_ids"][-1], b["input_ids"][0]) for a, b in itertools.pairwise(got)]
        assert all(x == y for x, y in consecutive)  # windows share one token
    if fmt == "uer":
        assert any(r["input_ids"][-1] == pad for r in got) and report["padding_share"] > 0
    if fmt != "gpt2":
        assert sum(0 in r["word_starts"] for r in got) > len(got) // 2  # multi-token words are marked


# (g) the manifest ---------------------------------------------------------------------------------


def test_manifest_records_settings_and_fingerprints(tok_dir, kwdlc, tmp_path):
    run(tok_dir, tmp_path / "o", [kwdlc], dupe_factor=3, seed=99, max_seq_length=96)
    m = load_manifest(tmp_path / "o")
    s = m["identity"]["settings"]
    assert s["format"] == {
        "bert": {
            "max_seq_length": 96,
            "short_seq_prob": 0.1,
            "masked_lm_prob": 0.15,
            "max_predictions_per_seq": 14,
            "do_whole_word_mask": True,
            "dupe_factor": 3,
            "seed": 99,
            "block_documents": 1000,
        }
    }
    assert (
        s["compat"] is False and s["block_bytes"] == 16 << 20 and s["input"] == {"layout": "lines", "errors": "strict"}
    )
    assert s["tokenizer"]["kind"] == "bert_japanese" and s["tokenizer"]["specials"]["vocab_size"] == 3000
    assert m["identity"]["shuffle"]["seed"] == 99
    (inp,) = m["identity"]["inputs"]
    assert inp["sha256"] == hashlib.sha256(kwdlc.read_bytes()).hexdigest() and inp["size"] == os.path.getsize(kwdlc)
    assert m["identity"]["tokenizer"].startswith("sha256:")
    # Another vocabulary, same directory: a clear error, not a silent mix.
    other = tmp_path / "tok2"
    shutil.copytree(tok_dir, other)
    with open(other / "vocab.txt", "a", encoding="utf-8") as f:
        f.write("[unused99]\n")
    with pytest.raises(ConfigError, match="tokenizer"):
        run(other, tmp_path / "o", [kwdlc], dupe_factor=3, seed=99, max_seq_length=96)
    with pytest.raises(ConfigError, match="settings"):
        run(tok_dir, tmp_path / "o", [kwdlc], dupe_factor=4, seed=99, max_seq_length=96)


def test_config_file_and_flags(tok_dir, kwdlc, tmp_path):
    cfg = tmp_path / "pack.toml"
    cfg.write_text(f'tokenizer = "{tok_dir}"\nformat = "electra"\nmax-seq-length = 48\nseed = 3\n', encoding="utf-8")
    out = tmp_path / "o"
    done = subprocess.run(
        [*WAKACHI, "pack", "--config", str(cfg), "--seed", "4", "-o", str(out), str(kwdlc)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    s = load_manifest(out)["identity"]["settings"]
    assert s["format"]["electra"]["max_seq_length"] == 48 and s["format"]["electra"]["seed"] == 4
    assert "instances (electra)" in done.stderr and "peak RSS" in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("dupe_facter = 3\n", encoding="utf-8")
    done = subprocess.run(
        [*WAKACHI, "pack", "--config", str(bad), "-o", str(out), str(kwdlc)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "dupe_facter" in done.stderr


# SentencePiece Unigram encoders -------------------------------------------------------------------


def test_unigram_albert_dir_rows_are_sentencepiece_ids(tmp_path):
    import sentencepiece as spm

    import unigram_models

    tok = unigram_models.albert_dir("ja", "keep")
    sentences = [s for d in read_docs(CORPORA / "kwdlc.seg.txt")[:150] for s in d]
    corpus = write_docs(tmp_path / "seg.txt", [sentences[i : i + 3] for i in range(0, len(sentences), 3)])
    report = pack(
        tokenizer=str(tok),
        inputs=[str(corpus)],
        output=str(tmp_path / "o"),
        format="roberta",
        max_seq_length=128,
        doc_separator=False,
    )
    got = rows(tmp_path / "o")
    sp = spm.SentencePieceProcessor(model_file=str(tok / "spiece.model"))
    specials = load_manifest(tmp_path / "o")["identity"]["settings"]["tokenizer"]["specials"]
    assert [specials["cls"], specials["sep"]] == [sp.piece_to_id("[CLS]"), sp.piece_to_id("[SEP]")]
    want_ids, want_starts = [], []
    for s in sentences:
        pieces = sp.encode(s, out_type=str)
        want_ids += sp.encode(s)
        want_starts += [int(k == 0 or p.startswith("▁")) for k, p in enumerate(pieces)]
    assert all(r["input_ids"][0] == specials["cls"] and r["input_ids"][-1] == specials["sep"] for r in got)
    assert [i for r in got for i in r["input_ids"][1:-1]] == want_ids
    assert [w for r in got for w in r["word_starts"][1:-1]] == want_starts
    assert report["input_tokens"] == len(want_ids) and 0 in want_starts


def test_unigram_model_file_needs_its_special_pieces(tmp_path, kwdlc):
    import unigram_models

    model = unigram_models.train("ja")
    with pytest.raises(ConfigError, match="mask"):
        pack(tokenizer=str(model), inputs=[str(kwdlc)], output=str(tmp_path / "a"))
    specials = {"cls": 1, "sep": 2, "mask": 0, "pad": 0, "vocab_size": 4000}
    report = pack(
        tokenizer=str(model),
        inputs=[str(kwdlc)],
        output=str(tmp_path / "b"),
        format="gpt2",
        max_seq_length=64,
        specials=specials,
    )
    assert report["instances"] > 50 and all(len(r["input_ids"]) == 65 for r in rows(tmp_path / "b"))


# (h) UER and ELECTRA as their users run them -------------------------------------------------------


def test_cli_uer_reads_one_document_a_line(tok_dir, tok, tmp_path):
    """UER-py's `preprocess.py --data_processor mlm` reads one document a line (`[CLS] ids [SEP]`
    cut into chunks of the length, the last padded; a blank line is `[CLS] [SEP]`): `--format uer`
    alone reads the file that way."""
    lines = (CORPORA / "kwdlc.txt").read_text(encoding="utf-8").split("\n")[:800]
    src = tmp_path / "uer.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seq = 24  # lines longer than a row give several chunks
    cmd = pack_cmd(tok_dir, tmp_path / "o", [src], "--format", "uer", "--max-seq-length", str(seq), "-q")
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    settings = load_manifest(tmp_path / "o")["identity"]["settings"]
    assert settings["input"]["layout"] == "docs"
    sp = settings["tokenizer"]["specials"]
    want = []
    for line in lines:
        doc = [sp["cls"], *tok.encode(line), sp["sep"]]
        want += [doc[k : k + seq] + [sp["pad"]] * (seq - len(doc[k : k + seq])) for k in range(0, len(doc), seq)]
    got = [[int(x) for x in r["input_ids"]] for r in rows(tmp_path / "o")]
    assert len(got) == len(want) > len(lines)
    first = next((k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w), None)
    assert first is None, f"row {first} differs: {got[first]} != {want[first]}"
    assert sum(1 for line in lines if not line) > 10  # blank lines are documents of their own


def test_cli_electra_compat_draws_as_izumi_lab(tok_dir, tok, kwdlc, tmp_path):
    """`--format electra --compat`: izumi-lab's own draws (one random.Random(seed) over the
    documents in input order), rows in that order."""
    from electra_reference import electra_reference

    cmd = pack_cmd(tok_dir, tmp_path / "o", [kwdlc], "--format", "electra", "--compat", "--seed", "42", "-q")
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = load_manifest(tmp_path / "o")
    sp = m["identity"]["settings"]["tokenizer"]["specials"]
    assert m["identity"]["settings"]["compat"] is True
    docs = [[ids for ids in (tok.encode(s) for s in d) if ids] for d in read_docs(kwdlc)]
    want = electra_reference([d for d in docs if d], 42, 128, 0.05, 5, sp["cls"], sp["sep"])
    got = [([int(x) for x in r["input_ids"]], [int(x) for x in r["segment_ids"]]) for r in rows(tmp_path / "o")]
    assert len(got) == len(want) > 400
    first = next((k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w), None)
    assert first is None, f"row {first} differs: {got[first]} != {want[first]}"
    # The default (streaming) mode draws per document: other rows.
    run(tok_dir, tmp_path / "s", [kwdlc], format="electra", seed=42, shuffle=False)
    assert [list(r["input_ids"]) for r in rows(tmp_path / "s")] != [g for g, _ in got]
    # compat stays refused where no reference defines it.
    r = subprocess.run(
        pack_cmd(tok_dir, tmp_path / "x", [kwdlc], "--format", "roberta", "--compat"), capture_output=True, text=True
    )
    assert r.returncode == 1 and "compat mode exists for formats bert and electra only" in r.stderr
