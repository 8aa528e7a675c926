//! Stage 3: encoded documents → pretraining instances (rows of token ids).
//!
//! Input: a [`Document`] is a list of [`Sentence`]s; a sentence is token ids with one "word
//! start" flag per token, true when the token begins a word of the segmenter (from the encoder's
//! word ids). For WordPiece that is exactly "the token string does not start with `##`" (what
//! Google's and cl-tohoku's scripts test), for a SentencePiece unigram model over pre-segmented
//! words a piece starting with `▁`, for characters every first character of a word and every
//! `[UNK]` (cl-tohoku's character rule, see `pack/encoder.rs`).
//!
//! Output: [`Instance`]s. Every instance keeps its per-token word starts, so a loader can mask
//! whole words dynamically; special tokens ([CLS], [SEP], separators) are word starts of their
//! own. Instances are unpadded: padding is the shard writer's (or the collator's) business.
//!
//! One module per reference pipeline: [`google`] (cl-tohoku BERT: Google's
//! `create_pretraining_data`, in a bit-exact compat mode and a bounded-memory streaming mode),
//! [`electra`] (izumi-lab ELECTRA), [`roberta`] (full-sentences packing), [`gpt2`]
//! (colorfulscoop GPT-2 windows) and [`uer`] (UER-py: a document a line, chunked).

/// Revision of what the instance algorithms draw for given settings, within one package version:
/// part of a shard run's resume identity, so a run never continues output that an earlier build
/// drew differently. 2: streaming `bert` draws its masking shuffle lazily.
pub const REVISION: u32 = 2;

pub mod electra;
pub mod google;
pub mod gpt2;
mod masking;
pub mod rng;
pub mod roberta;
pub mod uer;

use std::ops::Range;

use serde::Deserialize;

use crate::error::{Error, Result};
use rng::Rng;

/// One sentence: token ids and, per token, whether it starts a word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sentence {
    /// Token ids.
    pub ids: Vec<u32>,
    /// `word_starts[i]`: token `i` begins a word.
    pub word_starts: Vec<bool>,
}

impl Sentence {
    /// A sentence; the two lists must have the same length.
    pub fn new(ids: Vec<u32>, word_starts: Vec<bool>) -> Result<Self> {
        if ids.len() != word_starts.len() {
            return Err(Error::Config(format!(
                "a sentence has {} token ids but {} word-start flags",
                ids.len(),
                word_starts.len()
            )));
        }
        Ok(Sentence { ids, word_starts })
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it has no token.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn extend(&mut self, other: &Sentence) {
        self.ids.extend_from_slice(&other.ids);
        self.word_starts.extend_from_slice(&other.word_starts);
    }

    fn push(&mut self, id: u32, start: bool) {
        self.ids.push(id);
        self.word_starts.push(start);
    }
}

/// Sentences read as one run of tokens without copying them together (A or B of a pair).
pub(crate) trait Tokens {
    /// Number of tokens.
    fn len(&self) -> usize;
    /// Appends the ids and word starts of tokens `r`.
    fn copy_range(&self, r: Range<usize>, ids: &mut Vec<u32>, starts: &mut Vec<bool>);
}

impl Tokens for Sentence {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn copy_range(&self, r: Range<usize>, ids: &mut Vec<u32>, starts: &mut Vec<bool>) {
        ids.extend_from_slice(&self.ids[r.clone()]);
        starts.extend_from_slice(&self.word_starts[r]);
    }
}

/// Consecutive sentences of a document (by reference, or as `&Sentence`s).
impl<S: std::borrow::Borrow<Sentence>> Tokens for [S] {
    fn len(&self) -> usize {
        self.iter().map(|s| s.borrow().len()).sum()
    }

