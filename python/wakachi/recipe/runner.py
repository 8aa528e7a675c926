"""`wakachi run RECIPE --input FILES --out DIR`: every stage of a recipe, resumable stage by stage.

The stages, in order: `corpus` (when the recipe prepares its corpus or `max_lines` cuts the input),
`deal`, `vocab`, then `pack-NAME` and `train-NAME` for each `[stage.NAME]`, and `export`. Each
writes under `OUT`:

    OUT/recipe.toml          the resolved recipe (scale and --set applied)
    OUT/corpus/              corpus.txt (prepared), deal/corpus_NN.txt, vocab-sample.txt
    OUT/tokenizer/           the vocabulary (OUT/tokenizer-char: the character variant)
    OUT/shards-NAME/         `wakachi pack` output per stage
    OUT/train-NAME/          checkpoints, metrics.jsonl, metrics.png per stage
    OUT/model/               the exported model and tokenizer (ELECTRA: OUT/model/generator too)
    OUT/stages/STAGE.json    the stage's record: fingerprint, state, seconds, figures

A stage's fingerprint covers its settings, the fingerprints of the stages it reads and, where it
reads `--input`, each input file's path, size and modification time. A stage whose record is
`done` with the current fingerprint is skipped; a changed fingerprint removes the stage's output
and runs it again (and, through the fingerprints, every stage after it). A stage that was
interrupted (`running` with the current fingerprint) continues: `pack` and `train` resume where
they stopped, the others start over (their outputs are written atomically).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from wakachi._core import ConfigError, InputError
from wakachi.recipe.spec import Recipe, dumps, fingerprint


@dataclass
class Stage:
    name: str
    kind: str
    settings: dict[str, Any]
    deps: list[str]
    inputs: list[str]  # user files this stage reads directly (fingerprinted by path, size, mtime)
    outputs: list[Path]  # removed before a rerun with another fingerprint
    action: Callable[[], dict[str, Any]]
    resumable: bool = False
    fp: str = ""


@dataclass
class StageResult:
    name: str
    state: str  # ran | resumed | skipped
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)


def _file_id(path: str) -> dict[str, Any]:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: input file not found") from None
    return {"path": os.path.abspath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _open_text(path: str) -> IO[str]:
    """A text file, decompressed by its extension (.gz, .xz, .zst)."""
    if path.endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    if path.endswith(".xz"):
        import lzma

        return lzma.open(path, "rt", encoding="utf-8", newline="\n")
    if path.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise ConfigError(f"{path}: reading .zst here needs `pip install zstandard`") from None
        import io

        return io.TextIOWrapper(
            zstandard.ZstdDecompressor().stream_reader(open(path, "rb")), encoding="utf-8", newline="\n"
        )
    return open(path, encoding="utf-8", newline="\n")


def _lines(paths: list[str]) -> Iterator[str]:
    for p in paths:
        with _open_text(p) as f:
            try:
                yield from f
            except UnicodeDecodeError as e:
                raise InputError(f"{p}: not UTF-8 ({e})") from None


def _atomic_text(dest: Path, write: Callable[[IO[str]], int]) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        n = write(out)
    os.replace(tmp, dest)
    return n


def head(paths: list[str], n: int, dest: Path) -> dict[str, Any]:
    """The first `n` lines of `paths` (in order, decompressed) into `dest`."""

    def write(out: IO[str]) -> int:
        k = 0
        for line in _lines(paths):
            if k == n:
                break
            out.write(line if line.endswith("\n") else line + "\n")
            k += 1
        return k

    return {"lines": _atomic_text(dest, write)}


def sample(paths: list[str], k: int, seed: int, dest: Path) -> dict[str, Any]:
    """`k` of the non-blank lines of `paths`, each set of `k` equally likely (selection sampling,
    two passes, constant memory), in input order, into `dest` — cl-tohoku's `grep -v '^$' | shuf |
    head -n K` up to the order, which WordPiece and Unigram training do not see."""
    total = sum(1 for line in _lines(paths) if line.strip())
    rng = random.Random(seed)

    def write(out: IO[str]) -> int:
        need, left, kept = min(k, total), total, 0
        for line in _lines(paths):
            if not line.strip():
                continue
            if rng.random() * left < need - kept:
                out.write(line if line.endswith("\n") else line + "\n")
                kept += 1
            left -= 1
        return kept

    return {"lines": _atomic_text(dest, write), "of": total}


class Runner:
    def __init__(
        self,
        recipe: Recipe,
        inputs: list[str],
        out: str | os.PathLike[str],
        *,
        threads: int = 0,
        nproc: int = 1,
        progress: bool = True,
        log: Callable[[str], None] | None = None,
        pack_executor: dict[str, Any] | None = None,
    ):
        if not inputs:
            raise ConfigError("no --input files")
        self.recipe = recipe
        self.inputs = [os.fspath(p) for p in inputs]
        self.out = Path(out)
        self.threads = threads
        self.nproc = nproc
        self.progress = progress
        # How pack stages run (`executor`, `ray_address`): the shards are the same either way, so
        # it is not part of their fingerprints.
        self.pack_executor = {k: v for k, v in (pack_executor or {}).items() if v is not None}
        self.say = log or (lambda s: print(s, file=sys.stderr, flush=True))
        self.stages = self._plan()
        self._fingerprints()

    # ------------------------------------------------------------------ the plan
    def _plan(self) -> list[Stage]:
        d, out = self.recipe.data, self.out
        corpus = dict(d.get("corpus", {}))
        kind = corpus.get("kind", "text")
        stages: list[Stage] = []
        files = list(self.inputs)
        deps: list[str] = []
        from_inputs = True
        if kind != "text" or corpus.get("max_lines", 0):
            dest = out / "corpus" / "corpus.txt"
            stages.append(Stage("corpus", "corpus", corpus, [], files, [dest], lambda: self._corpus(corpus, dest)))
            files, deps, from_inputs = [str(dest)], ["corpus"], False
        if corpus.get("deal_files", 0):
            ddir = out / "corpus" / "deal"
            n, seed = int(corpus["deal_files"]), int(corpus.get("deal_seed", 0))
            src = list(files)
            stages.append(
                Stage(
                    "deal",
                    "deal",
                    {"num_files": n, "seed": seed},
                    deps,
                    src if from_inputs else [],
                    [ddir],
                    lambda: self._deal(src, ddir, n, seed),
                )
            )
            files, deps, from_inputs = [str(ddir / f"corpus_{i:02}.txt") for i in range(1, n + 1)], ["deal"], False
        corpus_files, corpus_deps, corpus_from_inputs = files, deps, from_inputs

        vocab = dict(d["vocab"])
        tok_dir = out / "tokenizer"
        char_dir = out / "tokenizer-char"
        tok_path = tok_dir / "spiece.model" if vocab.get("output") == "model" else tok_dir
        shard_tok = char_dir if vocab.get("use") == "character" else tok_path
        stages.append(
            Stage(
                "vocab",
                "vocab",
                vocab,
                corpus_deps,
                corpus_files if corpus_from_inputs else [],
                [tok_dir, char_dir, out / "corpus" / "vocab-sample.txt"],
                lambda: self._vocab(vocab, corpus_files, tok_dir, char_dir),
            )
        )
        prev_train = ""
        for name, st in self.recipe.stages.items():
            shards = out / f"shards-{name}"
            run_dir = out / f"train-{name}"
            pack_settings = dict(st.get("pack", {}))
            own_input = st.get("input")
            pack_files = list(own_input) if own_input else corpus_files
            stages.append(
                Stage(
                    f"pack-{name}",
                    "pack",
                    {**pack_settings, "use": vocab.get("use", "wordpiece")},
                    (corpus_deps if not own_input else []) + ["vocab"],
                    pack_files if (own_input or corpus_from_inputs) else [],
                    [shards],
                    lambda s=pack_settings, f=pack_files, o=shards: self._pack(s, f, o, shard_tok),  # type: ignore[misc]
                    resumable=True,
                )
            )
            init = st.get("init_from")
            init_dir = out / f"train-{init}" if init else None
            tsettings = self.recipe.train_settings(name)
            stages.append(
                Stage(
                    f"train-{name}",
                    "train",
                    {**tsettings, "init_from": init or ""},
                    [f"pack-{name}"] + ([f"train-{init}"] if init else []),
                    [],
                    [run_dir],
                    lambda t=tsettings, s=shards, r=run_dir, i=init_dir: self._train(t, s, r, i, shard_tok),  # type: ignore[misc]
                    resumable=True,
                )
            )
            prev_train = name
        model_dir = out / "model"
        check = d.get("recipe", {}).get("export", "fill-mask")
        last_run = out / f"train-{prev_train}"
        stages.append(
            Stage(
                "export",
                "export",
                {"check": check},
                [f"train-{prev_train}"],
                [],
                [model_dir],
                lambda: self._export(last_run, model_dir, shard_tok, check, corpus_files),
            )
        )
        return stages

    def _fingerprints(self) -> None:
        by_name: dict[str, str] = {}
        for st in self.stages:
            st.fp = fingerprint(
                {
                    "stage": st.name,
                    "settings": st.settings,
                    "deps": [by_name[d] for d in st.deps],
                    "inputs": [_file_id(p) for p in st.inputs],
                }
            )
            by_name[st.name] = st.fp

    # ------------------------------------------------------------------ records
    def _record_path(self, st: Stage) -> Path:
        return self.out / "stages" / f"{st.name}.json"

    def record(self, st: Stage) -> dict[str, Any] | None:
        p = self._record_path(st)
        if not p.exists():
            return None
        try:
            with open(p, encoding="utf-8") as f:
                rec = json.load(f)
        except ValueError:
            return None  # a torn record counts as none: the stage runs again
        return rec if isinstance(rec, dict) else None

    def _write_record(self, st: Stage, rec: dict[str, Any]) -> None:
        p = self._record_path(st)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(rec, f, indent=2, ensure_ascii=False, default=str)
            f.write("\n")
        os.replace(tmp, p)

    def state(self, st: Stage) -> str:
        """What a run would do with `st`: `skip` (done, same fingerprint), `resume` (interrupted,
        same fingerprint), `run` (never ran, or ran with other settings or inputs)."""
        rec = self.record(st)
        if rec is None or rec.get("fingerprint") != st.fp:
            return "run"
        if rec.get("state") == "done" and all(p.exists() for p in st.outputs[:1]):
            return "skip"
        return "resume"

    # ------------------------------------------------------------------ running
    def run(self, until: str | None = None, data_only: bool = False) -> list[StageResult]:
        """Runs (or skips, or resumes) the stages in order; `until` stops after that stage,
        `data_only` runs the corpus, deal, vocab and pack stages only."""
        names = [s.name for s in self.stages]
        if until is not None and until not in names:
            raise ConfigError(f"--until {until!r}: not a stage of this recipe ({', '.join(names)})")
        self.out.mkdir(parents=True, exist_ok=True)
        tmp = self.out / "recipe.toml.tmp"
        tmp.write_text(
            f"# {self.recipe.name} at scale {self.recipe.scale}, resolved from {self.recipe.path}\n"
            + dumps(self.recipe.data),
            encoding="utf-8",
        )
        os.replace(tmp, self.out / "recipe.toml")
        results = []
        t_all = time.perf_counter()
        for i, st in enumerate(self.stages, 1):
            if data_only and st.kind in ("train", "export"):
                continue
            what = self.state(st)
            head_ = f"== [{i}/{len(self.stages)}] {st.name}"
            if what == "skip":
                rec = self.record(st) or {}
                self.say(f"{head_}: done already ({rec.get('seconds', 0):.1f} s then), skipped")
                results.append(StageResult(st.name, "skipped", 0.0, rec.get("figures", {})))
            else:
                if what == "run":
                    for p in st.outputs:
                        if p.is_dir():
                            shutil.rmtree(p)
                        elif p.exists():
                            p.unlink()
                elif not st.resumable:
                    what = "run"
                self.say(f"{head_}: {'resuming' if what == 'resume' else 'running'}")
                started = time.time()
                self._write_record(st, {"stage": st.name, "fingerprint": st.fp, "state": "running", "started": started})
                t0 = time.perf_counter()
                figures = st.action()
                secs = time.perf_counter() - t0
                self._write_record(
                    st,
                    {
                        "stage": st.name,
                        "fingerprint": st.fp,
                        "state": "done",
                        "started": started,
                        "seconds": secs,
                        "figures": figures,
                    },
                )
                results.append(StageResult(st.name, "resumed" if what == "resume" else "ran", secs, figures))
                self.say(f"   {st.name}: {secs:.1f} s" + (f" — {_brief(figures)}" if figures else ""))
            if st.name == until:
                break
        self.say(
            f"== {self.recipe.name} ({self.recipe.scale}): {time.perf_counter() - t_all:.1f} s, output in {self.out}"
        )
        return results

    # ------------------------------------------------------------------ stages
    def _corpus(self, c: dict[str, Any], dest: Path) -> dict[str, Any]:
        from wakachi import corpus as wc
        from wakachi.split import split_files

        src = list(self.inputs)
        figures: dict[str, Any] = {}
        dest.parent.mkdir(parents=True, exist_ok=True)
        n = int(c.get("max_lines", 0))
        kind = c.get("kind", "text")
        if n:
            cut = dest.with_name("input-head.txt")
            figures["input_lines"] = head(src, n, cut)["lines"]
            src = [str(cut)]
        if kind == "text":
            if src != [str(dest)]:
                os.replace(src[0], dest)
            return figures
        tmp = dest.with_name(dest.name + ".part")
        if kind == "wikipedia":
            r = wc.wikipedia(
                src,
                tmp,
                segmenter=c.get("segmenter", "mecab:unidic-lite"),
                min_len=int(c.get("min_len", 10)),
                max_len=c.get("max_len", 1000),
                threads=self.threads,
                progress=self.progress,
            )
            figures.update(pages=r["pages"], pages_kept=r["pages_kept"], sentences=r["sentences"])
        elif kind == "sentences":
            r = split_files(
                src,
                tmp,
                "cl-tohoku",
                c.get("segmenter", "mecab:unidic-lite"),
                min_len=int(c.get("min_len", 10)),
                max_len=c.get("max_len"),
                threads=self.threads,
                progress=self.progress,
            )
            figures.update(documents=r["documents"], sentences=r["sentences"])
        else:  # kuten
            r = wc.kuten(src, tmp, drop_containing=c.get("drop_containing") or None, progress=self.progress)
            figures.update(sentences=r["sentences"], dropped_lines=r["dropped_lines"])
        os.replace(tmp, dest)
        if n:
            Path(src[0]).unlink(missing_ok=True)
        return figures

    def _deal(self, src: list[str], ddir: Path, n: int, seed: int) -> dict[str, Any]:
        from wakachi import corpus as wc

        tmp = ddir.with_name(ddir.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        ddir.parent.mkdir(parents=True, exist_ok=True)
        r = wc.deal(src, tmp, n, seed=seed, threads=self.threads, progress=self.progress)
        shutil.rmtree(ddir, ignore_errors=True)
        os.replace(tmp, ddir)
        return {"documents": r["documents"], "lines_per_file": r["lines_per_file"]}

    def _vocab(self, v: dict[str, Any], files: list[str], tok_dir: Path, char_dir: Path) -> dict[str, Any]:
        from wakachi import vocab as wv

        figures: dict[str, Any] = {}
        if v.get("sample_lines", 0):
            dest = self.out / "corpus" / "vocab-sample.txt"
            r = sample(files, int(v["sample_lines"]), int(v.get("sample_seed", 0)), dest)
            figures["sample_lines"] = r["lines"]
            files = [str(dest)]
        settings = {k: val for k, val in v.items() if k not in ("kind", "sample_lines", "sample_seed", "use")}
        tmp = tok_dir.with_name(tok_dir.name + ".part")
        tmp_char = char_dir.with_name(char_dir.name + ".part")
        for p in (tmp, tmp_char):
            shutil.rmtree(p, ignore_errors=True)
        if v["kind"] == "wordpiece":
            char = settings.pop("char_vocab", 0) or None
            preset = settings.pop("preset", None)
            if isinstance(settings.get("special_tokens"), list):
                settings["special_tokens"] = tuple(settings["special_tokens"])
            r = wv.train_wordpiece(
                files,
                tmp,
                preset=preset,
                char_vocab=char,
                char_output_dir=tmp_char if char else None,
                threads=self.threads,
                progress=self.progress,
                **settings,
            )
            figures["vocab_size"] = len(r["vocab"])
            if char:
                figures["char_vocab_size"] = char
        else:
            out_path = tmp / "spiece.model" if settings.pop("output", "dir") == "model" else tmp
            flags = settings.pop("flags", {})
            r = wv.train_unigram(
                files,
                out_path,
                preset=settings.pop("preset", None),
                segmenter=settings.pop("segmenter", None),
                nfkc=settings.pop("nfkc", None),
                seed=settings.pop("seed", None),
                threads=self.threads,
                **flags,
            )
            figures.update(lines=r["lines"], vocab_size=r["flags"].get("vocab_size"))
        for part, final in ((tmp, tok_dir), (tmp_char, char_dir)):
            if part.exists():
                shutil.rmtree(final, ignore_errors=True)
                os.replace(part, final)
        return figures

    def _pack(self, settings: dict[str, Any], files: list[str], out: Path, tok: Path) -> dict[str, Any]:
        from wakachi.pack import pack, summary

        r = pack(
            tokenizer=str(tok),
            inputs=tuple(files),
            output=str(out),
            threads=self.threads,
            progress=self.progress,
            **{**settings, **self.pack_executor},
        )
        self.say("   " + summary(r).replace("\n", "\n   "))
        return {
            "documents": r["documents"],
            "instances": r["instances"],
            "tokens": r["tokens"],
            "shards": r["shards"],
            "mb_per_s": round(r["mb_per_s"], 2),
            "executor": r.get("executor", {}).get("kind", "local"),
        }

    def _train(
        self, settings: dict[str, Any], shards: Path, run_dir: Path, init: Path | None, tok: Path
    ) -> dict[str, Any]:
        from wakachi.recipe.spec import merge

        cfg_dict = merge(
            {"out": str(run_dir), "data": {"shards": str(shards), "tokenizer": str(tok)}},
            json.loads(json.dumps(settings)),
        )
        if init is not None:
            cfg_dict.setdefault("run", {})["init_from"] = str(init)
        if not self.progress:
            cfg_dict.setdefault("run", {})["progress"] = False
        if self.nproc > 1:
            run_dir.mkdir(parents=True, exist_ok=True)
            cfg_file = run_dir / "recipe-train.toml"
            cfg_file.write_text(dumps(cfg_dict), encoding="utf-8")
            cmd = [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--standalone",
                f"--nproc-per-node={self.nproc}",
                "-m",
                "wakachi",
                "train",
                str(cfg_file),
            ]
            self.say("   " + " ".join(cmd))
            rc = subprocess.call(cmd)
            if rc != 0:
                raise RuntimeError(f"torchrun exited with status {rc}; the same `wakachi run` resumes")
            metrics = _last_metrics(run_dir)
            return {"steps": metrics.get("step"), "loss": metrics.get("loss")}
        from wakachi.train import TrainConfig, train

        cfg = TrainConfig.from_dict(cfg_dict)
        res = train(cfg, log=lambda s: self.say("   " + s))
        if res.steps < cfg.optim.steps:
            raise KeyboardInterrupt  # stopped by a signal: the record stays "running"; a rerun resumes
        return {"steps": res.steps, "loss": round(res.loss, 4), "plot": str(run_dir / "metrics.png")}

    def _export(self, run: Path, model_dir: Path, tok: Path, check: str, corpus: list[str]) -> dict[str, Any]:
        from wakachi.train import export

        tmp = model_dir.with_name(model_dir.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        from transformers.utils import logging

        hf_logging: Any = logging
        hf_logging.disable_progress_bar()
        written = export(run, tmp, tok)
        shutil.rmtree(model_dir, ignore_errors=True)
        os.replace(tmp, model_dir)
        figures: dict[str, Any] = {"model": str(model_dir), "parts": [p.name for p in written]}
        figures["check"] = check_export(model_dir, check, corpus, self.say)
        return figures


def _last_metrics(run_dir: Path) -> dict[str, Any]:
    p = run_dir / "metrics.jsonl"
    last: dict[str, Any] = {}
    if p.exists():
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                last = json.loads(line)
    return last


def _brief(figures: dict[str, Any]) -> str:
    parts = []
    for k, v in figures.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v:g}")
        elif isinstance(v, str) and k != "check":
            parts.append(f"{k} {v}")
    return ", ".join(parts)


def _probe_text(corpus: list[str]) -> str:
    """A line of the corpus for the export check (20-60 characters when there is one)."""
    best = ""
    for p in corpus:
        try:
            with _open_text(p) as f:
                for line in f:
                    t = line.strip()
                    if 20 <= len(t) <= 60:
                        return t
                    if len(t) > len(best):
                        best = t
        except OSError:
            continue
    return best[:60] or "日本語の文です。"


def check_export(model_dir: Path, check: str, corpus: list[str], say: Callable[[str], None]) -> dict[str, Any]:
    """Loads the export with `transformers` (offline) and runs its pipeline on a corpus line:
    fill-mask with one word masked, or text-generation from the line's first characters."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import pipeline
    from transformers.utils import logging

    hf_logging: Any = logging
    hf_logging.set_verbosity_error()  # the load report lists the pretraining heads a masked LM does not use
    hf_logging.disable_progress_bar()

    text = _probe_text(corpus)
    if check == "text-generation":
        gen: Any = pipeline("text-generation", model=str(model_dir), device="cpu")
        prompt = text[: max(4, len(text) // 3)]
        outs = gen(prompt, max_new_tokens=12, do_sample=False)
        result = str(outs[0]["generated_text"])
        say(f"   text-generation: {prompt!r} → {result!r}")
        return {"prompt": prompt, "generated": result}
    fill: Any = pipeline("fill-mask", model=str(model_dir), device="cpu")
    tok: Any = fill.tokenizer
    ids = tok(text, add_special_tokens=False)["input_ids"]
    pieces = tok.convert_ids_to_tokens(ids)
    # Mask the longest piece that is a whole token (not the first, so there is context).
    cands = [i for i, p in enumerate(pieces) if p not in tok.all_special_tokens] or [0]
    pool = cands[1:] or cands
    longest = max(len(pieces[i].lstrip("#▁")) for i in pool)
    ties = [i for i in pool if len(pieces[i].lstrip("#▁")) == longest and not pieces[i].lstrip("#▁").isascii()]
    ties = ties or [i for i in pool if len(pieces[i].lstrip("#▁")) == longest]
    target = ties[len(ties) // 2]
    piece = pieces[target].lstrip("#▁")
    if piece and piece in text:  # masked in the original text, as a user would write it
        masked = text.replace(piece, tok.mask_token, 1)
    else:
        masked = tok.decode([*ids[:target], tok.mask_token_id, *ids[target + 1 :]])
    preds = fill(masked, top_k=5)
    say(f"   fill-mask: {masked}   (masked: {pieces[target]})")
    for p in preds:
        say(f"      {p['token_str']:>8}  {p['score']:.3f}")
    return {"masked": masked, "target": pieces[target], "top": [[p["token_str"], round(p["score"], 4)] for p in preds]}
