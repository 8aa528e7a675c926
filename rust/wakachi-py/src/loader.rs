//! Bindings of `wakachi_core::loader`: the loader, and `_Buffer`, an `int64` array that exports
//! the buffer protocol so `torch.frombuffer` wraps the core's memory without a copy.

use std::ffi::{c_int, CStr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use wakachi_core::loader::{Batch, Loader, LoaderConfig, Next, ShardFetch, State};
use wakachi_core::Error;

use crate::error::to_py;
use crate::work::run;

/// An owned `int64` array exported through the buffer protocol (writable, C-contiguous, 1-D).
#[pyclass(name = "_Buffer", module = "wakachi._core", frozen)]
pub struct PyBuffer {
    ptr: SendPtr,
    shape: [ffi::Py_ssize_t; 1],
    strides: [ffi::Py_ssize_t; 1],
}

/// The array's memory, owned by the `_Buffer` (from a boxed slice, freed on drop).
struct SendPtr(*mut i64, usize);
// SAFETY: the memory is owned by the buffer object alone; Python's consumers coordinate access.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl Drop for SendPtr {
    fn drop(&mut self) {
        // SAFETY: (ptr, len) came from `Box::into_raw` of a `[i64]` of that length.
        unsafe { drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.0, self.1))) }
    }
}

impl PyBuffer {
    pub(crate) fn new(v: Vec<i64>) -> PyBuffer {
        let len = v.len();
        let ptr = Box::into_raw(v.into_boxed_slice()) as *mut i64;
        PyBuffer { ptr: SendPtr(ptr, len), shape: [len as ffi::Py_ssize_t], strides: [8] }
    }
}

const FORMAT: &CStr = c"q";

#[pymethods]
impl PyBuffer {
    fn __len__(&self) -> usize {
        self.ptr.1
    }

    /// # Safety
    /// Called by Python with a valid `view`.
    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut ffi::Py_buffer, flags: c_int) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("view is null"));
        }
        let me = slf.get();
        // SAFETY: `view` is a valid Py_buffer to fill; the pointers stored in it point into
        // `me`, which the new reference in `obj` keeps alive until the view is released.
        unsafe {
            (*view).buf = me.ptr.0.cast();
            (*view).len = (me.ptr.1 * 8) as ffi::Py_ssize_t;
            (*view).itemsize = 8;
            (*view).readonly = 0;
            (*view).ndim = 1;
            (*view).format =
                if flags & ffi::PyBUF_FORMAT != 0 { FORMAT.as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).shape = if flags & ffi::PyBUF_ND != 0 { me.shape.as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES {
                me.strides.as_ptr() as *mut _
            } else {
                std::ptr::null_mut()
            };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = std::ptr::null_mut();
            (*view).obj = slf.into_any().into_ptr();
        }
        Ok(())
    }

    /// # Safety
    /// Called by Python.
    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {}
}

/// The loader (`wakachi_core::loader::Loader`).
#[pyclass(name = "_Loader", module = "wakachi._core")]
pub struct PyLoader {
    inner: Mutex<Loader>,
}

impl Drop for PyLoader {
    /// The background thread may be waiting for the GIL in a fetch: stop it without the GIL.
    fn drop(&mut self) {
        let loader = self.inner.get_mut().unwrap_or_else(|e| e.into_inner());
        Python::attach(|py| py.detach(|| loader.stop()));
    }
}

/// A Python callable `fetch(index, next) -> path` (`wakachi.storage`) as the core's fetcher;
/// called on the loader's thread, with the GIL taken for the call only.
struct PyFetch(Py<PyAny>);

impl ShardFetch for PyFetch {
    fn fetch(&self, index: usize, file: &str, next: &[usize]) -> wakachi_core::Result<PathBuf> {
        Python::attach(|py| {
            self.0.call1(py, (index, next.to_vec())).and_then(|r| r.extract::<PathBuf>(py)).map_err(|e| {
                let what = e.value(py).to_string();
                Error::shard(file, format!("could not be fetched: {what}"))
            })
        })
    }
}

