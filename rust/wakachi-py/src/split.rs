//! Bindings of `wakachi_core::split`: convert arguments, run the core without the GIL, convert
//! results.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use wakachi_core::lines::{Input, OnError};
use wakachi_core::progress::Progress;
use wakachi_core::segment::Segmenter;
use wakachi_core::split::{self, Limits, Rule, SplitJob};
use wakachi_core::Error;

use crate::report::to_dict;
use crate::segment::PySegmenter;
use crate::work::run;

fn limits(min_len: usize, max_len: Option<usize>) -> Limits {
    Limits { min_chars: min_len, max_chars: max_len.unwrap_or(usize::MAX) }
}

fn segmenter(seg: Option<PyRef<'_, PySegmenter>>) -> Option<Arc<Segmenter>> {
    seg.map(|s| s.inner.clone())
}

/// The kept sentences of each text (stripped, within the limits), in parallel.
#[pyfunction]
#[pyo3(signature = (texts, rule, segmenter=None, min_len=0, max_len=None, threads=0))]
pub fn split_sentences_batch(
    py: Python<'_>,
    texts: Vec<String>,
    rule: &str,
    segmenter: Option<PyRef<'_, PySegmenter>>,
    min_len: usize,
    max_len: Option<usize>,
    threads: usize,
) -> PyResult<Vec<Vec<String>>> {
    let seg = self::segmenter(segmenter);
    let limits = limits(min_len, max_len);
    run(py, |_| {
        let rule = Rule::new(rule, seg.as_deref())?;
        let pool = wakachi_core::pipeline::pool(threads)?;
        Ok(split::sentences_many(&rule, &texts, &limits, &pool))
    })
}

/// Splits files (or stdin when `paths` is empty) into `output` (or stdout); returns the figures.
#[pyfunction]
#[pyo3(signature = (paths, output, rule, segmenter=None, min_len=0, max_len=None, documents=true, threads=0, skip_invalid=false, progress=false))]
#[allow(clippy::too_many_arguments)]
pub fn split_files<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    output: Option<PathBuf>,
    rule: &str,
    segmenter: Option<PyRef<'py, PySegmenter>>,
    min_len: usize,
    max_len: Option<usize>,
    documents: bool,
    threads: usize,
    skip_invalid: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let seg = self::segmenter(segmenter);
    let inputs = Input::from_paths(paths);
    let total = Input::total_bytes(&inputs);
    let on_error = if skip_invalid { OnError::Skip } else { OnError::Strict };
    let job = SplitJob { limits: limits(min_len, max_len), documents, threads, on_error };
    let r = run(py, |stop| {
        let rule = Rule::new(rule, seg.as_deref())?;
        let mut out: Box<dyn std::io::Write> = match &output {
            Some(p) => Box::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut out);
        let mut bar = Progress::new("split", total, progress);
        let r = split::split_inputs(&rule, inputs, &job, &mut out, stop, &mut |r| {
            bar.update(r.bytes, r.sentences, "sentences")
        });
        bar.finish();
        r
    })?;
    to_dict(py, "report", &r)
}
