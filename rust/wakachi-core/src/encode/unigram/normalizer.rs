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
        if size < 1024 || size % 1024 != 0 {
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
        Ok(CharsMap { trie, replacements: replacements.to_vec() })
    }

    /// The longest rule matching a prefix of `input` among the first 32 (the reference's
    /// `kMaxTrieResultsSize`): `(consumed, replacement)`.
    fn lookup(&self, input: &[u8]) -> Option<(usize, &[u8])> {
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
        let user_symbols = (!user_symbols.is_empty()).then(|| {
            let keys: Vec<(&[u8], u32)> = user_symbols.iter().map(|s| (*s, 0)).collect();
            Trie::build(&keys)
        });
        Ok(Normalizer {
            charsmap,
            user_symbols,
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
        if let Some(t) = &self.user_symbols {
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
        let len = one_char_len(input[0]);
        match input.get(..len) {
            Some(c) if std::str::from_utf8(c).is_ok() => (c, len),
            _ => (REPLACEMENT, 1),
        }
    }

    fn push_space(&self, consumed: usize, out: &mut Normalized) {
        let s = self.space();
        out.text.extend_from_slice(s);
        out.to_orig.extend(std::iter::repeat_n(consumed, s.len()));
    }

    /// Normalises `input` into `out` (cleared first). An empty or all-space input gives an empty
    /// text and an empty map, as sentencepiece.
    pub fn normalize(&self, input: &str, out: &mut Normalized) {
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
            self.push_space(consumed, out);
        }
        self.body(input, consumed, out);
        if self.whitespace_as_suffix && self.add_dummy_prefix {
            let end = out.to_orig.pop().unwrap_or(consumed);
            self.push_space(end, out);
            out.to_orig.push(end);
        }
    }

    /// Everything after the leading spaces; ends with the end entry of `to_orig`.
    fn body(&self, mut input: &[u8], mut consumed: usize, out: &mut Normalized) {
        let mut prev_space = self.remove_extra_whitespaces;
        while !input.is_empty() {
            let (mut rep, len) = self.prefix(input);
            if prev_space {
                while let [b' ', rest @ ..] = rep {
                    rep = rest;
                }
            }
            if !rep.is_empty() {
                for &b in rep {
                    if self.escape_whitespaces && b == b' ' {
                        self.push_space(consumed, out);
                    } else {
                        out.text.push(b);
                        out.to_orig.push(consumed);
                    }
                }
                prev_space = rep.last() == Some(&b' ');
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
                consumed = out.to_orig[keep];
                out.text.truncate(keep);
                out.to_orig.truncate(keep);
            }
        }
        out.to_orig.push(consumed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dummy: bool, remove: bool, escape: bool) -> NormalizerSpec {
        NormalizerSpec {
            name: "identity".into(),
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: dummy,
            remove_extra_whitespaces: remove,
            escape_whitespaces: escape,
        }
    }

    fn run(n: &Normalizer, s: &str) -> (String, Vec<usize>) {
        let mut out = Normalized::default();
        n.normalize(s, &mut out);
        (String::from_utf8(out.text).unwrap(), out.to_orig)
    }

    #[test]
    fn spaces_are_collapsed_escaped_and_mapped() {
        let n = Normalizer::new(&spec(true, true, true), false, &[], Path::new("m")).unwrap();
        let (t, map) = run(&n, "  a  b ");
        assert_eq!(t, "▁a▁b");
        assert_eq!(map, [2, 2, 2, 2, 3, 3, 3, 5, 6]);
        assert_eq!(run(&n, "   ").0, "");
        let raw = Normalizer::new(&spec(false, false, false), false, &[], Path::new("m")).unwrap();
        assert_eq!(run(&raw, " a  b ").0, " a  b ");
    }

    #[test]
    fn suffix_mark_and_user_symbols() {
        let sym: &[u8] = b"<sep>";
        let n = Normalizer::new(&spec(true, true, true), true, &[sym], Path::new("m")).unwrap();
        let (t, map) = run(&n, "a <sep>b");
        assert_eq!(t, "a▁<sep>b▁");
        assert_eq!(map.len(), t.len() + 1);
        assert_eq!(*map.last().unwrap(), 8);
    }

    #[test]
    fn broken_charsmap_is_an_error_naming_the_file() {
        let mut s = spec(true, true, true);
        let mut bad_array = vec![0, 4, 0, 0];
        bad_array.extend(std::iter::repeat_n(0xff, 1024));
        bad_array.extend(b"a\0");
        for blob in [vec![100, 0, 0, 0, 1, 2], vec![1, 2, 3], vec![4, 0, 0, 0, 1, 2, 3, 4, 0], bad_array] {
            s.precompiled_charsmap = blob;
            let e = Normalizer::new(&s, false, &[], Path::new("bad.model")).unwrap_err().to_string();
            assert!(e.starts_with("bad.model: normalizer_spec.precompiled_charsmap: "), "{e}");
        }
    }
}
