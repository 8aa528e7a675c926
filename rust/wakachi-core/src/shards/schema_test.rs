//! Unit tests of `schema.rs`.

use super::*;

#[test]
fn token_width_follows_vocab_size() {
    assert_eq!(TokenWidth::for_vocab(32_768), TokenWidth::UInt16);
    assert_eq!(TokenWidth::for_vocab(65_535), TokenWidth::UInt16);
    assert_eq!(TokenWidth::for_vocab(65_536), TokenWidth::Int32);
    assert_eq!(TokenWidth::for_vocab(100_000), TokenWidth::Int32);
}

#[test]
fn parses_type_strings_both_ways() {
    for t in ["list<token>", "list<bool>", "uint8", "int8?", "list<int32>?"] {
        assert_eq!(ColumnSpec::parse("c", t).unwrap().type_string(), t);
    }
    assert!(ColumnSpec::parse("c", "list<float>").is_err());
    assert!(ColumnSpec::parse("c", "list<token").is_err());
}

#[test]
fn rows_are_checked() {
    let s = ShardSchema::preset("bert", 100, Some(0)).unwrap();
    let ok = vec![
        Value::List(vec![2, 5, 3]),
        Value::List(vec![0, 0, 0]),
        Value::List(vec![1, 1, 1]),
        Value::List(vec![1]),
        Value::List(vec![99]),
        Value::Null,
    ];
    assert!(s.check_row(&ok).is_ok());
    let mut bad = ok.clone();
    bad[0] = Value::List(vec![100]);
    assert!(s.check_row(&bad).unwrap_err().contains("input_ids"));
    let mut bad = ok.clone();
    bad[2] = Value::List(vec![2]);
    assert!(s.check_row(&bad).unwrap_err().contains("word_starts"));
    assert!(s.check_row(&ok[..5]).is_err());
    let mut bad = ok;
    bad[1] = Value::Null;
    assert!(s.check_row(&bad).is_err());
}
