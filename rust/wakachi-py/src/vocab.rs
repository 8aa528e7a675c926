//! Bindings of `wakachi_core::vocab`: convert arguments, run the core (`work::run`), convert
//! results.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use wakachi_core::lines::{Input, OnError};
use wakachi_core::segment::Mecab;
use wakachi_core::vocab::{alphabet, train_wordpiece_files, TrainedVocab, WordOptions, WordPieceSettings};

use crate::segment::PySegmenter;
use crate::work::run;

/// Counts the words of `paths` with `segmenter` and trains a WordPiece vocabulary on them;
/// returns the tokens in id order and the run's figures.
#[pyfunction]
#[pyo3(signature = (
    segmenter, paths, *, nfkc, bert_split, vocab_size, min_frequency, limit_alphabet,
    initial_alphabet, special_tokens, prefix, continuation_order, threads=0, skip_invalid=false,
    progress=false
))]
#[allow(clippy::too_many_arguments)]
pub fn train_wordpiece<'py>(
    py: Python<'py>,
    segmenter: &PySegmenter,
    paths: Vec<PathBuf>,
    nfkc: bool,
    bert_split: bool,
    vocab_size: usize,
    min_frequency: u64,
    limit_alphabet: Option<usize>,
    initial_alphabet: String,
    special_tokens: Vec<String>,
    prefix: String,
    continuation_order: String,
    threads: usize,
    skip_invalid: bool,
    progress: bool,
) -> PyResult<(Vec<String>, Bound<'py, PyDict>)> {
    let settings = WordPieceSettings {
        vocab_size,
        min_frequency,
        limit_alphabet,
        initial_alphabet: initial_alphabet.chars().collect(),
        special_tokens,
        prefix,
        continuation_order: continuation_order.chars().collect(),
    };
    let seg = &segmenter.inner;
    let inputs = Input::from_paths(paths);
    let on_error = if skip_invalid { OnError::Skip } else { OnError::Strict };
    let opts = WordOptions { nfkc, bert_split };
    let TrainedVocab { vocab, count: r, train_seconds } =
        run(py, |stop| train_wordpiece_files(seg, inputs, opts, &settings, threads, on_error, progress, stop))?;
    let d = PyDict::new(py);
    d.set_item("lines", r.lines)?;
    d.set_item("bytes", r.bytes)?;
    d.set_item("words", r.words)?;
    d.set_item("distinct_words", r.distinct)?;
    d.set_item("skipped_invalid_utf8", r.skipped_invalid_utf8)?;
    d.set_item("count_seconds", r.seconds)?;
    d.set_item("train_seconds", train_seconds)?;
    Ok((vocab, d))
}

/// cl-tohoku's initial alphabet of the MeCab dictionary in `dicdir`, as one string.
#[pyfunction]
pub fn mecab_alphabet(py: Python<'_>, dicdir: PathBuf) -> PyResult<String> {
    run(py, |_| Ok(alphabet::mecab_alphabet(&Mecab::read_dict(&dicdir)?).into_iter().collect()))
}
