//! Google's `create_pretraining_data` (BERT; cl-tohoku's v3 data): sentence-pair instances with
//! next-sentence prediction and static (whole-word) masking.
//!
//! Per document and dupe pass: the target length is `max_seq_length − 3`, or with probability
//! `short_seq_prob` a length in `[2, max]`; sentences are accumulated until the target or the
//! document's end; A is the chunk's first `a_end` sentences (`a_end` random when the chunk has
//! two or more); B is the rest of the chunk, or — always for a one-sentence chunk, else with
//! probability 0.5 — a span of a random other document (up to 10 draws to avoid this one, from a
//! random sentence on, until B reaches the target minus A), the chunk's unused sentences then
//! being "put back" for the next chunk; the pair is truncated to the budget (the longer side, B
//! on ties, front or back at random), laid out `[CLS] A [SEP] B [SEP]` and masked
//! ([`super::masking`]).
//!
//! **Compat mode** ([`compat`]) reproduces the reference's output exactly: one
//! `random.Random(seed)` ([`PyRandom`]) for the whole shard, drawn in the reference's order:
//! shuffle the (non-empty) documents, run every dupe pass over every document, shuffle all
//! instances. The reference works on token strings and starts a new word at every token not
//! beginning with `##`; here a token starts a word when its `word_starts` flag is set, so both
//! agree when `word_starts = !token.startswith("##")`. `[CLS]`/`[SEP]` are recognised by id, the
//! random word is `randint(0, vocab_size − 1)` (the reference's `vocab_words` list is the
//! vocabulary in id order), and like the reference compat mode holds the shard and all its
//! instances in memory.
//!
//! **Streaming mode** ([`Stream`]) keeps the per-document algorithm but bounds memory and makes
//! each document's output independent of the rest of the run: documents are taken in blocks of
//! `block_documents` (in input order, no document shuffle); a random next sentence is drawn from
//! another document of the same block; every (pass, block, document) gets its own
//! [`StreamRng`] keyed by `(seed, pass, block, position in block)`, and the masking draws its
//! shuffle of the candidate words lazily, only as far as it takes words (the same distribution:
//! see [`super::masking`]). Memory is one block of
//! documents plus its instances, whatever the corpus size; output depends only on the seed, the
//! block size and the input order, so documents (or blocks) can be processed on any number of
//! threads in any order and put back in order. There is no global instance shuffle here: the
//! shard writer shuffles on disk.

use serde::Deserialize;

use super::masking::{google_mask, GoogleMask};
use super::rng::{PyRandom, Rng, StreamRng};
use super::{check_prob, non_empty, target_length, truncate_pair, Document, Instance, Sentence, Specials, Tokens};
use crate::error::{Error, Result};

/// Settings of Google's script (its flag names; cl-tohoku v3: 128/19/5 on CC-100 and 512/76/30
/// on Wikipedia, whole-word masking on, `short_seq_prob` 0.1, `masked_lm_prob` 0.15).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleConfig {
    /// Tokens per instance including `[CLS]` and two `[SEP]`.
    pub max_seq_length: usize,
    /// Probability that a document (per pass) gets a short target length.
    pub short_seq_prob: f64,
    /// Share of tokens to mask (of the instance length, specials counted).
    pub masked_lm_prob: f64,
    /// Cap on masked tokens per instance.
    pub max_predictions_per_seq: usize,
    /// Mask whole words (a word start and the tokens after it that are not word starts).
    pub do_whole_word_mask: bool,
    /// Passes over the documents, each with new pairs and masks.
    pub dupe_factor: usize,
    /// The seed (`random_seed`; the reference's default is 12345).
    pub seed: u64,
    /// Streaming mode: documents per block (random next sentences come from the same block).
    /// Compat mode ignores it (its block is the whole shard).
    pub block_documents: usize,
}

impl GoogleConfig {
    /// Checks the settings.
    pub fn validate(&self, sp: &Specials) -> Result<()> {
        sp.validate()?;
        if self.max_seq_length < 5 {
            return Err(Error::Config(format!("max_seq_length must be at least 5, got {}", self.max_seq_length)));
        }
        if self.block_documents == 0 {
            return Err(Error::Config("block_documents must be at least 1".into()));
        }
        check_prob("short_seq_prob", self.short_seq_prob)?;
        check_prob("masked_lm_prob", self.masked_lm_prob)
    }

    fn mask(&self, lazy: bool) -> GoogleMask {
        GoogleMask {
            lazy,
            prob: self.masked_lm_prob,
            max_predictions: self.max_predictions_per_seq,
            whole_word: self.do_whole_word_mask,
        }
    }
}

/// Compat mode: the reference's instances for one shard, in the reference's order.
pub fn compat(documents: Vec<Document>, cfg: &GoogleConfig, sp: &Specials) -> Result<Vec<Instance>> {
    cfg.validate(sp)?;
    let mut rng = PyRandom::new(cfg.seed);
    let mut docs = non_empty(documents);
    rng.shuffle(&mut docs);
    let mut out = Vec::new();
    for _ in 0..cfg.dupe_factor {
        for d in 0..docs.len() {
            document_instances(&docs, d, cfg, sp, &mut rng, false, &mut out);
        }
    }
    rng.shuffle(&mut out);
    Ok(out)
}

/// Streaming mode over blocks of documents (see the module documentation).
#[derive(Debug, Clone)]
pub struct Stream {
    cfg: GoogleConfig,
    sp: Specials,
}

impl Stream {
    /// A validated streaming builder.
    pub fn new(cfg: GoogleConfig, sp: Specials) -> Result<Self> {
        cfg.validate(&sp)?;
        Ok(Stream { cfg, sp })
    }

