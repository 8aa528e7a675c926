//! Bindings of `wakachi_core::encode`: convert arguments, run the core without the GIL, convert
//! results.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyList};
use wakachi_core::encode::config::{DictRef, TokenizerConfig};
use wakachi_core::encode::inputs::{self, InputsOptions, Padding, Truncation};
use wakachi_core::encode::sentencepiece::Flavour;
use wakachi_core::encode::{self as core_encode, AnyTokenizer, BertJapanese, Encoding, SentencePiece};
use wakachi_core::pipeline;
use wakachi_core::segment::MecabOptions;

use crate::ints::Ints;
use crate::loader::PyBuffer;
use crate::work::run;

/// A `BertJapaneseTokenizer` or SentencePiece tokenizer (immutable, shareable across threads).
#[pyclass(name = "_Tokenizer", module = "wakachi._core", frozen)]
pub struct PyTokenizer {
    inner: AnyTokenizer,
    ints: Ints,
}

impl PyTokenizer {
    fn new(py: Python<'_>, inner: AnyTokenizer) -> Self {
        // Added tokens (ids after the vocabulary) are made as they come.
        let ints = Ints::new(py, inner.vocab_size());
        PyTokenizer { inner, ints }
    }
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

/// The MeCab dictionary that the JSON text of a `tokenizer_config.json` names (`origin` names it
/// in errors); as [`tokenizer_mecab_dic`].
#[pyfunction]
pub fn config_mecab_dic(origin: PathBuf, config_json: &str) -> PyResult<Option<(&'static str, String)>> {
    let cfg = TokenizerConfig::parse(origin, config_json).map_err(crate::error::to_py)?;
    Ok(match cfg.mecab_dic {
        Some(DictRef::Named(n)) => Some(("name", n)),
        Some(DictRef::Path(p)) => Some(("path", p.display().to_string())),
        None => None,
    })
}

fn bert_japanese(tok: &AnyTokenizer) -> PyResult<&BertJapanese> {
    match tok {
        AnyTokenizer::BertJapanese(t) => Ok(t),
        AnyTokenizer::SentencePiece(_) => {
            Err(pyo3::exceptions::PyTypeError::new_err("only a BertJapaneseTokenizer gives offsets and model inputs"))
        }
    }
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
        let inner = run(py, |_| BertJapanese::from_dir(&dir, dicdir.as_deref(), &MecabOptions::cached(cache_dir)))?;
        Ok(PyTokenizer::new(py, AnyTokenizer::BertJapanese(Box::new(inner))))
    }

