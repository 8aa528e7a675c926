//! Bindings of `wakachi_core::instances`: convert nested lists to documents, run the core
//! without the GIL, convert instances to dicts. Every setting is required (defaults live in the
//! Python configuration, not here).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use wakachi_core::instances::electra::{self, ElectraConfig};
use wakachi_core::instances::google::{self, GoogleConfig};
use wakachi_core::instances::gpt2::{self, Gpt2Config};
use wakachi_core::instances::roberta::{self, RobertaConfig};
use wakachi_core::instances::uer::{self, UerConfig};
use wakachi_core::instances::{documents_from_parts, rng, Document, Instance, Specials};
use wakachi_core::Result;

type Ids = Vec<Vec<Vec<u32>>>;
type Starts = Vec<Vec<Vec<bool>>>;

fn to_dicts<'py>(py: Python<'py>, instances: Vec<Instance>) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for i in instances {
        let d = PyDict::new(py);
        d.set_item("input_ids", i.input_ids)?;
        // A Vec<u8> would become `bytes`; segment ids are a list of ints like the rest.
        d.set_item("segment_ids", PyList::new(py, i.segment_ids)?)?;
        d.set_item("word_starts", i.word_starts)?;
        d.set_item("masked_positions", i.masked_positions)?;
        d.set_item("masked_ids", i.masked_ids)?;
        d.set_item("next_sentence_label", i.next_sentence_label)?;
        list.append(d)?;
    }
    Ok(list)
}

/// Builds the documents and runs `f` on them without the GIL.
fn run<'py>(
    py: Python<'py>,
    ids: Ids,
    starts: Starts,
    f: impl FnOnce(Vec<Document>) -> Result<Vec<Instance>> + Send,
) -> PyResult<Bound<'py, PyList>> {
    let out = crate::work::run(py, |_| f(documents_from_parts(ids, starts)?))?;
    to_dicts(py, out)
}

/// Google's `create_pretraining_data` in compat mode (the reference's exact instances and order).
#[pyfunction]
#[pyo3(signature = (documents, word_starts, *, seed, dupe_factor, max_seq_length, short_seq_prob, masked_lm_prob, max_predictions_per_seq, do_whole_word_mask, vocab_size, cls, sep, mask, pad))]
#[allow(clippy::too_many_arguments)]
pub fn google_instances<'py>(
    py: Python<'py>,
    documents: Ids,
    word_starts: Starts,
    seed: u64,
    dupe_factor: usize,
    max_seq_length: usize,
    short_seq_prob: f64,
    masked_lm_prob: f64,
    max_predictions_per_seq: usize,
    do_whole_word_mask: bool,
    vocab_size: u32,
    cls: u32,
    sep: u32,
    mask: u32,
    pad: u32,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = GoogleConfig {
        max_seq_length,
        short_seq_prob,
        masked_lm_prob,
        max_predictions_per_seq,
        do_whole_word_mask,
        dupe_factor,
        seed,
        block_documents: usize::MAX,
    };
    let sp = Specials { vocab_size, cls, sep, mask, pad };
    run(py, documents, word_starts, move |docs| google::compat(docs, &cfg, &sp))
}

/// Google's algorithm in streaming mode (blocks of `block_documents`, per-document streams).
#[pyfunction]
#[pyo3(signature = (documents, word_starts, *, seed, dupe_factor, max_seq_length, short_seq_prob, masked_lm_prob, max_predictions_per_seq, do_whole_word_mask, block_documents, vocab_size, cls, sep, mask, pad))]
#[allow(clippy::too_many_arguments)]
pub fn google_instances_stream<'py>(
    py: Python<'py>,
    documents: Ids,
    word_starts: Starts,
    seed: u64,
    dupe_factor: usize,
    max_seq_length: usize,
    short_seq_prob: f64,
    masked_lm_prob: f64,
    max_predictions_per_seq: usize,
    do_whole_word_mask: bool,
    block_documents: usize,
    vocab_size: u32,
    cls: u32,
    sep: u32,
    mask: u32,
    pad: u32,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = GoogleConfig {
        max_seq_length,
        short_seq_prob,
        masked_lm_prob,
        max_predictions_per_seq,
        do_whole_word_mask,
        dupe_factor,
        seed,
        block_documents,
    };
    let sp = Specials { vocab_size, cls, sep, mask, pad };
    run(py, documents, word_starts, move |docs| google::Stream::new(cfg, sp)?.all(docs))
}

