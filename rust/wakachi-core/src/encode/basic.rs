//! transformers' `BasicTokenizer` as `BertJapaneseTokenizer` builds it (`tokenize_chinese_chars`
//! off, `strip_accents` unset so accents are stripped exactly when lower-casing): clean control
//! characters, NFC, split on whitespace, lower-case + strip accents, split off punctuation.

use rustc_hash::FxHashSet;
use unicode_normalization::UnicodeNormalization;

use super::align::Aligned;
use super::normalize::{
    is_bert_control, is_bert_punctuation, is_bert_whitespace, is_py_space, lower, nfc, py_split, strip_accents,
};

/// Appends the words of `text` to `out`. Words in `never_split` are neither lower-cased nor split.
pub fn tokenize(text: &str, lower_case: bool, never_split: &FxHashSet<String>, out: &mut Vec<String>) {
    let cleaned = clean(text);
    let text = nfc(&cleaned);
    for word in py_split(&text) {
        if never_split.contains(word) {
            out.push(word.to_string());
            continue;
        }
        let word = if lower_case { strip_accents(&lower(word)) } else { word.to_string() };
        if never_split.contains(&word) {
            out.push(word);
        } else {
            split_on_punctuation(&word, out);
        }
    }
}

/// [`tokenize`] on a text that remembers its original offsets; the words (their texts) are those
/// of [`tokenize`].
pub fn tokenize_aligned(text: &Aligned, lower_case: bool, never_split: &FxHashSet<String>, out: &mut Vec<Aligned>) {
    let cleaned = text.map_chars(clean_char);
    let text = cleaned.transform(&nfc(&cleaned.text), |s, o| o.extend(s.nfc()));
    for word in text.split(is_py_space) {
        if never_split.contains(&word.text) {
            out.push(word);
            continue;
        }
        let word = if lower_case {
            let lowered = lower(&word.text);
            let stripped = strip_accents(&lowered);
            word.lower(&lowered).transform(&stripped, |s, o| o.push_str(&strip_accents(s)))
        } else {
            word
        };
        if never_split.contains(&word.text) {
            out.push(word);
            continue;
        }
        let mut start = 0;
        for (i, c) in word.text.char_indices() {
            if is_bert_punctuation(c) {
                out.extend(word.slice(start, i).split(is_py_space));
                out.push(word.slice(i, i + c.len_utf8()));
                start = i + c.len_utf8();
            }
        }
        out.extend(word.slice(start, word.text.len()).split(is_py_space));
    }
}

fn clean_char(c: char) -> Option<char> {
    if c == '\0' || c == '\u{fffd}' || is_bert_control(c) {
        None
    } else if is_bert_whitespace(c) {
        Some(' ')
    } else {
        Some(c)
    }
}

/// `_clean_text`: drops NUL, U+FFFD and control characters; whitespace becomes a space.
fn clean(text: &str) -> String {
    text.chars().filter_map(clean_char).collect()
}

/// `_run_split_on_punc` followed by the final whitespace split: every punctuation character is a
/// word of its own. (Pieces cannot contain whitespace here, so the re-split only drops empties.)
fn split_on_punctuation(word: &str, out: &mut Vec<String>) {
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if is_bert_punctuation(c) {
            push_split(&word[start..i], out);
            out.push(c.to_string());
            start = i + c.len_utf8();
        }
    }
    push_split(&word[start..], out);
}

fn push_split(piece: &str, out: &mut Vec<String>) {
    out.extend(py_split(piece).map(str::to_string));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_basic_tokenizer() {
        let never: FxHashSet<String> = ["[MASK]".to_string()].into_iter().collect();
        let mut out = Vec::new();
        tokenize("Héllo, [MASK]\u{200b}world!\tＡ", true, &never, &mut out);
        assert_eq!(out, ["hello", ",", "[", "mask", "]", "world", "!", "ａ"]);
        out.clear();
        tokenize("日本語。 [MASK] X", false, &never, &mut out);
        assert_eq!(out, ["日本語", "。", "[MASK]", "X"]);
    }
}
