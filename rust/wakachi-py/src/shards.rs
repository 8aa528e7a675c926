//! Bindings of `wakachi_core::shards`: convert arguments, run the core (`work::run`), convert
//! results.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use wakachi_core::shards::manifest::ShardEntry;
use wakachi_core::shards::{
    self, ColumnSpec, InputFingerprint, OutputConfig, ShardOutput, ShardSchema, ShuffleConfig, Value,
};
use wakachi_core::Error;

use crate::error::{to_py, ConfigError, InputError, WakachiError};
use crate::work::run;

/// A shard run (`wakachi_core::shards::ShardOutput`).
#[pyclass(name = "_ShardWriter", module = "wakachi._core")]
pub struct PyShardWriter {
    inner: Mutex<Option<ShardOutput>>,
    columns: Vec<String>,
    /// An exception raised by the on-shard callback, re-raised instead of "interrupted".
    callback_error: Arc<Mutex<Option<PyErr>>>,
}

fn schema(
    format: Option<&str>,
    columns: Option<Vec<(String, String)>>,
    vocab_size: u32,
    tokens_column: Option<&str>,
    pad_id: Option<u32>,
) -> wakachi_core::Result<ShardSchema> {
    match (format, columns) {
        (Some(f), None) => ShardSchema::preset(f, vocab_size, pad_id),
        (None, Some(cols)) => {
            let specs = cols.iter().map(|(n, t)| ColumnSpec::parse(n, t)).collect::<wakachi_core::Result<Vec<_>>>()?;
            let s = ShardSchema::new(specs, vocab_size)?;
            match tokens_column {
                Some(t) => s.with_tokens(t, pad_id),
                None => Ok(s),
            }
        }
        _ => Err(Error::Config("give either format or columns".into())),
    }
}

/// A Python value as a row value: None, an int (or bool), or a sequence of ints.
fn value(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        Ok(Value::Null)
    } else if let Ok(x) = v.extract::<i64>() {
        Ok(Value::Int(x))
    } else {
        Ok(Value::List(v.extract::<Vec<i32>>()?))
    }
}

/// Row `index` of a `push` as values in column order.
fn row(index: usize, columns: &[String], d: &Bound<'_, PyDict>) -> PyResult<Vec<Value>> {
    if d.len() != columns.len() {
        let keys: Vec<String> = d.keys().extract()?;
        return Err(InputError::new_err(format!(
            "row {index} has keys {keys:?}, the schema's columns are {columns:?}"
        )));
    }
    columns
        .iter()
        .map(|c| match d.get_item(c)? {
            Some(v) => value(&v).map_err(|e| InputError::new_err(format!("row {index}, column {c:?}: {e}"))),
            None => Err(InputError::new_err(format!("row {index} has no column {c:?}"))),
        })
        .collect()
}

fn entry_dict<'py>(py: Python<'py>, e: &ShardEntry) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("file", &e.file)?;
    d.set_item("rows", e.rows)?;
    d.set_item("tokens", e.tokens)?;
    d.set_item("padding", e.padding)?;
    d.set_item("bytes", e.bytes)?;
    d.set_item("sha256", &e.sha256)?;
    Ok(d)
}

fn json(m: &shards::Manifest) -> PyResult<String> {
    serde_json::to_string(m).map_err(|e| WakachiError::new_err(format!("manifest as JSON: {e}")))
}

fn in_use() -> PyErr {
    WakachiError::new_err("the shard writer is in use by another thread")
}

fn finished() -> PyErr {
    WakachiError::new_err("the shard writer is finished (finish() was called)")
}

impl PyShardWriter {
    /// The exception the on-shard callback raised (it stopped the run), else `e`.
    fn raised(&self, e: PyErr) -> PyErr {
        self.callback_error.lock().ok().and_then(|mut s| s.take()).unwrap_or(e)
    }

    fn with<T>(&self, f: impl FnOnce(&mut ShardOutput) -> PyResult<T>) -> PyResult<T> {
        // try_lock: a second Python thread waiting here would hold the GIL that the on-shard
        // callback of the first needs.
        let mut g = self.inner.try_lock().map_err(|_| in_use())?;
        match g.as_mut() {
            Some(out) => f(out),
            None => Err(finished()),
        }
    }
}

