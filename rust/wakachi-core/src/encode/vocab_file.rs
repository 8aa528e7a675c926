//! `vocab.txt`: one token per line, id = line index (as transformers' `load_vocab` reads it:
//! Python universal newlines, so `\n`, `\r\n` and a lone `\r` all end a line).

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::unigram::trie::Trie;
use crate::error::{Error, Result};

/// The marker of a WordPiece continuation piece.
pub const CONTINUATION: &str = "##";

/// A WordPiece / character vocabulary with the lookups the encoders need.
#[derive(Debug, Clone)]
pub struct Vocab {
    path: PathBuf,
    tokens: Vec<String>,
    ids: FxHashMap<String, u32>,
    /// Single-character entries.
    chars: FxHashMap<char, u32>,
    /// Every entry, and the continuations without `##`, as byte tries: WordPiece's longest match
    /// at a position is one walk, not a hash lookup per candidate length.
    first: Trie,
    rest: Trie,
}

impl Vocab {
    /// Reads `path`; errors name the file and line (invalid UTF-8, duplicate token, empty file).
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse(path, &bytes)
    }

    /// Parses the bytes of a vocabulary file named `path` (used in messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self> {
        let mut v = Vocab {
            path: path.to_path_buf(),
            tokens: Vec::new(),
            ids: FxHashMap::default(),
            chars: FxHashMap::default(),
            first: Trie::build(&[]),
            rest: Trie::build(&[]),
        };
        for (i, line) in split_lines(bytes).enumerate() {
            let line_no = i as u64 + 1;
            let token = std::str::from_utf8(line).map_err(|e| Error::Malformed {
                path: path.to_path_buf(),
                line: line_no,
                msg: format!("invalid UTF-8 (byte offset {} in the line)", e.valid_up_to()),
            })?;
            v.push(token, line_no)?;
        }
        if v.tokens.is_empty() {
            return Err(Error::Malformed { path: path.to_path_buf(), line: 1, msg: "empty vocabulary".into() });
        }
        let first: Vec<(&[u8], u32)> =
            v.ids.iter().filter(|(k, _)| !k.is_empty()).map(|(k, &id)| (k.as_bytes(), id)).collect();
        let rest: Vec<(&[u8], u32)> = v
            .ids
            .iter()
            .filter_map(|(k, &id)| k.strip_prefix(CONTINUATION).filter(|r| !r.is_empty()).map(|r| (r.as_bytes(), id)))
            .collect();
        (v.first, v.rest) = (Trie::build(&first), Trie::build(&rest));
        Ok(v)
    }

    fn push(&mut self, token: &str, line_no: u64) -> Result<()> {
        let id = u32::try_from(self.tokens.len()).map_err(|_| Error::Malformed {
            path: self.path.clone(),
            line: line_no,
            msg: "too many tokens".into(),
        })?;
        if let Some(&first) = self.ids.get(token) {
            return Err(Error::Malformed {
                path: self.path.clone(),
                line: line_no,
                msg: format!("duplicate token {token:?} (first at line {})", first + 1),
            });
        }
        self.ids.insert(token.to_string(), id);
        let mut cs = token.chars();
        if let (Some(c), None) = (cs.next(), cs.next()) {
            self.chars.insert(c, id);
        }
        self.tokens.push(token.to_string());
        Ok(())
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there are no entries (never true for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The id of `token`.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// The longest entry that `text` starts with: (its length in bytes, its id).
    pub fn longest(&self, text: &str) -> Option<(usize, u32)> {
        self.first.longest_prefix(text.as_bytes(), usize::MAX)
    }

    /// The longest `##x` entry such that `text` starts with `x`: (the length of `x`, the id).
    pub fn longest_continuation(&self, text: &str) -> Option<(usize, u32)> {
        self.rest.longest_prefix(text.as_bytes(), usize::MAX)
    }

    /// The id of the one-character token `c`.
    pub fn char_id(&self, c: char) -> Option<u32> {
        self.chars.get(&c).copied()
    }

    /// The token of `id`.
    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }
}

/// Lines as Python's text mode reads them: `\r\n`, `\r` or `\n` end a line; a last line
/// without terminator counts.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') else {
            let line = rest;
            rest = &[];
            return Some(line);
        };
        let line = &rest[..i];
        let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
        rest = &rest[i + skip..];
        Some(line)
    })
}

#[cfg(test)]
#[path = "vocab_file_test.rs"]
mod tests;
