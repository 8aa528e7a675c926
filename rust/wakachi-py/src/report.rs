//! Reports (the core's `Serialize` structs) as Python dicts: through JSON, so a field added to a
//! core report reaches Python without touching the bindings.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;

use crate::error::WakachiError;

/// `v` as a dict of JSON values (`what` names it in an error).
pub fn to_dict<'py, T: Serialize>(py: Python<'py>, what: &str, v: &T) -> PyResult<Bound<'py, PyDict>> {
    let json = serde_json::to_string(v).map_err(|e| WakachiError::new_err(format!("{what} as JSON: {e}")))?;
    let obj = py.import("json")?.call_method1("loads", (json,))?;
    Ok(obj.cast_into::<PyDict>()?)
}
