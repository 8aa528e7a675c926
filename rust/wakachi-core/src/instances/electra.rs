//! izumi-lab ELECTRA (retarfi/language-pretraining v1.0, `LineByLineTextDataset`): A/B chunks
//! like Google's but without next-sentence prediction and without masking (the collator masks
//! dynamically).
//!
//! Per document: target `max_seq_length − 3`, or with probability `short_seq_prob` (0.05) a
//! length in `[short_min_length, max]` (5); sentences are accumulated until the target or the
//! document's end; A is the first `a_end` sentences (`a_end = randint(1, n − 1)` when the chunk
//! has two or more), B is **always the true continuation**, the rest of the chunk — empty for a
//! one-sentence chunk, giving `[CLS] A [SEP] [SEP]`; the pair is truncated like Google's (longer
//! side, B on ties, front or back at random); segment ids 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`.
//!
//! The reference draws from Python's global `random` in document order; [`compat`] does that
//! with one `random.Random(seed)` over the documents in order. [`document`] with a
//! [`StreamRng`] keyed by `(seed, document index)` is the streaming form (any thread count, same
//! output).

use serde::Deserialize;

use super::rng::{PyRandom, Rng, StreamRng};
use super::{check_prob, target_length, truncate_pair, Document, Instance, Sentence, Specials, Tokens};
use crate::error::{Error, Result};

/// Settings (v1.0: `max_seq_length` 128, `short_seq_prob` 0.05, `short_min_length` 5).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectraConfig {
    /// Tokens per instance including `[CLS]` and two `[SEP]` (the reference's `block_size`).
    pub max_seq_length: usize,
    /// Probability that a document gets a short target length.
    pub short_seq_prob: f64,
    /// Smallest short target length.
    pub short_min_length: usize,
    /// The seed.
    pub seed: u64,
}

impl ElectraConfig {
    /// Checks the settings.
    pub fn validate(&self, sp: &Specials) -> Result<()> {
        sp.validate()?;
        if self.short_min_length == 0 || self.max_seq_length < self.short_min_length + 3 {
            return Err(Error::Config(format!(
                "max_seq_length ({}) must be at least short_min_length ({}) + 3, short_min_length at least 1",
                self.max_seq_length, self.short_min_length
            )));
        }
        check_prob("short_seq_prob", self.short_seq_prob)
    }
}

/// One `random.Random(seed)` over the documents in order (empty sentences skipped).
pub fn compat(documents: &[Document], cfg: &ElectraConfig, sp: &Specials) -> Result<Vec<Instance>> {
    cfg.validate(sp)?;
    let mut rng = PyRandom::new(cfg.seed);
    let mut out = Vec::new();
    for doc in documents {
        document(doc, cfg, sp, &mut rng, &mut out);
    }
    Ok(out)
}

/// Streaming: document `index` drawn from its own stream keyed by `(seed, index)`.
pub fn stream(documents: &[Document], first_index: u64, cfg: &ElectraConfig, sp: &Specials) -> Result<Vec<Instance>> {
    cfg.validate(sp)?;
    let mut out = Vec::new();
    for (k, doc) in documents.iter().enumerate() {
        let mut rng = StreamRng::for_key(&[cfg.seed, first_index + k as u64]);
        document(doc, cfg, sp, &mut rng, &mut out);
    }
    Ok(out)
}

/// The instances of one document (settings validated by the caller).
pub fn document<R: Rng>(doc: &Document, cfg: &ElectraConfig, sp: &Specials, rng: &mut R, out: &mut Vec<Instance>) {
    let sentences: Vec<&Sentence> = doc.iter().filter(|s| !s.is_empty()).collect();
    if sentences.is_empty() {
        return;
    }
    let max_tokens = cfg.max_seq_length - 3;
    let target = target_length(rng, max_tokens, cfg.short_seq_prob, cfg.short_min_length);
    let (mut start, mut length) = (0usize, 0usize);
    for i in 0..sentences.len() {
        length += sentences[i].len();
        if i == sentences.len() - 1 || length >= target {
            out.push(chunk_instance(&sentences[start..=i], max_tokens, sp, rng));
            start = i + 1;
            length = 0;
        }
    }
}

fn chunk_instance<R: Rng>(chunk: &[&Sentence], max_tokens: usize, sp: &Specials, rng: &mut R) -> Instance {
    let n = chunk.len();
    let a_end = if n >= 2 { rng.randint(1, n as u64 - 1) as usize } else { 1 };
    let (a, b) = (&chunk[..a_end], &chunk[a_end..]);
    let (mut ra, mut rb) = (0..Tokens::len(a), 0..Tokens::len(b));
    truncate_pair(&mut ra, &mut rb, max_tokens, rng);
    Instance::pair(a, ra, b, rb, sp, None)
}

#[cfg(test)]
#[path = "electra_test.rs"]
mod tests;
