//! transformers' `CharacterTokenizer`: NFKC, then one token per character (whitespace included),
//! `[UNK]` for characters not in the vocabulary.

use super::normalize::nfkc;
use super::vocab_file::Vocab;

/// Appends the character ids of `word` to `out`.
pub fn encode_word(vocab: &Vocab, unk: u32, normalize: bool, word: &str, out: &mut Vec<u32>) {
    let text = if normalize { nfkc(word) } else { word.into() };
    out.extend(text.chars().map(|c| vocab.char_id(c).unwrap_or(unk)));
}

#[cfg(test)]
#[path = "char_test.rs"]
mod tests;
