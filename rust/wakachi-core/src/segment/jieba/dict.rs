//! jieba's prefix dictionary (`Tokenizer.FREQ` and `total` in jieba 0.42.1): every word with its
//! frequency, and every prefix of a word with frequency 0. The key set is closed under prefixes, so
//! it is stored as a character trie; jieba's `frag in FREQ` walk becomes a walk down the trie.

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// Name used in messages about the embedded dictionary.
pub const DEFAULT_DICT_NAME: &str = "<jieba 0.42.1 dict.txt>";

include_flate::flate!(
    /// jieba 0.42.1's `dict.txt`, byte for byte (see `data/jieba/generate.py`).
    static DEFAULT_DICT: str from "data/jieba/dict.txt" with zstd
);

/// The prefix dictionary. Node 0 is the empty string.
#[derive(Debug, Clone)]
pub struct PrefixDict {
    /// `(node << 21) | char` → child node (a `char` fits in 21 bits).
    children: FxHashMap<u64, u32>,
    /// The root's children for the Basic Multilingual Plane, by code point (`NONE` if absent):
    /// every DAG walk starts at the root, and this saves a third of the lookups.
    root: Vec<u32>,
    /// Frequency of each node's string; 0 for a prefix that is not (or no longer) a word.
    freq: Vec<u64>,
    /// `ln(freq)` of each node, used only where `freq > 0`.
    log_freq: Vec<f64>,
    /// Words that were given frequency 0 (jieba's `finalseg.Force_Split_Words`): the HMM never
    /// returns them whole.
    force_split: Vec<bool>,
    /// Sum of every frequency ever added (jieba never subtracts a replaced frequency).
    pub total: u64,
    /// `ln(total)`.
    pub log_total: f64,
    /// Whether any word is in `force_split`.
    pub any_force_split: bool,
}

const NONE: u32 = u32::MAX;
const ROOT_TABLE: usize = 0x10000;

#[inline]
fn key(node: u32, c: char) -> u64 {
    (u64::from(node) << 21) | u64::from(c)
}

impl PrefixDict {
    fn empty() -> Self {
        PrefixDict {
            children: FxHashMap::default(),
            root: vec![NONE; ROOT_TABLE],
            freq: vec![0],
            log_freq: vec![0.0],
            force_split: vec![false],
            total: 0,
            log_total: f64::NEG_INFINITY,
            any_force_split: false,
        }
    }

    /// jieba's default dictionary, built like `Tokenizer.gen_pfdict`: `word freq [tag]` per line,
    /// a later line for the same word replaces its frequency, and every line adds to the total.
    pub fn default_dict() -> Result<Self> {
        let text: &str = &DEFAULT_DICT;
        let mut d = PrefixDict::empty();
        d.children.reserve(700_000);
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            let mut fields = line.split(' ');
            let (Some(word), Some(freq)) = (fields.next(), fields.next()) else {
                return Err(bad_default_line(i, line));
            };
            let freq: u64 = freq.parse().map_err(|_| bad_default_line(i, line))?;
            let node = d.insert(word);
            d.set_freq(node, freq);
            d.total += freq;
        }
        d.update_log_total();
        Ok(d)
    }

    /// The node for `word`, created (with its prefixes) at frequency 0 if absent.
    fn insert(&mut self, word: &str) -> u32 {
        let mut node = 0;
        for c in word.chars() {
            let next = self.freq.len() as u32;
            let child = *self.children.entry(key(node, c)).or_insert(next);
            if child == next {
                if node == 0 && (c as usize) < ROOT_TABLE {
                    self.root[c as usize] = child;
                }
                self.freq.push(0);
                self.log_freq.push(0.0);
                self.force_split.push(false);
            }
            node = child;
        }
        node
    }

    fn set_freq(&mut self, node: u32, freq: u64) {
        self.freq[node as usize] = freq;
        self.log_freq[node as usize] = (freq as f64).ln();
    }

    fn update_log_total(&mut self) {
        self.log_total = (self.total as f64).ln();
    }

    /// `Tokenizer.add_word(word, freq)` with a known frequency: sets the word's frequency, adds
    /// it to the total, and marks a word given frequency 0 as one the HMM must split.
    pub fn add_word(&mut self, word: &str, freq: u64) {
        let node = self.insert(word);
        self.set_freq(node, freq);
        self.total += freq;
        self.update_log_total();
        if freq == 0 {
            self.force_split[node as usize] = true;
            self.any_force_split = true;
        }
    }

    /// The child of `node` by `c`, if that string is a word or a prefix of one.
    #[inline]
    pub fn child(&self, node: u32, c: char) -> Option<u32> {
        if node == 0 && (c as usize) < ROOT_TABLE {
            let child = self.root[c as usize];
            return (child != NONE).then_some(child);
        }
        self.children.get(&key(node, c)).copied()
    }

    /// The frequency of a node (0 for a prefix).
    #[inline]
    pub fn freq_of(&self, node: u32) -> u64 {
        self.freq[node as usize]
    }

    /// `ln` of a node's frequency (meaningful only when it is positive).
    #[inline]
    pub fn log_freq_of(&self, node: u32) -> f64 {
        self.log_freq[node as usize]
    }

    /// The node of a string, if it is a word or a prefix of one.
    pub fn find(&self, mut chars: impl Iterator<Item = char>) -> Option<u32> {
        chars.try_fold(0, |node, c| self.child(node, c))
    }

    /// `FREQ.get(word, default)`.
    pub fn get_or(&self, word: &str, default: u64) -> u64 {
        self.find(word.chars()).map_or(default, |n| self.freq_of(n))
    }

    /// Whether `word` was given frequency 0 (jieba's `Force_Split_Words`).
    pub fn is_force_split(&self, chars: impl Iterator<Item = char>) -> bool {
        self.any_force_split && self.find(chars).is_some_and(|n| self.force_split[n as usize])
    }
}

fn bad_default_line(i: usize, line: &str) -> Error {
    Error::dict(DEFAULT_DICT_NAME, format!("line {}: invalid entry {line:?}", i + 1))
}

/// One user-dictionary line split like jieba's `re_userdict`
/// (`^(.+?)( [0-9]+)?( [a-z]+)?$`): the shortest non-empty word after which the rest is an
/// optional ` digits` then an optional ` lowercase-letters`. Returns `(word, freq digits)`; the
/// tag does not affect segmentation. `line` must not be empty.
pub fn split_user_line(line: &str) -> (&str, Option<&str>) {
    for (i, c) in line.char_indices().skip(1) {
        if c == ' ' {
            if let Some(freq) = user_line_rest(&line[i..]) {
                return (&line[..i], freq);
            }
        }
    }
    (line, None)
}

/// Whether `rest` is `( [0-9]+)?( [a-z]+)?` exactly; if so, the digits of the first group.
fn user_line_rest(rest: &str) -> Option<Option<&str>> {
    let (freq, rest) = match group(rest, |b| b.is_ascii_digit()) {
        Some((digits, after)) => (Some(digits), after),
        None => (None, rest),
    };
    let rest = group(rest, |b| b.is_ascii_lowercase()).map_or(rest, |(_, after)| after);
    rest.is_empty().then_some(freq)
}

/// A space followed by one or more bytes of `class`: the bytes and what follows.
fn group(s: &str, class: impl Fn(u8) -> bool) -> Option<(&str, &str)> {
    let body = s.strip_prefix(' ')?;
    let n = body.bytes().take_while(|&b| class(b)).count();
    (n > 0).then(|| body.split_at(n))
}

#[cfg(test)]
#[path = "dict_test.rs"]
mod tests;
