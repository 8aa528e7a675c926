//! Dynamic masking: a new mask for every (seed, epoch, row), drawn from a stream keyed by them,
//! so a run that resumes (on any world size) masks exactly as an uninterrupted one.
//!
//! Candidates are the positions whose id is not special (`[CLS]`, `[SEP]`, `[PAD]`, `[MASK]` and
//! any other id the caller names). With `whole_word`, a candidate that is not a word start joins
//! the word before it when that word's last token is the previous position, so the unit is the
//! word as the segmenter cut it (MeCab, jieba, a SentencePiece `▁` piece) for WordPiece, character
//! and Unigram vocabularies alike; a word is masked whole or not at all.
//!
//! Rules (what decides how many tokens are predicted):
//! - [`MaskRule::Budget`]: Google's: `n = max(1, round_half_even(len × prob))` (capped at
//!   `max_predictions`), words shuffled, a word that would overshoot `n` skipped. RoBERTa default.
//! - [`MaskRule::Exact`]: UER-py's `mask_seq`: `n = max(1, round_half_even(len × prob))` with
//!   `len` the unpadded length, no cap; words shuffled and taken until `n` tokens are chosen
//!   (token-level: exactly `n`; whole words: the last word may end past `n`, as UER's).
//! - [`MaskRule::Bernoulli`]: izumi-lab's ELECTRA collator: each word chosen with probability
//!   `prob`, visited in a shuffled order, up to `max_predictions` tokens.
//!
//! Each chosen token is then replaced: `[MASK]` with probability `mask_share`, a random
//! non-special id with probability `random_share`, else kept (80/10/10 for BERT, RoBERTa and UER;
//! 85/0/15 for ELECTRA).

use serde::Deserialize;

use crate::instances::rng::{Rng, StreamRng};

/// How many tokens of a row are predicted.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(tag = "rule", rename_all = "lowercase", deny_unknown_fields)]
pub enum MaskRule {
    /// Google/RoBERTa: a budget of `round(len × prob)` tokens, whole words that fit.
    Budget {
        /// Share of the row's length.
        prob: f64,
        /// Cap on predictions per row.
        max_predictions: Option<usize>,
    },
    /// UER-py: exactly `max(1, round(len × prob))` tokens (no cap).
    Exact {
        /// Share of the row's unpadded length.
        prob: f64,
    },
    /// ELECTRA (izumi-lab): each word with probability `prob`, up to `max_predictions` tokens.
    Bernoulli {
        /// Probability per word.
        prob: f64,
        /// Cap on predictions per row.
        max_predictions: Option<usize>,
    },
}

/// A dynamic masking policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskConfig {
    /// How many tokens.
    pub rule: MaskRule,
    /// Mask whole words (from the stored word starts).
    pub whole_word: bool,
    /// Share of chosen tokens replaced by `[MASK]`.
    pub mask_share: f64,
    /// Share of chosen tokens replaced by a random non-special id.
    pub random_share: f64,
}

/// What masking needs of the vocabulary.
#[derive(Debug, Clone)]
pub struct MaskVocab {
    /// `[MASK]`.
    pub mask_id: u32,
    /// `[PAD]` (trailing padding does not count in a row's length).
    pub pad_id: u32,
    /// Vocabulary size.
    pub vocab_size: u32,
    /// Ids never chosen and never drawn as a random replacement, sorted.
    pub special: Vec<u32>,
}

impl MaskVocab {
    fn is_special(&self, id: u32) -> bool {
        self.special.binary_search(&id).is_ok()
    }

    /// A uniformly drawn non-special id (rejection sampling; the caller checks that one exists).
    fn random_id<R: Rng>(&self, rng: &mut R) -> u32 {
        loop {
            let id = rng.below(u64::from(self.vocab_size)) as u32;
            if !self.is_special(id) {
                return id;
            }
        }
    }
}

/// Masks `ids` in place. Returns the chosen positions, ascending, with their original ids.
/// `starts` may be empty (no word starts stored: every token its own word).
pub fn mask_row(ids: &mut [u32], starts: &[bool], cfg: &MaskConfig, vocab: &MaskVocab, key: &[u64]) -> Vec<(u32, u32)> {
    let mut rng = StreamRng::for_key(key);
    // Words as (first position, length) over consecutive candidate positions.
    let mut words: Vec<(u32, u32)> = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        if vocab.is_special(id) {
            continue;
        }
        let continues = cfg.whole_word && !starts.get(i).copied().unwrap_or(true);
        match words.last_mut() {
            Some(w) if continues && (w.0 + w.1) as usize == i => w.1 += 1,
            _ => words.push((i as u32, 1)),
        }
    }
    rng.shuffle(&mut words);
    // The length counts `[CLS]`/`[SEP]` as the references do, not trailing padding (UER's rows).
    let unpadded = ids.len() - ids.iter().rev().take_while(|&&id| id == vocab.pad_id).count();
    let len = unpadded as f64;
    let mut chosen: Vec<u32> = Vec::new();
    match cfg.rule {
        MaskRule::Budget { prob, max_predictions } => {
            let mut n = (len * prob).round_ties_even().max(1.0) as usize;
            if let Some(cap) = max_predictions {
                n = n.min(cap);
            }
            for &(s, l) in &words {
                if chosen.len() >= n {
                    break;
                }
                if chosen.len() + l as usize > n {
                    continue;
                }
                chosen.extend(s..s + l);
            }
        }
        MaskRule::Exact { prob } => {
            let n = (len * prob).round_ties_even().max(1.0) as usize;
            for &(s, l) in &words {
                if chosen.len() >= n {
                    break;
                }
                chosen.extend(s..s + l);
            }
        }
        MaskRule::Bernoulli { prob, max_predictions } => {
            let cap = max_predictions.unwrap_or(usize::MAX);
            for &(s, l) in &words {
                if rng.random() < prob && chosen.len() + l as usize <= cap {
                    chosen.extend(s..s + l);
                }
            }
        }
    }
    chosen.sort_unstable();
    let mut out = Vec::with_capacity(chosen.len());
    for p in chosen {
        let orig = ids[p as usize];
        let r = rng.random();
        if r < cfg.mask_share {
            ids[p as usize] = vocab.mask_id;
        } else if r < cfg.mask_share + cfg.random_share {
            ids[p as usize] = vocab.random_id(&mut rng);
        }
        out.push((p, orig));
    }
    out
}
