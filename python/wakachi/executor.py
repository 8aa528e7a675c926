"""`wakachi pack --executor ray`: the same pack, cut into tasks that run on a Ray cluster.

The core does the work (`pack::dist` in the Rust crate); this module plans, schedules, records and
reduces:

1. **plan** (driver): the input is read once, without encoding, and cut where the local run cuts
   its batches; consecutive batches make a task of about `task_bytes` of text. A task is a start
   position (file, byte, line), a batch count, its first batch number and document index.
2. **tasks** (Ray, `num_cpus=task_threads` each, on every node): a task reads its batches from
   its start position and encodes them (MeCab/WordPiece/Unigram, the expensive part); for bert
   (streaming) and electra it also builds its rows, whose random draws are keyed by block number
   and document index, so they equal the local run's; for the other formats (the RoBERTa/GPT-2/UER
   packers carry a partial row across documents; `--compat` draws from one random stream over the
   whole input, and Google's holds every document) it writes its encoded documents. Its part file
   is written atomically, then its **completion record** (`task-NNNNNN.json`, part size and
   sha256) next to it.
3. **reduce** (driver): the parts, in task order and each as soon as it is ready, go into the same
   shard writer as a local run's rows (the on-disk shuffle and shard writing are the local code),
   so shards and manifest are byte-identical to `wakachi pack` with the same settings and seed.
   With the shuffle on and an output every node sees, the driver only scatters and seals the
   shuffle; its gather runs as Ray tasks (`shards::gather_shards`, pieces of about one bucket)
   and the driver records their shards. `--compat` is distributed like the packers: its encoding
   runs in the tasks, its build (the whole input in memory, as the original script) in the reduce.

**Fault tolerance.** A worker process that dies mid-task is retried by Ray (`max_retries`); a rerun
of the task writes the same part under the same name, so nothing is duplicated or lost. A driver
killed and run again with the same command finds the plan (`plan.json`, kept while its identity —
settings, input sizes and mtimes, `task_bytes` — is unchanged) and the completion records, runs
only the missing tasks and resumes the reduce (the shard writer's own resume). The work directory
is removed when the pack succeeds.

**Where files live.** The work directory (`task_dir`, default `OUTPUT/.wakachi-tasks`, a prefix
under a URL output) must be reachable from every node: a shared filesystem
path, or a URL (`s3://…`): tasks then write their parts locally and upload them, and the driver
downloads them for the reduce. URL inputs are staged per node (each task downloads the files it
reads into its node's cache); local input paths, the tokenizer and its MeCab dictionary must exist
at the same paths on every node (the same image, or a shared filesystem).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wakachi._core import ConfigError

PLAN = "plan.json"
TASK_DIR = ".wakachi-tasks"
_RUNNERS: dict[str, Any] = {}


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install 'wakachi[ray]'") from None
    return ray


def task_record(index: int) -> str:
    return f"task-{index:06d}.json"


class WorkDir:
    """The task directory: a local (or shared) path, or a URL reached through fsspec."""

    def __init__(self, where: str) -> None:
        from wakachi import storage

        self.where = where.rstrip("/")
        self.url = storage.is_url(where)
        if self.url:
            self.fs, self.root = storage.filesystem(where)
        else:
            Path(where).mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> str:
        return f"{self.where}/{name}"

    def read_json(self, name: str) -> Any:
        try:
            if self.url:
                with self.fs.open(f"{self.root}/{name}", "rb") as f:
                    return json.loads(f.read())
            return json.loads(Path(self.where, name).read_bytes())
        except (OSError, ValueError):
            return None

    def write_json(self, name: str, value: Any) -> None:
        data = json.dumps(value, indent=1).encode()
        if self.url:
            self.fs.pipe_file(f"{self.root}/{name}", data)
            return
        tmp = Path(self.where, f"{name}.tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, Path(self.where, name))

    def size(self, name: str) -> int | None:
        try:
            if self.url:
                return int(self.fs.size(f"{self.root}/{name}"))
            return Path(self.where, name).stat().st_size
        except (OSError, FileNotFoundError):
            return None

    def clear(self) -> None:
        """Empties the directory (a fresh plan)."""
        self.remove()
        if not self.url:
            Path(self.where).mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        """Removes the directory and everything in it."""
        if self.url:
            if self.fs.exists(self.root):
                self.fs.rm(self.root, recursive=True)
        else:
            shutil.rmtree(self.where, ignore_errors=True)


def _staged_path(src: str) -> str:
    """Where `storage.stage_inputs` puts URL `src` on this node (a path as it is)."""
    from wakachi import storage

    if not storage.is_url(src):
        return src
    _, path = storage.filesystem(src)
    return str(storage.cache_root() / "inputs" / storage._key(src) / path.rsplit("/", 1)[-1])


def _node_config(core: dict[str, Any], sources: Sequence[str], threads: int) -> str:
    """The core config for a task on this node: URL inputs at their staged paths here."""
    c = json.loads(json.dumps(core))
    c["input"]["files"] = [_staged_path(s) for s in sources]
    c["run"]["threads"] = threads
    c["run"]["progress"] = False
    return json.dumps(c, sort_keys=True)


def run_task(
    core: dict[str, Any], tokenizer: str, sources: list[str], task: dict[str, Any], work: str, threads: int
) -> dict[str, Any]:
    """One task, on whichever node Ray chose: stage the URL inputs it reads, run it, write its part
    and then its completion record into `work`. The encoder is loaded once per worker process."""
    from wakachi import _core, storage
    from wakachi.pack import resolve_tokenizer

    # Tests' tasks are a fraction of a second, less than a node takes to start its first worker:
    # this pause lets every node of a test cluster take some of them (Ray otherwise reuses the
    # first worker it leased for the whole queue).
    pause = float(os.environ.get("WAKACHI_TEST_TASK_PAUSE", "0") or 0)
    if pause > 0:
        time.sleep(pause)
    last = task["end"]["file"] if task["end"]["offset"] or task["end"]["line"] else task["end"]["file"] - 1
    needed = [s for i, s in enumerate(sources) if task["start"]["file"] <= i <= last]
    if any(map(storage.is_url, needed)):
        with storage.storage_errors("inputs"):
            storage.stage_inputs(needed)
    cfg_json = _node_config(core, sources, threads)
    runner = _RUNNERS.get(cfg_json)
    if runner is None:
        tok = resolve_tokenizer(tokenizer, core["tokenizer"]["specials"], need_mask="gpt2" not in core["format"])
        runner = _core.PackTaskRunner(cfg_json, None if tok.dicdir is None else str(tok.dicdir))
        _RUNNERS.clear()
        _RUNNERS[cfg_json] = runner
    wd = WorkDir(work)
    keys = (
        "index",
        "start",
        "batches",
        "first_batch",
        "first_document",
        "documents",
        "text_bytes",
        "max_docs",
        "max_bytes",
    )
    spec = json.dumps({k: task[k] for k in keys})
    if wd.url:
        with tempfile.TemporaryDirectory(prefix="wakachi-task-") as tmp:
            report = runner.run(spec, tmp)
            name = _part_name(task)
            with storage.storage_errors(work):
                wd.fs.put_file(str(Path(tmp, name)), f"{wd.root}/{name}")
    else:
        report = runner.run(spec, work)
    report["node"] = _node_id()
    report["pid"] = os.getpid()
    wd.write_json(task_record(task["index"]), report)
    return dict(report)


def _part_name(task: dict[str, Any]) -> str:
    return f"part-{task['index']:06d}.{task['kind']}"


def _node_id() -> str:
    try:
        import ray

        return str(ray.get_runtime_context().get_node_id())
    except Exception:
        return ""


def _identity(core: dict[str, Any], inputs: Sequence[str], task_bytes: int) -> str:
    """What the plan depends on: every setting but the output and how to run, the inputs' sizes and
    mtimes, the task size."""
    c = json.loads(json.dumps(core))
    c.pop("run", None)
    c["output"].pop("dir", None)
    c["output"].pop("overwrite", None)
    c["input"].pop("files", None)
    files = []
    for p in inputs:
        st = os.stat(p)
        files.append([p, st.st_size, st.st_mtime_ns])
    blob = json.dumps({"config": c, "inputs": files, "task_bytes": task_bytes}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def default_task_dir(output: str) -> str:
    from wakachi import storage

    if storage.is_url(output):
        return f"{output.rstrip('/')}/{TASK_DIR}"
    return str(Path(output) / TASK_DIR)


def pack_ray(cfg: Any, sources: Sequence[str], task_dir: str, shared_output: bool = True) -> dict[str, Any]:
    """Packs `cfg` (local inputs and output, as `pack._pack_local` takes them) on Ray; `sources`
    are the inputs as given (URLs are staged per node), `task_dir` the work directory.
    `shared_output`: every node sees the output directory (not a driver-local staging directory),
    so the shuffle's gather runs as Ray tasks too."""
    from wakachi import _core, storage
    from wakachi.pack import core_config, resolve_tokenizer

    ray = _ray()
    t0 = time.perf_counter()
    say = _Say(cfg.progress)
    tok = resolve_tokenizer(cfg.tokenizer, cfg.specials, need_mask=cfg.format != "gpt2")
    core = core_config(cfg, tok)
    core_json = json.dumps(core)
    if not cfg.overwrite and _complete(Path(cfg.output)):
        # Done before: the shard writer checks the identity (as a local rerun) and reads nothing.
        report = _core.pack_reduce(core_json, _core_kind(cfg), [], None if tok.dicdir is None else str(tok.dicdir))
        report["executor"] = {"kind": "ray", "tasks": 0, "tasks_run": 0, "tasks_reused": 0, "nodes": 0}
        report["executor"].update(dict.fromkeys(("plan_seconds", "tasks_seconds", "reduce_seconds"), 0.0))
        return dict(report)
    wd = WorkDir(task_dir)
    ident = _identity(core, cfg.inputs, cfg.task_bytes)
    saved = None if cfg.overwrite else wd.read_json(PLAN)
    if saved is not None and saved.get("identity") == ident:
        plan = saved["plan"]
        say(f"pack (ray): reusing the plan in {task_dir}: {len(plan['tasks']):,} tasks")
    else:
        wd.clear()
        say("pack (ray): planning (reading the input once) …")
        plan = _core.pack_plan(core_json, cfg.task_bytes)
        # Where each task ends (the next one's start, or the end of the input).
        ends = [t["start"] for t in plan["tasks"][1:]] + [{"file": len(cfg.inputs), "offset": 0, "line": 0}]
        for t, end in zip(plan["tasks"], ends, strict=True):
            t["end"] = end
            t["kind"] = plan["kind"]
        wd.write_json(PLAN, {"identity": ident, "plan": plan})
    t_plan = time.perf_counter() - t0
    tasks = plan["tasks"]
    records: dict[int, dict[str, Any]] = {}
    for t in tasks:
        rec = wd.read_json(task_record(t["index"]))
        if rec is not None and wd.size(_part_name(t)) == rec.get("part_bytes"):
            records[t["index"]] = rec
    todo = [t for t in tasks if t["index"] not in records]
    reused = len(records)
    pending: dict[Any, int] = {}
    if todo:
        _init(ray, cfg)
        threads = max(1, cfg.task_threads)
        # SPREAD: tasks go to every node even when one node's workers could take them all in
        # turn (short tasks otherwise stay where they were submitted, and each node stages only
        # the input its own tasks read).
        remote = ray.remote(num_cpus=threads, max_retries=cfg.max_retries, scheduling_strategy="SPREAD")(run_task)
        # Paths as every node sees them (a worker's working directory is not the driver's).
        nodes_sources = [s if storage.is_url(s) else os.path.abspath(s) for s in sources]
        tokenizer = os.path.abspath(cfg.tokenizer)
        core_nodes = json.loads(core_json)
        core_nodes["tokenizer"]["path"] = os.path.abspath(core_nodes["tokenizer"]["path"])
        if core_nodes["run"]["cache_dir"]:
            core_nodes["run"]["cache_dir"] = os.path.abspath(core_nodes["run"]["cache_dir"])
        where = task_dir if storage.is_url(task_dir) else os.path.abspath(task_dir)
        pending = {remote.remote(core_nodes, tokenizer, nodes_sources, t, where, threads): t["index"] for t in todo}
        say(f"pack (ray): {len(todo):,} tasks to run ({reused:,} done before) on {_cluster(ray)}")
    times: dict[str, float] = {}
    todo_bytes = sum(t["text_bytes"] for t in todo) or 1
    staged = _PartStage(wd)

    progress = {"bytes": 0, "t1": time.perf_counter()}

    def wait_some() -> None:
        """Waits up to 2 s for tasks to finish, records them, updates the progress line."""
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=2.0)
        for ref in ready:
            i = pending.pop(ref)
            try:
                records[i] = ray.get(ref)
            except ray.exceptions.RayTaskError as e:
                for other in pending:
                    ray.cancel(other, force=True)
                # the task's own error (a bad input line, a missing file…), as a local run raises it
                cause = getattr(e, "cause", None)
                raise (cause if isinstance(cause, Exception) else e) from None
            progress["bytes"] += tasks[i]["text_bytes"]
        rate = progress["bytes"] / max(time.perf_counter() - progress["t1"], 1e-9)
        eta = (todo_bytes - progress["bytes"]) / rate if rate > 0 else float("nan")
        say(
            f"pack (ray): tasks {len(records):,}/{len(tasks):,}, {progress['bytes'] / 1e6:,.1f} MB of text, "
            f"{rate / 1e6:.2f} MB/s, ETA {eta:,.0f} s",
            end="\r",
        )

    def ready_parts() -> Any:
        """The parts in task order, each as soon as it and those before it are done (the reduce
        takes them while later tasks run)."""
        for t in tasks:
            while t["index"] not in records:
                wait_some()
            yield staged.local(t, records[t["index"]])
        times["tasks_done"] = time.perf_counter()
        if todo:
            say("")
        say(f"pack (ray): every part is in; writing the shards of {cfg.output} …")

    # The gather in pieces on the cluster when every node sees the output and there is a shuffle.
    spread = cfg.shuffled and shared_output and not storage.is_url(task_dir)
    try:
        # The special ids a finished task used: the reduce then loads no dictionary.
        while tasks and not any(r.get("specials") for r in records.values()):
            wait_some()
        reduce_core = json.loads(core_json)
        found = [r["specials"] for r in records.values() if r.get("specials")]
        if found and reduce_core["tokenizer"]["specials"] is None:
            reduce_core["tokenizer"]["specials"] = found[0]
        dicdir = None if tok.dicdir is None else str(tok.dicdir)
        report = _core.pack_reduce(json.dumps(reduce_core), plan["kind"], ready_parts(), dicdir, gather=not spread)
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        staged.close()
    t_tasks = times.get("tasks_done", time.perf_counter()) - t0 - t_plan
    gather_tasks = 0
    if spread:
        gather_tasks, figures = _gather_on_ray(ray, cfg, core_json, say)
        report.update({k: v for k, v in figures.items() if k in _OUTPUT_FIGURES})
    t_reduce = time.perf_counter() - t0 - t_plan - t_tasks
    for key in ("documents", "sentences", "input_tokens", "text_bytes", "skipped_invalid_utf8", "skipped_bad_records"):
        report[key] = sum(r[key] for r in records.values())
    report["input_bytes"] = plan["input_bytes"]
    report["seconds"] = time.perf_counter() - t0
    report["mb_per_s"] = report["input_bytes"] / 1e6 / max(report["seconds"], 1e-9)
    report["executor"] = {
        "kind": "ray",
        "tasks": len(tasks),
        "tasks_run": len(todo),
        "tasks_reused": reused,
        "part_kind": plan["kind"],
        "nodes": len({r.get("node") for r in records.values()}),
        "task_threads": max(1, cfg.task_threads),
        "plan_seconds": t_plan,
        "tasks_seconds": t_tasks,
        "task_cpu_seconds": sum(r["seconds"] * r["threads"] for r in records.values()),
        "reduce_seconds": t_reduce,
        "gather_tasks": gather_tasks,
    }
    if not os.environ.get("WAKACHI_KEEP_TASKS"):
        wd.remove()
    return report


