//! transformers' `WordpieceTokenizer`: each whitespace-separated part of a word is split greedily,
//! longest match first, continuation pieces prefixed `##`; a part longer than
//! [`MAX_INPUT_CHARS_PER_WORD`] characters, or one that cannot be covered, becomes one `[UNK]`.

use super::normalize::py_split;
use super::vocab_file::Vocab;

/// transformers' `max_input_chars_per_word`.
pub const MAX_INPUT_CHARS_PER_WORD: usize = 100;

/// Appends the pieces of `word` to `out`.
pub fn encode_word(vocab: &Vocab, unk: u32, word: &str, out: &mut Vec<u32>) {
    encode_word_spans(vocab, unk, word, out, None);
}

/// [`encode_word`], also appending to `spans` (when given) the byte range of each piece in `word`
/// (an `[UNK]` covers its whole whitespace-separated part).
pub fn encode_word_spans(
    vocab: &Vocab,
    unk: u32,
    word: &str,
    out: &mut Vec<u32>,
    mut spans: Option<&mut Vec<(usize, usize)>>,
) {
    for part in py_split(word) {
        let base = part.as_ptr() as usize - word.as_ptr() as usize;
        let whole = (base, base + part.len());
        let mark = out.len();
        let span_mark = spans.as_deref().map_or(0, Vec::len);
        if (part.len() > MAX_INPUT_CHARS_PER_WORD && part.chars().nth(MAX_INPUT_CHARS_PER_WORD).is_some())
            || !greedy(vocab, part, out, spans.as_deref_mut(), base)
        {
            out.truncate(mark);
            out.push(unk);
            if let Some(s) = spans.as_deref_mut() {
                s.truncate(span_mark);
                s.push(whole);
            }
        }
    }
}

/// Longest match first: at each position the longest entry the rest of `part` starts with (a
/// continuation after the first); false if some position has none. Keys are whole UTF-8
/// strings, so every match ends on a character boundary. Piece spans are offset by `base`.
fn greedy(
    vocab: &Vocab,
    part: &str,
    out: &mut Vec<u32>,
    mut spans: Option<&mut Vec<(usize, usize)>>,
    base: usize,
) -> bool {
    let mut start = 0;
    while start < part.len() {
        let rest = &part[start..];
        let found = if start == 0 { vocab.longest(rest) } else { vocab.longest_continuation(rest) };
        let Some((len, id)) = found else { return false };
        out.push(id);
        if let Some(s) = spans.as_deref_mut() {
            s.push((base + start, base + start + len));
        }
        start += len;
    }
    true
}

#[cfg(test)]
#[path = "wordpiece_test.rs"]
mod tests;
