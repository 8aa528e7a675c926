//! The one way the bindings run a line-to-line job (`segment_files`, `encode_files`): inputs from
//! paths (stdin when none), stdout as output, a progress line, through `work::run` (GIL released,
//! Ctrl-C stops it), the figures back as a dict.

use std::io::Write;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use wakachi_core::lines::{Input, OnError};
use wakachi_core::pipeline::{LineJob, LineReport};
use wakachi_core::progress::Progress;
use wakachi_core::stop::Stop;
use wakachi_core::Result;

/// The file arguments every line-to-line binding takes.
pub struct Files {
    /// Input files; none = stdin.
    pub paths: Vec<PathBuf>,
    /// Threads (0 = all cores).
    pub threads: usize,
    /// Skip (and count) invalid UTF-8 lines instead of stopping.
    pub skip_invalid: bool,
    /// Show a progress line on stderr.
    pub progress: bool,
}

/// Runs `run` over the files to stdout; the report's item count is returned under `items_key`.
pub fn to_stdout<'py>(
    py: Python<'py>,
    what: &'static str,
    items_key: &str,
    files: Files,
    run: impl FnOnce(Vec<Input>, &LineJob, &mut dyn Write, &Stop<'_>, &mut dyn FnMut(&LineReport)) -> Result<LineReport>
        + Send,
) -> PyResult<Bound<'py, PyDict>> {
    let Files { paths, threads, skip_invalid, progress } = files;
    let inputs = Input::from_paths(paths);
    let total = Input::total_bytes(&inputs);
    let job = LineJob { threads, on_error: if skip_invalid { OnError::Skip } else { OnError::Strict } };
    let r = crate::work::run(py, |stop| {
        let mut bar = Progress::new(what, total, progress);
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        let r = run(inputs, &job, &mut out, stop, &mut |r| bar.update(r.bytes, r.lines, "lines"));
        bar.finish();
        r
    })?;
    let d = PyDict::new(py);
    d.set_item("lines", r.lines)?;
    d.set_item("bytes", r.bytes)?;
    d.set_item(items_key, r.items)?;
    d.set_item("skipped_invalid_utf8", r.skipped_invalid_utf8)?;
    d.set_item("seconds", r.seconds)?;
    Ok(d)
}
