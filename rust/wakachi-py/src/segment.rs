//! Bindings of `wakachi_core::segment`: convert arguments, run the core without the GIL, convert
//! results.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyList, PyString};
use wakachi_core::pipeline;
use wakachi_core::segment::{self as core_segment, Jieba, JiebaOptions, Mecab, MecabOptions, Segmenter, Span};

use crate::work::run;

/// A word segmenter (immutable, shareable across threads).
#[pyclass(name = "_Segmenter", module = "wakachi._core", frozen)]
pub struct PySegmenter {
    pub(crate) inner: Arc<Segmenter>,
    report: Option<wakachi_core::segment::mecab::LoadReport>,
}

/// A Python list of the surfaces, built straight from the input's bytes.
fn surfaces<'py>(py: Python<'py>, text: &str, spans: &[Span<'_>]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, spans.iter().map(|s| PyString::new(py, &text[s.start..s.end])))
}

/// Python strings for short words, shared across a batch: words repeat so much (の, は, 。) that
/// a hash lookup is cheaper than building a new `str` each time.
struct StrCache<'a, 'py> {
    py: Python<'py>,
    map: rustc_hash::FxHashMap<&'a str, Bound<'py, PyString>>,
}

impl<'a, 'py> StrCache<'a, 'py> {
    fn new(py: Python<'py>) -> Self {
        StrCache { py, map: rustc_hash::FxHashMap::default() }
    }

    fn get(&mut self, s: &'a str) -> Bound<'py, PyString> {
        if s.len() > 12 {
            return PyString::new(self.py, s);
        }
        let py = self.py;
        self.map.entry(s).or_insert_with(|| PyString::new(py, s)).clone()
    }

    fn list(&mut self, text: &'a str, spans: &[Span<'_>]) -> PyResult<Bound<'py, PyList>> {
        let words: Vec<Bound<'py, PyString>> = spans.iter().map(|s| self.get(&text[s.start..s.end])).collect();
        PyList::new(self.py, words)
    }
}

/// `(surface, start, end, feature)` with offsets in characters (Python `str` indices).
type TokenTuple = (String, usize, usize, String);

