//! Bindings of `wakachi_core::encode::unigram`: convert arguments, run the core without the GIL,
//! convert results.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyList;
use wakachi_core::encode::unigram::{Encoding, Unigram};
use wakachi_core::pipeline;

use crate::ints::Ints;
use crate::work::run;

/// A SentencePiece Unigram model (immutable, shareable across threads).
#[pyclass(name = "_Unigram", module = "wakachi._core", frozen)]
pub struct PyUnigram {
    inner: Unigram,
    ints: Ints,
}

/// For every byte offset `0..=len`, the number of characters that start before it.
fn char_index(text: &str) -> Vec<usize> {
    let mut at = Vec::with_capacity(text.len() + 1);
    let mut n = 0;
    for &b in text.as_bytes() {
        at.push(n);
        n += usize::from(b & 0xC0 != 0x80);
    }
    at.push(n);
    at
}

#[pymethods]
impl PyUnigram {
    /// Loads a `.model` file.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = run(py, |_| Unigram::from_file(&path))?;
        let ints = Ints::new(py, inner.vocab_size());
        Ok(PyUnigram { inner, ints })
    }

    fn encode<'py>(&self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyList>> {
        let ids = py.detach(|| {
            let mut ids = Vec::new();
            self.inner.worker().encode(text, &mut ids);
            ids
        });
        self.ints.list(py, &ids)
    }

    /// `(ids, word indices, (start, end) offsets in characters)`.
    fn encode_full(&self, py: Python<'_>, text: &str) -> (Vec<u32>, Vec<u32>, Vec<(usize, usize)>) {
        py.detach(|| {
            let mut e = Encoding::default();
            self.inner.worker().encode_full(text, &mut e);
            let chars = char_index(text);
            let offsets = e.offsets.iter().map(|&(b, x)| (chars[b], chars[x])).collect();
            (e.ids, e.words, offsets)
        })
    }

    #[pyo3(signature = (texts, threads=0))]
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let m = &self.inner;
        let ids = run(py, |_| Ok(m.encode_many(&texts, &pipeline::pool(threads)?)))?;
        self.ints.lists(py, &ids)
    }

    #[pyo3(signature = (texts, threads=0))]
    fn encode_batch_with_word_ids(
        &self,
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
        threads: usize,
    ) -> PyResult<Vec<(Vec<u32>, Vec<u32>)>> {
        let m = &self.inner;
        let all = run(py, |_| Ok(m.encode_full_many(&texts, &pipeline::pool(threads)?)))?;
        Ok(all.into_iter().map(|e| (e.ids, e.words)).collect())
    }

    fn id_to_piece(&self, id: u32) -> Option<String> {
        self.inner.id_to_piece(id).map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// `(piece, score, type)` of every id; type is sentencepiece's name (NORMAL, CONTROL…).
    fn pieces(&self) -> Vec<(String, f32, &'static str)> {
        use wakachi_core::encode::unigram::model::PieceType::*;
        let name = |k| match k {
            Normal => "NORMAL",
            Unknown => "UNKNOWN",
            Control => "CONTROL",
            UserDefined => "USER_DEFINED",
            Unused => "UNUSED",
            Byte => "BYTE",
        };
        self.inner
            .proto()
            .pieces
            .iter()
            .map(|p| (String::from_utf8_lossy(&p.piece).into_owned(), p.score, name(p.kind)))
            .collect()
    }

    fn piece_to_id(&self, piece: &str) -> Option<u32> {
        self.inner.piece_to_id(piece.as_bytes())
    }

    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    fn unk_id(&self) -> Option<u32> {
        self.inner.unk_id()
    }

    /// The normalizer's name and switches, and `byte_fallback`.
    fn settings(&self) -> (String, bool, bool, bool, bool) {
        let p = self.inner.proto();
        let n = &p.normalizer;
        (n.name.clone(), n.add_dummy_prefix, n.remove_extra_whitespaces, n.escape_whitespaces, p.trainer.byte_fallback)
    }

    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }
}
