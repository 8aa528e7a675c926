//! transformers' `WordpieceTokenizer`: each whitespace-separated part of a word is split greedily,
//! longest match first, continuation pieces prefixed `##`; a part longer than
//! [`MAX_INPUT_CHARS_PER_WORD`] characters, or one that cannot be covered, becomes one `[UNK]`.

use super::normalize::py_split;
use super::vocab_file::Vocab;

/// transformers' `max_input_chars_per_word`.
pub const MAX_INPUT_CHARS_PER_WORD: usize = 100;

/// Appends the pieces of `word` to `out`; `bounds` is scratch space.
pub fn encode_word(vocab: &Vocab, unk: u32, word: &str, bounds: &mut Vec<usize>, out: &mut Vec<u32>) {
    for part in py_split(word) {
        bounds.clear();
        bounds.extend(part.char_indices().map(|(i, _)| i));
        if bounds.len() > MAX_INPUT_CHARS_PER_WORD {
            out.push(unk);
            continue;
        }
        bounds.push(part.len());
        let mark = out.len();
        if !greedy(vocab, part, bounds, out) {
            out.truncate(mark);
            out.push(unk);
        }
    }
}

/// Longest-match-first over the character boundaries `bounds` of `part`; false if some position
/// has no matching piece.
fn greedy(vocab: &Vocab, part: &str, bounds: &[usize], out: &mut Vec<u32>) -> bool {
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
        start = end;
    }
    true
}

#[cfg(test)]
#[path = "wordpiece_test.rs"]
mod tests;
