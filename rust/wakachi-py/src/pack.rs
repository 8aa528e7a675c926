//! Bindings of `wakachi_core::pack`: read the resolved config, run the pack (`work::run`: GIL
//! released, Ctrl-C stops it after the current batch, resumably), return the report as a dict.
//! The distributed pack's three steps (`pack::dist`: plan, tasks, reduce) take and give JSON-able
//! dicts the same way.

use std::path::PathBuf;

use pyo3::prelude::*;
use serde::Serialize;
use std::sync::Mutex;

use pyo3::types::PyIterator;
use wakachi_core::pack::dist::{finish_gather, plan, reduce_stream, PartKind, TaskRunner, TaskSpec};
use wakachi_core::pack::{pack, PackConfig};
use wakachi_core::shards::{gather_shards, ShardEntry};

use crate::error::{to_py, WakachiError};
use crate::work::run;

fn to_dict<T: Serialize>(py: Python<'_>, what: &str, v: &T) -> PyResult<Py<PyAny>> {
    Ok(crate::report::to_dict(py, what, v)?.into_any().unbind())
}

/// Runs a pack. `config_json` is the resolved configuration (`wakachi.pack.PackConfig`), `dicdir`
/// the MeCab dictionary its tokenizer names. Returns the report as a dict.
#[pyfunction]
#[pyo3(signature = (config_json, dicdir=None))]
pub fn pack_run(py: Python<'_>, config_json: &str, dicdir: Option<PathBuf>) -> PyResult<Py<PyAny>> {
    let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
    let report = run(py, |stop| pack(&cfg, dicdir.as_deref(), stop))?;
    to_dict(py, "pack report", &report)
}

/// The tasks of a distributed pack of `config_json`, about `task_bytes` of text each (reads the
/// input once). Returns the plan as a dict (`kind`, `tasks`, totals).
#[pyfunction]
pub fn pack_plan(py: Python<'_>, config_json: &str, task_bytes: u64) -> PyResult<Py<PyAny>> {
    let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
    let p = run(py, |stop| plan(&cfg, task_bytes, stop))?;
    to_dict(py, "pack plan", &p)
}

/// Runs the tasks of one pack; loads the encoder once.
#[pyclass(name = "PackTaskRunner", module = "wakachi._core", frozen)]
pub struct PyPackTaskRunner {
    inner: TaskRunner,
}

#[pymethods]
impl PyPackTaskRunner {
    #[new]
    #[pyo3(signature = (config_json, dicdir=None))]
    fn new(py: Python<'_>, config_json: &str, dicdir: Option<PathBuf>) -> PyResult<Self> {
        let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
        let inner = run(py, |_| TaskRunner::new(&cfg, dicdir.as_deref()))?;
        Ok(PyPackTaskRunner { inner })
    }

    /// Runs the task `task_json` (one of the plan's tasks), writing its part into `dir`.
    fn run(&self, py: Python<'_>, task_json: &str, dir: PathBuf) -> PyResult<Py<PyAny>> {
        let task: TaskSpec =
            serde_json::from_str(task_json).map_err(|e| WakachiError::new_err(format!("pack task: {e}")))?;
        let report = run(py, |stop| self.inner.run(&task, &dir, stop))?;
        to_dict(py, "task report", &report)
    }
}

/// Builds the shards of `config_json` from `parts` (an iterable of every task's part file, in task
/// order, of `kind` "rows" or "docs"; an iterator may wait for each part: the shard writer takes
/// each part while later ones are still being made). Returns the report as a dict. An exception
/// raised by the iterator ends the reduce (resumably) and is raised here.
#[pyfunction]
#[pyo3(signature = (config_json, kind, parts, dicdir=None, gather=true))]
pub fn pack_reduce(
    py: Python<'_>,
    config_json: &str,
    kind: &str,
    parts: &Bound<'_, PyAny>,
    dicdir: Option<PathBuf>,
    gather: bool,
) -> PyResult<Py<PyAny>> {
    let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
    let kind = match kind {
        "rows" => PartKind::Rows,
        "docs" => PartKind::Docs,
        other => return Err(WakachiError::new_err(format!("part kind must be rows or docs, not {other:?}"))),
    };
    let iter: Py<PyIterator> = parts.try_iter()?.unbind();
    let failed: Mutex<Option<PyErr>> = Mutex::new(None);
    let mut next = || -> wakachi_core::Result<Option<PathBuf>> {
        Python::attach(|py| {
            let step = iter.bind(py).clone().next().map(|r| r.and_then(|p| p.extract::<PathBuf>()));
            match step {
                None => Ok(None),
                Some(Ok(p)) => Ok(Some(p)),
                Some(Err(e)) => {
                    if let Ok(mut slot) = failed.lock() {
                        *slot = Some(e);
                    }
                    Err(wakachi_core::Error::Interrupted)
                }
            }
        })
    };
    let result = run(py, |stop| reduce_stream(&cfg, dicdir.as_deref(), kind, &mut next, gather, stop));
    if let Some(e) = failed.lock().ok().and_then(|mut s| s.take()) {
        return Err(e);
    }
    to_dict(py, "pack report", &result?)
}

/// Writes shards `first..first + count` of the sealed shuffle in `dir` (`pack_reduce(gather=False)`);
/// returns their manifest entries as a JSON list.
#[pyfunction]
pub fn pack_gather(py: Python<'_>, dir: PathBuf, first: u64, count: u64) -> PyResult<String> {
    let entries = run(py, |_| gather_shards(&dir, first, count))?;
    serde_json::to_string(&entries).map_err(|e| WakachiError::new_err(format!("shard entries as JSON: {e}")))
}

/// Records the shards of every `pack_gather` piece (`entries_json`: their entries, in order) and
/// completes the manifest of `config_json`'s output. Returns the report's output figures as a dict.
#[pyfunction]
pub fn pack_finish_gather(py: Python<'_>, config_json: &str, entries_json: &str) -> PyResult<Py<PyAny>> {
    let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
    let entries: Vec<ShardEntry> =
        serde_json::from_str(entries_json).map_err(|e| WakachiError::new_err(format!("shard entries: {e}")))?;
    let report = run(py, |_| finish_gather(&cfg, entries))?;
    to_dict(py, "pack report", &report)
}
