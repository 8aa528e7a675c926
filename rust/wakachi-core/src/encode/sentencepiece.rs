//! SentencePiece tokenizer directories as transformers 5.x loads them, over the Unigram model of
//! [`super::unigram`]:
//!
//! - a bare `.model` file (or a directory with `spiece.model` and no `tokenizer_config.json`):
//!   `SentencePieceProcessor.encode(text)`;
//! - `BertGenerationTokenizer` (colorfulscoop's GPT-2 tokenizer; a Python tokenizer over
//!   sentencepiece): its special tokens (`bos`, `eos`, `unk`, `pad`, `sep` and the added tokens of
//!   the config) are cut out of the text first, the rest is `sp.encode`d;
//! - `AlbertTokenizer` (a `tokenizers` pipeline in 5.x): the model's CONTROL and UNKNOWN pieces
//!   and the configured special tokens are cut out first; the rest has ``` `` ``` and `''`
//!   replaced by `"`, then unless `keep_accents` NFKD with combining marks removed, then with
//!   `do_lower_case` (default true) each character lower-cased; then the model's own
//!   normalisation and segmentation; unknown pieces get id 1, the class's fixed unknown id.
//!
//! Special tokens are cut leftmost first, longest at a position ([`Specials`]). Word ids: a piece
//! beginning with `▁` starts a word (see [`super::unigram`]); a special token is a word of its own.

use std::path::Path;

use serde_json::Value;
use unicode_general_category::{get_general_category, GeneralCategory as G};
use unicode_normalization::UnicodeNormalization;

use super::specials::{Piece, Specials};
use super::unigram::{self, model::PieceType, Unigram};
use super::Encoding;
use crate::error::{Error, Result};

/// The id transformers' `AlbertTokenizer` gives unknown text, whatever the model's unknown id.
const ALBERT_UNK_ID: u32 = 1;

/// How the text reaches the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `sp.encode(text)`.
    Plain,
    /// transformers' `BertGenerationTokenizer`.
    BertGeneration,
    /// transformers' `AlbertTokenizer`.
    Albert {
        /// `do_lower_case`.
        lower_case: bool,
        /// `keep_accents`.
        keep_accents: bool,
    },
}

/// A SentencePiece tokenizer (immutable, shared by all threads).
#[derive(Debug)]
pub struct SentencePiece {
    model: Unigram,
    flavour: Flavour,
    specials: Specials,
    /// Added tokens outside the model's ids, by id.
    extra: Vec<(u32, String)>,
}

impl SentencePiece {
    /// A bare `.model` file.
    pub fn from_model_file(path: &Path) -> Result<Self> {
        let model = Unigram::from_file(path)?;
        Ok(SentencePiece { model, flavour: Flavour::Plain, specials: Specials::default(), extra: Vec::new() })
    }