fn tokens(text: &str, spans: &[Span<'_>]) -> Vec<TokenTuple> {
    let (mut byte, mut chars) = (0, 0);
    let mut at = |b: usize| {
        chars += text[byte..b].chars().count();
        byte = b;
        chars
    };
    spans
        .iter()
        .map(|s| {
            let start = at(s.start);
            let end = at(s.end);
            (text[s.start..s.end].to_string(), start, end, s.feature.as_str().to_string())
        })
        .collect()
}

#[pymethods]
impl PySegmenter {
    /// Opens a MeCab dicdir; `cache_dir=None` disables the compiled-dictionary cache.
    #[staticmethod]
    #[pyo3(signature = (dicdir, cache_dir))]
    fn mecab(py: Python<'_>, dicdir: PathBuf, cache_dir: Option<PathBuf>) -> PyResult<Self> {
        let m = run(py, |_| Mecab::open(&dicdir, &MecabOptions::cached(cache_dir)))?;
        let report = Some(m.report.clone());
        Ok(PySegmenter { inner: Arc::new(Segmenter::Mecab(Box::new(m))), report })
    }

    /// jieba 0.42.1's segmentation (`hmm`: jieba's `HMM=`), with an optional user dictionary.
    #[staticmethod]
    #[pyo3(signature = (hmm, user_dict=None))]
    fn jieba(py: Python<'_>, hmm: bool, user_dict: Option<PathBuf>) -> PyResult<Self> {
        let j = run(py, |_| Jieba::open(&JiebaOptions { hmm, user_dict }))?;
        Ok(PySegmenter { inner: Arc::new(Segmenter::Jieba(Box::new(j))), report: None })
    }

    /// A segmenter that needs no model: `whitespace` or `char`.
    #[staticmethod]
    fn simple(spec: &str) -> PyResult<Self> {
        Ok(PySegmenter {
            inner: Arc::new(Segmenter::from_simple_spec(spec).map_err(crate::error::to_py)?),
            report: None,
        })
    }

    /// How the dictionary was loaded (MeCab only).
    fn load_report<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(r) = &self.report else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("dicdir", &r.dicdir)?;
        d.set_item("kind", r.kind)?;
        d.set_item("engine", r.engine)?;
        d.set_item("from_cache", r.from_cache)?;
        d.set_item("cache_file", &r.cache_file)?;
        d.set_item("seconds", r.seconds)?;
        d.set_item("max_grouping", r.max_grouping)?;
        d.set_item("warning", &r.warning)?;
        Ok(Some(d))
    }

    fn segment<'py>(&self, py: Python<'py>, text: PyBackedStr) -> PyResult<Bound<'py, PyList>> {
        let seg = &self.inner;
        let spans = py.detach(|| {
            let mut spans = Vec::new();
            seg.worker().segment(&text, &mut spans);
            spans
        });
        surfaces(py, &text, &spans)
    }

    fn tokenize(&self, py: Python<'_>, text: &str) -> Vec<TokenTuple> {
        let seg = &self.inner;
        py.detach(|| {
            let mut spans = Vec::new();
            seg.worker().segment(text, &mut spans);
            tokens(text, &spans)
        })
    }

    #[pyo3(signature = (texts, threads=0))]
    fn segment_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let seg = &self.inner;
        let spans = run(py, |_| Ok(core_segment::segment_many(seg, &texts, &pipeline::pool(threads)?)))?;
        let mut cache = StrCache::new(py);
        let lists = texts.iter().zip(&spans).map(|(t, s)| cache.list(t, s)).collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, lists)
    }

    /// Like `segment_batch`, but the words stay offsets into the input until asked for.
    #[pyo3(signature = (texts, threads=0))]
    fn segment_batch_lazy(
        &self,
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
        threads: usize,
    ) -> PyResult<PySegmentedBatch> {
        let seg = &self.inner;
        run(py, |_| {
            let spans = core_segment::segment_many(seg, &texts, &pipeline::pool(threads)?);
            let words: usize = spans.iter().map(Vec::len).sum();
            let mut bounds = Vec::with_capacity(words);
            let mut lines = Vec::with_capacity(spans.len() + 1);
            lines.push(0);
            for s in &spans {
                bounds.extend(s.iter().map(|w| (w.start, w.end)));
                lines.push(bounds.len());
            }
            Ok(PySegmentedBatch { texts, bounds, lines })
        })
    }

    #[pyo3(signature = (texts, threads=0))]
    fn tokenize_batch(&self, py: Python<'_>, texts: Vec<String>, threads: usize) -> PyResult<Vec<Vec<TokenTuple>>> {
        let seg = &self.inner;
        run(py, |_| {
            let pool = pipeline::pool(threads)?;
            let spans = core_segment::segment_many(seg, &texts, &pool);
            Ok(texts.iter().zip(&spans).map(|(t, s)| tokens(t, s)).collect())
        })
    }

    /// Segments files (or stdin when `paths` is empty) to stdout; returns the run's figures.
    #[pyo3(signature = (paths, features=false, threads=0, skip_invalid=false, progress=false))]
    fn segment_files<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<PathBuf>,
        features: bool,
        threads: usize,
        skip_invalid: bool,
        progress: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let seg = &self.inner;
        let files = crate::stream::Files { paths, threads, skip_invalid, progress };
        crate::stream::to_stdout(py, "segment", "words", files, move |inputs, job, out, stop, progress| {
            core_segment::segment_inputs(seg, inputs, job, features, out, stop, progress)
        })
    }
}

/// A word's `(start, end)` byte offsets in its text.
type Bounds = (usize, usize);

/// The words of a batch of texts as byte offsets into the texts (which it keeps alive): nothing is
/// built per word until asked for, one line at a time, joined lines, or Arrow buffers.
#[pyclass(name = "_SegmentedBatch", module = "wakachi._core", frozen)]
pub struct PySegmentedBatch {
    texts: Vec<PyBackedStr>,
    /// Every word's byte offsets, line after line.
    bounds: Vec<Bounds>,
    /// Line `i`'s words are `bounds[lines[i]..lines[i + 1]]`.
    lines: Vec<usize>,
}

impl PySegmentedBatch {
    /// Line `i` (negative from the end): its text and its words' byte offsets.
    fn line(&self, i: isize) -> PyResult<(&str, &[Bounds])> {
        let n = self.texts.len() as isize;
        let k = if i < 0 { i + n } else { i };
        if !(0..n).contains(&k) {
            return Err(pyo3::exceptions::PyIndexError::new_err("line index out of range"));
        }
        let k = k as usize;
        Ok((&self.texts[k], &self.bounds[self.lines[k]..self.lines[k + 1]]))
    }
}

