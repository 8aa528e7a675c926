//! Unit tests of `wordpiece.rs`.

use super::*;

fn counts(words: &[(&str, u64)]) -> WordCounts {
    let mut c = WordCounts::new();
    for &(w, n) in words {
        c.add(w, n);
    }
    c
}

#[test]
fn specials_alphabet_continuations_then_merges() {
    let c = counts(&[("abab", 3), ("ab", 2), ("b", 1)]);
    let s = WordPieceSettings { vocab_size: 100, special_tokens: vec!["[UNK]".into()], ..Default::default() };
    let v = train_wordpiece(&c, &s).unwrap();
    // (a,##b) 8, (##b,##a) 3, (##a,##b) 3 → ab; then (ab,##a) 3 < (##a,##b) 3 by ids → ##ab; abab.
    assert_eq!(v, ["[UNK]", "a", "b", "##b", "##a", "ab", "##ab", "abab"]);
}

#[test]
fn limit_alphabet_drops_rarest_and_min_frequency_stops() {
    let c = counts(&[("aaa", 5), ("bc", 1), ("d", 1)]);
    let s = WordPieceSettings {
        vocab_size: 100,
        limit_alphabet: Some(2),
        initial_alphabet: vec!['z'],
        special_tokens: vec![],
        ..Default::default()
    };
    // z (infinite) and a (15) kept; b, c, d (1 each) dropped.
    assert_eq!(train_wordpiece(&c, &s).unwrap(), ["a", "z", "##a", "aa", "aaa"]);
    let s = WordPieceSettings { min_frequency: 6, ..s };
    assert_eq!(train_wordpiece(&c, &s).unwrap(), ["a", "z", "##a"]);
}

#[test]
fn merge_word_overlapping() {
    let mut w = vec![1, 1, 1, 1];
    let mut ch = Vec::new();
    merge_word(&mut w, (1, 1), 9, &mut ch);
    assert_eq!(w, [9, 9]);
    assert_eq!(ch, [((1, 1), -1), ((9, 1), 1), ((9, 1), -1), ((9, 9), 1)]);
}

#[test]
fn too_small_a_vocabulary_is_an_error() {
    let c = counts(&[("abc", 5)]);
    let s = WordPieceSettings { vocab_size: 6, ..Default::default() };
    let e = train_wordpiece(&c, &s).unwrap_err().to_string();
    assert!(e.contains("vocab size 6") && e.contains("5 special tokens"), "{e}");
    let s = WordPieceSettings { vocab_size: 10, initial_alphabet: "abcdefgh".chars().collect(), ..Default::default() };
    assert!(s.check().unwrap_err().to_string().contains("8 initial-alphabet"));
}
