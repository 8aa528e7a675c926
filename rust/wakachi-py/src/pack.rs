//! Bindings of `wakachi_core::pack`: read the resolved config, run the pack (`work::run`: GIL
//! released, Ctrl-C stops it after the current batch, resumably), return the report as a dict.

use std::path::PathBuf;

use pyo3::prelude::*;
use wakachi_core::pack::{pack, PackConfig};

use crate::error::{to_py, WakachiError};
use crate::work::run;

/// Runs a pack. `config_json` is the resolved configuration (`wakachi.pack.PackConfig`), `dicdir`
/// the MeCab dictionary its tokenizer names. Returns the report as a dict.
#[pyfunction]
#[pyo3(signature = (config_json, dicdir=None))]
pub fn pack_run(py: Python<'_>, config_json: &str, dicdir: Option<PathBuf>) -> PyResult<Py<PyAny>> {
    let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
    let report = run(py, |stop| pack(&cfg, dicdir.as_deref(), stop))?;
    let json =
        serde_json::to_string(&report).map_err(|e| WakachiError::new_err(format!("pack report as JSON: {e}")))?;
    Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
}
