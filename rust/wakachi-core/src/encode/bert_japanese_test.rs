//! Unit tests of `bert_japanese.rs`.

use super::*;

fn dir_with(name: &str, config: &str, vocab: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wakachi-bj-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("tokenizer_config.json"), config).unwrap();
    std::fs::write(d.join("vocab.txt"), vocab).unwrap();
    d
}

const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n,\n##lo\nhel\n日本\n語\n";

#[test]
fn basic_words_specials_and_word_ids() {
    let d = dir_with("basic", r#"{"tokenizer_class":"BertJapaneseTokenizer","do_lower_case":true}"#, VOCAB);
    let tok = BertJapanese::from_dir(&d, None, &MecabOptions::default()).unwrap();
    let mut w = tok.worker();
    let mut e = Encoding::default();
    // [MASK] is not in the vocabulary: it gets the first id after it.
    w.encode("HELLO,[MASK]Hel日本語 xyz", &mut e);
    assert_eq!(e.ids, [4, 5, 10, 1, 1]);
    assert_eq!(e.word_ids, [0, 1, 2, 3, 4]);
    assert_eq!(tok.token(10), Some("[MASK]"));
}

#[test]
fn mecab_needs_a_dictionary_and_unk_is_required() {
    let cfg = r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"mecab"}"#;
    let d = dir_with("nodic", cfg, VOCAB);
    let e = BertJapanese::from_dir(&d, None, &MecabOptions::default()).err().unwrap().to_string();
    assert!(e.contains("tokenizer_config.json") && e.contains("MeCab"), "{e}");
    let d = dir_with("nounk", r#"{"tokenizer_class":"BertJapaneseTokenizer"}"#, "a\nb\n");
    let e = BertJapanese::from_dir(&d, None, &MecabOptions::default()).err().unwrap().to_string();
    assert!(e.contains("vocab.txt") && e.contains("[UNK]"), "{e}");
}
