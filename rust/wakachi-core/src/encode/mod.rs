//! Stage 2: words → token ids.
//!
//! [`bert_japanese::BertJapanese`] reproduces transformers' `BertJapaneseTokenizer` (word
//! tokenizer + WordPiece or character vocabulary) and also returns, for every token, the index
//! of the word it came from (used later for whole-word masking). [`unigram::Unigram`] reproduces
//! sentencepiece's Unigram model encoding, and [`sentencepiece::SentencePiece`] the transformers
//! classes over it (`AlbertTokenizer`, `BertGenerationTokenizer`) or a bare `.model`.
//! [`AnyTokenizer`] is either kind, with one encoding interface (ids and word ids).

pub mod align;
pub mod basic;
pub mod batch;
pub mod bert_japanese;
pub mod char;
pub mod config;
pub mod inputs;
pub mod normalize;
pub mod specials;
pub mod vocab_file;
pub mod wordpiece;

pub use batch::{encode_inputs, encode_many, write_ids};
pub use bert_japanese::{BertJapanese, EncodeWorker, Encoding};
pub use vocab_file::Vocab;
pub mod sentencepiece;
pub mod unigram;

pub use sentencepiece::SentencePiece;

/// A tokenizer of any supported kind (immutable, shared by all threads).
pub enum AnyTokenizer {
    /// transformers' `BertJapaneseTokenizer`.
    BertJapanese(Box<BertJapanese>),
    /// SentencePiece: a `.model`, `AlbertTokenizer` or `BertGenerationTokenizer`.
    SentencePiece(Box<SentencePiece>),
}

/// Per-thread encoding state of an [`AnyTokenizer`].
pub enum AnyWorker<'t> {
    /// Of a `BertJapaneseTokenizer`.
    BertJapanese(EncodeWorker<'t>),
    /// Of a SentencePiece tokenizer.
    SentencePiece(sentencepiece::Worker<'t>),
}

impl AnyTokenizer {
    /// A worker for the calling thread.
    pub fn worker(&self) -> AnyWorker<'_> {
        match self {
            AnyTokenizer::BertJapanese(t) => AnyWorker::BertJapanese(t.worker()),
            AnyTokenizer::SentencePiece(t) => AnyWorker::SentencePiece(t.worker()),
        }
    }

    /// Entries of the vocabulary (`vocab.txt` or the model's pieces; added tokens not counted).
    pub fn vocab_size(&self) -> usize {
        match self {
            AnyTokenizer::BertJapanese(t) => t.vocab().len(),
            AnyTokenizer::SentencePiece(t) => t.model().vocab_size(),
        }
    }

    /// The token of `id` (vocabulary entries and added tokens).
    pub fn token(&self, id: u32) -> Option<String> {
        match self {
            AnyTokenizer::BertJapanese(t) => t.token(id).map(str::to_string),
            AnyTokenizer::SentencePiece(t) => t.token(id),
        }
    }
}

impl AnyWorker<'_> {
    /// Encodes `text`, replacing the contents of `out`.
    pub fn encode(&mut self, text: &str, out: &mut Encoding) {
        match self {
            AnyWorker::BertJapanese(w) => w.encode(text, out),
            AnyWorker::SentencePiece(w) => w.encode(text, out),
        }
    }

    /// The ids of `text`.
    pub fn encode_ids(&mut self, text: &str, out: &mut Vec<u32>) {
        match self {
            AnyWorker::BertJapanese(w) => w.encode_ids(text, out),
            AnyWorker::SentencePiece(w) => {
                let mut enc = Encoding { ids: std::mem::take(out), word_ids: Vec::new() };
                w.encode(text, &mut enc);
                *out = enc.ids;
            }
        }
    }
}