    fn copy_range(&self, r: Range<usize>, ids: &mut Vec<u32>, starts: &mut Vec<bool>) {
        let mut at = 0;
        for s in self {
            let s = s.borrow();
            let (lo, hi) = (r.start.max(at), r.end.min(at + s.len()));
            if lo < hi {
                s.copy_range(lo - at..hi - at, ids, starts);
            }
            at += s.len();
            if at >= r.end {
                break;
            }
        }
    }
}

/// A document: its sentences in order.
pub type Document = Vec<Sentence>;

/// Builds documents from nested id lists and word-start lists of the same shape.
pub fn documents_from_parts(ids: Vec<Vec<Vec<u32>>>, starts: Vec<Vec<Vec<bool>>>) -> Result<Vec<Document>> {
    if ids.len() != starts.len() {
        return Err(Error::Config(format!("{} documents of ids but {} of word starts", ids.len(), starts.len())));
    }
    ids.into_iter()
        .zip(starts)
        .enumerate()
        .map(|(d, (di, ds))| {
            if di.len() != ds.len() {
                return Err(Error::Config(format!(
                    "document {d}: {} sentences of ids but {} of word starts",
                    di.len(),
                    ds.len()
                )));
            }
            di.into_iter()
                .zip(ds)
                .enumerate()
                .map(|(s, (i, w))| {
                    Sentence::new(i, w).map_err(|e| Error::Config(format!("document {d}, sentence {s}: {e}")))
                })
                .collect()
        })
        .collect()
}

/// The vocabulary's size and special token ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Specials {
    /// Number of entries in the vocabulary (random replacements draw from `0..vocab_size`).
    pub vocab_size: u32,
    /// `[CLS]` (or `<s>`).
    pub cls: u32,
    /// `[SEP]` (or `</s>`).
    pub sep: u32,
    /// `[MASK]`.
    pub mask: u32,
    /// `[PAD]`.
    pub pad: u32,
}

impl Specials {
    /// Checks every id lies in the vocabulary.
    pub fn validate(&self) -> Result<()> {
        for (name, id) in [("cls", self.cls), ("sep", self.sep), ("mask", self.mask), ("pad", self.pad)] {
            if id >= self.vocab_size {
                return Err(Error::Config(format!(
                    "special id {name}={id} is outside the vocabulary of {}",
                    self.vocab_size
                )));
            }
        }
        Ok(())
    }
}

/// One pretraining row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// Token ids, after static masking if any (unpadded).
    pub input_ids: Vec<u32>,
    /// Segment (token type) ids: 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`; all 0 without pairs.
    pub segment_ids: Vec<u8>,
    /// Per token: begins a word (of the original token; specials are word starts).
    pub word_starts: Vec<bool>,
    /// Positions of statically masked tokens, ascending (empty for dynamic masking).
    pub masked_positions: Vec<u32>,
    /// Original ids at `masked_positions`.
    pub masked_ids: Vec<u32>,
    /// Next-sentence label: 1 when B is a random span of another document, 0 when it is the
    /// true continuation; `None` for formats without next-sentence prediction.
    pub next_sentence_label: Option<u8>,
}

impl Instance {
    /// A single-segment, unmasked instance `[prefix] tokens [suffix]`.
    fn single(prefix: Option<u32>, tokens: (&[u32], &[bool]), suffix: Option<u32>) -> Instance {
        let mut s = Sentence::default();
        if let Some(p) = prefix {
            s.push(p, true);
        }
        s.ids.extend_from_slice(tokens.0);
        s.word_starts.extend_from_slice(tokens.1);
        if let Some(x) = suffix {
            s.push(x, true);
        }
        Instance { segment_ids: vec![0; s.len()], input_ids: s.ids, word_starts: s.word_starts, ..Instance::default() }
    }

    /// `[CLS] A [SEP] B [SEP]` with segment ids 0…0 1…1, unmasked.
    fn pair<A: Tokens + ?Sized, B: Tokens + ?Sized>(
        a: &A,
        ra: Range<usize>,
        b: &B,
        rb: Range<usize>,
        sp: &Specials,
        label: Option<u8>,
    ) -> Instance {
        let n = ra.len() + rb.len() + 3;
        let mut ids = Vec::with_capacity(n);
        let mut starts = Vec::with_capacity(n);
        ids.push(sp.cls);
        starts.push(true);
        a.copy_range(ra, &mut ids, &mut starts);
        ids.push(sp.sep);
        starts.push(true);
        let a_len = ids.len();
        b.copy_range(rb, &mut ids, &mut starts);
        ids.push(sp.sep);
        starts.push(true);
        let mut segment_ids = vec![0u8; a_len];
        segment_ids.resize(ids.len(), 1);
        Instance { input_ids: ids, segment_ids, word_starts: starts, next_sentence_label: label, ..Instance::default() }
    }
}

