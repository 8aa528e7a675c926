//! Python bindings of wakachi-core. Every entry converts its arguments, runs the core through
//! `work::run` (GIL released, Ctrl-C polled, errors mapped by `error`), and converts the result;
//! no algorithm lives here.

mod corpus;
mod encode;
mod error;
mod instances;
mod ints;
mod loader;
mod pack;
mod report;
mod segment;
mod shards;
mod split;
mod stream;
mod unigram;
mod vocab;
mod work;

use pyo3::prelude::*;

/// Large blocks (the MeCab cost matrix) on transparent huge pages: see `wakachi_core::alloc`.
#[global_allocator]
static ALLOC: wakachi_core::alloc::HugePageAlloc = wakachi_core::alloc::HugePageAlloc;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("VIBRATO_VERSION", vibrato_version())?;
    m.add_class::<segment::PySegmenter>()?;
    m.add_class::<segment::PySegmentedBatch>()?;
    m.add_class::<unigram::PyUnigram>()?;
    m.add_function(wrap_pyfunction!(segment::decompile_mecab, m)?)?;
    m.add_function(wrap_pyfunction!(split::split_sentences_batch, m)?)?;
    m.add_function(wrap_pyfunction!(split::split_files, m)?)?;
    m.add_class::<encode::PyTokenizer>()?;
    m.add_function(wrap_pyfunction!(encode::tokenizer_mecab_dic, m)?)?;
    m.add_function(wrap_pyfunction!(encode::config_mecab_dic, m)?)?;
    m.add_function(wrap_pyfunction!(encode::nfkc, m)?)?;
    m.add_function(wrap_pyfunction!(encode::lower, m)?)?;
    instances::register(m)?;
    m.add_class::<shards::PyShardWriter>()?;
    m.add_function(wrap_pyfunction!(shards::read_shard, m)?)?;
    m.add_function(wrap_pyfunction!(shards::verify_shards, m)?)?;
    m.add_function(wrap_pyfunction!(shards::file_sha256, m)?)?;
    m.add_function(wrap_pyfunction!(pack::pack_run, m)?)?;
    m.add_function(wrap_pyfunction!(pack::pack_plan, m)?)?;
    m.add_function(wrap_pyfunction!(pack::pack_reduce, m)?)?;
    m.add_function(wrap_pyfunction!(pack::pack_gather, m)?)?;
    m.add_function(wrap_pyfunction!(pack::pack_finish_gather, m)?)?;
    m.add_class::<pack::PyPackTaskRunner>()?;
    m.add_function(wrap_pyfunction!(vocab::train_wordpiece, m)?)?;
    m.add_function(wrap_pyfunction!(vocab::mecab_alphabet, m)?)?;
    m.add_class::<loader::PyLoader>()?;
    m.add_class::<loader::PyBuffer>()?;
    m.add_function(wrap_pyfunction!(loader::tokenizer_fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::corpus_clean, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::corpus_wikipedia, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::corpus_deal, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::corpus_kuten, m)?)?;
    error::register(m)?;
    Ok(())
}

fn vibrato_version() -> &'static str {
    wakachi_core::segment::mecab::cache::VIBRATO_VERSION
}
