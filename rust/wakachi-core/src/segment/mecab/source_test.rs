//! Unit tests of `source.rs`.

use super::*;

#[test]
fn csv_fifth_column_is_raw_rest() {
    let (s, n, f) = split_csv("\"a,\"\"b\", 1,2,-3,名詞,\"1,0\",*").unwrap();
    assert_eq!((s.as_str(), n, f), ("a,\"b", ["1", "2", "-3"], "名詞,\"1,0\",*"));
    assert!(split_csv("a,1,2").is_none());
}
