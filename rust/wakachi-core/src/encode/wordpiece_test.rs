//! Unit tests of `wordpiece.rs`.

use super::*;
use std::path::Path;

#[test]
fn greedy_longest_first() {
    let v = Vocab::parse(Path::new("v"), "[UNK]\nun\n##aff\n##able\n##a\nx\n##ffable".as_bytes()).unwrap();
    let mut out = Vec::new();
    encode_word(&v, 0, "unaffable", &mut out);
    assert_eq!(out, [1, 2, 3]);
    out.clear();
    encode_word(&v, 0, "unz x", &mut out);
    assert_eq!(out, [0, 5]);
    out.clear();
    encode_word(&v, 0, &"x".repeat(101), &mut out);
    assert_eq!(out, [0]);
}
