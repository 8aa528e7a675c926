//! UER-py `MlmDataset` (`--data_processor mlm`, the word-based Chinese RoBERTa miniatures): each
//! corpus line is one document `[CLS] ids [SEP]`, cut into consecutive chunks of `seq_length`
//! tokens (only the first chunk starts with `[CLS]`, only the last ends with `[SEP]`); the
//! remainder is a last, shorter chunk (UER pads it; here rows are unpadded and the writer pads).
//! Chunks never cross documents. With `full_sentences`, up to `docs_buffer_size` documents are
//! concatenated first and the concatenation is chunked the same way (chunks cross documents
//! inside a buffer, never across buffers).
//!
//! Here a document is one of ours — its sentences concatenated — and stands for UER's line; a
//! document without tokens gives `[CLS] [SEP]`, as UER's blank line does. `empty_tail` reproduces
//! the February-2021 code (contemporary with the released models), which emitted an all-padding
//! row (here: a row of zero tokens) when a document's length is an exact multiple of
//! `seq_length`; later UER returns without it. Masking is dynamic (the loader's); no randomness.

use serde::Deserialize;

use super::{Document, Instance, Sentence, Specials};
use crate::error::{Error, Result};

/// Settings (models' recipe: `seq_length` 128 then 512, no `full_sentences`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UerConfig {
    /// Tokens per row.
    pub seq_length: usize,
    /// Concatenate documents of a buffer before chunking.
    pub full_sentences: bool,
    /// Documents per buffer with `full_sentences` (UER's default 100000).
    pub docs_buffer_size: usize,
    /// Emit an empty row when a chunked sequence's length is a multiple of `seq_length`
    /// (UER as of February 2021).
    pub empty_tail: bool,
}

/// Streaming packer: feed documents in order, then [`Packer::finish`].
#[derive(Debug)]
pub struct Packer {
    cfg: UerConfig,
    sp: Specials,
    buffer: Sentence,
    buffered_docs: usize,
}

impl Packer {
    /// A validated packer.
    pub fn new(cfg: UerConfig, sp: Specials) -> Result<Self> {
        sp.validate()?;
        if cfg.seq_length == 0 || cfg.docs_buffer_size == 0 {
            return Err(Error::Config("seq_length and docs_buffer_size must be at least 1".into()));
        }
        Ok(Packer { cfg, sp, buffer: Sentence::default(), buffered_docs: 0 })
    }

    /// Adds one document; finished rows go to `out`.
    pub fn push_document(&mut self, doc: &Document, out: &mut Vec<Instance>) {
        self.buffer.push(self.sp.cls, true);
        doc.iter().for_each(|s| self.buffer.extend(s));
        self.buffer.push(self.sp.sep, true);
        self.buffered_docs += 1;
        if !self.cfg.full_sentences || self.buffered_docs == self.cfg.docs_buffer_size {
            self.flush(out);
        }
    }

    fn flush(&mut self, out: &mut Vec<Instance>) {
        let l = self.cfg.seq_length;
        let b = &self.buffer;
        for (ids, starts) in b.ids.chunks(l).zip(b.word_starts.chunks(l)) {
            out.push(Instance::single(None, (ids, starts), None));
        }
        let last_chunk_full = !matches!(b.ids.chunks(l).last(), Some(c) if c.len() < l);
        if self.cfg.empty_tail && self.buffered_docs > 0 && last_chunk_full {
            out.push(Instance::default());
        }
        self.buffer = Sentence::default();
        self.buffered_docs = 0;
    }

    /// Chunks what is left in the buffer.
    pub fn finish(mut self, out: &mut Vec<Instance>) {
        self.flush(out);
    }
}

impl super::DocumentPacker for Packer {
    fn push_document(&mut self, doc: &Document, out: &mut Vec<Instance>) {
        Packer::push_document(self, doc, out);
    }

    fn finish(self: Box<Self>, out: &mut Vec<Instance>) {
        Packer::finish(*self, out);
    }
}

/// All rows of `documents`.
pub fn pack(documents: &[Document], cfg: &UerConfig, sp: &Specials) -> Result<Vec<Instance>> {
    Ok(super::pack_all(Box::new(Packer::new(cfg.clone(), *sp)?), documents))
}

#[cfg(test)]
#[path = "uer_test.rs"]
mod tests;
