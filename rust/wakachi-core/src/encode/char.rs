//! transformers' `CharacterTokenizer`: NFKC, then one token per character (whitespace included),
//! `[UNK]` for characters not in the vocabulary.

use super::normalize::nfkc;
use super::vocab::Vocab;

/// Appends the character ids of `word` to `out`.
pub fn encode_word(vocab: &Vocab, unk: u32, normalize: bool, word: &str, out: &mut Vec<u32>) {
    let text = if normalize { nfkc(word) } else { word.into() };
    out.extend(text.chars().map(|c| vocab.char_id(c).unwrap_or(unk)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn one_id_per_char() {
        let v = Vocab::parse(Path::new("v"), "[UNK]\n日\n本\nA".as_bytes()).unwrap();
        let mut out = Vec::new();
        encode_word(&v, 0, true, "日本Ａ語", &mut out);
        assert_eq!(out, [1, 2, 3, 0]);
    }
}
