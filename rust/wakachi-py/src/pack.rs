//! Bindings of `wakachi_core::pack`: read the resolved config, run the pack without the GIL
//! (Ctrl-C stops it after the current batch, resumably), return the report as a dict.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use wakachi_core::pack::{pack, PackConfig};
use wakachi_core::Error;

use crate::error::to_py;

/// Runs a pack. `config_json` is the resolved configuration (`wakachi.pack.PackConfig`), `dicdir`
/// the MeCab dictionary its tokenizer names. Returns the report as a dict.
#[pyfunction]
#[pyo3(signature = (config_json, dicdir=None))]
pub fn pack_run(py: Python<'_>, config_json: &str, dicdir: Option<PathBuf>) -> PyResult<Py<PyAny>> {
    let cfg = PackConfig::from_json(config_json).map_err(to_py)?;
    let mut signal: Option<PyErr> = None;
    let result = py.detach(|| {
        pack(&cfg, dicdir.as_deref(), &mut || {
            Python::attach(|py| match py.check_signals() {
                Ok(()) => false,
                Err(e) => {
                    signal = Some(e);
                    true
                }
            })
        })
    });
    match (result, signal) {
        (Ok(report), _) => {
            let json = serde_json::to_string(&report).map_err(|e| PyValueError::new_err(e.to_string()))?;
            Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
        }
        (Err(Error::Interrupted), Some(e)) => Err(e),
        (Err(e), _) => Err(to_py(e)),
    }
}
