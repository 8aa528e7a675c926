"""Every recipe end to end at `--scale tiny` on the shared corpora: corpus step → vocabulary →
shards → training stages → export, then the export loaded by `transformers` offline (AutoTokenizer
encoding corpus lines to the ids wakachi's encoder gives, AutoModel*, the pipeline's output); the
settings of the reference table as the recipes state them; a rerun skips finished stages, a
changed setting or input reruns from its stage, an interrupted stage resumes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPORA, ROOT, corpus_slice

pytest.importorskip("torch")
pytest.importorskip("transformers")

from wakachi import _core
from wakachi.recipe import Runner, load, names
from wakachi.recipe.spec import RECIPE_DIR, dumps

os.environ["HF_HUB_OFFLINE"] = "1"

# The input each recipe is tried on: what its reference pipeline reads.
WIKI = "wiki-cirrussearch.json.gz"
INPUTS = {
    "cl-tohoku-bert-base-v3": WIKI,
    "cl-tohoku-bert-base-char-v3": WIKI,
    "cl-tohoku-bert-large-v2": WIKI,
    "izumi-electra-small": "ja_debian.txt",
    "waseda-roberta-large-seq512": "kwdlc.seg.txt",  # Juman-style words separated by spaces
    "colorfulscoop-gpt2-small": "aozora_ja.txt",
    "uer-roberta-word-tiny": "zh_debian.txt",
    "uer-roberta-word-mini": "zh_debian.txt",
    "uer-roberta-word-small": "zh_debian.txt",
    "uer-roberta-word-medium": "zh_debian.txt",
    "uer-roberta-word-base": "zh_debian.txt",
}
# Lines the exported tokenizer must encode as wakachi does: the language's held-out text.
PROBE = {"ja": ("jglue_questions.txt", "kwdlc.txt"), "zh": ("sighan2005_pku.txt", "ud_zh_gsd.txt")}
MODEL_CLASS = {
    "bert": "BertForPreTraining",
    "electra": "ElectraForPreTraining",
    "clm": "GPT2LMHeadModel",
}


def test_every_recipe_has_an_input():
    assert sorted(INPUTS) == names()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("recipes")
    sys.path.insert(0, str(Path(__file__).parent))
    from corpus_reference import build_dump  # CirrusSearch layout, artifacts the cleaning removes

    with gzip.open(d / WIKI, "wt", encoding="utf-8") as f:
        f.write("\n".join(build_dump(n_pages=700)) + "\n")
    return d


_RUNS: dict[str, tuple[Path, list[Any], list[str]]] = {}


def run_recipe(name: str, work: Path) -> tuple[Path, list[Any], list[str]]:
    """Runs `name` at tiny scale once per session (the later tests reuse its output)."""
    if name not in _RUNS:
        src = INPUTS[name]
        inp = str(work / src) if src == WIKI else str(CORPORA / src)
        out = work / name
        log: list[str] = []
        results = Runner(load(name, "tiny"), [inp], out, threads=2, progress=False, log=log.append).run()
        _RUNS[name] = (out, results, log)
    return _RUNS[name]


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_recipe_tiny_end_to_end(name, work):
    from transformers import AutoConfig, AutoModelForMaskedLM, AutoTokenizer

    from wakachi import Tokenizer

    out, results, log = run_recipe(name, work)
    recipe = load(name, "tiny")
    expected = ["vocab"] + [f"{k}-{s}" for s in recipe.stages for k in ("pack", "train")] + ["export"]
    assert [r.name for r in results][-len(expected) :] == expected
    assert all(r.state == "ran" for r in results), [(r.name, r.state) for r in results]
    for r in results:
        rec = json.loads((out / "stages" / f"{r.name}.json").read_text())
        assert rec["state"] == "done" and rec["fingerprint"].startswith("sha256:")
    for s in recipe.stages:
        assert (out / f"train-{s}" / "metrics.png").stat().st_size > 0
        steps = [json.loads(x)["step"] for x in (out / f"train-{s}" / "metrics.jsonl").read_text().splitlines()]
        assert steps[-1] == recipe.train_settings(s)["optim"]["steps"]

    model_dir = out / "model"
    cfg = AutoConfig.from_pretrained(model_dir)
    objective = recipe.data["train"]["objective"]
    want = MODEL_CLASS.get(objective) or (
        "RobertaForMaskedLM" if recipe.data["model"].get("arch") == "roberta" else "BertForMaskedLM"
    )
    assert cfg.architectures == [want]
    hf_tok = AutoTokenizer.from_pretrained(model_dir)
    assert len(hf_tok) >= cfg.vocab_size - 16 and cfg.vocab_size >= len(hf_tok.get_vocab())
    # The exported tokenizer, as transformers loads it, gives the ids the shards were made with.
    ours = Tokenizer.from_pretrained(model_dir)
    lines = [ln for f in PROBE[recipe.data["recipe"]["language"]] for ln in corpus_slice(f, 60)]
    if name.startswith("waseda"):  # its input is pre-segmented words
        lines = [" ".join(ln.split()) for ln in corpus_slice("kwdlc.seg.txt", 120)]
    same = sum(hf_tok(ln, add_special_tokens=False)["input_ids"] == ours.encode(ln) for ln in lines)
    assert same == len(lines), f"{len(lines) - same} of {len(lines)} lines encode differently"

    check = next(r for r in results if r.name == "export").figures["check"]
    if objective == "clm":
        assert len(check["generated"]) > len(check["prompt"])
        from transformers import AutoModelForCausalLM

        assert type(AutoModelForCausalLM.from_pretrained(model_dir)).__name__ == "GPT2LMHeadModel"
    else:
        assert len(check["top"]) == 5 and hf_tok.mask_token in check["masked"]
        mlm_dir = model_dir / "generator" if objective == "electra" else model_dir
        AutoModelForMaskedLM.from_pretrained(mlm_dir)
    assert any("fill-mask" in line or "text-generation" in line for line in log)


def _vocab_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def test_recipe_vocabularies_follow_the_references(work):
    """The id layouts of the reference table, on the vocabularies the tiny runs trained."""
    import sentencepiece as spm

    out = run_recipe("cl-tohoku-bert-base-v3", work)[0]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"[unused{i}]" for i in range(10)]
    vocab = _vocab_lines(out / "tokenizer" / "vocab.txt")
    assert vocab[:15] == specials and len(vocab) == 12000
    chars = vocab[15 : 15 + 7012]
    assert all(len(c) == 1 for c in chars) and chars == sorted(chars)  # the alphabet, code-point order
    tcfg = json.loads((out / "model" / "tokenizer_config.json").read_text())
    assert tcfg["word_tokenizer_type"] == "mecab" and tcfg["mecab_kwargs"] == {"mecab_dic": "unidic_lite"}
    assert tcfg["do_lower_case"] is False and tcfg["subword_tokenizer_type"] == "wordpiece"

    char_out = run_recipe("cl-tohoku-bert-base-char-v3", work)[0]
    assert (
        _vocab_lines(char_out / "tokenizer-char" / "vocab.txt")
        == _vocab_lines(char_out / "tokenizer" / "vocab.txt")[:7027]
    )
    assert (
        json.loads((char_out / "model" / "tokenizer_config.json").read_text())["subword_tokenizer_type"] == "character"
    )

    el = _vocab_lines(run_recipe("izumi-electra-small", work)[0] / "tokenizer" / "vocab.txt")
    assert el[:5] == ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"] and el[5] == "<unused0>"

    def pieces(path: Path, n: int) -> list[str]:
        sp = spm.SentencePieceProcessor(model_file=str(path))
        return [sp.id_to_piece(i) for i in range(n)]

    gpt = pieces(run_recipe("colorfulscoop-gpt2-small", work)[0] / "tokenizer" / "spiece.model", 7)
    assert gpt[:6] == ["<pad>", "<unk>", "<s>", "</s>", "<cls>", "<sep>"] and gpt[6] not in ("[MASK]", "<mask>")
    uer = pieces(run_recipe("uer-roberta-word-tiny", work)[0] / "tokenizer" / "spiece.model", 15)
    assert uer == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"[unused{i}]" for i in range(1, 11)]
    wa = pieces(run_recipe("waseda-roberta-large-seq512", work)[0] / "tokenizer" / "spiece.model", 5)
    assert wa == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _states(runner: Runner) -> dict[str, str]:
    return {st.name: runner.state(st) for st in runner.stages}


def test_rerun_skips_and_changes_rerun_from_their_stage(work, tmp_path):
    name = "uer-roberta-word-tiny"
    out, _, _ = run_recipe(name, work)
    inp = [str(CORPORA / INPUTS[name])]

    def runner(*sets: str, inputs: list[str] = inp) -> Runner:
        from wakachi.train.config import parse_override

        return Runner(
            load(name, "tiny", [parse_override(s) for s in sets]), inputs, out, progress=False, log=lambda s: None
        )

    again = runner()
    assert set(_states(again).values()) == {"skip"}
    results = again.run()
    assert [r.state for r in results] == ["skipped"] * len(results)
    data = again.run(data_only=True)
    assert [r.name for r in data] == ["corpus", "vocab", "pack-seq128", "pack-seq512"]

    st = _states(runner("stage.seq512.train.optim.steps=6"))
    assert [k for k, v in st.items() if v == "run"] == ["train-seq512", "export"]
    st = _states(runner("stage.seq512.pack.full_sentences=true"))
    assert [k for k, v in st.items() if v == "run"] == ["pack-seq512", "train-seq512", "export"]
    st = _states(runner("vocab.flags.vocab_size=2500"))
    assert [k for k, v in st.items() if v == "skip"] == ["corpus"]
    # Another input file (same text, new path and time): everything reruns.
    copy = tmp_path / "zh.txt"
    copy.write_bytes((CORPORA / INPUTS[name]).read_bytes())
    assert set(_states(runner(inputs=[str(copy)])).values()) == {"run"}

    # A stage interrupted with the same settings resumes: a train stage continues from its checkpoint.
    r = runner("stage.seq512.train.optim.steps=7")
    results = r.run()
    assert [x.name for x in results if x.state == "ran"] == ["train-seq512", "export"]
    steps = [json.loads(x)["step"] for x in (out / "train-seq512" / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 7
    rec_path = out / "stages" / "train-seq512.json"
    rec = json.loads(rec_path.read_text())
    rec["state"] = "running"
    rec_path.write_text(json.dumps(rec))
    r = runner("stage.seq512.train.optim.steps=7")
    assert _states(r)["train-seq512"] == "resume" and _states(r)["export"] == "skip"
    results = r.run()
    assert {x.name: x.state for x in results}["train-seq512"] == "resumed"


def test_shown_recipe_runs_as_a_file(tmp_path):
    """`wakachi recipe show NAME > my.toml` gives a file that resolves to the same settings."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    for name in ("cl-tohoku-bert-base-char-v3", "colorfulscoop-gpt2-small"):
        text = subprocess.run(
            [sys.executable, "-m", "wakachi", "recipe", "show", name],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
        assert text == (RECIPE_DIR / f"{name}.toml").read_text(encoding="utf-8")
        mine = tmp_path / f"{name}.toml"
        mine.write_text(text.replace("[recipe]", "[recipe]", 1), encoding="utf-8")
        for scale in ("full", "tiny"):
            assert load(mine, scale).data == load(name, scale).data
        resolved = tmp_path / f"{name}-resolved.toml"
        resolved.write_text(dumps(load(name, "tiny").data), encoding="utf-8")
        assert load(resolved).data == load(name, "tiny").data
    listing = subprocess.run(
        [sys.executable, "-m", "wakachi", "recipe", "list"], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert all(n in listing for n in names())


@pytest.mark.parametrize(
    "text, message",
    [
        ('[recipe]\nname = "x"\nbase = "uer-roberta-word-tiny"\n[vocab]\nvocab_sise = 3\n', "vocab_sise"),
        ('[recipe]\nbase = "uer-roberta-word-tiny"\n[stage.seq512]\ninit_from = "seq1024"\n', "not an earlier stage"),
        ('[recipe]\nbase = "uer-roberta-word-tiny"\n[corpus]\nkind = "html"\n', "corpus.kind"),
        (
            '[recipe]\nbase = "uer-roberta-word-tiny"\n[train.optim]\nweight_decay = "none"\n',
            "weight_decay must be float",
        ),
        ('[recipe]\nbase = "uer-roberta-word-tiny"\n[stage.seq128.pack]\ndupe = 3\n', "dupe"),
        ('[recipe]\nbase = "uer-roberta-word-tiny"\n[train]\nout = "elsewhere"\n', "set by `wakachi run`"),
        ("[recipe\n", "not valid TOML"),
    ],
)
def test_bad_recipes_are_refused_with_the_file_and_setting(tmp_path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(_core.ConfigError, match=message) as e:
        load(p)
    assert "bad.toml" in str(e.value)


# The settings of ../shared/REFERENCE_PIPELINES.md as each recipe states them at full scale.
REFERENCE = {
    "cl-tohoku-bert-base-v3": {
        "corpus.min_len": 10,
        "corpus.max_len": 200,
        "vocab.vocab_size": 32768,
        "vocab.min_frequency": 2,
        "vocab.limit_alphabet": 7012,
        "vocab.segmenter": "mecab:unidic-lite",
        "model.size": "base",
        "train.objective": "bert",
        "train.optim.weight_decay": 0.01,
        "stage.seq128.pack.max_seq_length": 128,
        "stage.seq128.pack.dupe_factor": 5,
        "stage.seq128.pack.max_predictions_per_seq": 19,
        "stage.seq128.pack.short_seq_prob": 0.1,
        "stage.seq128.train.data.batch_size": 2048,
        "stage.seq128.train.optim.lr": 1e-4,
        "stage.seq128.train.optim.warmup_steps": 10000,
        "stage.seq128.train.optim.steps": 1000000,
        "stage.seq512.pack.max_seq_length": 512,
        "stage.seq512.pack.dupe_factor": 30,
        "stage.seq512.pack.max_predictions_per_seq": 76,
        "stage.seq512.train.data.batch_size": 512,
        "stage.seq512.train.optim.steps": 1000000,
        "stage.seq512.init_from": "seq128",
    },
    "cl-tohoku-bert-base-char-v3": {"vocab.char_vocab": 7027, "vocab.use": "character"},
    "cl-tohoku-bert-large-v2": {
        "model.size": "large",
        "stage.seq128.train.optim.lr": 5e-5,
        "stage.seq512.train.optim.lr": 5e-5,
    },
    "izumi-electra-small": {
        "vocab.segmenter": "mecab:ipadic",
        "vocab.vocab_size": 32768,
        "vocab.limit_alphabet": 6129,
        "vocab.min_frequency": 2,
        "model.size": "small",
        "model.embedding_size": 128,
        "train.objective": "electra",
        "train.run.disc_weight": 50.0,
        "train.data.batch_size": 128,
        "train.data.mask_prob": 0.15,
        "train.optim.lr": 5e-4,
        "train.optim.eps": 1e-6,
        "train.optim.warmup_steps": 10000,
        "train.optim.steps": 1000000,
        "stage.seq128.pack.format": "electra",
        "stage.seq128.pack.max_seq_length": 128,
        "stage.seq128.pack.short_seq_prob": 0.05,
        "stage.seq128.pack.short_min_length": 5,
    },
    "waseda-roberta-large-seq512": {
        "vocab.segmenter": "whitespace",
        "vocab.flags.vocab_size": 32000,
        "model.size": "large",
        "model.arch": "roberta",
        "train.optim.lr": 6e-5,
        "train.optim.beta2": 0.98,
        "train.optim.eps": 1e-6,
        "train.optim.warmup_steps": 10000,
        "stage.seq512.pack.max_seq_length": 512,
        "stage.seq512.train.data.batch_size": 4032,
        "stage.seq512.init_from": "seq128",
    },
    "colorfulscoop-gpt2-small": {
        "corpus.kind": "kuten",
        "vocab.flags.vocab_size": 32000,
        "vocab.flags.add_dummy_prefix": False,
        "model.max_position_embeddings": 1024,
        "train.objective": "clm",
        "train.optim.lr": 1e-4,
        "train.optim.warmup_steps": 10000,
        "train.optim.clip": 1.0,
        "train.optim.weight_decay": 0.0,
        "stage.ctx1024.pack.format": "gpt2",
        "stage.ctx1024.pack.max_seq_length": 1024,
    },
    "uer-roberta-word-base": {
        "vocab.flags.vocab_size": 100000,
        "vocab.flags.max_sentencepiece_length": 6,
        "vocab.flags.max_sentence_length": 1024,
        "train.data.whole_word": False,
        "train.optim.weight_decay": 0.01,
        "stage.seq128.pack.format": "uer",
        "stage.seq128.train.optim.lr": 1e-4,
        "stage.seq128.train.data.batch_size": 512,
        "stage.seq128.train.optim.steps": 1000000,
        "stage.seq512.train.optim.lr": 5e-5,
        "stage.seq512.train.data.batch_size": 128,
        "stage.seq512.train.optim.steps": 250000,
        "model.num_hidden_layers": 12,
        "model.hidden_size": 768,
    },
    "uer-roberta-word-tiny": {"model.num_hidden_layers": 2, "model.hidden_size": 128},
    "uer-roberta-word-mini": {"model.num_hidden_layers": 4, "model.hidden_size": 256},
    "uer-roberta-word-small": {"model.num_hidden_layers": 4, "model.hidden_size": 512},
    "uer-roberta-word-medium": {"model.num_hidden_layers": 8, "model.hidden_size": 512},
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_recipes_state_the_reference_settings(name):
    data = load(name).data
    for key, want in REFERENCE[name].items():
        node: Any = data
        for k in key.split("."):
            node = node[k]
        assert node == want, f"{name}: {key} is {node!r}, the reference has {want!r}"
    assert (RECIPE_DIR / f"{name}.toml").read_text(encoding="utf-8").count("#") >= 3  # sources noted


def test_whole_input_corpus_stages_and_dry_run(work, tmp_path):
    """Without `max_lines` the corpus stage reads the whole dump; `--until` stops; `--dry-run` tells."""
    from wakachi.train.config import parse_override

    out = tmp_path / "run"
    recipe = load("cl-tohoku-bert-base-v3", "tiny", [parse_override("corpus.max_lines=0")])
    runner = Runner(recipe, [str(work / WIKI)], out, progress=False, log=lambda s: None)
    results = runner.run(until="deal")
    assert [r.name for r in results] == ["corpus", "deal"]
    assert results[0].figures["pages"] == 700 and results[0].figures["sentences"] > 0
    dealt = sorted((out / "corpus" / "deal").iterdir())
    assert [p.name for p in dealt] == ["corpus_01.txt", "corpus_02.txt"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    cmd = [sys.executable, "-m", "wakachi", "run", "cl-tohoku-bert-base-v3", "--scale", "tiny", "--dry-run"]
    cmd += ["--input", str(work / WIKI), "--out", str(out), "--set", "corpus.max_lines=0"]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    states = dict(line.split()[1:3] for line in text.splitlines())
    assert states == {
        "corpus": "skip",
        "deal": "skip",
        "vocab": "run",
        "pack-seq128": "run",
        "train-seq128": "run",
        "pack-seq512": "run",
        "train-seq512": "run",
        "export": "run",
    }
    bad = subprocess.run([*cmd[:-2], "--set", "corpus.kind=html"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "corpus.kind" in bad.stderr and "Traceback" not in bad.stderr