#[pymethods]
impl PyShardWriter {
    /// Opens (or resumes) a shard directory. `settings_json` is the caller's settings as JSON;
    /// `inputs` are fingerprinted (size, mtime, sha256).
    #[new]
    #[pyo3(signature = (dir, vocab_size, rows_per_shard, *, format=None, columns=None, tokens_column=None, pad_id=None,
                        settings_json="null", tokenizer="", inputs=Vec::new(), shuffle_seed=None,
                        memory_budget=1<<30, max_buckets=256, checkpoint_rows=0, overwrite=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        dir: PathBuf,
        vocab_size: u32,
        rows_per_shard: u64,
        format: Option<&str>,
        columns: Option<Vec<(String, String)>>,
        tokens_column: Option<&str>,
        pad_id: Option<u32>,
        settings_json: &str,
        tokenizer: &str,
        inputs: Vec<PathBuf>,
        shuffle_seed: Option<u64>,
        memory_budget: u64,
        max_buckets: u32,
        checkpoint_rows: u64,
        overwrite: bool,
    ) -> PyResult<Self> {
        let schema = schema(format, columns, vocab_size, tokens_column, pad_id).map_err(to_py)?;
        let names = schema.columns.iter().map(|c| c.name.clone()).collect();
        let settings: serde_json::Value =
            serde_json::from_str(settings_json).map_err(|e| ConfigError::new_err(format!("settings_json: {e}")))?;
        let shuffle = shuffle_seed.map(|seed| ShuffleConfig {
            max_buckets,
            checkpoint_rows,
            ..ShuffleConfig::new(seed, memory_budget)
        });
        let tokenizer = tokenizer.to_string();
        let out = run(py, |_| {
            let inputs =
                inputs.iter().map(|p| InputFingerprint::of_file(p)).collect::<wakachi_core::Result<Vec<_>>>()?;
            ShardOutput::open(OutputConfig {
                dir,
                schema,
                rows_per_shard,
                shuffle,
                settings,
                tokenizer,
                inputs,
                overwrite,
            })
        })?;
        Ok(PyShardWriter { inner: Mutex::new(Some(out)), columns: names, callback_error: Arc::default() })
    }

    /// Column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.columns.clone()
    }

    /// Input rows an earlier run consumed for good: skip this many before pushing.
    #[getter]
    fn input_rows_done(&self) -> PyResult<u64> {
        self.with(|o| Ok(o.input_rows_done()))
    }

    /// False once every input row is consumed (nothing more to push; call `finish`).
    #[getter]
    fn needs_input(&self) -> PyResult<bool> {
        self.with(|o| Ok(o.needs_input()))
    }

    /// The manifest as JSON, as of the last completed shard or checkpoint.
    fn manifest_json(&self) -> PyResult<String> {
        self.with(|o| json(o.manifest()))
    }

    /// Calls `callback(entry: dict)` after each completed shard; a falsy return other than None
    /// stops the run (`KeyboardInterrupt`: interrupted, resumable); an exception stops it and is
    /// raised.
    fn set_on_shard(&self, callback: Py<PyAny>) -> PyResult<()> {
        let slot = self.callback_error.clone();
        let f = move |e: &ShardEntry| {
            Python::attach(|py| {
                let r = entry_dict(py, e).and_then(|d| callback.call1(py, (d,)));
                match r {
                    Ok(v) if v.is_none(py) || v.is_truthy(py).unwrap_or(true) => ControlFlow::Continue(()),
                    Ok(_) => ControlFlow::Break(()),
                    Err(err) => {
                        if let Ok(mut s) = slot.lock() {
                            *s = Some(err);
                        }
                        ControlFlow::Break(())
                    }
                }
            })
        };
        self.with(|o| {
            o.on_shard(Box::new(f));
            Ok(())
        })
    }

    /// Adds rows (dicts of column → None | int | list of ints), in input order.
    fn push(&self, py: Python<'_>, rows: Vec<Bound<'_, PyDict>>) -> PyResult<()> {
        let rows = rows.iter().enumerate().map(|(i, d)| row(i, &self.columns, d)).collect::<PyResult<Vec<_>>>()?;
        self.with(|o| run(py, |_| rows.iter().try_for_each(|r| o.push(r))).map_err(|e| self.raised(e)))
    }

    /// Writes the remaining shards; returns the final manifest as JSON.
    fn finish(&self, py: Python<'_>) -> PyResult<String> {
        let out = self.inner.try_lock().map_err(|_| in_use())?.take();
        let out = out.ok_or_else(finished)?;
        let m = run(py, |_| out.finish()).map_err(|e| self.raised(e))?;
        json(&m)
    }
}

fn py_value(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Int(x) => x.into_pyobject(py)?.into_any().unbind(),
        Value::List(xs) => PyList::new(py, xs)?.into_any().unbind(),
    })
}

/// The rows of a shard as dicts; verified (size, sha256, schema, values) against the
/// `manifest.json` beside it when that lists it.
#[pyfunction]
pub fn read_shard<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let r = run(py, |_| shards::read_shard(&path))?;
    r.rows
        .iter()
        .map(|row| {
            let d = PyDict::new(py);
            for (c, v) in r.columns.iter().zip(row) {
                d.set_item(c, py_value(py, v)?)?;
            }
            Ok(d)
        })
        .collect()
}

/// Verifies every shard a directory's manifest lists; returns the manifest as JSON.
#[pyfunction]
pub fn verify_shards(py: Python<'_>, dir: PathBuf) -> PyResult<String> {
    let m = run(py, |_| shards::verify_dir(&dir))?;
    json(&m)
}

/// `(size, sha256 hex)` of a file, read streaming.
#[pyfunction]
pub fn file_sha256(py: Python<'_>, path: PathBuf) -> PyResult<(u64, String)> {
    run(py, |_| shards::file_sha256(&path))
}
