//! transformers' `WordpieceTokenizer`: each whitespace-separated part of a word is split greedily,
//! longest match first, continuation pieces prefixed `##`; a part longer than
//! [`MAX_INPUT_CHARS_PER_WORD`] characters, or one that cannot be covered, becomes one `[UNK]`.

use super::normalize::{is_py_space, py_split};
use super::vocab_file::Vocab;

/// transformers' `max_input_chars_per_word`.
pub const MAX_INPUT_CHARS_PER_WORD: usize = 100;

/// Appends the pieces of `word` to `out`; `bounds` is scratch space.
pub fn encode_word(vocab: &Vocab, unk: u32, word: &str, bounds: &mut Vec<usize>, out: &mut Vec<u32>) {
    encode_word_spans(vocab, unk, word, bounds, out, None);
}

/// [`encode_word`], also appending to `spans` (when given) the byte range of each piece in `word`
/// (an `[UNK]` covers its whole whitespace-separated part).
pub fn encode_word_spans(
    vocab: &Vocab,
    unk: u32,
    word: &str,
    bounds: &mut Vec<usize>,
    out: &mut Vec<u32>,
    mut spans: Option<&mut Vec<(usize, usize)>>,
) {
    // Most words are one vocabulary entry: the greedy search would try the whole word first.
    if let Some(id) = vocab.id(word).filter(|_| !word.is_empty()) {
        let mut chars = 0;
        if word.chars().all(|c| {
            chars += 1;
            !is_py_space(c)
        }) && chars <= MAX_INPUT_CHARS_PER_WORD
        {
            out.push(id);
            if let Some(s) = spans {
                s.push((0, word.len()));
            }
            return;
        }
    }
    for part in py_split(word) {
        let base = part.as_ptr() as usize - word.as_ptr() as usize;
        bounds.clear();
        bounds.extend(part.char_indices().map(|(i, _)| i));
        let whole = (base, base + part.len());
        if bounds.len() > MAX_INPUT_CHARS_PER_WORD {
            out.push(unk);
            if let Some(s) = spans.as_deref_mut() {
                s.push(whole);
            }
            continue;
        }
        bounds.push(part.len());
        let mark = out.len();
        let span_mark = spans.as_deref().map_or(0, Vec::len);
        if !greedy(vocab, part, bounds, out, spans.as_deref_mut(), base) {
            out.truncate(mark);
            out.push(unk);
            if let Some(s) = spans.as_deref_mut() {
                s.truncate(span_mark);
                s.push(whole);
            }
        }
    }
}

/// Longest-match-first over the character boundaries `bounds` of `part`; false if some position
/// has no matching piece. Piece spans are offset by `base`.
fn greedy(
    vocab: &Vocab,
    part: &str,
    bounds: &[usize],
    out: &mut Vec<u32>,
    mut spans: Option<&mut Vec<(usize, usize)>>,
    base: usize,
) -> bool {
    let n = bounds.len() - 1;
    let mut start = 0;
    while start < n {
        let longest = n.min(start + vocab.max_chars());
        let found = (start + 1..=longest).rev().find_map(|end| {
            let piece = &part[bounds[start]..bounds[end]];
            let id = if start == 0 { vocab.id(piece) } else { vocab.continuation_id(piece) };
            id.map(|id| (end, id))
        });
        let Some((end, id)) = found else { return false };
        out.push(id);
        if let Some(s) = spans.as_deref_mut() {
            s.push((base + bounds[start], base + bounds[end]));
        }
        start = end;
    }
    true
}

#[cfg(test)]
#[path = "wordpiece_test.rs"]
mod tests;
