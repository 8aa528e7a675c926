//! Stage 1: text → words.
//!
//! A [`Segmenter`] is an immutable model shared by all threads; each thread segments through its
//! own [`Worker`]. Every segmenter returns [`Span`]s: byte ranges into the input plus, for MeCab,
//! the dictionary's feature string.

pub mod batch;
pub mod jieba;
pub mod mecab;
pub mod simple;

use crate::error::Result;
pub use batch::{segment_inputs, segment_many};
pub use jieba::{Jieba, JiebaOptions};
pub use mecab::{Mecab, MecabOptions};

/// One word: `text[start..end]` (byte offsets) and its feature string (empty when the segmenter
/// has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<'s> {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// MeCab's feature string, or `""`.
    pub feature: Feature<'s>,
}

/// A word's feature string, found when asked for: segmenting never touches the feature table
/// (unidic-lite's is 160 MB, memory-mapped), only callers that read features do.
#[derive(Clone, Copy)]
pub enum Feature<'s> {
    /// The string itself.
    Str(&'s str),
    /// Entry `id` of a table.
    Table(&'s mecab::features::FeatureTable, u32),
}

impl<'s> Feature<'s> {
    /// No feature.
    pub const NONE: Feature<'static> = Feature::Str("");

    /// The string.
    #[inline]
    pub fn as_str(&self) -> &'s str {
        match *self {
            Feature::Str(s) => s,
            Feature::Table(t, id) => t.get(id),
        }
    }
}

impl PartialEq for Feature<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Feature<'_> {}

impl std::fmt::Debug for Feature<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The word segmenters.
pub enum Segmenter {
    /// MeCab dictionaries through vibrato.
    Mecab(Box<Mecab>),
    /// Chinese words exactly as Python jieba 0.42.1 cuts them.
    Jieba(Box<Jieba>),
    /// Pre-segmented text: words are the fields between ASCII whitespace.
    Whitespace,
    /// Every non-whitespace character is a word.
    Char,
}

impl Segmenter {
    /// Parses a CLI segmenter spec (`whitespace`, `char`); MeCab specs are resolved by the caller,
    /// which knows where dictionaries are installed.
    pub fn from_simple_spec(spec: &str) -> Result<Self> {
        match spec {
            "whitespace" => Ok(Segmenter::Whitespace),
            "char" => Ok(Segmenter::Char),
            _ => Err(crate::Error::Config(format!("unknown segmenter {spec:?}"))),
        }
    }

    /// A worker for the calling thread.
    pub fn worker(&self) -> Worker<'_> {
        match self {
            Segmenter::Mecab(m) => Worker::Mecab(Box::new(m.worker())),
            Segmenter::Jieba(j) => Worker::Jieba(j.worker()),
            Segmenter::Whitespace => Worker::Whitespace,
            Segmenter::Char => Worker::Char,
        }
    }

    /// Whether the words carry feature strings.
    pub fn has_features(&self) -> bool {
        matches!(self, Segmenter::Mecab(_))
    }
}

/// Per-thread segmentation state.
pub enum Worker<'s> {
    /// vibrato's lattice buffers.
    Mecab(Box<mecab::MecabWorker<'s>>),
    /// jieba's DAG and HMM buffers.
    Jieba(jieba::JiebaWorker<'s>),
    /// No state.
    Whitespace,
    /// No state.
    Char,
}

impl<'s> Worker<'s> {
    /// Segments `text`, replacing the contents of `out`.
    pub fn segment(&mut self, text: &str, out: &mut Vec<Span<'s>>) {
        out.clear();
        match self {
            Worker::Mecab(w) => w.segment(text, out),
            Worker::Jieba(w) => w.segment(text, out),
            Worker::Whitespace => simple::whitespace(text, out),
            Worker::Char => simple::chars(text, out),
        }
    }
}

/// Writes one line of output: the words separated by single spaces, or, with `features`, MeCab's
/// `surface\tfeature` lines followed by `EOS`.
pub fn write_line(text: &str, spans: &[Span<'_>], features: bool, out: &mut Vec<u8>) {
    if features {
        for s in spans {
            out.extend_from_slice(&text.as_bytes()[s.start..s.end]);
            out.push(b'\t');
            out.extend_from_slice(s.feature.as_str().as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b"EOS\n");
    } else {
        for (i, s) in spans.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(&text.as_bytes()[s.start..s.end]);
        }
        out.push(b'\n');
    }
}
