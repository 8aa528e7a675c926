//! Bindings of `wakachi_core::vocab`: convert arguments, run the core without the GIL, convert
//! results.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use wakachi_core::lines::{Input, OnError};
use wakachi_core::pipeline;
use wakachi_core::progress::Progress;
use wakachi_core::segment::Mecab;
use wakachi_core::vocab::{alphabet, train_wordpiece as train, WordOptions, WordPieceSettings};

use crate::error::to_py;
use crate::segment::PySegmenter;

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
    let total = Input::total_bytes(&inputs);
    let on_error = if skip_invalid { OnError::Skip } else { OnError::Strict };
    let (vocab, r, train_seconds) = py
        .detach(|| {
            settings.check()?;
            let mut bar = Progress::new("count words", total, progress);
            let (counts, r) =
                pipeline::count_words(seg, inputs, WordOptions { nfkc, bert_split }, threads, on_error, &mut |r| {
                    bar.update(r.bytes, r.lines, "lines")
                })?;
            bar.finish();
            let t = std::time::Instant::now();
            let vocab = train(&counts, &settings)?;
            Ok((vocab, r, t.elapsed().as_secs_f64()))
        })
        .map_err(to_py)?;
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
    py.detach(|| Ok(alphabet::mecab_alphabet(&Mecab::read_dict(&dicdir)?).into_iter().collect())).map_err(to_py)
}