    /// Documents per block.
    pub fn block_documents(&self) -> usize {
        self.cfg.block_documents
    }

    /// Prepares block number `block` (at most `block_documents` documents, the `block`-th run of
    /// them in input order): drops empty sentences and documents.
    pub fn prepare(&self, documents: Vec<Document>) -> Result<Vec<Document>> {
        if documents.len() > self.cfg.block_documents {
            return Err(Error::Config(format!(
                "a block holds {} documents, more than block_documents={}",
                documents.len(),
                self.cfg.block_documents
            )));
        }
        Ok(non_empty(documents))
    }

    /// The instances of document `d` of a prepared block in dupe pass `pass`; a function of
    /// `(seed, pass, block, d)` and the block's documents only.
    pub fn document(&self, block_docs: &[Document], block: u64, d: usize, pass: usize, out: &mut Vec<Instance>) {
        let mut rng = StreamRng::for_key(&[self.cfg.seed, pass as u64, block, d as u64]);
        document_instances(block_docs, d, &self.cfg, &self.sp, &mut rng, true, out);
    }

    /// All instances of a prepared block: pass by pass, document by document.
    pub fn block(&self, block_docs: &[Document], block: u64, out: &mut Vec<Instance>) {
        for pass in 0..self.cfg.dupe_factor {
            for d in 0..block_docs.len() {
                self.document(block_docs, block, d, pass, out);
            }
        }
    }

    /// Every instance of `documents`, cut into blocks (sequentially; a parallel driver calls
    /// [`Stream::block`] or [`Stream::document`] per item and keeps the order).
    pub fn all(&self, documents: Vec<Document>) -> Result<Vec<Instance>> {
        let mut out = Vec::new();
        let mut it = documents.into_iter().peekable();
        let mut block = 0u64;
        while it.peek().is_some() {
            let docs = self.prepare(it.by_ref().take(self.cfg.block_documents).collect())?;
            self.block(&docs, block, &mut out);
            block += 1;
        }
        Ok(out)
    }
}

/// `create_instances_from_document`: the instances of `pool[doc]`, random next sentences drawn
/// from `pool`. Documents and sentences of `pool` are non-empty.
fn document_instances<R: Rng>(
    pool: &[Document],
    doc: usize,
    cfg: &GoogleConfig,
    sp: &Specials,
    rng: &mut R,
    lazy: bool,
    out: &mut Vec<Instance>,
) {
    let document = &pool[doc];
    let max_tokens = cfg.max_seq_length - 3;
    let target = target_length(rng, max_tokens, cfg.short_seq_prob, 2);
    let (mut chunk_start, mut length, mut i) = (0usize, 0usize, 0usize);
    while i < document.len() {
        length += document[i].len();
        if i == document.len() - 1 || length >= target {
            let chunk = Chunk { pool, doc, sentences: &document[chunk_start..=i], target, lazy };
            let (inst, put_back) = chunk.instance(cfg, sp, rng);
            out.push(inst);
            i -= put_back;
            chunk_start = i + 1;
            length = 0;
        }
        i += 1;
    }
}

/// A run of sentences that reached the target length (or the document's end).
struct Chunk<'a> {
    pool: &'a [Document],
    doc: usize,
    sentences: &'a [Sentence],
    target: usize,
    /// The masking's shuffle drawn lazily (streaming mode), see [`GoogleMask::lazy`].
    lazy: bool,
}

impl<'a> Chunk<'a> {
    /// The chunk's instance and how many of its sentences go back to the document.
    fn instance<R: Rng>(&self, cfg: &GoogleConfig, sp: &Specials, rng: &mut R) -> (Instance, usize) {
        let n = self.sentences.len();
        let a_end = if n >= 2 { rng.randint(1, n as u64 - 1) as usize } else { 1 };
        let a = &self.sentences[..a_end];
        let a_len = Tokens::len(a);
        let random_next = n == 1 || rng.random() < 0.5;
        let (b, put_back) = if random_next {
            (self.random_b(self.target.saturating_sub(a_len), rng), n - a_end)
        } else {
            (&self.sentences[a_end..], 0)
        };
        let (mut ra, mut rb) = (0..a_len, 0..Tokens::len(b));
        truncate_pair(&mut ra, &mut rb, cfg.max_seq_length - 3, rng);
        let mut inst = Instance::pair(a, ra, b, rb, sp, Some(u8::from(random_next)));
        crate::profile::time(crate::profile::Stage::Masking, || google_mask(&mut inst, cfg.mask(self.lazy), sp, rng));
        (inst, put_back)
    }

    /// Sentences of a random other document (10 draws to avoid this one) from a random start,
    /// until `target_b` tokens are reached. (The reference compares a signed `target − len(A)`;
    /// when that is ≤ 0 it stops after one sentence, as `target_b = 0` does here.)
    fn random_b<R: Rng>(&self, target_b: usize, rng: &mut R) -> &'a [Sentence] {
        let last = self.pool.len() as u64 - 1;
        let mut r = 0;
        for _ in 0..10 {
            r = rng.randint(0, last) as usize;
            if r != self.doc {
                break;
            }
        }
        let other = &self.pool[r];
        let start = rng.randint(0, other.len() as u64 - 1) as usize;
        let (mut end, mut len) = (start, 0);
        while end < other.len() {
            len += other[end].len();
            end += 1;
            if len >= target_b {
                break;
            }
        }
        &other[start..end]
    }
}

#[cfg(test)]
#[path = "google_test.rs"]
mod tests;
