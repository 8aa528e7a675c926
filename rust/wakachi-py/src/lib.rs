//! Python bindings of wakachi-core. Every entry converts its arguments, runs the core without
//! the GIL, and converts the result; no algorithm lives here.

mod error;
mod segment;
mod unigram;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("VIBRATO_VERSION", vibrato_version())?;
    m.add_class::<segment::PySegmenter>()?;
    m.add_class::<unigram::PyUnigram>()?;
    m.add_function(wrap_pyfunction!(segment::decompile_mecab, m)?)?;
    error::register(m)?;
    Ok(())
}

fn vibrato_version() -> &'static str {
    wakachi_core::segment::mecab::cache::VIBRATO_VERSION
}
