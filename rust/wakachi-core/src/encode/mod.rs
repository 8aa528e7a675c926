//! Stage 2: words → token ids.
//!
//! [`bert_japanese::BertJapanese`] reproduces transformers' `BertJapaneseTokenizer` (word
//! tokenizer + WordPiece or character vocabulary) and also returns, for every token, the index
//! of the word it came from (used later for whole-word masking). [`unigram::Unigram`] reproduces
//! sentencepiece's Unigram model encoding.

pub mod basic;
pub mod batch;
pub mod bert_japanese;
pub mod char;
pub mod config;
pub mod normalize;
pub mod specials;
pub mod vocab_file;
pub mod wordpiece;

pub use batch::{encode_inputs, encode_many, write_ids};
pub use bert_japanese::{BertJapanese, EncodeWorker, Encoding};
pub use vocab_file::Vocab;
pub mod unigram;
