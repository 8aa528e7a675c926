//! Bindings of `wakachi_core::encode`: convert arguments, run the core without the GIL, convert
//! results.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use wakachi_core::encode::config::{DictRef, TokenizerConfig};
use wakachi_core::encode::sentencepiece::Flavour;
use wakachi_core::encode::{self as core_encode, AnyTokenizer, BertJapanese, Encoding, SentencePiece};
use wakachi_core::pipeline;
use wakachi_core::segment::MecabOptions;

use crate::work::run;

/// A `BertJapaneseTokenizer` or SentencePiece tokenizer (immutable, shareable across threads).
#[pyclass(name = "_Tokenizer", module = "wakachi._core", frozen)]
pub struct PyTokenizer {
    inner: AnyTokenizer,
}

/// The MeCab dictionary that `dir/tokenizer_config.json` names: `("name", "ipadic")`,
/// `("path", "/dicdir")`, or `None` when it uses no MeCab.
#[pyfunction]
pub fn tokenizer_mecab_dic(py: Python<'_>, dir: PathBuf) -> PyResult<Option<(&'static str, String)>> {
    let cfg = run(py, |_| TokenizerConfig::read(&dir))?;
    Ok(match cfg.mecab_dic {
        Some(DictRef::Named(n)) => Some(("name", n)),
        Some(DictRef::Path(p)) => Some(("path", p.display().to_string())),
        None => None,
    })
}

fn encode_one(tok: &AnyTokenizer, text: &str) -> Encoding {
    let mut e = Encoding::default();
    tok.worker().encode(text, &mut e);
    e
}

#[pymethods]
impl PyTokenizer {
    /// Loads a tokenizer directory; `dicdir` is the resolved MeCab dictionary (if it uses MeCab).
    #[staticmethod]
    #[pyo3(signature = (dir, dicdir, cache_dir))]
    fn from_dir(py: Python<'_>, dir: PathBuf, dicdir: Option<PathBuf>, cache_dir: Option<PathBuf>) -> PyResult<Self> {
        let inner = run(py, |_| BertJapanese::from_dir(&dir, dicdir.as_deref(), &MecabOptions { cache_dir }))?;
        Ok(PyTokenizer { inner: AnyTokenizer::BertJapanese(Box::new(inner)) })
    }

    /// Loads a SentencePiece `.model` file, or a directory with `spiece.model` (AlbertTokenizer,
    /// BertGenerationTokenizer, or no config: the bare model).
    #[staticmethod]
    fn from_sentencepiece(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = run(py, |_| {
            if path.is_dir() {
                SentencePiece::from_dir(&path)
            } else {
                SentencePiece::from_model_file(&path)
            }
        })?;
        Ok(PyTokenizer { inner: AnyTokenizer::SentencePiece(Box::new(inner)) })
    }

    /// `bert_japanese`, `sentencepiece` (a bare model), `albert` or `bert_generation`.
    fn kind(&self) -> &'static str {
        match &self.inner {
            AnyTokenizer::BertJapanese(_) => "bert_japanese",
            AnyTokenizer::SentencePiece(t) => match t.flavour() {
                Flavour::Plain => "sentencepiece",
                Flavour::Albert { .. } => "albert",
                Flavour::BertGeneration => "bert_generation",
            },
        }
    }

    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.token(id)
    }

    fn encode(&self, py: Python<'_>, text: &str) -> Vec<u32> {
        py.detach(|| encode_one(&self.inner, text).ids)
    }

    fn encode_with_word_ids(&self, py: Python<'_>, text: &str) -> (Vec<u32>, Vec<u32>) {
        py.detach(|| {
            let e = encode_one(&self.inner, text);
            (e.ids, e.word_ids)
        })
    }

    fn tokenize(&self, py: Python<'_>, text: &str) -> Vec<String> {
        py.detach(|| {
            let e = encode_one(&self.inner, text);
            e.ids.iter().map(|&i| self.inner.token(i).unwrap_or_default()).collect()
        })
    }

    #[pyo3(signature = (texts, threads=0))]
    fn encode_batch(&self, py: Python<'_>, texts: Vec<String>, threads: usize) -> PyResult<Vec<Vec<u32>>> {
        run(py, |_| {
            let pool = pipeline::pool(threads)?;
            Ok(core_encode::encode_many(&self.inner, &texts, &pool).into_iter().map(|e| e.ids).collect())
        })
    }

    #[pyo3(signature = (texts, threads=0))]
    fn encode_batch_with_word_ids(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        threads: usize,
    ) -> PyResult<Vec<(Vec<u32>, Vec<u32>)>> {
        run(py, |_| {
            let pool = pipeline::pool(threads)?;
            Ok(core_encode::encode_many(&self.inner, &texts, &pool).into_iter().map(|e| (e.ids, e.word_ids)).collect())
        })
    }

    /// Encodes files (or stdin when `paths` is empty) to stdout; returns the run's figures.
    #[pyo3(signature = (paths, threads=0, skip_invalid=false, progress=false))]
    fn encode_files<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<PathBuf>,
        threads: usize,
        skip_invalid: bool,
        progress: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let tok = &self.inner;
        let files = crate::stream::Files { paths, threads, skip_invalid, progress };
        crate::stream::to_stdout(py, "encode", "tokens", files, move |inputs, job, out, stop, progress| {
            core_encode::encode_inputs(tok, inputs, job, out, stop, progress)
        })
    }
}

/// The core's NFKC (for checking it against `unicodedata` on real text).
#[pyfunction]
pub fn nfkc(text: &str) -> String {
    wakachi_core::encode::normalize::nfkc(text).into_owned()
}

/// The core's `str.lower()` (for checking it against Python on real text).
#[pyfunction]
pub fn lower(text: &str) -> String {
    wakachi_core::encode::normalize::lower(text).into_owned()
}
