//! SentencePiece's normaliser (`src/normalizer.cc`), byte for byte.
//!
//! At each position the longest user-defined symbol wins and is copied unchanged; otherwise the
//! longest key of the precompiled rule (a darts-clone double array over UTF-8 bytes whose values
//! point into a block of NUL-terminated replacement strings) is replaced; otherwise one character
//! is copied. `nmt_nfkc`, `nfkc` and the other rules differ only in that compiled table;
//! `identity` has none. Around that: leading, trailing and repeated spaces are dropped
//! (`remove_extra_whitespaces`), a space mark is put in front (`add_dummy_prefix`; behind with
//! `treat_whitespace_as_suffix`) and spaces are written as U+2581 (`escape_whitespaces`).
//! Every output byte records the input byte offset it came from.

use std::path::Path;

use super::model::NormalizerSpec;
use super::trie::{Darts, Trie};
use crate::error::{Error, Result};

/// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
pub const SPACE_MARK: &[u8] = "\u{2581}".as_bytes();
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// A compiled normalisation rule.
#[derive(Debug, Clone)]
struct CharsMap {
    trie: Darts,
    /// NUL-terminated replacement strings; trie values are offsets into it.
    replacements: Vec<u8>,
    /// One bit per BMP code point: set when no rule can match text starting with that character
    /// (the trie walk dies inside the character without passing a key), so the lookup is skipped.
    no_rule: Vec<u64>,
}

impl CharsMap {
    /// `<u32 LE trie size><trie><replacements>`, checked as sentencepiece 0.2.3 checks it.
    fn decode(blob: &[u8], path: &Path) -> Result<Self> {
        let broken = |m: &str| Error::dict(path, format!("normalizer_spec.precompiled_charsmap: {m}"));
        let Some((head, rest)) = blob.split_first_chunk::<4>().filter(|_| blob.len() > 4) else {
            return Err(broken("blob for the normalization rule is broken"));
        };
        let size = u32::from_le_bytes(*head) as usize;
        if size >= rest.len() {
            return Err(broken("trie size exceeds the blob size"));
        }
        if size < 1024 || size & 0x3ff != 0 {
            return Err(broken("trie size is not a multiple of 1024"));
        }
        let (trie, replacements) = rest.split_at(size);
        if replacements.last() != Some(&0) {
            return Err(broken("replacement block is not NUL-terminated"));
        }
        let trie = Darts::from_bytes(trie);
        if !trie.validate(replacements.len()) {
            return Err(broken("invalid double array"));
        }
        let mut no_rule = vec![0u64; 0x10000 / 64];
        let mut buf = [0u8; 4];
        for c in (0..0x10000u32).filter_map(char::from_u32) {
            if trie.dies_within(c.encode_utf8(&mut buf).as_bytes()) {
                no_rule[c as usize / 64] |= 1 << (c as usize % 64);
            }
        }
        Ok(CharsMap { trie, replacements: replacements.to_vec(), no_rule })
    }

    /// Whether no rule can match `input` (judged from its first character, when in the BMP).
    #[inline(always)]
    fn surely_none(&self, input: &[u8]) -> bool {
        let cp = match *input {
            [a, ..] if a < 0x80 => u32::from(a),
            [a, b, ..] if a & 0xE0 == 0xC0 => u32::from(a & 0x1F) << 6 | u32::from(b & 0x3F),
            [a, b, c, ..] if a & 0xF0 == 0xE0 => {
                u32::from(a & 0x0F) << 12 | u32::from(b & 0x3F) << 6 | u32::from(c & 0x3F)
            }
            _ => return false,
        } as usize;
        self.no_rule[cp / 64] & (1 << (cp % 64)) != 0
    }

    /// The longest rule matching a prefix of `input` among the first 32 (the reference's
    /// `kMaxTrieResultsSize`): `(consumed, replacement)`.
    fn lookup(&self, input: &[u8]) -> Option<(usize, &[u8])> {
        if self.surely_none(input) {
            return None;
        }
        let (len, value) = self.trie.longest_prefix(input, 32)?;
        let tail = self.replacements.get(value as usize..).filter(|t| !t.is_empty())?;
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        Some((len, &tail[..end]))
    }
}

/// Buffers of one normalised text.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    /// The normalised bytes.
    pub text: Vec<u8>,
    /// For each byte of `text` plus one end entry, the input byte offset it came from.
    pub to_orig: Vec<usize>,
}

/// The normaliser of one model.
#[derive(Debug, Clone)]
pub struct Normalizer {
    charsmap: Option<CharsMap>,
    user_symbols: Option<Trie>,
    /// First bytes of the user-defined symbols.
    user_first: [bool; 256],
    add_dummy_prefix: bool,
    remove_extra_whitespaces: bool,
    escape_whitespaces: bool,
    whitespace_as_suffix: bool,
}

/// The UTF-8 length announced by a lead byte (1 for stray continuation bytes), as sentencepiece's
/// `OneCharLen`.
#[inline(always)]
pub fn one_char_len(lead: u8) -> usize {
    const LEN: [u8; 16] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4];
    usize::from(LEN[usize::from(lead >> 4)])
}

