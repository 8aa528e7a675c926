//! Unit tests of `align.rs`.

use unicode_normalization::UnicodeNormalization;

use super::*;

fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

#[test]
fn nfkc_merges_and_expands() {
    let a = Aligned::new("aｶﾞ㍻b", 10);
    let n = a.transform(&nfkc(&a.text), |s, o| o.extend(s.nfkc()));
    assert_eq!(n.text, "aガ平成b");
    // "a" is byte 10; ｶﾞ (two 3-byte characters) becomes one character.
    assert_eq!(n.span(0, 1), (10, 11));
    assert_eq!(n.span(1, 4), (11, 17));
    // ㍻ expands to two characters that both map to it.
    assert_eq!(n.span(4, 7), (17, 20));
    assert_eq!(n.span(7, 10), (17, 20));
    assert_eq!(n.span(10, 11), (20, 21));
}

#[test]
fn lower_and_map_chars() {
    let a = Aligned::new("İA", 0);
    let l = a.lower(&"İA".to_lowercase());
    assert_eq!(l.text, "i\u{307}a");
    assert_eq!(l.span(0, 3), (0, 2));
    assert_eq!(l.span(3, 4), (2, 3));
    let c = Aligned::new("a\u{200b}b\tc", 0).map_chars(|c| match c {
        '\u{200b}' => None,
        '\t' => Some(' '),
        c => Some(c),
    });
    assert_eq!(c.text, "ab c");
    assert_eq!(c.split(|c| c == ' ').iter().map(|p| p.range()).collect::<Vec<_>>(), [(0, 5), (6, 7)]);
}

#[test]
fn mismatch_falls_back_to_the_whole_range() {
    let a = Aligned::new("xyz", 3);
    let n = a.transform("q", |s, o| o.push_str(s));
    assert_eq!(n.text, "q");
    assert_eq!(n.span(0, 1), (3, 6));
}

#[test]
fn char_offsets() {
    let mut o = vec![(0, 3), (3, 4), (4, 4)];
    bytes_to_chars("日b", &mut o);
    assert_eq!(o, [(0, 1), (1, 2), (2, 2)]);
}
