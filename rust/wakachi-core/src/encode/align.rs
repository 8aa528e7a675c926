//! Strings derived from an original text that remember, for every byte, the byte range of the
//! original text it came from: the character offsets of `return_offsets_mapping`.
//!
//! Each transformation takes the string the id path computes (`expected`) and rebuilds it piece
//! by piece to learn the alignment; when the rebuilt string differs from `expected` (a
//! normalization that does not split into independent pieces), every byte of the result maps to
//! the whole input range. The text of an [`Aligned`] is therefore always the id path's string,
//! so ids never depend on offsets.

use std::iter::once;

use unicode_normalization::char::{canonical_combining_class, decompose_compatible};
use unicode_normalization::{is_nfkc_quick, IsNormalized};

/// A string and, per byte, the original `[start, end)` byte range it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aligned {
    /// The derived text.
    pub text: String,
    /// One original range per byte of `text`.
    pub map: Vec<(u32, u32)>,
}

/// Whether normalization never combines `c` with what precedes it (its compatibility
/// decomposition starts with a starter that nothing composes onto from the left), so a string can
/// be normalized in independent pieces that start at such characters.
fn stable_start(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    let mut first = None;
    decompose_compatible(c, |d| {
        first.get_or_insert(d);
    });
    let d = first.unwrap_or(c);
    canonical_combining_class(d) == 0 && is_nfkc_quick(once(d)) == IsNormalized::Yes
}

impl Aligned {
    /// `text`, found at byte `base` of the original.
    pub fn new(text: &str, base: usize) -> Aligned {
        let mut map = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            let r = ((base + i) as u32, (base + i + c.len_utf8()) as u32);
            map.resize(map.len() + c.len_utf8(), r);
        }
        Aligned { text: text.to_string(), map }
    }

    /// `text` with every byte mapped to `range`.
    pub fn coarse(text: &str, range: (u32, u32)) -> Aligned {
        Aligned { text: text.to_string(), map: vec![range; text.len()] }
    }

    /// The original range the whole string covers.
    pub fn range(&self) -> (u32, u32) {
        let start = self.map.iter().map(|r| r.0).min().unwrap_or(0);
        let end = self.map.iter().map(|r| r.1).max().unwrap_or(start);
        (start, end)
    }

    /// The original range of `text[start..end]` (non-empty, on character boundaries).
    pub fn span(&self, start: usize, end: usize) -> (u32, u32) {
        let m = &self.map[start..end];
        let lo = m.iter().map(|r| r.0).min().unwrap_or(0);
        let hi = m.iter().map(|r| r.1).max().unwrap_or(lo);
        (lo, hi)
    }

    /// The part `text[start..end]`.
    pub fn slice(&self, start: usize, end: usize) -> Aligned {
        Aligned { text: self.text[start..end].to_string(), map: self.map[start..end].to_vec() }
    }

    /// `expected`, computed from this text by `f` (a normalization); `f` is applied to pieces that
    /// begin at characters normalization never joins to their left.
    pub fn transform(&self, expected: &str, f: impl Fn(&str, &mut String)) -> Aligned {
        if expected == self.text {
            return self.clone();
        }
        let mut out = Aligned { text: String::with_capacity(expected.len()), map: Vec::with_capacity(expected.len()) };
        let emit = |a: usize, b: usize, out: &mut Aligned| {
            f(&self.text[a..b], &mut out.text);
            let r = self.span(a, b);
            out.map.resize(out.text.len(), r);
        };
        let mut start = 0;
        for (i, c) in self.text.char_indices() {
            if i > start && stable_start(c) {
                emit(start, i, &mut out);
                start = i;
            }
        }
        if start < self.text.len() {
            emit(start, self.text.len(), &mut out);
        }
        if out.text == expected {
            out
        } else {
            Aligned::coarse(expected, self.range())
        }
    }

    /// `expected` = Python's `lower()` of this text: each character's lower case maps to it.
    pub fn lower(&self, expected: &str) -> Aligned {
        if expected == self.text {
            return self.clone();
        }
        let mut map = Vec::with_capacity(expected.len());
        for (i, c) in self.text.char_indices() {
            let n: usize = c.to_lowercase().map(char::len_utf8).sum();
            map.resize(map.len() + n, self.map[i]);
        }
        if map.len() == expected.len() {
            Aligned { text: expected.to_string(), map }
        } else {
            Aligned::coarse(expected, self.range())
        }
    }

    /// Keeps, drops or replaces each character (`f` gives the replacement, or `None` to drop).
    pub fn map_chars(&self, f: impl Fn(char) -> Option<char>) -> Aligned {
        let mut out = Aligned { text: String::with_capacity(self.text.len()), map: Vec::with_capacity(self.map.len()) };
        for (i, c) in self.text.char_indices() {
            if let Some(d) = f(c) {
                out.text.push(d);
                out.map.resize(out.text.len(), self.map[i]);
            }
        }
        out
    }

    /// The parts of the text separated by characters for which `sep` holds (no empty parts).
    pub fn split(&self, sep: impl Fn(char) -> bool) -> Vec<Aligned> {
        let mut parts = Vec::new();
        let mut start = None;
        for (i, c) in self.text.char_indices() {
            match (sep(c), start) {
                (true, Some(s)) => {
                    parts.push(self.slice(s, i));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            parts.push(self.slice(s, self.text.len()));
        }
        parts
    }
}

/// Converts byte offsets into `text` to character offsets, in place.
pub fn bytes_to_chars(text: &str, offsets: &mut [(usize, usize)]) {
    if text.is_ascii() {
        return;
    }
    let mut index = vec![0usize; text.len() + 1];
    let mut n = 0;
    for (i, c) in text.char_indices() {
        for k in 0..c.len_utf8() {
            index[i + k] = n;
        }
        n += 1;
    }
    index[text.len()] = n;
    for (s, e) in offsets.iter_mut() {
        *s = index[(*s).min(text.len())];
        *e = index[(*e).min(text.len())];
    }
}

#[cfg(test)]
#[path = "align_test.rs"]
mod tests;
