//! Bindings of `wakachi_core::corpus`: convert arguments, run the core without the GIL, return
//! the figures as a dict.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use wakachi_core::corpus::deal::{self, DealJob};
use wakachi_core::corpus::output::{AtomicOutput, Compression};
use wakachi_core::corpus::{clean, kuten, wiki};
use wakachi_core::lines::OnError;
use wakachi_core::progress::Progress;
use wakachi_core::segment::Segmenter;
use wakachi_core::split::{Limits, Rule};
use wakachi_core::Error;

use crate::error::to_py;
use crate::report::to_dict;
use crate::segment::PySegmenter;

fn on_error(skip: bool) -> OnError {
    if skip {
        OnError::Skip
    } else {
        OnError::Strict
    }
}

fn file_bytes(paths: &[PathBuf]) -> Option<u64> {
    Some(paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()).filter(|&n| n > 0)
}

/// cl-tohoku's cleaning of one page text (`title=None`: no breadcrumb step).
#[pyfunction]
#[pyo3(signature = (text, title=None))]
pub fn corpus_clean(text: &str, title: Option<&str>) -> String {
    clean::clean(text, title)
}

/// Checks for Ctrl-C (taking the GIL for a moment); keeps the signal's exception to raise.
fn interrupted(signal: &mut Option<PyErr>) -> bool {
    Python::attach(|py| match py.check_signals() {
        Ok(()) => false,
        Err(e) => {
            *signal = Some(e);
            true
        }
    })
}

/// The error to raise: the signal's own exception for a run stopped by it.
fn raise(e: Error, signal: Option<PyErr>) -> PyErr {
    match (e, signal) {
        (Error::Interrupted, Some(s)) => s,
        (e, _) => to_py(e),
    }
}

/// A stdout that can move between threads.
struct Stdout(std::io::Stdout);

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// An `AtomicOutput` as a writer.
struct Atomic(AtomicOutput);

impl Write for Atomic {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_bytes(buf).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// cl-tohoku's Wikipedia corpus from CirrusSearch dumps into `output` (`None` or `-`: stdout).
#[pyfunction]
#[pyo3(signature = (paths, output, segmenter, min_len=10, max_len=None, threads=0, skip_invalid=false, progress=false))]
#[allow(clippy::too_many_arguments)]
pub fn corpus_wikipedia<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    output: Option<PathBuf>,
    segmenter: PyRef<'py, PySegmenter>,
    min_len: usize,
    max_len: Option<usize>,
    threads: usize,
    skip_invalid: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let seg: Arc<Segmenter> = segmenter.inner.clone();
    let total = file_bytes(&paths);
    let job = wiki::WikiJob {
        limits: Limits { min_chars: min_len, max_chars: max_len.unwrap_or(usize::MAX) },
        threads,
        on_error: on_error(skip_invalid),
    };
    let output = output.filter(|p| p.as_os_str() != "-");
    let mut signal = None;
    let r = py
        .detach(|| {
            let rule = Rule::new("cl-tohoku", Some(&seg))?;
            let xz_threads =
                if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
            let mut bar = Progress::new("corpus wikipedia", total, progress);
            let mut tick = |r: &wiki::WikiReport| {
                bar.update_counts(r.file_bytes, &[(r.pages, "pages"), (r.sentences, "sentences")]);
                interrupted(&mut signal)
            };
            let r = match &output {
                Some(p) => {
                    let mut out = Atomic(AtomicOutput::create(p, xz_threads)?);
                    let r = wiki::wikipedia(&rule, paths, &job, &mut out, &mut tick)?;
                    out.0.finish()?;
                    r
                }
                None => {
                    let mut out = std::io::BufWriter::with_capacity(1 << 20, Stdout(std::io::stdout()));
                    wiki::wikipedia(&rule, paths, &job, &mut out, &mut tick)?
                }
            };
            bar.finish();
            Ok::<_, Error>(r)
        })
        .map_err(|e| raise(e, signal.take()))?;
    to_dict(py, "report", &r)
}

/// Documents of `paths` dealt at random into `num_files` files in `output_dir`.
#[pyfunction]
#[pyo3(signature = (paths, output_dir, num_files, seed=0, compression="none", prefix="corpus_", threads=0, skip_invalid=false, progress=false))]
#[allow(clippy::too_many_arguments)]
pub fn corpus_deal<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    output_dir: PathBuf,
    num_files: usize,
    seed: u64,
    compression: &str,
    prefix: &str,
    threads: usize,
    skip_invalid: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let job = DealJob {
        num_files,
        seed,
        compression: Compression::from_name(compression).map_err(to_py)?,
        prefix: prefix.to_string(),
        threads,
        on_error: on_error(skip_invalid),
    };
    let total = file_bytes(&paths);
    let mut signal = None;
    let r = py
        .detach(|| {
            let mut bar = Progress::new("corpus deal", total, progress);
            let r = deal::deal(&paths, &output_dir, &job, &mut |r| {
                bar.update_counts(r.file_bytes, &[(r.lines, "lines"), (r.documents, "documents")]);
                interrupted(&mut signal)
            });
            bar.finish();
            r
        })
        .map_err(|e| raise(e, signal.take()))?;
    to_dict(py, "report", &r)
}

/// colorfulscoop's layout: drop lines containing `drop_containing`, cut after every 。, drop empty
/// lines; into `output` (`None` or `-`: stdout).
#[pyfunction]
#[pyo3(signature = (paths, output, drop_containing=None, skip_invalid=false, progress=false))]
pub fn corpus_kuten<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    output: Option<PathBuf>,
    drop_containing: Option<String>,
    skip_invalid: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let job = kuten::KutenJob { drop_containing, on_error: on_error(skip_invalid) };
    let total = file_bytes(&paths);
    let output = output.filter(|p| p.as_os_str() != "-");
    let mut signal = None;
    let r = py
        .detach(|| {
            let mut bar = Progress::new("corpus kuten", total, progress);
            let mut tick = |r: &kuten::KutenReport| {
                bar.update(r.file_bytes, r.sentences, "lines");
                interrupted(&mut signal)
            };
            let r = match &output {
                Some(p) => {
                    let mut out = Atomic(AtomicOutput::create(p, 1)?);
                    let r = kuten::kuten(&paths, &job, &mut out, &mut tick)?;
                    out.0.finish()?;
                    r
                }
                None => {
                    let mut out = std::io::BufWriter::with_capacity(1 << 20, Stdout(std::io::stdout()));
                    kuten::kuten(&paths, &job, &mut out, &mut tick)?
                }
            };
            bar.finish();
            Ok::<_, Error>(r)
        })
        .map_err(|e| raise(e, signal.take()))?;
    to_dict(py, "report", &r)
}