/// izumi-lab ELECTRA A/B chunks; `compat` = one `random.Random(seed)` over the documents in
/// order, else per-document streams keyed by (seed, document index).
#[pyfunction]
#[pyo3(signature = (documents, word_starts, *, seed, max_seq_length, short_seq_prob, short_min_length, compat, vocab_size, cls, sep, mask, pad))]
#[allow(clippy::too_many_arguments)]
pub fn electra_instances<'py>(
    py: Python<'py>,
    documents: Ids,
    word_starts: Starts,
    seed: u64,
    max_seq_length: usize,
    short_seq_prob: f64,
    short_min_length: usize,
    compat: bool,
    vocab_size: u32,
    cls: u32,
    sep: u32,
    mask: u32,
    pad: u32,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = ElectraConfig { max_seq_length, short_seq_prob, short_min_length, seed };
    let sp = Specials { vocab_size, cls, sep, mask, pad };
    run(py, documents, word_starts, move |docs| {
        if compat {
            electra::compat(&docs, &cfg, &sp)
        } else {
            electra::stream(&docs, 0, &cfg, &sp)
        }
    })
}

/// RoBERTa FULL-SENTENCES (or DOC-SENTENCES) rows.
#[pyfunction]
#[pyo3(signature = (documents, word_starts, *, max_seq_length, cross_documents, doc_separator, vocab_size, cls, sep, mask, pad))]
#[allow(clippy::too_many_arguments)]
pub fn roberta_instances<'py>(
    py: Python<'py>,
    documents: Ids,
    word_starts: Starts,
    max_seq_length: usize,
    cross_documents: bool,
    doc_separator: bool,
    vocab_size: u32,
    cls: u32,
    sep: u32,
    mask: u32,
    pad: u32,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = RobertaConfig { max_seq_length, cross_documents, doc_separator };
    let sp = Specials { vocab_size, cls, sep, mask, pad };
    run(py, documents, word_starts, move |docs| roberta::pack(&docs, &cfg, &sp))
}

/// GPT-2 windows of `block_size + 1` tokens with stride `block_size`.
#[pyfunction]
#[pyo3(signature = (documents, word_starts, *, block_size, separator, vocab_size))]
pub fn gpt2_instances<'py>(
    py: Python<'py>,
    documents: Ids,
    word_starts: Starts,
    block_size: usize,
    separator: Option<u32>,
    vocab_size: u32,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = Gpt2Config { block_size, separator };
    let sp = Specials { vocab_size, cls: 0, sep: 0, mask: 0, pad: 0 };
    run(py, documents, word_starts, move |docs| gpt2::pack(&docs, &cfg, &sp))
}

/// UER-py: chunks of one document (one line in UER), padded by the writer.
#[pyfunction]
#[pyo3(signature = (documents, word_starts, *, seq_length, full_sentences, docs_buffer_size, empty_tail, vocab_size, cls, sep, mask, pad))]
#[allow(clippy::too_many_arguments)]
pub fn uer_instances<'py>(
    py: Python<'py>,
    documents: Ids,
    word_starts: Starts,
    seq_length: usize,
    full_sentences: bool,
    docs_buffer_size: usize,
    empty_tail: bool,
    vocab_size: u32,
    cls: u32,
    sep: u32,
    mask: u32,
    pad: u32,
) -> PyResult<Bound<'py, PyList>> {
    let cfg = UerConfig { seq_length, full_sentences, docs_buffer_size, empty_tail };
    let sp = Specials { vocab_size, cls, sep, mask, pad };
    run(py, documents, word_starts, move |docs| uer::pack(&docs, &cfg, &sp))
}

/// Draws from the core's `random.Random(seed)` port (see `rng::py_random_pattern`).
#[pyfunction]
pub fn python_random_pattern(py: Python<'_>, seed: u64, n: usize, bound: u64) -> (Vec<f64>, Vec<u64>, Vec<u32>) {
    py.detach(|| rng::py_random_pattern(seed, n, bound))
}

/// Registers the functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(google_instances, m)?)?;
    m.add_function(wrap_pyfunction!(google_instances_stream, m)?)?;
    m.add_function(wrap_pyfunction!(electra_instances, m)?)?;
    m.add_function(wrap_pyfunction!(roberta_instances, m)?)?;
    m.add_function(wrap_pyfunction!(gpt2_instances, m)?)?;
    m.add_function(wrap_pyfunction!(uer_instances, m)?)?;
    m.add_function(wrap_pyfunction!(python_random_pattern, m)?)?;
    Ok(())
}
