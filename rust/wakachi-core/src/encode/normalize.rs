//! The text functions of Python and transformers' `BasicTokenizer` that the encoders rely on:
//! NFKC/NFC, `str.lower()`, `str.split()` whitespace, accent stripping and BERT's character
//! classes. Unicode data come from `unicode-normalization` and `unicode-general-category`
//! (newer Unicode versions than CPython 3.11's 14.0; identity is checked on the corpora).

use std::borrow::Cow;

use unicode_general_category::{get_general_category, GeneralCategory as G};
use unicode_normalization::{is_nfc_quick, is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Characters that NFKC leaves as they are whatever surrounds them (quick check "yes", combining
/// class 0): ASCII and the bulk of Japanese and Chinese text. Checked first, without the
/// quick check's table search; a unit test holds every one against `unicode-normalization`.
#[inline]
fn nfkc_stable(c: char) -> bool {
    matches!(c as u32,
        0..=0x7F
        | 0x3001..=0x3002 // 、。
        | 0x3005..=0x3007 // 々〆〇
        | 0x300C..=0x300F // 「」『』
        | 0x3041..=0x3096 // hiragana letters
        | 0x30A1..=0x30FA // katakana letters
        | 0x30FB..=0x30FC // ・ー
        | 0x4E00..=0x9FFF // CJK unified ideographs
    )
}

/// `unicodedata.normalize("NFKC", s)`.
pub fn nfkc(s: &str) -> Cow<'_, str> {
    if s.chars().all(nfkc_stable) || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfkc().collect())
    }
}

/// `unicodedata.normalize("NFC", s)`.
pub fn nfc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// Python's `str.lower()` (full case mapping, final sigma).
pub fn lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        let l = s.to_lowercase();
        if l == s {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(l)
        }
    }
}

/// Whitespace as Python's `str.split()`/`str.strip()` see it: Unicode White_Space plus the
/// information separators U+001C–U+001F.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.split()` with no argument.
pub fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_py_space).filter(|w| !w.is_empty())
}

/// BERT's `_is_whitespace`: space, tab, newline, carriage return or category Zs.
pub fn is_bert_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r') || get_general_category(c) == G::SpaceSeparator
}

/// BERT's `_is_control`: category C* except tab, newline and carriage return.
pub fn is_bert_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    matches!(get_general_category(c), G::Control | G::Format | G::Surrogate | G::PrivateUse | G::Unassigned)
}

/// BERT's `_is_punctuation`: ASCII non-alphanumeric symbols or category P*.
pub fn is_bert_punctuation(c: char) -> bool {
    let cp = c as u32;
    if (33..=47).contains(&cp) || (58..=64).contains(&cp) || (91..=96).contains(&cp) || (123..=126).contains(&cp) {
        return true;
    }
    matches!(
        get_general_category(c),
        G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
    )
}

/// `BasicTokenizer._run_strip_accents`: NFD, then drop nonspacing marks (Mn).
pub fn strip_accents(s: &str) -> String {
    s.nfd().filter(|&c| get_general_category(c) != G::NonspacingMark).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_characters_are_nfkc_stable() {
        let stable: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|&c| nfkc_stable(c)).collect();
        assert!(stable.len() > 20_000);
        for &c in &stable {
            assert_eq!(is_nfkc_quick(std::iter::once(c)), IsNormalized::Yes, "U+{:04X}", c as u32);
            assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            // and it composes with nothing stable before it
            let pair = format!("a{c}\u{3042}{c}");
            assert_eq!(pair.nfkc().collect::<String>(), pair);
        }
    }

    #[test]
    fn python_semantics() {
        assert_eq!(nfkc("ｶﾞ①ＡＢ"), "ガ1AB");
        assert_eq!(lower("ÀΣ İ"), "àς i\u{307}");
        assert_eq!(lower("ΑΣ"), "ας");
        assert_eq!(py_split("\u{1c}a\u{3000}b\u{85}c ").collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(py_split("a\u{200b}b").count(), 1);
        assert_eq!(strip_accents("café"), "cafe");
        assert!(is_bert_punctuation('$') && is_bert_punctuation('「') && !is_bert_punctuation('あ'));
        assert!(is_bert_control('\u{200b}') && !is_bert_control('\n'));
        assert!(is_bert_whitespace('\u{3000}') && !is_bert_whitespace('\u{b}'));
    }
}
