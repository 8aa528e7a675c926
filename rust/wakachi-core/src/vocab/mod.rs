//! Vocabulary training: word counts from any segmenter ([`count`]), the WordPiece trainer of HF
//! `tokenizers` reproduced deterministically ([`wordpiece`]), and the initial alphabet cl-tohoku
//! derives from a MeCab lexicon ([`alphabet`]).

pub mod alphabet;
pub mod count;
pub mod wordpiece;

pub use count::{WordCounts, WordOptions};
pub use wordpiece::{train_wordpiece, WordPieceSettings};
