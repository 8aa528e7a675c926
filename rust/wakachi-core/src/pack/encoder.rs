//! The encoders `pack` drives: a `BertJapaneseTokenizer` directory or a SentencePiece Unigram
//! `.model`, each giving per sentence token ids and word starts (a token starts a word when its
//! word id differs from the previous token's; the first token always does).
//!
//! Character vocabularies follow cl-tohoku's own pipeline (`tokenization.CharacterTokenizer` of
//! github `cl-tohoku/bert-japanese`, which built `bert-base-japanese-char-v3`): every character
//! after the first of a MeCab word is marked `##`, except a character missing from the vocabulary,
//! which becomes a bare `[UNK]`. Google's whole-word masking groups a token with the `##` tokens
//! after it, so there a `[UNK]` starts a new group which the marked characters after it continue:
//! a `[UNK]` is a word start here too.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encode::config::Subword;
use crate::encode::unigram::{self, Unigram};
use crate::encode::{BertJapanese, EncodeWorker, Encoding};
use crate::error::{Error, Result};
use crate::fsio::hex;
use crate::instances::{Sentence, Specials};
use crate::segment::mecab::cache::memo_digest;
use crate::segment::MecabOptions;
use crate::shards::file_sha256;

/// Which encoder, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum TokenizerKind {
    /// A `BertJapaneseTokenizer` directory (`tokenizer_config.json` + `vocab.txt`).
    BertJapanese,
    /// A SentencePiece Unigram `.model` file.
    Unigram,
}

/// An encoder shared by all threads.
pub enum PackEncoder {
    /// transformers' `BertJapaneseTokenizer`.
    Bert(Box<BertJapanese>),
    /// SentencePiece Unigram.
    Unigram(Box<Unigram>),
}

/// Per-thread encoding state.
pub enum PackWorker<'e> {
    /// For [`PackEncoder::Bert`]; with a character vocabulary, the `[UNK]` id (a word start).
    Bert(EncodeWorker<'e>, Encoding, Option<u32>),
    /// For [`PackEncoder::Unigram`].
    Unigram(unigram::Worker<'e>, unigram::Encoding),
}

impl PackEncoder {
    /// Loads the encoder at `path`; `dicdir` is the MeCab dictionary a `BertJapaneseTokenizer`
    /// config names (resolved by the caller).
    pub fn load(kind: &TokenizerKind, path: &Path, dicdir: Option<&Path>, mecab: &MecabOptions) -> Result<Self> {
        Ok(match kind {
            TokenizerKind::BertJapanese => PackEncoder::Bert(Box::new(BertJapanese::from_dir(path, dicdir, mecab)?)),
            TokenizerKind::Unigram => PackEncoder::Unigram(Box::new(Unigram::from_file(path)?)),
        })
    }

    /// A worker for the calling thread.
    pub fn worker(&self) -> PackWorker<'_> {
        match self {
            PackEncoder::Bert(t) => {
                let bare_unk = (t.config().subword == Subword::Character).then(|| t.unk_id());
                PackWorker::Bert(t.worker(), Encoding::default(), bare_unk)
            }
            PackEncoder::Unigram(m) => PackWorker::Unigram(m.worker(), unigram::Encoding::default()),
        }
    }

    /// The special ids: `given` when set, else (BertJapanese) the config's `[CLS]`, `[SEP]`,
    /// `[MASK]`, `[PAD]` tokens, with `vocab_size` the size of `vocab.txt` (random replacements
    /// draw from it, like Google's `vocab_words`). A Unigram model needs them given.
    pub fn specials(&self, given: Option<Specials>) -> Result<Specials> {
        let sp = match (given, self) {
            (Some(sp), _) => sp,
            (None, PackEncoder::Bert(t)) => bert_specials(t)?,
            (None, PackEncoder::Unigram(m)) => {
                return Err(Error::Config(format!(
                    "{}: a Unigram model needs its special ids (cls, sep, mask, pad) given",
                    m.path().display()
                )))
            }
        };
        sp.validate()?;
        Ok(sp)
    }
}

/// `[unk, sep, pad, cls, mask]` of the config, looked up in the vocabulary and the added tokens.
fn bert_specials(t: &BertJapanese) -> Result<Specials> {
    let names = &t.config().named_specials;
    let n = t.vocab().len() as u32;
    let id = |name: &str| -> Result<u32> {
        t.vocab().id(name).or_else(|| (n..n.saturating_add(64)).find(|&i| t.token(i) == Some(name))).ok_or_else(|| {
            Error::Config(format!("{}: no id for the special token {name:?}", t.vocab().path().display()))
        })
    };
    Ok(Specials { vocab_size: n, sep: id(&names[1])?, pad: id(&names[2])?, cls: id(&names[3])?, mask: id(&names[4])? })
}

impl PackWorker<'_> {
    /// The sentence's ids and word starts (see the module documentation for characters).
    pub fn encode(&mut self, text: &str) -> Sentence {
        let (ids, words, bare_unk): (&[u32], &[u32], Option<u32>) = match self {
            PackWorker::Bert(w, e, unk) => {
                w.encode(text, e);
                (&e.ids, &e.word_ids, *unk)
            }
            PackWorker::Unigram(w, e) => {
                w.encode_full(text, e);
                (&e.ids, &e.words, None)
            }
        };
        let starts =
            words.iter().enumerate().map(|(i, w)| i == 0 || words[i - 1] != *w || Some(ids[i]) == bare_unk).collect();
        Sentence { ids: ids.to_vec(), word_starts: starts }
    }
}

/// A fingerprint of everything that decides the ids: every file directly in the tokenizer
/// directory (or the model file), and of the MeCab dictionary directory when there is one —
/// `sha256:` of their names and sha256 digests, sorted by name.
pub fn fingerprint(tokenizer: &Path, dicdir: Option<&Path>) -> Result<String> {
    fingerprint_memo(tokenizer, dicdir, None)
}

/// [`fingerprint`], with each file's sha256 remembered in `cache_dir` by its stat key (see
/// [`memo_digest`](crate::segment::mecab::cache::memo_digest)): a dictionary of 250 MB is not
/// hashed again on every run.
pub fn fingerprint_memo(tokenizer: &Path, dicdir: Option<&Path>, cache_dir: Option<&Path>) -> Result<String> {
    let mut h = Sha256::new();
    for (label, path) in [("tokenizer", Some(tokenizer)), ("dicdir", dicdir)] {
        let Some(path) = path else { continue };
        for f in files_of(path)? {
            // Small files are hashed faster than their memo is read.
            let big = std::fs::metadata(&f).map(|m| m.len() >= 1 << 20).unwrap_or(false);
            let sized = memo_digest(cache_dir.filter(|_| big), "sha256", std::slice::from_ref(&f), || {
                file_sha256(&f).map(|(size, sha)| format!("{size}\t{sha}"))
            })?;
            let (size, sha) = sized.split_once('\t').unwrap_or(("", &sized));
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            h.update(format!("{label}/{name}\t{size}\t{sha}\n").as_bytes());
        }
    }
    Ok(format!("sha256:{}", hex(&h.finalize())))
}

/// The path itself when it is a file, else its regular files, sorted.
fn files_of(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        if entry.file_type().map_err(|e| Error::io(entry.path(), e))?.is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
#[path = "encoder_test.rs"]
mod tests;
