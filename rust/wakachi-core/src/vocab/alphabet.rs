//! The initial alphabet of cl-tohoku's BERT v3 (`make_alphabet_from_unidic.py`): every character
//! of every lexicon surface, NFKC-normalised one character at a time, kept when the result is a
//! single character that Python's `str.isprintable()` accepts; deduplicated and sorted by code point.

use std::collections::BTreeSet;

use unicode_general_category::{get_general_category, GeneralCategory as G};

use crate::encode::normalize::nfkc;
use crate::segment::mecab::dict::MecabDict;

/// Python's `str.isprintable()` for one character: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp
/// or Zs, except that the ASCII space is printable.
pub fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::SpaceSeparator
    )
}

/// The alphabet of `surfaces`, sorted by code point.
pub fn alphabet_of<'a>(surfaces: impl IntoIterator<Item = &'a str>) -> Vec<char> {
    let mut seen = BTreeSet::new();
    let mut buf = [0u8; 4];
    for s in surfaces {
        for c in s.chars() {
            let n = nfkc(c.encode_utf8(&mut buf));
            let mut it = n.chars();
            if let (Some(k), None) = (it.next(), it.next()) {
                if is_printable(k) {
                    seen.insert(k);
                }
            }
        }
    }
    seen.into_iter().collect()
}

/// The alphabet of a MeCab dictionary's lexicon (unknown-word entries are not surfaces).
pub fn mecab_alphabet(dict: &MecabDict) -> Vec<char> {
    alphabet_of(dict.lex.iter().map(|e| e.surface.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_per_character_single_printable() {
        // ｱ → ア; ㍻ → 平成 (two chars, dropped); U+3000 → space (printable after NFKC);
        // U+200B (Cf) dropped; duplicates after NFKC collapse.
        let a = alphabet_of(["ｱア", "㍻", "\u{3000}\u{200b}", "b", "a"]);
        assert_eq!(a, [' ', 'a', 'b', 'ア']);
        assert!(is_printable('あ') && !is_printable('\u{a0}') && !is_printable('\n'));
    }
}
