"""Inputs and shards in object storage: `s3://`, `gs://`, `hdfs://`, any fsspec URL (`file://` too).

`pip install 'wakachi[s3]'` brings fsspec and s3fs (gcsfs, an HDFS driver… are installed the same
way for their schemes). Credentials and endpoints are the filesystem's own: `AWS_*` variables or
`~/.aws` for S3, fsspec's configuration (`FSSPEC_S3='{"endpoint_url": "http://host:9000"}'` for
an S3-compatible server) — wakachi passes nothing of its own. Plain paths never touch this module.

**pack** (`wakachi pack -o s3://bucket/prefix/ …`, inputs may be URLs too):

- inputs given as URLs (`s3://bucket/corpus/part-*.txt` patterns expand to the matching objects,
  sorted) are **staged**: downloaded into `<cache>/inputs/` and packed as local files (the core
  reads local files); a rerun after an interruption reuses them while the object's version key
  (e.g. its ETag) is unchanged, and they are removed when the pack succeeds;
- the core packs into a local **staging directory** (`<cache>/staging/<hash of the URL>`),
  exactly as it packs a local output, so resume works as there; a thread **uploads each shard as
  soon as the manifest lists it** (the core lists a shard only once it is whole), the rest at the
  end, then **`manifest.json` last**: a reader never sees a partial set. Each object is written
  atomically (object stores: one PUT or a completed multipart upload; other filesystems: a
  temporary name, then a rename). The staging directory holds the whole output until the upload
  ends (the core verifies its shards on resume), then it is removed (`WAKACHI_KEEP_STAGING=1`
  keeps it and the staged inputs).
- a rerun after a kill resumes the staging run, skips the objects already uploaded (same size,
  under the same run's `_wakachi_upload.json`, which names the run's identity) and uploads the
  rest; no duplicate or missing shard. A prefix holding another run's objects is refused unless
  `overwrite`; one holding a complete set (`manifest.json`) is refused unless `overwrite`.

**Loader** (`Loader("s3://bucket/prefix/")`, `wakachi train --set data.shards=s3://…`): the manifest
is downloaded into a local cache directory (`<cache>/shards/<hash of the URL>`, one per node:
its ranks share it, see `ShardCache`); each shard is downloaded when a loader first needs it (once
per node), the next two in reading order are downloaded ahead in the background, every download
is checked against the manifest's size and sha256, and the files are kept in an LRU bounded by
`cache_bytes` (`$WAKACHI_SHARD_CACHE_BYTES`, default 4 GiB; the shard being read, the ones ahead
and the three a reader holds are never evicted, so the floor is five shards, plus up to three a
process still holds after another evicted them).

`<cache>` is `$WAKACHI_STORAGE_CACHE`, else wakachi's cache directory (`$WAKACHI_CACHE_DIR`, …).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import itertools
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from wakachi._core import ConfigError, ShardError, WakachiError

MANIFEST = "manifest.json"
UPLOAD_RECORD = "_wakachi_upload.json"
# Schemes whose single PUT (or completed multipart upload) makes a whole object appear at once.
ATOMIC_PUT = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "oss", "r2"})
DEFAULT_CACHE_BYTES = 4 << 30
CHUNK = 8 << 20


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a URL (`scheme://…`) rather than a local path."""
    s = os.fspath(path)
    return "://" in s and s.split("://", 1)[0].replace("+", "").replace("-", "").isalnum()


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) of `url`."""
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(f"{url}: URLs need fsspec (and s3fs for s3://): pip install 'wakachi[s3]'") from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as e:
        raise ConfigError(f"{url}: {e}") from None
    return fs, str(path).rstrip("/")


def _protocol(fs: Any) -> str:
    p = fs.protocol
    return str(p[0] if isinstance(p, (tuple, list)) else p)


def _key(url: str) -> str:
    url = url.rstrip("/")
    tail = "".join(c if c.isalnum() or c in "-_." else "_" for c in url.rsplit("/", 1)[-1])[:40]
    return f"{hashlib.sha256(url.encode()).hexdigest()[:16]}-{tail}"


def cache_root() -> Path:
    """`$WAKACHI_STORAGE_CACHE`, else the cache directory (`$WAKACHI_CACHE_DIR`, …): staged inputs,
    staging directories of uploads and shard caches (a local disk with room for a pack's output)."""
    from wakachi.dictionaries import default_cache_dir

    env = os.environ.get("WAKACHI_STORAGE_CACHE")
    return Path(env) if env else default_cache_dir()


@contextlib.contextmanager
def storage_errors(where: str) -> Iterator[None]:
    """A filesystem driver's own exceptions (botocore's `NoCredentialsError`, `ClientError`…) as
    one `OSError` naming `where`; wakachi's errors, `OSError`s and Ctrl-C pass as they are."""
    try:
        yield
    except (WakachiError, OSError, KeyboardInterrupt):
        raise
    except Exception as e:
        raise OSError(f"{where}: {type(e).__name__}: {e}") from e


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Inputs


def stage_inputs(inputs: Sequence[str], root: Path | None = None) -> list[str]:
    """Local paths of `inputs` (no patterns): URLs downloaded into the cache (kept while the
    object's version key is unchanged, so a rerun packs the same local files), paths as they are."""
    out = []
    for src in inputs:
        if not is_url(src):
            out.append(src)
            continue
        fs, path = filesystem(src)
        if not fs.isfile(path):
            raise ConfigError(f"{src}: no such input object")
        d = (root or cache_root()) / "inputs" / _key(src)
        d.mkdir(parents=True, exist_ok=True)
        local = d / path.rsplit("/", 1)[-1]
        record = d / "source.json"
        version = {"url": src, "ukey": str(fs.ukey(path)), "size": int(fs.size(path))}
        try:
            fresh = json.loads(record.read_text()) == version and local.stat().st_size == version["size"]
        except (OSError, ValueError):
            fresh = False
        if not fresh:
            tmp = local.with_name(local.name + f".tmp{os.getpid()}")
            fs.get_file(path, str(tmp))
            os.replace(tmp, local)
            _atomic_write_bytes(record, json.dumps(version).encode())
        out.append(str(local))
    return out


def _expand(inputs: Sequence[str]) -> list[str]:
    """URLs with `*`, `?` or `[` expanded to the objects they match, sorted (a pattern matching
    nothing is an error); other inputs as they are."""
    out: list[str] = []
    for src in inputs:
        if not is_url(src) or not any(c in src for c in "*?["):
            out.append(src)
            continue
        fs, path = filesystem(src)
        scheme = src.split("://", 1)[0]
        found = sorted(p for p in fs.glob(path) if fs.isfile(p))
        if not found:
            raise ConfigError(f"{src}: matches no object")
        out += [f"{scheme}://{str(p).split('://', 1)[-1]}" for p in found]
    return out


# ---------------------------------------------------------------------------------------------
# pack → object store


def _identity_key(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest.get("identity"), sort_keys=True).encode()).hexdigest()