/// Google's `truncate_seq_pair` on index ranges: while the pair is longer than `max_tokens`,
/// shorten the longer one (B on ties) by one token, at the front when `rng.random() < 0.5`,
/// else at the back.
fn truncate_pair<R: Rng>(a: &mut Range<usize>, b: &mut Range<usize>, max_tokens: usize, rng: &mut R) {
    while a.len() + b.len() > max_tokens {
        let t = if a.len() > b.len() { &mut *a } else { &mut *b };
        if rng.random() < 0.5 {
            t.start += 1;
        } else {
            t.end -= 1;
        }
    }
}

/// The sequence-length target of one document: `max_tokens`, or with probability `short_prob`
/// a length drawn uniformly from `[short_min, max_tokens]` (one `random()` always, one `randint`
/// when short).
fn target_length<R: Rng>(rng: &mut R, max_tokens: usize, short_prob: f64, short_min: usize) -> usize {
    if rng.random() < short_prob {
        rng.randint(short_min as u64, max_tokens as u64) as usize
    } else {
        max_tokens
    }
}

/// Checks a probability setting.
fn check_prob(name: &str, p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::Config(format!("{name} must lie in [0, 1], got {p}")));
    }
    Ok(())
}

/// Drops empty sentences, then empty documents (Google's script keeps neither).
fn non_empty(documents: Vec<Document>) -> Vec<Document> {
    documents
        .into_iter()
        .map(|d| d.into_iter().filter(|s| !s.is_empty()).collect::<Document>())
        .filter(|d| !d.is_empty())
        .collect()
}

/// A format that packs documents into rows as they stream by, carrying a partial row from one
/// document to the next (RoBERTa, GPT-2, UER).
pub trait DocumentPacker: Send {
    /// Appends the rows that `doc` completes.
    fn push_document(&mut self, doc: &Document, out: &mut Vec<Instance>);
    /// Appends whatever the format emits at the end of the input.
    fn finish(self: Box<Self>, out: &mut Vec<Instance>);
}

/// All rows of `documents` through `packer`.
pub fn pack_all(mut packer: Box<dyn DocumentPacker>, documents: &[Document]) -> Vec<Instance> {
    let mut out = Vec::new();
    documents.iter().for_each(|d| packer.push_document(d, &mut out));
    packer.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::rng::PyRandom;
    use super::*;

    fn sent(ids: &[u32]) -> Sentence {
        Sentence { ids: ids.to_vec(), word_starts: vec![true; ids.len()] }
    }

    #[test]
    fn shapes_are_checked() {
        assert!(Sentence::new(vec![1, 2], vec![true]).is_err());
        let e = documents_from_parts(vec![vec![vec![1]]], vec![vec![vec![true], vec![]]]).unwrap_err();
        assert!(e.to_string().contains("document 0"), "{e}");
        let sp = Specials { vocab_size: 4, cls: 1, sep: 2, mask: 4, pad: 0 };
        assert!(sp.validate().is_err());
    }

    #[test]
    fn truncation_keeps_the_budget_and_prefers_b_on_ties() {
        let mut rng = PyRandom::new(1);
        let (mut a, mut b) = (0..5, 0..5);
        truncate_pair(&mut a, &mut b, 7, &mut rng);
        assert_eq!(a.len() + b.len(), 7);
        assert!(a.len() >= 3 && b.len() >= 3);
        let (mut a, mut b) = (0..1, 0..1);
        truncate_pair(&mut a, &mut b, 1, &mut rng);
        assert_eq!((a.len(), b.len()), (1, 0));
    }

    #[test]
    fn pair_layout() {
        let sp = Specials { vocab_size: 10, cls: 2, sep: 3, mask: 4, pad: 0 };
        let i = Instance::pair(&sent(&[7, 8, 9]), 1..3, &sent(&[5]), 0..1, &sp, Some(1));
        assert_eq!(i.input_ids, [2, 8, 9, 3, 5, 3]);
        let run = [sent(&[7, 8]), sent(&[]), sent(&[9, 10, 11])];
        assert_eq!(Tokens::len(&run[..]), 5);
        let j = Instance::pair(&run[..], 1..4, &run[2..], 2..3, &sp, Some(1));
        assert_eq!(j.input_ids, [2, 8, 9, 10, 3, 11, 3]);
        assert_eq!(i.segment_ids, [0, 0, 0, 0, 1, 1]);
        assert_eq!(i.next_sentence_label, Some(1));
        assert!(non_empty(vec![vec![sent(&[])], vec![sent(&[1]), sent(&[])]]) == vec![vec![sent(&[1])]]);
    }
}