#[pymethods]
impl PySegmentedBatch {
    fn __len__(&self) -> usize {
        self.texts.len()
    }

    /// The words of line `i` as a list of str.
    fn __getitem__<'py>(&self, py: Python<'py>, i: isize) -> PyResult<Bound<'py, PyList>> {
        let (text, words) = self.line(i)?;
        PyList::new(py, words.iter().map(|&(s, e)| PyString::new(py, &text[s..e])))
    }

    /// Words in all lines.
    #[getter]
    fn word_count(&self) -> usize {
        self.bounds.len()
    }

    /// The `(start, end)` UTF-8 byte offsets of line `i`'s words in its text.
    fn byte_spans(&self, i: isize) -> PyResult<Vec<(usize, usize)>> {
        Ok(self.line(i)?.1.to_vec())
    }

    /// Every line as a list of str (what `segment_batch` returns).
    fn lists<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut cache = StrCache::new(py);
        let lists = (0..self.texts.len())
            .map(|k| {
                let (text, words) = (&*self.texts[k], &self.bounds[self.lines[k]..self.lines[k + 1]]);
                PyList::new(py, words.iter().map(|&(s, e)| cache.get(&text[s..e])))
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, lists)
    }

    /// Every line's words joined by `sep`: one str per line.
    #[pyo3(signature = (sep=" "))]
    fn joined<'py>(&self, py: Python<'py>, sep: &str) -> PyResult<Bound<'py, PyList>> {
        let mut buf = String::new();
        let lines = (0..self.texts.len()).map(|k| {
            buf.clear();
            let text = &*self.texts[k];
            for (j, &(s, e)) in self.bounds[self.lines[k]..self.lines[k + 1]].iter().enumerate() {
                if j > 0 {
                    buf.push_str(sep);
                }
                buf.push_str(&text[s..e]);
            }
            PyString::new(py, &buf)
        });
        PyList::new(py, lines.collect::<Vec<_>>())
    }

    /// The words as a `pyarrow.ListArray` of `large_string` (one list per line), built from three
    /// buffers: no Python object per word. Needs pyarrow.
    fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pa = py.import("pyarrow")?;
        let total: usize = self.bounds.iter().map(|&(s, e)| e - s).sum();
        let mut values = Vec::with_capacity(total);
        let mut word_offsets: Vec<u8> = Vec::with_capacity(8 * (self.bounds.len() + 1));
        word_offsets.extend_from_slice(&0i64.to_le_bytes());
        for k in 0..self.texts.len() {
            let text = self.texts[k].as_bytes();
            for &(s, e) in &self.bounds[self.lines[k]..self.lines[k + 1]] {
                values.extend_from_slice(&text[s..e]);
                word_offsets.extend_from_slice(&(values.len() as i64).to_le_bytes());
            }
        }
        let too_many = || pyo3::exceptions::PyValueError::new_err("more than 2^31 words in one batch");
        let mut line_offsets: Vec<u8> = Vec::with_capacity(4 * self.lines.len());
        for &l in &self.lines {
            line_offsets.extend_from_slice(&i32::try_from(l).map_err(|_| too_many())?.to_le_bytes());
        }
        let buf = |b: Vec<u8>| pa.call_method1("py_buffer", (pyo3::types::PyBytes::new(py, &b),));
        let strings = pa
            .getattr("LargeStringArray")?
            .call_method1("from_buffers", (self.bounds.len(), buf(word_offsets)?, buf(values)?))?;
        let offsets = pa.getattr("Array")?.call_method1(
            "from_buffers",
            (pa.call_method0("int32")?, self.lines.len(), (py.None(), buf(line_offsets)?)),
        )?;
        pa.getattr("ListArray")?.call_method1("from_arrays", (offsets, strings))
    }
}

/// Writes the MeCab dictionary in `dicdir` as UTF-8 source files into `outdir`.
#[pyfunction]
pub fn decompile_mecab(py: Python<'_>, dicdir: PathBuf, outdir: PathBuf) -> PyResult<usize> {
    run(py, |_| {
        let d = Mecab::read_dict(&dicdir)?;
        wakachi_core::segment::mecab::source::write_dicdir(&d, &outdir)?;
        Ok(d.lex.len())
    })
}
