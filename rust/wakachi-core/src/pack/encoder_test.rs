//! Unit tests of `pack/encoder.rs`.

use super::*;

#[test]
fn word_starts_follow_word_ids_and_specials_come_from_the_config() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("tokenizer_config.json"), r#"{"tokenizer_class":"BertJapaneseTokenizer"}"#).unwrap();
    std::fs::write(d.path().join("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhel\n##lo\nworld\n").unwrap();
    let enc = PackEncoder::load(&TokenizerKind::BertJapanese, d.path(), None, &MecabOptions::default()).unwrap();
    let s = enc.worker().encode("hello world");
    assert_eq!(s.ids, [4, 5, 6]);
    assert_eq!(s.word_starts, [true, false, true]);
    // [MASK] is not in vocab.txt: it gets id 7, outside the vocabulary of 7.
    let e = enc.specials(None).unwrap_err().to_string();
    assert!(e.contains("mask=7"), "{e}");
    let fp = fingerprint(d.path(), None).unwrap();
    std::fs::write(d.path().join("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n").unwrap();
    assert_ne!(fp, fingerprint(d.path(), None).unwrap());
}

#[test]
fn with_characters_an_unknown_character_starts_a_word() {
    // cl-tohoku's CharacterTokenizer: `##` on every character after a word's first, except a
    // character missing from the vocabulary (a bare `[UNK]`), which starts a masking group.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("tokenizer_config.json"),
        r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"basic","subword_tokenizer_type":"character"}"#,
    )
    .unwrap();
    std::fs::write(d.path().join("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nh\ne\no\nw\nr\nd\n").unwrap();
    let enc = PackEncoder::load(&TokenizerKind::BertJapanese, d.path(), None, &MecabOptions::default()).unwrap();
    let s = enc.worker().encode("hello world");
    assert_eq!(s.ids, [5, 6, 1, 1, 7, 8, 7, 9, 1, 10]);
    assert_eq!(s.word_starts, [true, false, true, true, false, true, false, false, true, false]);
}
