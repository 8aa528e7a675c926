//! Maps core errors to Python exceptions: a small hierarchy under `WakachiError` for wakachi's
//! own failures, the builtin `OSError` subclass (with `errno` and `filename`) for I/O, and
//! `KeyboardInterrupt` for a run stopped by Ctrl-C.

use std::path::Path;

use pyo3::exceptions::{PyBrokenPipeError, PyKeyboardInterrupt, PyOSError};
use pyo3::prelude::*;
use wakachi_core::Error;

pyo3::create_exception!(wakachi, WakachiError, pyo3::exceptions::PyException, "Base class of wakachi's errors.");
pyo3::create_exception!(wakachi, DictionaryError, WakachiError, "A dictionary is missing, truncated or corrupt.");
pyo3::create_exception!(
    wakachi,
    InputError,
    WakachiError,
    "An input file, line or row cannot be used (e.g. invalid UTF-8)."
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
        Error::Io { path, source } => io_error(&path, &source),
        Error::BrokenPipe => PyBrokenPipeError::new_err(msg),
        Error::Dictionary { .. } => DictionaryError::new_err(msg),
        Error::InvalidUtf8 { .. } | Error::Malformed { .. } => InputError::new_err(msg),
        Error::Config(_) => ConfigError::new_err(msg),
        Error::Shard { .. } => ShardError::new_err(msg),
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
    }
}

/// `OSError(errno, strerror, filename)`, which Python turns into the matching subclass
/// (`FileNotFoundError`, `PermissionError`, `IsADirectoryError`…). An error without an errno
/// (a truncated compressed file, say) stays a plain `OSError` naming the file.
fn io_error(path: &Path, e: &std::io::Error) -> PyErr {
    let filename = path.display().to_string();
    Python::attach(|py| {
        let errno = e.raw_os_error().map(Ok).or_else(|| kind_errno(py, e.kind()));
        match errno {
            Some(Ok(n)) => PyOSError::new_err((n, strerror(e), filename)),
            Some(Err(err)) => err,
            None => {
                let err = PyOSError::new_err(format!("{filename}: {e}"));
                match err.value(py).setattr("filename", filename) {
                    Ok(()) => err,
                    Err(set_err) => set_err,
                }
            }
        }
    })
}

/// The errno of an error kind that has one (for errors made without an OS error code).
fn kind_errno(py: Python<'_>, kind: std::io::ErrorKind) -> Option<PyResult<i32>> {
    use std::io::ErrorKind::*;
    let name = match kind {
        NotFound => "ENOENT",
        PermissionDenied => "EACCES",
        AlreadyExists => "EEXIST",
        BrokenPipe => "EPIPE",
        Interrupted => "EINTR",
        TimedOut => "ETIMEDOUT",
        WouldBlock => "EAGAIN",
        IsADirectory => "EISDIR",
        NotADirectory => "ENOTDIR",
        StorageFull => "ENOSPC",
        _ => return None,
    };
    Some(py.import("errno").and_then(|m| m.getattr(name)).and_then(|v| v.extract()))
}

/// The error's text without Rust's ` (os error N)` suffix (Python prints `[Errno N]` itself).
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
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
