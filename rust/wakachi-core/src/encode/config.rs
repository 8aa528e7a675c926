//! `tokenizer_config.json` of a `BertJapaneseTokenizer` directory, read the way transformers 5
//! reads it (its defaults: `word_tokenizer_type "basic"`, `subword_tokenizer_type "wordpiece"`,
//! `do_lower_case false`, MeCab dictionary `unidic_lite`, `normalize_text true`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// The tokenizer class this module reproduces.
pub const BERT_JAPANESE: &str = "BertJapaneseTokenizer";

/// Word tokenizers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordTokenizer {
    /// MeCab with a dictionary.
    Mecab,
    /// transformers' `BasicTokenizer`.
    Basic,
    /// `do_word_tokenize false`: the whole text is one word.
    None,
}

/// Subword tokenizers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subword {
    /// Greedy WordPiece with `##`.
    WordPiece,
    /// One token per character.
    Character,
    /// `do_subword_tokenize false`: each word is looked up as it is.
    None,
}

/// Where the MeCab dictionary comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DictRef {
    /// A PyPI dictionary package: `unidic_lite`, `ipadic` or `unidic`.
    Named(String),
    /// `-d PATH` in `mecab_option`.
    Path(PathBuf),
}

/// An added token from the config (`added_tokens_decoder`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedToken {
    /// Its text.
    pub content: String,
    /// Its id.
    pub id: u32,
}

/// The settings that change the ids of a `BertJapaneseTokenizer`.
#[derive(Debug, Clone)]
pub struct TokenizerConfig {
    /// The config file.
    pub path: PathBuf,
    /// `do_lower_case`.
    pub lower_case: bool,
    /// Word tokenizer.
    pub word: WordTokenizer,
    /// Subword tokenizer.
    pub subword: Subword,
    /// `never_split`.
    pub never_split: Vec<String>,
    /// MeCab dictionary (MeCab only).
    pub mecab_dic: Option<DictRef>,
    /// `mecab_kwargs.normalize_text`: NFKC before MeCab.
    pub normalize_text: bool,
    /// unk, sep, pad, cls, mask token contents, in transformers' order of addition.
    pub named_specials: [String; 5],
    /// `extra_special_tokens` / `additional_special_tokens`.
    pub extra_specials: Vec<String>,
    /// `added_tokens_decoder`.
    pub added_tokens: Vec<AddedToken>,
    /// `split_special_tokens`: special tokens in the text are not kept whole.
    pub split_special_tokens: bool,
}

#[derive(Deserialize)]
struct Raw {
    tokenizer_class: Option<String>,
    do_lower_case: Option<bool>,
    do_word_tokenize: Option<bool>,
    do_subword_tokenize: Option<bool>,
    word_tokenizer_type: Option<String>,
    subword_tokenizer_type: Option<String>,
    never_split: Option<Vec<String>>,
    mecab_kwargs: Option<MecabKwargs>,
    unk_token: Option<Value>,
    sep_token: Option<Value>,
    pad_token: Option<Value>,
    cls_token: Option<Value>,
    mask_token: Option<Value>,
    extra_special_tokens: Option<Value>,
    additional_special_tokens: Option<Value>,
    added_tokens_decoder: Option<serde_json::Map<String, Value>>,
    split_special_tokens: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MecabKwargs {
    #[serde(default = "unidic_lite")]
    mecab_dic: Option<String>,
    mecab_option: Option<String>,
    normalize_text: Option<bool>,
}

fn unidic_lite() -> Option<String> {
    Some("unidic_lite".into())
}

impl TokenizerConfig {
    /// Reads `dir/tokenizer_config.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("tokenizer_config.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Self::parse(path, &text)
    }

    /// Parses the JSON `text` of a `tokenizer_config.json` (`path` names it in errors).
    pub fn parse(path: PathBuf, text: &str) -> Result<Self> {
        let raw: Raw = serde_json::from_str(text).map_err(|e| Error::Malformed {
            path: path.clone(),
            line: e.line() as u64,
            msg: e.to_string(),
        })?;
        Self::build(path, raw)
    }

