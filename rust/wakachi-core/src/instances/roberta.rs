//! RoBERTa FULL-SENTENCES packing (nlp-waseda RoBERTa): whole sentences packed contiguously,
//! across documents, into `[CLS] … [SEP]` rows of at most `max_seq_length` tokens, with a `[SEP]`
//! between documents; no pairs, no next-sentence prediction, no static masking.
//!
//! A sentence that does not fit in what is left of the row starts a new row (the separator that
//! would have preceded it is dropped, so no row starts with a separator); a sentence longer than
//! a whole row (`max_seq_length − 2`) is cut into row-sized pieces, so no token is lost. With
//! `cross_documents = false` every document ends its row (DOC-SENTENCES). The last partial row
//! is kept. There is no randomness: the output depends only on the input order.

use serde::Deserialize;

use super::{Document, Instance, Sentence, Specials};
use crate::error::{Error, Result};

/// Settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobertaConfig {
    /// Tokens per row including `[CLS]` and the final `[SEP]`.
    pub max_seq_length: usize,
    /// Let rows run on into the next document (FULL-SENTENCES) or end them at each document
    /// (DOC-SENTENCES).
    pub cross_documents: bool,
    /// Put a `[SEP]` between documents inside a row.
    pub doc_separator: bool,
}

/// Streaming packer: feed documents in order, then [`Packer::finish`].
#[derive(Debug)]
pub struct Packer {
    cfg: RobertaConfig,
    sp: Specials,
    row: Sentence,
    pending_separator: bool,
}

impl Packer {
    /// A validated packer.
    pub fn new(cfg: RobertaConfig, sp: Specials) -> Result<Self> {
        sp.validate()?;
        if cfg.max_seq_length < 3 {
            return Err(Error::Config(format!("max_seq_length must be at least 3, got {}", cfg.max_seq_length)));
        }
        Ok(Packer { cfg, sp, row: Sentence::default(), pending_separator: false })
    }

    fn budget(&self) -> usize {
        self.cfg.max_seq_length - 2
    }

    /// Packs one document; finished rows go to `out`.
    pub fn push_document(&mut self, doc: &Document, out: &mut Vec<Instance>) {
        let budget = self.budget();
        for s in doc.iter().filter(|s| !s.is_empty()) {
            for (ids, starts) in s.ids.chunks(budget).zip(s.word_starts.chunks(budget)) {
                self.push_piece(ids, starts, out);
            }
        }
        if self.cfg.cross_documents {
            self.pending_separator |= self.cfg.doc_separator && !self.row.is_empty();
        } else {
            self.flush(out);
        }
    }

    fn push_piece(&mut self, ids: &[u32], starts: &[bool], out: &mut Vec<Instance>) {
        let sep = usize::from(self.pending_separator && !self.row.is_empty());
        if self.row.len() + sep + ids.len() > self.budget() {
            self.flush(out);
        } else if sep == 1 {
            self.row.push(self.sp.sep, true);
        }
        self.pending_separator = false;
        self.row.ids.extend_from_slice(ids);
        self.row.word_starts.extend_from_slice(starts);
    }

    fn flush(&mut self, out: &mut Vec<Instance>) {
        if !self.row.is_empty() {
            out.push(Instance::single(Some(self.sp.cls), (&self.row.ids, &self.row.word_starts), Some(self.sp.sep)));
        }
        self.row = Sentence::default();
        self.pending_separator = false;
    }

    /// Emits the last partial row.
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
pub fn pack(documents: &[Document], cfg: &RobertaConfig, sp: &Specials) -> Result<Vec<Instance>> {
    Ok(super::pack_all(Box::new(Packer::new(cfg.clone(), *sp)?), documents))
}

#[cfg(test)]
#[path = "roberta_test.rs"]
mod tests;