def _read_manifest(d: Path) -> dict[str, Any] | None:
    try:
        m: dict[str, Any] = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        return None  # mid-rename on a filesystem without atomic replace: read again later
    return m


class Uploader:
    """Uploads a staging directory's shards to `url` as the core finishes them, the manifest last."""

    def __init__(self, url: str, staging: Path, overwrite: bool) -> None:
        self.url = url.rstrip("/")
        self.fs, self.root = filesystem(url)
        self.staging = staging
        self.overwrite = overwrite
        self.atomic_put = _protocol(self.fs) in ATOMIC_PUT
        self.done: set[str] = set()
        self.resume = False
        self.record_written = False
        self.uploaded: list[str] = []  # names put in this run (tests and reports)
        self.skipped: list[str] = []  # found complete from an earlier run
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_stamp: tuple[int, int] | None = None

    def remote(self, name: str) -> str:
        return f"{self.root}/{name}"

    def _listing(self) -> dict[str, int]:
        try:
            entries = self.fs.ls(self.root, detail=True, refresh=True)
        except FileNotFoundError:
            return {}
        return {str(e["name"]).rsplit("/", 1)[-1]: int(e.get("size") or 0) for e in entries if e.get("type") == "file"}

    def prepare(self) -> None:
        """Checks the prefix before the run: empty, or an interrupted upload of this same run
        (whose staging directory is still here); `overwrite` clears it, manifest first."""
        if not self.atomic_put:  # a filesystem with directories (object stores have prefixes)
            self.fs.makedirs(self.root, exist_ok=True)
        listing = self._listing()
        ours = {n for n in listing if n.startswith("shard-") or n in (MANIFEST, UPLOAD_RECORD)}
        if self.overwrite:
            for name in sorted(ours, key=lambda n: n != MANIFEST):  # the manifest goes first
                self.fs.rm_file(self.remote(name))
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        staged = _read_manifest(self.staging)
        if MANIFEST in listing:
            remote = json.loads(self.fs.cat_file(self.remote(MANIFEST)))
            if staged is None or _identity_key(staged) != _identity_key(remote):
                raise ConfigError(
                    f"{self.url}: already holds a complete shard set ({MANIFEST}); pass overwrite (--overwrite) "
                    "to replace it, or choose another prefix"
                )
        if not ours or MANIFEST in listing:
            self.resume = MANIFEST in listing
            return
        record = None
        if UPLOAD_RECORD in listing:
            with contextlib.suppress(ValueError):
                record = json.loads(self.fs.cat_file(self.remote(UPLOAD_RECORD))).get("identity")
        if staged is None or record != _identity_key(staged):
            raise ConfigError(
                f"{self.url}: holds shard objects but no {MANIFEST} from another run (or one whose staging "
                f"directory {self.staging} is gone); pass overwrite (--overwrite) to replace them"
            )
        self.resume = True
        self.record_written = True

    def _put(self, local: Path, name: str) -> None:
        dest = self.remote(name)
        if self.atomic_put:
            self.fs.put_file(str(local), dest)
        else:
            tmp = f"{dest}.tmp{os.getpid()}"
            self.fs.put_file(str(local), tmp)
            self.fs.mv(tmp, dest)

    def _sync(self, manifest: dict[str, Any], listing: dict[str, int] | None) -> None:
        if not self.record_written:
            record = json.dumps({"identity": _identity_key(manifest), "staging": str(self.staging)}).encode()
            self.fs.pipe_file(self.remote(UPLOAD_RECORD), record)
            self.record_written = True
        for entry in manifest.get("shards", []):
            name = entry["file"]
            if name in self.done:
                continue
            if self.resume and listing is not None and listing.get(name) == int(entry["bytes"]):
                self.skipped.append(name)
            else:
                self._put(self.staging / name, name)
                self.uploaded.append(name)
            self.done.add(name)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.staging / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _watch(self) -> None:
        """Uploads the shards the staging manifest lists, once this run's core has rewritten it
        (a manifest left by an earlier run with other settings is not this run's until the core
        has accepted it); what is left, `finish` uploads after a successful run."""
        listing = self._listing() if self.resume else None
        try:
            while not self._stop.wait(0.5):
                if self._stamp() == self._start_stamp:
                    continue
                m = _read_manifest(self.staging)
                if m is not None and m.get("shards"):
                    self._sync(m, listing)
        except BaseException as e:  # handed to the main thread by finish()
            self.error = e

    def start(self) -> None:
        self._start_stamp = self._stamp()
        self._thread = threading.Thread(target=self._watch, name="wakachi-upload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def finish(self) -> dict[str, Any]:
        """After the core's run: the last shards, a check of the set, the manifest, cleanup."""
        self.stop()
        if self.error is not None:
            raise self.error
        m = _read_manifest(self.staging)
        if m is None:
            raise ShardError(f"{self.staging / MANIFEST}: missing after the pack run")
        self._sync(m, self._listing() if self.resume else None)
        listing = self._listing()
        for entry in m["shards"]:
            if listing.get(entry["file"]) != int(entry["bytes"]):
                raise ShardError(
                    f"{self.remote(entry['file'])}: {listing.get(entry['file'])} bytes after the upload, "
                    f"the manifest says {entry['bytes']}"
                )
        self._put(self.staging / MANIFEST, MANIFEST)
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.remote(UPLOAD_RECORD))
        if not os.environ.get("WAKACHI_KEEP_STAGING"):
            shutil.rmtree(self.staging, ignore_errors=True)
        return m