impl Normalizer {
    /// Builds the normaliser of `spec`; `user_symbols` are the model's USER_DEFINED pieces.
    pub fn new(spec: &NormalizerSpec, whitespace_as_suffix: bool, user_symbols: &[&[u8]], path: &Path) -> Result<Self> {
        let charsmap = if spec.precompiled_charsmap.is_empty() {
            None
        } else {
            Some(CharsMap::decode(&spec.precompiled_charsmap, path)?)
        };
        let mut user_first = [false; 256];
        for s in user_symbols {
            if let Some(&b) = s.first() {
                user_first[usize::from(b)] = true;
            }
        }
        let user_symbols = (!user_symbols.is_empty()).then(|| {
            let keys: Vec<(&[u8], u32)> = user_symbols.iter().map(|s| (*s, 0)).collect();
            Trie::build(&keys)
        });
        Ok(Normalizer {
            charsmap,
            user_symbols,
            user_first,
            add_dummy_prefix: spec.add_dummy_prefix,
            remove_extra_whitespaces: spec.remove_extra_whitespaces,
            escape_whitespaces: spec.escape_whitespaces,
            whitespace_as_suffix,
        })
    }

    /// The bytes that mark a space in normalised text.
    pub fn space(&self) -> &'static [u8] {
        if self.escape_whitespaces {
            SPACE_MARK
        } else {
            b" "
        }
    }

    /// Whether the space mark ends words rather than starting them.
    pub fn whitespace_as_suffix(&self) -> bool {
        self.whitespace_as_suffix
    }

    /// Normalises one prefix of `input`: `(replacement, bytes consumed)`.
    #[inline]
    fn prefix<'a>(&'a self, input: &'a [u8]) -> (&'a [u8], usize) {
        let lead = input[0];
        if let (Some(t), true) = (&self.user_symbols, self.user_first[usize::from(lead)]) {
            // The reference keeps the first 64 matches.
            if let Some((len, _)) = t.longest_prefix(input, 64) {
                return (&input[..len], len);
            }
        }
        if let Some(m) = &self.charsmap {
            if let Some((len, rep)) = m.lookup(input) {
                return (rep, len);
            }
        }
        // `input` is the tail of a `str`: it is valid UTF-8 unless a (corrupt) rule stopped inside
        // a character, which leaves a continuation byte here; the reference replaces it.
        let len = one_char_len(lead);
        match input.get(..len) {
            Some(c) if lead & 0xC0 != 0x80 => (c, len),
            _ => (REPLACEMENT, 1),
        }
    }

    fn push_space(&self, consumed: usize, out: &mut Normalized, map: bool) {
        let s = self.space();
        out.text.extend_from_slice(s);
        if map {
            out.to_orig.extend(std::iter::repeat_n(consumed, s.len()));
        }
    }

    /// Normalises `input` into `out` (cleared first); `map` fills `out.to_orig` too. An empty or
    /// all-space input gives an empty text and an empty map, as sentencepiece.
    pub fn normalize(&self, input: &str, out: &mut Normalized, map: bool) {
        out.text.clear();
        out.to_orig.clear();
        let mut input = input.as_bytes();
        let mut consumed = 0;
        if self.remove_extra_whitespaces {
            while !input.is_empty() {
                let (rep, len) = self.prefix(input);
                if rep != b" " {
                    break;
                }
                input = &input[len..];
                consumed += len;
            }
        }
        if input.is_empty() {
            return;
        }
        if !self.whitespace_as_suffix && self.add_dummy_prefix {
            self.push_space(consumed, out, map);
        }
        let end = self.body(input, consumed, out, map);
        if self.whitespace_as_suffix && self.add_dummy_prefix {
            self.push_space(end, out, map);
        }
        if map {
            out.to_orig.push(end);
        }
    }

    /// Everything after the leading spaces; returns the input offset of the end of the text.
    fn body(&self, mut input: &[u8], mut consumed: usize, out: &mut Normalized, map: bool) -> usize {
        let mut prev_space = self.remove_extra_whitespaces;
        while !input.is_empty() {
            let (mut rep, len) = self.prefix(input);
            if prev_space {
                while let [b' ', rest @ ..] = rep {
                    rep = rest;
                }
            }
            if let Some(&last) = rep.last() {
                self.push(rep, consumed, out, map);
                prev_space = last == b' ';
            }
            consumed += len;
            input = &input[len..];
            if !self.remove_extra_whitespaces {
                prev_space = false;
            }
        }
        if self.remove_extra_whitespaces {
            let space = self.space();
            while out.text.ends_with(space) {
                let keep = out.text.len() - space.len();
                if map {
                    consumed = out.to_orig[keep];
                    out.to_orig.truncate(keep);
                }
                out.text.truncate(keep);
            }
        }
        consumed
    }

    /// Appends a replacement, spaces escaped, every byte mapped to `consumed`.
    #[inline(always)]
    fn push(&self, rep: &[u8], consumed: usize, out: &mut Normalized, map: bool) {
        if rep.contains(&b' ') {
            for &b in rep {
                if b == b' ' {
                    self.push_space(consumed, out, map);
                } else {
                    out.text.push(b);
                    if map {
                        out.to_orig.push(consumed);
                    }
                }
            }
        } else {
            out.text.extend_from_slice(rep);
            if map {
                out.to_orig.extend(std::iter::repeat_n(consumed, rep.len()));
            }
        }
    }
}

#[cfg(test)]
#[path = "normalizer_test.rs"]
mod tests;
