//! Maps core errors to Python exceptions: a small hierarchy under `WakachiError`, with I/O
//! errors as the matching builtins.

use pyo3::exceptions::{PyBrokenPipeError, PyOSError};
use pyo3::prelude::*;
use wakachi_core::Error;

pyo3::create_exception!(wakachi, WakachiError, pyo3::exceptions::PyException, "Base class of wakachi's errors.");
pyo3::create_exception!(wakachi, DictionaryError, WakachiError, "A dictionary is missing, truncated or corrupt.");
pyo3::create_exception!(
    wakachi,
    InputError,
    WakachiError,
    "An input file or line cannot be used (e.g. invalid UTF-8)."
);
pyo3::create_exception!(wakachi, ConfigError, WakachiError, "A bad setting.");
pyo3::create_exception!(
    wakachi,
    ShardError,
    InputError,
    "A shard or manifest is truncated, corrupt, or does not match its manifest."
);

/// Converts a core error.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::Io { .. } => PyOSError::new_err(msg),
        Error::BrokenPipe => PyBrokenPipeError::new_err(msg),
        Error::Dictionary { .. } => DictionaryError::new_err(msg),
        Error::InvalidUtf8 { .. } | Error::Malformed { .. } => InputError::new_err(msg),
        Error::Config(_) => ConfigError::new_err(msg),
        Error::Shard { .. } => ShardError::new_err(msg),
        Error::Interrupted => WakachiError::new_err(msg),
    }
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WakachiError", py.get_type::<WakachiError>())?;
    m.add("DictionaryError", py.get_type::<DictionaryError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ShardError", py.get_type::<ShardError>())?;
    Ok(())
}