def staging_dir(url: str) -> Path:
    return cache_root() / "staging" / _key(url)


def pack_remote(cfg: Any, run_local: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """`pack` with URL inputs and/or a URL output (see the module docstring)."""
    import dataclasses

    with storage_errors("inputs"):
        sources = _expand(cfg.inputs)
        inputs = stage_inputs(sources)
    local = dataclasses.replace(cfg, inputs=tuple(inputs))
    if not is_url(cfg.output):
        report = run_local(local)
    else:
        staging = staging_dir(cfg.output)
        with storage_errors(cfg.output):
            up = Uploader(cfg.output, staging, cfg.overwrite)
            up.prepare()
        staging.mkdir(parents=True, exist_ok=True)
        up.start()
        try:
            report = run_local(dataclasses.replace(local, output=str(staging), overwrite=cfg.overwrite))
        finally:
            up.stop()
        t0 = time.perf_counter()
        with storage_errors(cfg.output):
            up.finish()
        report["output_dir"] = cfg.output
        report["upload"] = {
            "uploaded": len(up.uploaded),
            "skipped": len(up.skipped),
            "seconds_after_pack": time.perf_counter() - t0,
        }
    if not os.environ.get("WAKACHI_KEEP_STAGING"):
        # Done: a rerun has nothing to resume, so the staged copies of URL inputs go too.
        for src, path in zip(sources, inputs, strict=True):
            if is_url(src):
                shutil.rmtree(Path(path).parent, ignore_errors=True)
    return report


# ---------------------------------------------------------------------------------------------
# Loader ← object store


class ShardCache:
    """A bounded local cache of a remote shard directory, feeding the loader's core (`fetch`).

    One directory serves every process of a node that reads the URL (the ranks of a node read the
    same shards): `objects/<sha256>.arrow` are the shared, verified files, downloaded once per
    node (an exclusive `flock` on `objects/<sha256>.lock` while one process downloads; the others
    then find the file); recency is the file's mtime, and eviction, under `cache.lock`, removes
    the least recently used beyond the budget. A process hands its reader a hard link in its own
    `held/<host>-<pid>-<n>/` (beside its copy of the manifest), so a shard another process evicts
    stays whole for the reader that holds it; links beyond the shards it reads or holds are dropped.
    """

    _shared: ClassVar[dict[tuple[str, str], ShardCache]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()
    _count: ClassVar[itertools.count[int]] = itertools.count()

    @classmethod
    def open(
        cls, url: str, cache_dir: str | os.PathLike[str] | None = None, max_bytes: int | None = None
    ) -> ShardCache:
        """The process's cache of `url` (one per URL and directory, shared by its loaders); the
        manifest is downloaded again on each open."""
        if cache_dir is None:
            cache_dir = cache_root() / "shards" / _key(url)
        if max_bytes is None:
            max_bytes = int(os.environ.get("WAKACHI_SHARD_CACHE_BYTES", DEFAULT_CACHE_BYTES))
        key = (url.rstrip("/"), os.fspath(cache_dir))
        with cls._shared_lock:
            cache = cls._shared.get(key)
            if cache is None:
                cache = cls._shared[key] = ShardCache(url, Path(cache_dir), max_bytes)
            else:
                cache.max_bytes = max_bytes
            cache.refresh_manifest()
            return cache

    def __init__(self, url: str, directory: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ConfigError(f"the shard cache needs a positive byte budget, not {max_bytes}")
        self.url = url.rstrip("/")
        self.fs, self.root = filesystem(url)
        self.objects = directory / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        host = socket.gethostname()
        held = directory / "held"
        held.mkdir(exist_ok=True)
        for d in held.glob(f"{host}-*"):  # left by processes of this host that are gone
            with contextlib.suppress(ValueError, IndexError):
                if not _alive(int(d.name.rsplit("-", 2)[1])):
                    shutil.rmtree(d, ignore_errors=True)
        self.dir = held / f"{host}-{os.getpid()}-{next(self._count)}"
        self.dir.mkdir()
        self._lockfile = directory / "cache.lock"
        self.max_bytes = max_bytes
        self.manifest: dict[str, Any] = {}
        self._lock = threading.RLock()  # a done future's callback may run inside `_ensure`
        self._inflight: dict[int, Future[Path]] = {}
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wakachi-fetch")
        self._recent: list[int] = []  # the last shards handed to readers (still mapped there)
        self.downloads = 0
        self.downloaded_bytes = 0
        atexit.register(self.close)

    def refresh_manifest(self) -> None:
        try:
            raw = self.fs.cat_file(f"{self.root}/{MANIFEST}")
        except FileNotFoundError:
            raise ShardError(
                f"{self.url}/{MANIFEST}: missing: not a shard directory written by `wakachi pack` "
                "(or its upload has not finished)"
            ) from None
        with self._lock:
            self.manifest = json.loads(raw)
            _atomic_write_bytes(self.dir / MANIFEST, raw)

    def _name(self, i: int) -> str:
        return f"{self.manifest['shards'][i]['sha256']}.arrow"

    def _present(self, i: int) -> Path | None:
        path = self.objects / self._name(i)
        try:
            if path.stat().st_size == int(self.manifest["shards"][i]["bytes"]):
                return path
        except FileNotFoundError:
            pass
        return None

    def _download(self, i: int) -> Path:
        """Shard `i` into `objects/`, once per node: under the object's lock, a file another
        process finished meanwhile is taken as it is."""
        entry = self.manifest["shards"][i]
        dest = self.objects / self._name(i)
        with open(dest.with_suffix(".lock"), "a+b") as lock:
            _flock(lock)
            found = self._present(i)
            if found is not None:
                os.utime(found)
                return found
            src = f"{self.root}/{entry['file']}"
            tmp = dest.with_name(f"{dest.name}.tmp{os.getpid()}-{threading.get_ident()}")
            h = hashlib.sha256()
            size = 0
            try:
                with self.fs.open(src, "rb", block_size=CHUNK) as f, open(tmp, "wb") as out:
                    while chunk := f.read(CHUNK):
                        h.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                if size != int(entry["bytes"]):
                    raise ShardError(f"{self.url}/{entry['file']}: {size} bytes, the manifest says {entry['bytes']}")
                if h.hexdigest() != entry["sha256"]:
                    raise ShardError(
                        f"{self.url}/{entry['file']}: sha256 {h.hexdigest()} is not the manifest's {entry['sha256']}"
                    )
                os.replace(tmp, dest)
            finally:
                tmp.unlink(missing_ok=True)
        with self._lock:
            self.downloads += 1
            self.downloaded_bytes += size
        return dest

    def _ensure(self, i: int) -> Future[Path] | Path:
        """Under the lock: the file if present (its recency renewed), else the download's future."""
        found = self._present(i)
        if found is not None:
            with contextlib.suppress(FileNotFoundError):
                os.utime(found)
                return found
        fut = self._inflight.get(i)
        if fut is None:
            fut = self._pool.submit(self._download, i)
            self._inflight[i] = fut
            fut.add_done_callback(self._done_callback(i))
        return fut

    def _done_callback(self, i: int) -> Callable[[Future[Path]], None]:
        def done(_f: Future[Path]) -> None:
            with self._lock:
                self._inflight.pop(i, None)

        return done

    def fetch(self, i: int, upcoming: Sequence[int] = ()) -> str:
        """The local path of shard `i` (downloaded and verified if needed): a link of this
        process's own, under the manifest's file name; starts downloading `upcoming` and evicts
        beyond the budget."""
        file = self.manifest["shards"][i]["file"]
        held = self.dir / file
        for _ in range(5):
            with self._lock:
                got = self._ensure(i)
                for j in upcoming:
                    self._ensure(j)
            path = got if isinstance(got, Path) else got.result()
            tmp = self.dir / f"{file}.tmp{threading.get_ident()}"
            tmp.unlink(missing_ok=True)
            try:
                os.link(path, tmp)
            except FileNotFoundError:
                continue  # evicted by another process between its download and the link: again
            os.replace(tmp, held)  # atomic: a reader opening `held` sees a whole shard
            break
        else:
            raise ShardError(f"{self.url}/{file}: evicted by other processes again and again (cache too small?)")
        with self._lock:
            # Links: the last few handed out (a reader opens its link right after this returns,
            # and may hold three; loaders of this process share the directory). Eviction spares
            # the reader's three, this one and those ahead.
            self._recent = [*(r for r in self._recent if r != i), i][-8:]
            keep = {self.manifest["shards"][k]["file"] for k in self._recent}
            for link in self.dir.glob("*.arrow"):
                if link.name not in keep:
                    link.unlink(missing_ok=True)
            self._evict({self._name(k) for k in (*upcoming, *self._recent[-3:])})
        return str(held)

    def _evict(self, pinned: set[str]) -> None:
        """Removes the least recently used files of the node's cache beyond the budget, sparing
        this process's pins (other processes' readers hold their own links)."""
        with open(self._lockfile, "a+b") as lock:
            _flock(lock)
            files = []
            for p in self.objects.glob("*.arrow"):
                with contextlib.suppress(FileNotFoundError):
                    st = p.stat()
                    files.append((st.st_mtime, p, st.st_size))
            total = sum(f[2] for f in files)
            for _mtime, p, size in sorted(files):
                if total <= self.max_bytes:
                    break
                if p.name in pinned:
                    continue
                p.unlink(missing_ok=True)
                p.with_suffix(".lock").unlink(missing_ok=True)
                total -= size

    def cached_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.objects.glob("*.arrow"))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def _flock(f: Any) -> None:
    """An exclusive lock on an open file, released when it is closed (POSIX)."""
    import fcntl

    fcntl.flock(f, fcntl.LOCK_EX)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_remote(
    url: str, cache_dir: str | os.PathLike[str] | None, max_bytes: int | None
) -> tuple[str, Callable[[int, list[int]], str], ShardCache]:
    """For `wakachi.loader.Loader`: the local directory holding the manifest, and the fetcher."""
    with storage_errors(url):
        cache = ShardCache.open(url, cache_dir, max_bytes)
    return str(cache.dir), cache.fetch, cache
