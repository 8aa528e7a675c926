//! Python ints for the ids of a vocabulary, made once per tokenizer: a list of ids then costs a
//! reference count per id instead of a new int object.

use pyo3::prelude::*;
use pyo3::types::PyList;

/// The ints `0..n`.
pub struct Ints(Vec<Py<PyAny>>);

impl Ints {
    /// Makes the ints `0..n`.
    pub fn new(py: Python<'_>, n: usize) -> Self {
        Ints(
            (0..n).map(|i| i.into_pyobject(py).map(|o| o.into_any().unbind()).unwrap_or_else(|e| match e {})).collect(),
        )
    }

    /// `ids` as a Python list (ids past `n` are made as they come).
    pub fn list<'py>(&self, py: Python<'py>, ids: &[u32]) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            ids.iter().map(|&i| match self.0.get(i as usize) {
                Some(o) => o.clone_ref(py),
                None => i.into_pyobject(py).map(|o| o.into_any().unbind()).unwrap_or_else(|e| match e {}),
            }),
        )
    }

    /// One list per item of `batch`.
    pub fn lists<'py>(&self, py: Python<'py>, batch: &[Vec<u32>]) -> PyResult<Bound<'py, PyList>> {
        let lists = batch.iter().map(|v| self.list(py, v)).collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, lists)
    }
}
