//! The crate's one error type. Every variant that comes from input names the file (and the line
//! or the structure inside it) so a user can find what is wrong.

use std::path::PathBuf;

/// Errors of wakachi-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O failure on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A dictionary file is missing, truncated, corrupt, or inconsistent with its siblings.
    #[error("{path}: {msg}")]
    Dictionary {
        /// The dictionary file at fault.
        path: PathBuf,
        /// What is wrong with it.
        msg: String,
    },
    /// A text input line is not valid UTF-8.
    #[error("{source_name}:{line}: invalid UTF-8 (byte offset {offset} in the line)")]
    InvalidUtf8 {
        /// File name (or `<stdin>`).
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// Offset of the first invalid byte in that line.
        offset: usize,
    },
    /// A malformed line in an input file (user dictionary, vocabulary, …).
    #[error("{path}:{line}: {msg}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        msg: String,
    },
    /// A shard, manifest or shuffle bucket file that is truncated, corrupt, or does not match the
    /// manifest that lists it.
    #[error("{path}: {msg}")]
    Shard {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        msg: String,
    },
    /// Work stopped on request before it was complete; rerunning the same command resumes it.
    #[error("interrupted (rerun the same command to resume)")]
    Interrupted,
    /// A bad setting given by the caller.
    #[error("{0}")]
    Config(String),
    /// The downstream consumer closed its end (e.g. `wakachi segment | head`).
    #[error("output closed")]
    BrokenPipe,
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// A shard-file error on `path`.
    pub fn shard(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Shard { path: path.into(), msg: msg.into() }
    }

    /// A dictionary-format error on `path`.
    pub fn dict(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Dictionary { path: path.into(), msg: msg.into() }
    }
}

/// Returns early with a [`Error::Dictionary`] on `path` unless `cond` holds.
#[macro_export]
macro_rules! ensure_dict {
    ($cond:expr, $path:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::Error::dict($path, format!($($fmt)+)));
        }
    };
}