    /// A directory: `spiece.model` and `tokenizer_config.json` naming `AlbertTokenizer` or
    /// `BertGenerationTokenizer` (no config: the bare model).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let model_path = dir.join("spiece.model");
        let cfg_path = dir.join("tokenizer_config.json");
        if !cfg_path.exists() {
            return Self::from_model_file(&model_path);
        }
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| Error::io(&cfg_path, e))?;
        let cfg: Value = serde_json::from_str(&text).map_err(|e| Error::Malformed {
            path: cfg_path.clone(),
            line: e.line() as u64,
            msg: e.to_string(),
        })?;
        let bad = |msg: String| Error::Config(format!("{}: {msg}", cfg_path.display()));
        if !cfg.is_object() {
            return Err(bad("expected a JSON object".into()));
        }
        let class = cfg.get("tokenizer_class").and_then(Value::as_str).unwrap_or("");
        let flag = |k: &str, default: bool| cfg.get(k).and_then(Value::as_bool).unwrap_or(default);
        let (flavour, names): (Flavour, &[(&str, &str)]) = match class {
            "AlbertTokenizer" | "AlbertTokenizerFast" => (
                Flavour::Albert { lower_case: flag("do_lower_case", true), keep_accents: flag("keep_accents", false) },
                &[
                    ("bos_token", "[CLS]"),
                    ("eos_token", "[SEP]"),
                    ("unk_token", "<unk>"),
                    ("sep_token", "[SEP]"),
                    ("pad_token", "<pad>"),
                    ("cls_token", "[CLS]"),
                    ("mask_token", "[MASK]"),
                ],
            ),
            "BertGenerationTokenizer" => {
                if !flag("legacy", true) {
                    return Err(bad("BertGenerationTokenizer with \"legacy\": false is not supported".into()));
                }
                (
                    Flavour::BertGeneration,
                    &[
                        ("bos_token", "<s>"),
                        ("eos_token", "</s>"),
                        ("unk_token", "<unk>"),
                        ("pad_token", "<pad>"),
                        ("sep_token", "<::::>"),
                    ],
                )
            }
            "" => return Err(bad("no tokenizer_class (AlbertTokenizer or BertGenerationTokenizer expected)".into())),
            other => {
                return Err(bad(format!(
                    "tokenizer_class {other} is not supported with spiece.model \
                     (AlbertTokenizer or BertGenerationTokenizer)"
                )))
            }
        };
        let model = Unigram::from_file(&model_path)?;
        let mut tok = SentencePiece { model, flavour, specials: Specials::default(), extra: Vec::new() };
        // Ids the config fixes come first.
        if let Some(Value::Object(added)) = cfg.get("added_tokens_decoder") {
            for (id, v) in added {
                let id: u32 = id.parse().map_err(|_| bad(format!("added_tokens_decoder: bad id {id:?}")))?;
                let content = token_content(v).ok_or_else(|| bad(format!("added_tokens_decoder {id}: no content")))?;
                tok.add(&content, id);
            }
        }
        if matches!(flavour, Flavour::Albert { .. }) {
            let reserved: Vec<(String, u32)> = (tok.model.proto().pieces.iter().enumerate())
                .filter(|(_, p)| matches!(p.kind, PieceType::Control | PieceType::Unknown))
                .map(|(i, p)| (String::from_utf8_lossy(&p.piece).into_owned(), i as u32))
                .collect();
            reserved.iter().for_each(|(piece, id)| tok.add(piece, *id));
        }
        let mut extras = Vec::new();
        for key in ["additional_special_tokens", "extra_special_tokens"] {
            match cfg.get(key) {
                Some(Value::Array(a)) => extras.extend(a.iter().filter_map(token_content)),
                None | Some(Value::Null) => {}
                Some(v) => return Err(bad(format!("{key} must be a list, not {v}"))),
            }
        }
        let mut next = tok.model.vocab_size() as u32;
        let named = names.iter().map(|&(key, default)| match cfg.get(key) {
            None => Some(default.to_string()),
            Some(Value::Null) => None,
            Some(v) => token_content(v),
        });
        for content in named.flatten().chain(extras) {
            if tok.specials.id(&content).is_some() {
                continue;
            }
            let id = tok.model.piece_to_id(content.as_bytes()).unwrap_or_else(|| {
                next += 1;
                next - 1
            });
            tok.add(&content, id);
        }
        Ok(tok)
    }

    fn add(&mut self, content: &str, id: u32) {
        if content.is_empty() || self.specials.id(content).is_some() {
            return;
        }
        self.specials.add(content, id);
        if id as usize >= self.model.vocab_size() {
            self.extra.push((id, content.to_string()));
        }
    }

    /// The model.
    pub fn model(&self) -> &Unigram {
        &self.model
    }

    /// How text reaches the model.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The piece of `id` (model pieces and added tokens).
    pub fn token(&self, id: u32) -> Option<String> {
        match self.model.id_to_piece(id) {
            Some(p) => Some(String::from_utf8_lossy(p).into_owned()),
            None => self.extra.iter().find(|(i, _)| *i == id).map(|(_, t)| t.clone()),
        }
    }

    /// A worker for the calling thread.
    pub fn worker(&self) -> Worker<'_> {
        Worker { tok: self, inner: self.model.worker(), enc: unigram::Encoding::default(), buf: String::new() }
    }
}

/// A token given as a string or as `{"content": …}`.
fn token_content(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("content")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// Per-thread encoding state.
pub struct Worker<'t> {
    tok: &'t SentencePiece,
    inner: unigram::Worker<'t>,
    enc: unigram::Encoding,
    buf: String,
}

impl Worker<'_> {
    /// Encodes `text`, replacing the contents of `out` (ids and word ids).
    pub fn encode(&mut self, text: &str, out: &mut Encoding) {
        out.ids.clear();
        out.word_ids.clear();
        let mut word = 0u32;
        let tok = self.tok;
        let mut piece = |p: Piece<'_>, out: &mut Encoding| match p {
            Piece::Token(id) => {
                out.ids.push(id);
                out.word_ids.push(word);
                word += 1;
            }
            Piece::Text(t) => {
                let t = match tok.flavour {
                    Flavour::Albert { lower_case, keep_accents } => {
                        albert_prepare(t, lower_case, keep_accents, &mut self.buf);
                        self.buf.as_str()
                    }
                    _ => t,
                };
                self.inner.encode_full(t, &mut self.enc);
                let unk = tok.model.unk_id();
                let albert = matches!(tok.flavour, Flavour::Albert { .. });
                for (&id, &w) in self.enc.ids.iter().zip(&self.enc.words) {
                    out.ids.push(if albert && Some(id) == unk { ALBERT_UNK_ID } else { id });
                    out.word_ids.push(word + w);
                }
                if let Some(&last) = self.enc.words.last() {
                    word += last + 1;
                }
            }
        };
        if tok.flavour == Flavour::Plain {
            piece(Piece::Text(text), out);
        } else {
            let mut pieces = Vec::new();
            tok.specials.split(text, |p| pieces.push(p));
            for p in pieces {
                piece(p, out);
            }
        }
    }
}

/// `AlbertTokenizer`'s normalisation before the model's: quotes, accents, case.
fn albert_prepare(text: &str, lower_case: bool, keep_accents: bool, out: &mut String) {
    out.clear();
    let quoted = text.replace("``", "\"").replace("''", "\"");
    let stripped: Box<dyn Iterator<Item = char>> =
        if keep_accents { Box::new(quoted.chars()) } else { Box::new(quoted.nfkd().filter(|&c| !is_mark(c))) };
    for c in stripped {
        if lower_case {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
}

fn is_mark(c: char) -> bool {
    matches!(get_general_category(c), G::NonspacingMark | G::SpacingMark | G::EnclosingMark)
}

#[cfg(test)]
#[path = "sentencepiece_test.rs"]
mod tests;
