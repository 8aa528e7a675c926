"""How failures reach Python: one test per mapping. I/O errors are the builtin `OSError` subclass
with `errno` and `filename`; wakachi's own failures are `WakachiError` subclasses; Ctrl-C is
`KeyboardInterrupt`; the CLI turns each into one line on stderr and an exit status."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPORA, sigint_default
from wakachi import ConfigError, DictionaryError, InputError, Segmenter, ShardError, WakachiError, _core
from wakachi.shards import ShardWriter, read_shard
from wakachi.split import split_files, split_sentences_batch
from wakachi.unigram import UnigramModel

KWDLC = CORPORA / "kwdlc.txt"


def test_missing_input_is_file_not_found_with_errno_and_filename(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as e:
        split_files([KWDLC, missing], tmp_path / "out.txt", rule="zh")
    assert e.value.errno == errno.ENOENT and e.value.filename == str(missing)
    with pytest.raises(FileNotFoundError) as e:
        read_shard(tmp_path / "shard-00000.arrow")
    assert e.value.filename == str(tmp_path / "shard-00000.arrow")


def test_directory_as_input_is_is_a_directory_error(tmp_path):
    with pytest.raises(IsADirectoryError) as e:
        split_files([tmp_path], tmp_path / "out.txt", rule="zh")
    assert e.value.errno == errno.EISDIR and e.value.filename == str(tmp_path)


def test_missing_tokenizer_is_file_not_found_with_errno(tmp_path):
    from wakachi.pack import resolve_tokenizer

    with pytest.raises(FileNotFoundError) as e:
        resolve_tokenizer(tmp_path / "nowhere")
    assert e.value.errno == errno.ENOENT and e.value.filename == str(tmp_path / "nowhere")


def test_corrupt_model_is_dictionary_error_naming_it(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"\x0a\xff\xff\xff")
    with pytest.raises(DictionaryError, match=r"bad\.model"):
        UnigramModel.from_file(bad)


def test_invalid_utf8_is_input_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("一行目。\n二行目。\n".encode() + b"\xff\xfe\n")
    with pytest.raises(InputError, match=r"bad\.txt:3: invalid UTF-8"):
        split_files([bad], tmp_path / "out.txt", rule="zh")


def test_malformed_user_dictionary_is_input_error_naming_file_and_line(tmp_path):
    d = tmp_path / "user.dict"
    d.write_text("云计算 5\n区块链 123456789012345678901234567890\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"user\.dict:2: frequency"):
        Segmenter.jieba(user_dict=d)


def test_bad_setting_in_the_core_is_config_error():
    with pytest.raises(ConfigError, match="unknown sentence rule"):
        split_sentences_batch(["。"], rule="nonsense")


def small_shard(d: Path) -> Path:
    w = ShardWriter(str(d), 100, 2, format="gpt2")
    w.push([{"input_ids": [1, 2, 3]}, {"input_ids": [4, 5, 6]}])
    w.finish()
    return d / "shard-00000.arrow"


def test_corrupt_shard_is_shard_error_naming_it(tmp_path):
    shard = small_shard(tmp_path / "out")
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(ShardError, match=r"shard-00000\.arrow"):
        read_shard(shard)


def test_bad_rows_are_input_errors_and_a_finished_writer_a_wakachi_error(tmp_path):
    w = ShardWriter(str(tmp_path / "out"), 100, 2, format="gpt2")
    with pytest.raises(
        InputError, match=r'row 1 has keys \["input_ids", "x"\], the schema\'s columns are \["input_ids"\]'
    ):
        w.push([{"input_ids": [1]}, {"input_ids": [2], "x": 3}])
    with pytest.raises(InputError, match='row 0 has no column "input_ids"'):
        w.push([{"ids": [2]}])
    with pytest.raises(InputError, match='row 0, column "input_ids"'):
        w.push([{"input_ids": "text"}])
    w.finish()
    with pytest.raises(WakachiError, match="finished"):
        w.push([{"input_ids": [1]}])
    with pytest.raises(ConfigError, match="settings_json"):
        ShardWriter(str(tmp_path / "other"), 100, 2, format="gpt2", settings_json="{")


def test_a_stopped_run_is_keyboard_interrupt(tmp_path):
    w = ShardWriter(str(tmp_path / "out"), 100, 1, format="gpt2")
    w.set_on_shard(lambda entry: False)
    with pytest.raises(KeyboardInterrupt, match="rerun the same command"):
        w.push([{"input_ids": [1]}, {"input_ids": [2]}])


def cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wakachi.cli", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=sigint_default,
        **kw,
    )


@pytest.mark.parametrize("command", [["segment", "-s", "whitespace"], ["split", "--rule", "zh"]])
def test_ctrl_c_while_waiting_for_input_exits_130_without_traceback(command):
    p = cli(*command)
    assert p.stdin is not None
    p.stdin.write("一。二。\n".encode())
    p.stdin.flush()  # the command is now blocked reading more of stdin
    time.sleep(3)
    assert p.poll() is None, p.communicate()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err.decode()
    assert err.decode().strip() == f"wakachi {command[0]}: interrupted", err.decode()


def test_cli_errors_are_one_line_exit_1(tmp_path):
    p = cli("segment", "-s", "whitespace", str(tmp_path / "nope.txt"))
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1
    assert err.decode().splitlines() == [
        f"wakachi: error: [Errno 2] No such file or directory: '{tmp_path / 'nope.txt'}'"
    ]


def test_closed_output_is_exit_0(tmp_path):
    """`wakachi segment FILE | head -1`: the reader going away is not an error."""
    r, w = os.pipe()
    p = subprocess.Popen(
        [sys.executable, "-m", "wakachi.cli", "segment", "-s", "char", str(KWDLC)], stdout=w, stderr=subprocess.PIPE
    )
    os.close(w)
    with os.fdopen(r, "rb") as f:
        f.readline()
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0 and b"Traceback" not in err, err.decode()


def test_error_classes_are_one_hierarchy():
    assert issubclass(ShardError, InputError)
    for cls in (DictionaryError, InputError, ConfigError):
        assert issubclass(cls, WakachiError) and cls.__module__ == "wakachi"
    assert _core.WakachiError is WakachiError