    /// A `BertJapaneseTokenizer` from the JSON text of its config (`origin` names it in errors)
    /// and its `vocab.txt`.
    #[staticmethod]
    #[pyo3(signature = (origin, config_json, vocab, dicdir, cache_dir))]
    fn from_config(
        py: Python<'_>,
        origin: PathBuf,
        config_json: String,
        vocab: PathBuf,
        dicdir: Option<PathBuf>,
        cache_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let inner = run(py, |_| {
            BertJapanese::from_config(
                &origin,
                &config_json,
                &vocab,
                dicdir.as_deref(),
                &MecabOptions::cached(cache_dir),
            )
        })?;
        Ok(PyTokenizer::new(py, AnyTokenizer::BertJapanese(Box::new(inner))))
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
        Ok(PyTokenizer::new(py, AnyTokenizer::SentencePiece(Box::new(inner))))
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

    /// The added tokens cut out of the text before word tokenization, `(content, id)`.
    fn added_tokens(&self) -> PyResult<Vec<(String, u32)>> {
        Ok(bert_japanese(&self.inner)?.added_tokens())
    }

    /// Ids, word ids and the `(start, end)` character range of each token in `text`;
    /// `split_special_tokens` (default: the config's) as in transformers.
    #[pyo3(signature = (text, split_special_tokens=None))]
    #[allow(clippy::type_complexity)]
    fn encode_with_offsets(
        &self,
        py: Python<'_>,
        text: &str,
        split_special_tokens: Option<bool>,
    ) -> PyResult<(Vec<u32>, Vec<u32>, Vec<(usize, usize)>)> {
        let tok = bert_japanese(&self.inner)?;
        let cut = !split_special_tokens.unwrap_or(tok.config().split_special_tokens);
        Ok(py.detach(|| {
            let (mut e, mut offsets) = (Encoding::default(), Vec::new());
            tok.worker().encode_with_offsets(text, cut, &mut e, &mut offsets);
            (e.ids, e.word_ids, offsets)
        }))
    }

    /// The tokens of `text` with `split_special_tokens` set as given (transformers' `_tokenize`
    /// when true: added tokens in the text are not kept whole).
    fn tokenize_split(&self, py: Python<'_>, text: &str, split_special_tokens: bool) -> PyResult<Vec<String>> {
        let tok = bert_japanese(&self.inner)?;
        Ok(py.detach(|| {
            let mut e = Encoding::default();
            tok.worker().encode_cut(text, !split_special_tokens, &mut e);
            e.ids.iter().map(|&i| tok.token(i).unwrap_or_default().to_string()).collect()
        }))
    }

    /// transformers' model inputs of `firsts` (paired with `seconds`, which may be empty or
    /// hold `None`): a dict of int64 `_Buffer`s (`wakachi_core::encode::inputs::ModelInputs`:
    /// starts, token_starts, lengths, pairs, input_ids, token_type_ids, special_tokens_mask,
    /// attention_mask, word_ids, sequence_ids, offsets) and `longest_first_pair_truncated`.
    #[pyo3(signature = (firsts, seconds, *, add_special_tokens, cls, sep, truncation, max_length, truncate_left,
                        padding, pad_to_multiple_of, pad_left, pad_id, pad_type_id, offsets, split_special_tokens,
                        type_ids, special_mask, attention, threads))]
    #[allow(clippy::too_many_arguments)]
    fn model_inputs<'py>(
        &self,
        py: Python<'py>,
        firsts: Vec<String>,
        seconds: Vec<Option<String>>,
        add_special_tokens: bool,
        cls: u32,
        sep: u32,
        truncation: &str,
        max_length: Option<usize>,
        truncate_left: bool,
        padding: &str,
        pad_to_multiple_of: Option<usize>,
        pad_left: bool,
        pad_id: u32,
        pad_type_id: u32,
        offsets: bool,
        split_special_tokens: bool,
        type_ids: bool,
        special_mask: bool,
        attention: bool,
        threads: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let tok = bert_japanese(&self.inner)?;
        let bad = |what: &str, v: &str| pyo3::exceptions::PyValueError::new_err(format!("unknown {what} {v:?}"));
        let truncation = match truncation {
            "do_not_truncate" => Truncation::None,
            "longest_first" => Truncation::LongestFirst,
            "only_first" => Truncation::OnlyFirst,
            "only_second" => Truncation::OnlySecond,
            t => return Err(bad("truncation", t)),
        };
        let padding = match padding {
            "do_not_pad" => Padding::None,
            "longest" => Padding::Longest,
            "max_length" => Padding::MaxLength,
            p => return Err(bad("padding", p)),
        };
        let opts = InputsOptions {
            add_special_tokens,
            cls,
            sep,
            truncation,
            max_length,
            truncate_left,
            padding,
            pad_to_multiple_of,
            pad_left,
            pad_id,
            pad_type_id,
            offsets,
            cut_added: !split_special_tokens,
            type_ids,
            special_mask,
            attention,
        };
        let m = run(py, |_| inputs::model_inputs(tok, &firsts, &seconds, &opts, threads))?;
        let d = PyDict::new(py);
        let counts = |v: &[usize]| PyBuffer::new(v.iter().map(|&x| x as i64).collect());
        d.set_item("starts", counts(&m.starts))?;
        d.set_item("token_starts", counts(&m.token_starts))?;
        d.set_item("lengths", counts(&m.lengths))?;
        d.set_item("pairs", PyBuffer::new(m.pairs.iter().map(|&b| i64::from(b)).collect()))?;
        d.set_item("input_ids", PyBuffer::new(m.input_ids))?;
        d.set_item("token_type_ids", PyBuffer::new(m.type_ids))?;
        d.set_item("special_tokens_mask", PyBuffer::new(m.special_mask))?;
        d.set_item("attention_mask", PyBuffer::new(m.attention))?;
        d.set_item("word_ids", PyBuffer::new(m.word_ids))?;
        d.set_item("sequence_ids", PyBuffer::new(m.sequence_ids))?;
        d.set_item("offsets", PyBuffer::new(m.offsets))?;
        d.set_item("longest_first_pair_truncated", m.longest_first_pair_truncated)?;
        Ok(d)
    }

    #[pyo3(signature = (texts, threads=0))]
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids: Vec<Vec<u32>> = run(py, |_| {
            let pool = pipeline::pool(threads)?;
            Ok(core_encode::encode_many(&self.inner, &texts, &pool).into_iter().map(|e| e.ids).collect())
        })?;
        self.ints.lists(py, &ids)
    }

    #[pyo3(signature = (texts, threads=0))]
    fn encode_batch_with_word_ids(
        &self,
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
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