impl PyLoader {
    fn lock(&self) -> std::sync::MutexGuard<'_, Loader> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn batch_dict<'py>(py: Python<'py>, b: Batch) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rows", b.rows)?;
    d.set_item("len", b.len)?;
    d.set_item("predicted", b.predicted)?;
    d.set_item("tokens", b.tokens)?;
    d.set_item("input_ids", PyBuffer::new(b.input_ids))?;
    d.set_item("attention_mask", PyBuffer::new(b.attention_mask))?;
    d.set_item("labels", PyBuffer::new(b.labels))?;
    d.set_item("masked_index", PyBuffer::new(b.masked_index))?;
    d.set_item("row_ids", PyBuffer::new(b.row_ids))?;
    if let Some(t) = b.token_type_ids {
        d.set_item("token_type_ids", PyBuffer::new(t))?;
    }
    if let Some(n) = b.next_sentence_label {
        d.set_item("next_sentence_label", PyBuffer::new(n))?;
    }
    Ok(d)
}

#[pymethods]
impl PyLoader {
    /// Opens a shard directory with the loader settings as JSON (every field given). With
    /// `fetch`, the directory holds the manifest only and `fetch(index, next)` returns the local
    /// path of shard `index` when the loader needs it (`next`: the shards read after it).
    #[new]
    #[pyo3(signature = (config_json, fetch=None))]
    fn new(py: Python<'_>, config_json: &str, fetch: Option<Py<PyAny>>) -> PyResult<PyLoader> {
        let cfg: LoaderConfig =
            serde_json::from_str(config_json).map_err(|e| to_py(Error::Config(format!("loader config: {e}"))))?;
        let fetch = fetch.map(|f| Arc::new(PyFetch(f)) as Arc<dyn ShardFetch>);
        let inner = run(py, |_| Loader::open_with(cfg, fetch))?;
        Ok(PyLoader { inner: Mutex::new(inner) })
    }

    /// What the directory holds.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let loader = self.lock();
        let i = loader.info();
        let d = PyDict::new(py);
        d.set_item("format", &i.format)?;
        d.set_item("vocab_size", i.vocab_size)?;
        let [cls, sep, mask, pad] = i.specials;
        let sp = PyDict::new(py);
        sp.set_item("cls", cls)?;
        sp.set_item("sep", sep)?;
        sp.set_item("mask", mask)?;
        sp.set_item("pad", pad)?;
        d.set_item("specials", sp)?;
        d.set_item("rows", i.rows)?;
        d.set_item("shards", i.shards)?;
        d.set_item("max_row_len", i.max_row_len)?;
        d.set_item("tokenizer", &i.tokenizer)?;
        d.set_item("settings", i.settings.to_string())?;
        d.set_item("steps_per_epoch", loader.steps_per_epoch())?;
        Ok(d)
    }

    /// `(epoch, samples)`: the next global batch starts at row `samples` of `epoch`.
    fn state(&self) -> (u64, u64) {
        let s = self.lock().state();
        (s.epoch, s.samples)
    }

    fn set_state(&self, py: Python<'_>, epoch: u64, samples: u64) -> PyResult<()> {
        py.detach(|| self.lock().set_state(State { epoch, samples })).map_err(to_py)
    }

    /// The next step as `(epoch, index, [batch dict, …])`, or None after the last epoch. Waits
    /// without the GIL, checking for Ctrl-C every 50 ms.
    fn next_step<'py>(&self, py: Python<'py>) -> PyResult<Option<(u64, u64, Bound<'py, PyList>)>> {
        loop {
            let next = py.detach(|| self.lock().next_step(Duration::from_millis(50))).map_err(to_py)?;
            match next {
                Next::Step(s) => {
                    let list = PyList::empty(py);
                    for b in s.batches {
                        list.append(batch_dict(py, b)?)?;
                    }
                    return Ok(Some((s.epoch, s.index, list)));
                }
                Next::End => return Ok(None),
                Next::Pending => py.check_signals()?,
            }
        }
    }
}

/// The fingerprint `pack` records for a tokenizer (its files and its MeCab dictionary's).
#[pyfunction]
#[pyo3(signature = (path, dicdir=None))]
pub fn tokenizer_fingerprint(
    py: Python<'_>,
    path: std::path::PathBuf,
    dicdir: Option<std::path::PathBuf>,
) -> PyResult<String> {
    run(py, |_| wakachi_core::pack::encoder::fingerprint(&path, dicdir.as_deref()))
}
