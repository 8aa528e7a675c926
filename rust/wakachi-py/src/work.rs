//! The one way into work in the core: release the GIL, run, let Ctrl-C stop the run, and map the
//! error. Every binding that calls fallible core work goes through [`run`] (polars'
//! `enter_polars`); single-text calls that cannot fail release the GIL with `py.detach` alone.

use std::sync::Mutex;

use pyo3::prelude::*;
use wakachi_core::stop::Stop;
use wakachi_core::Error;

use crate::error::to_py;

/// Runs `f` without the GIL. `f` gets a [`Stop`] that runs Python's signal handlers when the
/// core asks (after every batch, and when a signal interrupts a read of standard input): Ctrl-C
/// stops the run, and Python sees the `KeyboardInterrupt` its handler raised. Core errors become
/// Python exceptions (`error::to_py`).
pub fn run<T: Send>(py: Python<'_>, f: impl FnOnce(&Stop<'_>) -> wakachi_core::Result<T> + Send) -> PyResult<T> {
    let raised: Mutex<Option<PyErr>> = Mutex::new(None);
    let ask = || {
        Python::attach(|py| match py.check_signals() {
            Ok(()) => false,
            Err(e) => {
                if let Ok(mut slot) = raised.lock() {
                    *slot = Some(e);
                }
                true
            }
        })
    };
    let result = py.detach(|| f(&Stop::when(&ask)));
    match result {
        Ok(v) => Ok(v),
        Err(Error::Interrupted) => match raised.into_inner().ok().flatten() {
            Some(e) => Err(e),
            None => Err(to_py(Error::Interrupted)),
        },
        Err(e) => Err(to_py(e)),
    }
}