_OUTPUT_FIGURES = ("output_dir", "instances", "tokens", "padding_share", "row_length", "shards", "shard_bytes")


def run_gather(out_dir: str, first: int, count: int) -> str:
    """A piece of the shuffle's gather, on whichever node Ray chose: shards `first..first+count`
    written into `out_dir`; their manifest entries (JSON)."""
    from wakachi import _core

    return str(_core.pack_gather(out_dir, first, count))


def _gather_on_ray(ray: Any, cfg: Any, core_json: str, say: Any) -> tuple[int, dict[str, Any]]:
    """The sealed shuffle's gather as Ray tasks of about one bucket's rows each (every bucket is
    read by one task, or two where a shard straddles buckets), then the manifest completed.
    Returns (tasks, the report's output figures)."""
    from wakachi import _core
    from wakachi._core import ShardError

    out = os.path.abspath(cfg.output)
    m = json.loads(Path(out, "manifest.json").read_text(encoding="utf-8"))
    state = m["state"]
    if state.get("phase") == "complete":
        return 0, {}
    if state.get("phase") != "gather":
        raise ShardError(f"{out}: the manifest is in its {state.get('phase')} phase after the reduce, not gather")
    per = m["identity"]["rows_per_shard"]
    rows = state["input_rows"]
    total = -(-rows // per)
    first = len(m["shards"])
    _init(ray, cfg)
    # Pieces of about one bucket's rows, or smaller so that every CPU of the cluster gets two: a
    # piece reads each bucket it touches whole (one at a time; half of shuffle_memory at most) and
    # decodes only its own rows.
    buckets = max(1, len(state["buckets"]))
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    step = max(1, min(round(rows / buckets / per), -(-(total - first) // (2 * cpus))))
    pieces = [(j, min(step, total - j)) for j in range(first, total, step)]
    remote = ray.remote(num_cpus=1, max_retries=cfg.max_retries)(run_gather)
    say(f"pack (ray): gathering {total - first:,} shards in {len(pieces):,} tasks …")
    refs = [remote.remote(out, j, n) for j, n in pieces]
    entries: list[Any] = []
    try:
        for ref in refs:
            entries += json.loads(ray.get(ref))
    except ray.exceptions.RayTaskError as e:
        for ref in refs:
            ray.cancel(ref, force=True)
        cause = getattr(e, "cause", None)
        raise (cause if isinstance(cause, Exception) else e) from None
    return len(pieces), _core.pack_finish_gather(core_json, json.dumps(entries))


def _complete(output: Path) -> bool:
    """Whether `output` holds a finished shard set (its manifest's phase)."""
    try:
        m = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and m.get("state", {}).get("phase") == "complete"


def _core_kind(cfg: Any) -> str:
    """The part kind the core makes for `cfg` (`pack::dist::PartKind::of`)."""
    return "rows" if cfg.format in ("bert", "electra") and not cfg.compat else "docs"


class _PartStage:
    """Parts as local files, each checked against its completion record (size and sha256); a URL
    task directory's are downloaded into a temporary directory, removed by `close`."""

    def __init__(self, wd: WorkDir) -> None:
        from wakachi import storage

        self.wd = wd
        self.tmp = Path(tempfile.mkdtemp(prefix="wakachi-parts-", dir=storage.cache_root())) if wd.url else None

    def local(self, task: dict[str, Any], rec: dict[str, Any]) -> str:
        from wakachi import _core, storage
        from wakachi._core import ShardError

        name = _part_name(task)
        if self.tmp is not None:
            # the reduce asks for a part once it has read the one before: that copy can go
            for old in self.tmp.iterdir():
                old.unlink()
            local = self.tmp / name
            with storage.storage_errors(self.wd.where):
                self.wd.fs.get_file(f"{self.wd.root}/{name}", str(local))
        else:
            local = Path(self.wd.where, name)
        size, sha = _core.file_sha256(str(local))
        if size != rec["part_bytes"] or sha != rec["part_sha256"]:
            raise ShardError(
                f"{self.wd.path(name)}: {size} bytes, sha256 {sha[:12]}…; its completion record says "
                f"{rec['part_bytes']} bytes, {rec['part_sha256'][:12]}… (remove it and its record to rerun the task)"
            )
        return str(local)

    def close(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _init(ray: Any, cfg: Any) -> None:
    if ray.is_initialized():
        return
    kw: dict[str, Any] = {"include_dashboard": False, "logging_level": "warning", "log_to_driver": True}
    if cfg.ray_address:
        ray.init(address=cfg.ray_address, **kw)
    else:
        ray.init(num_cpus=cfg.threads or os.cpu_count() or 1, **kw)


def _cluster(ray: Any) -> str:
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    cpus = sum(int(n.get("Resources", {}).get("CPU", 0)) for n in nodes)
    return f"{len(nodes)} node{'s' if len(nodes) != 1 else ''}, {cpus} CPUs"


class _Say:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, msg: str, end: str = "\n") -> None:
        if self.on:
            print(msg, end=end, file=sys.stderr, flush=True)
