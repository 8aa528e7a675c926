//! colorfulscoop GPT-2 (`gpt-ja` `BlockDataset`): the token ids of every sentence concatenated
//! with no separator (the reference adds no BOS/EOS, neither between sentences nor between
//! documents — its corpus has no document boundaries), cut into windows of `block_size + 1`
//! tokens with stride `block_size` (inputs are a window's first `block_size` tokens, labels its
//! last `block_size`: consecutive windows share one token); the remainder is dropped.
//!
//! `separator` optionally puts an id (e.g. `</s>`) after each document; the reference has none.
//! Instances hold the `block_size + 1` window, segment ids 0, no masks; no randomness.

use serde::Deserialize;

use super::{Document, Instance, Specials};
use crate::error::{Error, Result};

/// Settings (reference: `block_size` 1024, no separator).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gpt2Config {
    /// Tokens the model sees per row; rows hold one more (the last label).
    pub block_size: usize,
    /// An id written after each document, or none.
    pub separator: Option<u32>,
}

/// Streaming packer: feed documents in order, then [`Packer::finish`].
#[derive(Debug)]
pub struct Packer {
    cfg: Gpt2Config,
    ids: Vec<u32>,
    starts: Vec<bool>,
}

impl Packer {
    /// A validated packer.
    pub fn new(cfg: Gpt2Config, sp: &Specials) -> Result<Self> {
        if cfg.block_size == 0 {
            return Err(Error::Config("block_size must be at least 1".into()));
        }
        if let Some(s) = cfg.separator {
            if s >= sp.vocab_size {
                return Err(Error::Config(format!("separator id {s} is outside the vocabulary of {}", sp.vocab_size)));
            }
        }
        Ok(Packer { cfg, ids: Vec::new(), starts: Vec::new() })
    }

    /// Appends one document; full windows go to `out`.
    pub fn push_document(&mut self, doc: &Document, out: &mut Vec<Instance>) {
        for s in doc {
            self.ids.extend_from_slice(&s.ids);
            self.starts.extend_from_slice(&s.word_starts);
        }
        if let Some(sep) = self.cfg.separator {
            self.ids.push(sep);
            self.starts.push(true);
        }
        self.drain(out);
    }

    fn drain(&mut self, out: &mut Vec<Instance>) {
        let n = self.cfg.block_size;
        let mut at = 0;
        while self.ids.len() - at > n {
            out.push(Instance::single(None, (&self.ids[at..at + n + 1], &self.starts[at..at + n + 1]), None));
            at += n;
        }
        self.ids.drain(..at);
        self.starts.drain(..at);
    }

    /// Ends the stream; the remainder (shorter than a window) is dropped, as the reference does.
    pub fn finish(self) -> usize {
        self.ids.len()
    }
}

impl super::DocumentPacker for Packer {
    fn push_document(&mut self, doc: &Document, out: &mut Vec<Instance>) {
        Packer::push_document(self, doc, out);
    }

    /// The remainder shorter than a window is dropped, as in the reference.
    fn finish(self: Box<Self>, _out: &mut Vec<Instance>) {
        _ = Packer::finish(*self);
    }
}

/// All windows of `documents`.
pub fn pack(documents: &[Document], cfg: &Gpt2Config, sp: &Specials) -> Result<Vec<Instance>> {
    Ok(super::pack_all(Box::new(Packer::new(cfg.clone(), sp)?), documents))
}

#[cfg(test)]
#[path = "gpt2_test.rs"]
mod tests;
