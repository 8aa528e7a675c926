//! Unit tests of `features.rs`.

use super::*;

#[test]
fn features_roundtrip_by_word_id() {
    let fs = ["名詞,普通名詞,一般,*", "", "助詞,格助詞,*,*", "記号"];
    let t = FeatureTable::from_owned(encode_section(fs.iter().copied()).unwrap()).unwrap();
    assert_eq!(t.len(), 4);
    for (i, f) in fs.iter().enumerate() {
        assert_eq!(t.get(i as u32), *f);
    }
    assert_eq!(t.get(4), "");
    let again = FeatureTable::from_owned(t.section().to_vec()).unwrap();
    assert_eq!(again.get(2), fs[2]);
}

#[test]
fn corrupt_sections_are_errors_or_replacement_characters() {
    let good = encode_section(["名詞", "助詞"].into_iter()).unwrap();
    assert!(FeatureTable::from_owned(good[..good.len() - 1].to_vec()).is_err());
    // The last offset not at the blob's end.
    let mut bad = good.clone();
    bad[HEAD + 8..HEAD + 12].copy_from_slice(&5u32.to_le_bytes());
    assert!(FeatureTable::from_owned(bad).is_err());
    // The second offset moved inside the first character (a continuation byte): both features
    // are cut mid-character.
    let mut bad = good.clone();
    bad[HEAD + 4..HEAD + 8].copy_from_slice(&1u32.to_le_bytes());
    let t = FeatureTable::from_owned(bad).unwrap();
    assert_eq!((t.get(0), t.get(1)), ("\u{FFFD}", "\u{FFFD}"));
    // An offset past the blob; offsets out of order.
    let three = encode_section(["名詞", "助詞", "記号"].into_iter()).unwrap();
    let mut bad = three.clone();
    bad[HEAD + 4..HEAD + 8].copy_from_slice(&99u32.to_le_bytes());
    let t = FeatureTable::from_owned(bad).unwrap();
    assert_eq!((t.get(0), t.get(1), t.get(2)), ("\u{FFFD}", "\u{FFFD}", "記号"));
    let mut bad = three;
    bad[HEAD + 4..HEAD + 8].copy_from_slice(&12u32.to_le_bytes());
    bad[HEAD + 8..HEAD + 12].copy_from_slice(&6u32.to_le_bytes());
    let t = FeatureTable::from_owned(bad).unwrap();
    assert_eq!(t.get(1), "\u{FFFD}");
    // Not UTF-8.
    let mut bad = good;
    let last = bad.len() - 1;
    bad[last] = 0xFF;
    let t = FeatureTable::from_owned(bad).unwrap();
    assert_eq!((t.get(0), t.get(1)), ("名詞", "\u{FFFD}"));
}
