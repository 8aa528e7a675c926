//! Unit tests of `char.rs`.

use super::*;
use std::path::Path;

#[test]
fn one_id_per_char() {
    let v = Vocab::parse(Path::new("v"), "[UNK]\n日\n本\nA".as_bytes()).unwrap();
    let mut out = Vec::new();
    encode_word(&v, 0, true, "日本Ａ語", &mut out);
    assert_eq!(out, [1, 2, 3, 0]);
}
