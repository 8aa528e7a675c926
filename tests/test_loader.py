"""The streaming loader on shards packed from the shared corpora: order, ranks, exact resume at
another world size, dynamic masking rules, static labels, the causal shift, and bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch

import shard_fixtures
from wakachi import ConfigError, ShardError
from wakachi.loader import Loader, Masking
from wakachi.shards import load_manifest, read_shard


@pytest.fixture(scope="module")
def dirs() -> dict[str, Path]:
    return shard_fixtures.build()


def all_rows(directory: Path) -> list[dict]:
    out: list[dict] = []
    for entry in load_manifest(directory)["shards"]:
        out += read_shard(directory / entry["file"])
    return out


def specials(directory: Path) -> set[int]:
    sp = load_manifest(directory)["identity"]["settings"]["tokenizer"]["specials"]
    return {sp["cls"], sp["sep"], sp["mask"], sp["pad"]}


def unpadded(batch: dict, i: int) -> tuple[list[int], list[int]]:
    live = batch["attention_mask"][i].bool()
    return batch["input_ids"][i][live].tolist(), batch["labels"][i][live].tolist()


def global_batches(directory: Path, world: int, steps: int | None, state=None, **kw) -> list[list[tuple]]:
    """Global batches as lists of (row id, input ids, labels), ranks concatenated in order."""
    loaders = [Loader(directory, rank=r, world_size=world, epochs=1, **kw) for r in range(world)]
    if state is not None:
        for ld in loaders:
            ld.load_state_dict(state)
    its = [iter(ld) for ld in loaders]
    out = []
    while steps is None or len(out) < steps:
        try:
            parts = [next(it) for it in its]
        except StopIteration:
            break
        rows = []
        for b in parts:
            for i in range(b["input_ids"].shape[0]):
                ids, labels = unpadded(b, i)
                rows.append((int(b["row_ids"][i]), tuple(ids), tuple(labels)))
        out.append(rows)
    return out, loaders


def test_same_seed_same_batches_other_seed_other_order(dirs):
    a, _ = global_batches(dirs["roberta"], 1, 3, batch_size=16, seed=1)
    b, _ = global_batches(dirs["roberta"], 1, 3, batch_size=16, seed=1)
    c, _ = global_batches(dirs["roberta"], 1, 3, batch_size=16, seed=2)
    assert a == b
    assert [r[0] for r in a[0]] != [r[0] for r in c[0]]


def test_ranks_cover_every_row_of_an_epoch_once(dirs):
    d = dirs["roberta"]
    total = load_manifest(d)["totals"]["rows"]
    g = 12
    batches, loaders = global_batches(d, 3, None, batch_size=g, seed=5, masking="none")
    assert len(batches) == total // g == loaders[0].steps_per_epoch
    ids = [r[0] for batch in batches for r in batch]
    assert len(ids) == len(set(ids)) == (total // g) * g
    assert set(ids) <= set(range(total))
    # every rank yields the same number of batches; their slices are disjoint
    per_rank = [[r[0] for batch in batches for r in batch[k * 4 : (k + 1) * 4]] for k in range(3)]
    assert all(len(p) == len(per_rank[0]) for p in per_rank)
    assert not set(per_rank[0]) & set(per_rank[1]) and not set(per_rank[1]) & set(per_rank[2])


@pytest.mark.parametrize("fmt", ["roberta", "bert"])
def test_resume_at_world_size_1_and_3_after_a_world_size_2_run(dirs, fmt):
    d, g, k = dirs[fmt], 12, 3
    full, _ = global_batches(d, 1, None, batch_size=g, seed=3)
    first, loaders = global_batches(d, 2, k, batch_size=g, seed=3)
    assert first == full[:k]
    state = loaders[0].state_dict()
    assert state == loaders[1].state_dict() == {"epoch": 0, "samples": k * g, "batch_size": g, "seed": 3}
    for world in (1, 3):
        rest, _ = global_batches(d, world, None, batch_size=g, seed=3, state=state)
        assert len(rest) == len(full) - k
        assert rest == full[k:], f"world size {world}: the batches after the resume differ"


def test_epochs_continue_with_a_new_order(dirs):
    d = dirs["roberta"]
    ld = Loader(d, batch_size=64, rank=0, world_size=1, epochs=2, seed=9, masking="none")
    n = ld.steps_per_epoch
    seen = [b["row_ids"].tolist() for b in ld]
    assert len(seen) == 2 * n
    for epoch in (seen[:n], seen[n:]):
        flat = [r for batch in epoch for r in batch]
        assert len(flat) == len(set(flat)) == n * 64
    assert seen[:n] != seen[n:]
    assert ld.state_dict()["epoch"] == 2


def _masking_stats(directory: Path, mask: Masking | None, steps: int = 10**9) -> dict:
    """Check the masking invariants row by row against the shard rows; return rates."""
    rows = all_rows(directory)
    sp = specials(directory)
    man = load_manifest(directory)
    mask_id = man["identity"]["settings"]["tokenizer"]["specials"]["mask"]
    ld = Loader(directory, batch_size=32, rank=0, world_size=1, epochs=1, seed=11, mask=mask, masking="dynamic")
    st = {"tokens": 0, "candidates": 0, "predicted": 0, "as_mask": 0, "kept": 0, "random": 0, "rows": 0}
    per_row = []
    for n, b in enumerate(ld):
        if n >= steps:
            break
        flat = b["labels"].reshape(-1)
        assert b["masked_index"].tolist() == torch.nonzero(flat != -100).reshape(-1).tolist()
        for i in range(b["input_ids"].shape[0]):
            row = rows[int(b["row_ids"][i])]
            orig = row["input_ids"]
            ids, labels = unpadded(b, i)
            assert len(ids) == len(orig)
            chosen = [j for j, lab in enumerate(labels) if lab != -100]
            for j in range(len(orig)):
                if j in chosen:
                    assert labels[j] == orig[j]
                    assert orig[j] not in sp, "a special or padding position was masked"
                    if ids[j] == mask_id:
                        st["as_mask"] += 1
                    elif ids[j] == orig[j]:
                        st["kept"] += 1
                    else:
                        st["random"] += 1
                        assert ids[j] not in sp
                else:
                    assert ids[j] == orig[j]
            if mask is None or mask.whole_word:
                starts = row["word_starts"]
                word = []
                for j in range(len(orig)):
                    if orig[j] in sp:
                        continue
                    if starts[j] or not word or word[-1] != j - 1:
                        if word:
                            inside = [p in chosen for p in word]
                            assert all(inside) or not any(inside), f"row {b['row_ids'][i]}: word {word} partly masked"
                        word = []
                    word.append(j)
                if word:
                    inside = [p in chosen for p in word]
                    assert all(inside) or not any(inside)
            unpad = len(orig)
            while unpad and orig[unpad - 1] == man["identity"]["settings"]["tokenizer"]["specials"]["pad"]:
                unpad -= 1
            per_row.append((unpad, len(chosen), sum(1 for t in orig[:unpad] if t not in sp)))
            st["tokens"] += unpad
            st["candidates"] += sum(1 for t in orig[:unpad] if t not in sp)
            st["predicted"] += len(chosen)
            st["rows"] += 1
    st["per_row"] = per_row
    return st


def test_roberta_whole_word_masking_rates_and_invariants(dirs):
    st = _masking_stats(dirs["roberta"], None)
    assert st["tokens"] > 100_000
    p = st["predicted"]
    assert abs(p / st["tokens"] - 0.15) < 0.01
    assert abs(st["as_mask"] / p - 0.8) < 0.01
    assert abs(st["kept"] / p - 0.1) < 0.01
    assert abs(st["random"] / p - 0.1) < 0.01


def test_uer_exact_count_per_row(dirs):
    st = _masking_stats(dirs["uer"], Masking(rule="exact", whole_word=False))
    for n, k, candidates in st["per_row"]:
        assert k == min(candidates, max(1, round(n * 0.15))), (n, k)
    assert st["tokens"] > 50_000


def test_electra_bernoulli_85_15_capped(dirs):
    cap = int((0.15 + 0.005) * 128)
    st = _masking_stats(dirs["electra"], None)
    assert st["random"] == 0
    assert abs(st["as_mask"] / st["predicted"] - 0.85) < 0.015
    assert all(k <= cap for _, k, _ in st["per_row"])
    assert abs(st["predicted"] / st["candidates"] - 0.15) < 0.02
    assert st["tokens"] > 100_000


def test_bert_static_labels_are_the_stored_masks(dirs):
    d = dirs["bert"]
    rows = all_rows(d)
    ld = Loader(d, batch_size=40, rank=0, world_size=1, epochs=1, seed=0)
    assert ld.masking == "static"
    n = 0
    for b in ld:
        for i in range(b["input_ids"].shape[0]):
            row = rows[int(b["row_ids"][i])]
            ids, labels = unpadded(b, i)
            assert ids == row["input_ids"]
            assert b["token_type_ids"][i][: len(ids)].tolist() == row["segment_ids"]
            want = [-100] * len(ids)
            for pos, orig in zip(row["masked_positions"], row["masked_ids"], strict=True):
                want[pos] = orig
            assert labels == want
            nsp = row["next_sentence_label"]
            assert int(b["next_sentence_label"][i]) == (-100 if nsp is None else nsp)
            n += 1
    assert n == ld.steps_per_epoch * 40


def test_bert_dynamic_remasks_from_the_original_ids(dirs):
    d = dirs["bert"]
    rows = all_rows(d)
    ld = Loader(d, batch_size=40, rank=0, world_size=1, epochs=1, seed=0, masking="dynamic")
    b = next(iter(ld))
    for i in range(b["input_ids"].shape[0]):
        row = rows[int(b["row_ids"][i])]
        orig = list(row["input_ids"])
        for pos, o in zip(row["masked_positions"], row["masked_ids"], strict=True):
            orig[pos] = o
        ids, labels = unpadded(b, i)
        assert [lab if lab != -100 else t for lab, t in zip(labels, ids, strict=True)] == orig


def test_gpt2_inputs_and_labels_are_the_window_shifted(dirs):
    d = dirs["gpt2"]
    rows = all_rows(d)
    ld = Loader(d, batch_size=8, rank=0, world_size=1, epochs=1)
    assert ld.masking == "causal"
    b = next(iter(ld))
    assert b["input_ids"].shape[1] == 64
    for i in range(8):
        row = rows[int(b["row_ids"][i])]["input_ids"]
        assert b["input_ids"][i].tolist() == row[:-1]
        assert b["labels"][i].tolist() == row[1:]
    assert b["num_predicted"] == 8 * 64


def test_padding_to_a_multiple_of_8_or_a_fixed_length(dirs):
    d = dirs["roberta"]
    b = next(iter(Loader(d, batch_size=8, rank=0, world_size=1)))
    longest = int(b["attention_mask"].sum(1).max())
    assert b["input_ids"].shape[1] == -(-longest // 8) * 8
    b = next(iter(Loader(d, batch_size=8, rank=0, world_size=1, pad_to=136)))
    assert b["input_ids"].shape == (8, 136)
    with pytest.raises(ConfigError, match="pad_to"):
        next(iter(Loader(d, batch_size=8, rank=0, world_size=1, pad_to=16)))


def test_micro_batches_split_the_rank_share(dirs):
    d = dirs["roberta"]
    whole = next(iter(Loader(d, batch_size=24, rank=1, world_size=2, seed=4)))
    step = next(Loader(d, batch_size=24, rank=1, world_size=2, seed=4, micro_batches=3).steps())
    assert len(step) == 3
    assert torch.cat([m["row_ids"] for m in step]).tolist() == whole["row_ids"].tolist()


# bad input -------------------------------------------------------------------------------------


@pytest.fixture
def copy(dirs, tmp_path):
    def make(fmt: str = "roberta") -> Path:
        dst = tmp_path / fmt
        shutil.copytree(dirs[fmt], dst)
        return dst

    return make


def test_missing_shard_is_named(copy):
    d = copy()
    (d / "shard-00001.arrow").unlink()
    with pytest.raises(OSError, match=re.escape("shard-00001.arrow")):
        Loader(d, batch_size=8, rank=0, world_size=1)


def test_truncated_shard_is_named_before_the_first_batch(copy):
    d = copy()
    p = d / "shard-00000.arrow"
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(ShardError, match=r"shard-00000.arrow: .*bytes, the manifest says"):
        Loader(d, batch_size=8, rank=0, world_size=1)


def test_corrupt_footer_and_sha256(copy):
    d = copy()
    p = d / "shard-00000.arrow"
    data = bytearray(p.read_bytes())
    data[-12] ^= 0xFF  # the footer length
    p.write_bytes(bytes(data))
    with pytest.raises(ShardError, match=re.escape("shard-00000.arrow")):
        Loader(d, batch_size=8, rank=0, world_size=1)
    d = copy("electra")
    p = d / "shard-00001.arrow"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01  # a token id: same size, same footer
    p.write_bytes(bytes(data))
    Loader(d, batch_size=8, rank=0, world_size=1)  # the cheap checks pass
    with pytest.raises(ShardError, match=re.escape("shard-00001.arrow: sha256")):
        Loader(d, batch_size=8, rank=0, world_size=1, verify=True)


def test_unfinished_pack_directory(copy):
    d = copy()
    m = json.loads((d / "manifest.json").read_text())
    m["state"] = {"phase": "direct", "input_rows": 10}
    (d / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ShardError, match=re.escape("has not finished")):
        Loader(d, batch_size=8, rank=0, world_size=1)


def test_bad_settings_are_named(dirs):
    d = dirs["roberta"]
    with pytest.raises(ConfigError, match=re.escape("static masks need `bert` shards")):
        Loader(d, batch_size=8, rank=0, world_size=1, masking="static")
    with pytest.raises(ConfigError, match=re.escape("does not divide into 3 ranks")):
        Loader(d, batch_size=8, rank=0, world_size=3)
    with pytest.raises(ConfigError, match=re.escape("fewer than one global batch")):
        Loader(d, batch_size=10**7, rank=0, world_size=1)
    with pytest.raises(ConfigError, match=re.escape("rank 2 is not in a world of 2")):
        Loader(d, batch_size=8, rank=2, world_size=2)
    ld = Loader(d, batch_size=8, rank=0, world_size=1)
    with pytest.raises(ConfigError, match=re.escape("batch_size=16")):
        ld.load_state_dict({"epoch": 0, "samples": 32, "batch_size": 16, "seed": 0})
    with pytest.raises(ShardError, match=re.escape("manifest.json: missing")):
        Loader(d.parent, batch_size=8, rank=0, world_size=1)
