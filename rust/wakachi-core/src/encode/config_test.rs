//! Unit tests of `config.rs`.

use super::*;

fn cfg(json: &str) -> Result<TokenizerConfig> {
    TokenizerConfig::build(PathBuf::from("d/tokenizer_config.json"), serde_json::from_str(json).unwrap())
}

#[test]
fn reads_mecab_settings() {
    let c = cfg(r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"mecab",
        "subword_tokenizer_type":"character","mecab_kwargs":{"mecab_dic":"ipadic"}}"#)
    .unwrap();
    assert_eq!((c.word, c.subword), (WordTokenizer::Mecab, Subword::Character));
    assert_eq!(c.mecab_dic, Some(DictRef::Named("ipadic".into())));
    let c = cfg(r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"mecab",
        "mecab_kwargs":{"mecab_dic":null,"mecab_option":"-d \"/x y\" -Owakati"}}"#)
    .unwrap();
    assert_eq!(c.mecab_dic, Some(DictRef::Path("/x y".into())));
    let c = cfg(r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"mecab"}"#).unwrap();
    assert_eq!(c.mecab_dic, Some(DictRef::Named("unidic_lite".into())));
}

#[test]
fn errors_name_the_file() {
    for bad in [
        r#"{"tokenizer_class":"BertTokenizer"}"#,
        r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"mecab","mecab_kwargs":{"mecab_dic":"x"}}"#,
        r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"sudachi"}"#,
    ] {
        let e = cfg(bad).unwrap_err().to_string();
        assert!(e.starts_with("d/tokenizer_config.json: "), "{e}");
    }
}