    fn build(path: PathBuf, raw: Raw) -> Result<Self> {
        let bad = |msg: String| Error::Config(format!("{}: {msg}", path.display()));
        match raw.tokenizer_class.as_deref() {
            Some(BERT_JAPANESE) => {}
            Some(other) => {
                return Err(bad(format!(
                    "tokenizer_class {other} is not {BERT_JAPANESE} (SentencePiece directories load through \
                     wakachi.Tokenizer.from_pretrained)"
                )))
            }
            None => return Err(bad(format!("no tokenizer_class (expected {BERT_JAPANESE})"))),
        }
        let word = match (raw.do_word_tokenize.unwrap_or(true), raw.word_tokenizer_type.as_deref().unwrap_or("basic")) {
            (false, _) => WordTokenizer::None,
            (true, "mecab") => WordTokenizer::Mecab,
            (true, "basic") => WordTokenizer::Basic,
            (true, t) => return Err(bad(format!("word_tokenizer_type {t:?} is not supported (mecab, basic)"))),
        };
        let subword = match (
            raw.do_subword_tokenize.unwrap_or(true),
            raw.subword_tokenizer_type.as_deref().unwrap_or("wordpiece"),
        ) {
            (false, _) => Subword::None,
            (true, "wordpiece") => Subword::WordPiece,
            (true, "character") => Subword::Character,
            (true, t) => {
                return Err(bad(format!("subword_tokenizer_type {t:?} is not supported (wordpiece, character)")))
            }
        };
        let kwargs = raw.mecab_kwargs.unwrap_or(MecabKwargs {
            mecab_dic: unidic_lite(),
            mecab_option: None,
            normalize_text: None,
        });
        let mecab_dic = match word {
            WordTokenizer::Mecab => Some(mecab_dict(&kwargs).map_err(bad)?),
            _ => None,
        };
        let token = |v: Option<Value>, default: &str| -> Result<String> {
            v.map_or(Ok(default.to_string()), |v| {
                token_content(&v).ok_or_else(|| bad(format!("bad special token {v}")))
            })
        };
        Ok(TokenizerConfig {
            lower_case: raw.do_lower_case.unwrap_or(false),
            word,
            subword,
            never_split: raw.never_split.unwrap_or_default(),
            mecab_dic,
            normalize_text: kwargs.normalize_text.unwrap_or(true),
            named_specials: [
                token(raw.unk_token, "[UNK]")?,
                token(raw.sep_token, "[SEP]")?,
                token(raw.pad_token, "[PAD]")?,
                token(raw.cls_token, "[CLS]")?,
                token(raw.mask_token, "[MASK]")?,
            ],
            extra_specials: extra_specials(raw.extra_special_tokens.or(raw.additional_special_tokens)).map_err(bad)?,
            added_tokens: added_tokens(raw.added_tokens_decoder.unwrap_or_default()).map_err(bad)?,
            split_special_tokens: raw.split_special_tokens.unwrap_or(false),
            path,
        })
    }
}

/// The dictionary: `-d PATH` in `mecab_option` wins over `mecab_dic` (MeCab keeps the last `-d`).
fn mecab_dict(kw: &MecabKwargs) -> std::result::Result<DictRef, String> {
    let mut dicdir = None;
    let opts = split_options(kw.mecab_option.as_deref().unwrap_or(""))?;
    let mut it = opts.iter();
    while let Some(o) = it.next() {
        let (name, inline) = match o.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ if o.len() > 2 && o.starts_with('-') && !o.starts_with("--") => (&o[..2], Some(o[2..].to_string())),
            _ => (o.as_str(), None),
        };
        let mut value =
            || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("mecab_option {name} needs a value"));
        match name {
            "-d" | "--dicdir" => dicdir = Some(value()?),
            "-r" | "--rcfile" | "-O" | "--output-format-type" => {
                value()?;
            }
            _ => return Err(format!("mecab_option {o:?} is not supported (only -d DICDIR, -r, -O)")),
        }
    }
    if let Some(d) = dicdir {
        return Ok(DictRef::Path(PathBuf::from(d)));
    }
    match kw.mecab_dic.as_deref() {
        Some(n @ ("unidic_lite" | "ipadic" | "unidic")) => Ok(DictRef::Named(n.to_string())),
        Some(n) => {
            Err(format!("unknown mecab_dic {n:?} (unidic_lite, ipadic, unidic, or null with mecab_option -d DICDIR)"))
        }
        None => Err("mecab_dic is null and mecab_option has no -d DICDIR".into()),
    }
}

/// Splits an option string like a shell: whitespace-separated, `"…"` and `'…'` quote.
fn split_options(s: &str) -> std::result::Result<Vec<String>, String> {
    let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => (quote, any) = (Some(c), true),
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => (cur.push(c), any = true).1,
        }
    }
    if quote.is_some() {
        return Err(format!("unbalanced quote in mecab_option {s:?}"));
    }
    if any {
        out.push(cur);
    }
    Ok(out)
}

/// A token given as a string or as `{"content": …}`.
fn token_content(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("content")?.as_str().map(str::to_string),
        _ => None,
    }
}

fn extra_specials(v: Option<Value>) -> std::result::Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => {
            a.iter().map(|t| token_content(t).ok_or_else(|| format!("bad extra special token {t}"))).collect()
        }
        Some(v) => Err(format!("extra_special_tokens must be a list, not {v}")),
    }
}

/// `added_tokens_decoder`: only plain special tokens (no stripping, no single-word matching).
fn added_tokens(map: serde_json::Map<String, Value>) -> std::result::Result<Vec<AddedToken>, String> {
    let mut out = Vec::new();
    for (id, v) in map {
        let id: u32 = id.parse().map_err(|_| format!("added_tokens_decoder: bad id {id:?}"))?;
        let content = token_content(&v).ok_or_else(|| format!("added_tokens_decoder {id}: no content"))?;
        let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
        if flag("lstrip") || flag("rstrip") || flag("single_word") || !flag("special") {
            return Err(format!(
                "added_tokens_decoder {id} ({content:?}): only special tokens without lstrip/rstrip/single_word are supported"
            ));
        }
        out.push(AddedToken { content, id });
    }
    out.sort_by_key(|t| t.id);
    Ok(out)
}

#[cfg(test)]
#[path = "config_test.rs"]
mod tests;
