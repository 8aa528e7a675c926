//! The WordPiece trainer of HF `tokenizers` (0.23; `WordPieceTrainer`, which runs its
//! `BpeTrainer` with a continuation prefix), reproduced step by step but deterministic.
//!
//! The steps, as in `tokenizers`: special tokens; the alphabet (characters counted over the
//! words, initial-alphabet characters counted as infinite, the least frequent removed down to
//! `limit_alphabet`, the rest added in code-point order); then every word is split into
//! characters, a non-initial character becoming `##c` (new `##c` entries get ids in the order
//! they are met); then pairs are merged, most frequent first (ties: lowest pair of ids first),
//! until the vocabulary is full or the best pair occurs fewer than `min_frequency` times.
//!
//! `tokenizers` walks its word and character maps in a random hash order, so its output changes
//! from run to run in three places, each fixed here: which of the equally frequent characters are
//! dropped at the alphabet limit (here: the highest code points), the order of the `##c` entries
//! (here: words taken most frequent first, ties in byte order, unless
//! [`WordPieceSettings::continuation_order`] gives the order), and, through those ids, which of
//! two equally frequent pairs is merged first. Everything else — including the trainer's queue of
//! stale pair counts and per-entry word positions — is the same computation, so the vocabulary
//! equals the one `tokenizers` writes in a run whose hash order gives the same three choices.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::count::WordCounts;
use crate::error::{Error, Result};

/// Settings of [`train_wordpiece`] (the arguments of `tokenizers`' `WordPieceTrainer`).
#[derive(Debug, Clone)]
pub struct WordPieceSettings {
    /// Target vocabulary size.
    pub vocab_size: usize,
    /// Stop when the best pair occurs fewer times than this.
    pub min_frequency: u64,
    /// Keep at most this many characters (`None`: all).
    pub limit_alphabet: Option<usize>,
    /// Characters always kept (unless `limit_alphabet` is below their number).
    pub initial_alphabet: Vec<char>,
    /// Special tokens, first in the vocabulary, in this order.
    pub special_tokens: Vec<String>,
    /// The continuation prefix (`##`).
    pub prefix: String,
    /// The order of the first `##c` entries (to reproduce a given `tokenizers` run); characters
    /// not listed follow in the default order.
    pub continuation_order: Vec<char>,
}

impl Default for WordPieceSettings {
    fn default() -> Self {
        WordPieceSettings {
            vocab_size: 32768,
            min_frequency: 2,
            limit_alphabet: None,
            initial_alphabet: Vec::new(),
            special_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map(String::from).to_vec(),
            prefix: "##".into(),
            continuation_order: Vec::new(),
        }
    }
}

impl WordPieceSettings {
    /// Rejects settings that cannot give a vocabulary of `vocab_size` (before any counting).
    pub fn check(&self) -> Result<()> {
        let mut specials = self.special_tokens.clone();
        specials.sort();
        specials.dedup();
        let mut initial = self.initial_alphabet.clone();
        initial.sort_unstable();
        initial.dedup();
        let alphabet = self.limit_alphabet.map_or(initial.len(), |l| l.min(initial.len()));
        if self.vocab_size < specials.len() + alphabet {
            return Err(Error::Config(format!(
                "vocab size {} is smaller than the {} special tokens and {} initial-alphabet characters it must hold",
                self.vocab_size,
                specials.len(),
                alphabet
            )));
        }
        if self.special_tokens.iter().any(String::is_empty) {
            return Err(Error::Config("a special token is empty".into()));
        }
        Ok(())
    }
}

type Pair = (u32, u32);

/// A queued pair: its count when queued and the words that had it then (sorted, distinct).
struct Merge {
    pair: Pair,
    count: u64,
    pos: Vec<u32>,
}

impl PartialEq for Merge {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count && self.pair == other.pair
    }
}
impl Eq for Merge {}
impl PartialOrd for Merge {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Merge {
    /// Highest count first; equal counts: lowest pair first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.count.cmp(&other.count).then_with(|| other.pair.cmp(&self.pair))
    }
}

/// The vocabulary being built: tokens in id order.
#[derive(Default)]
struct Vocab {
    tokens: Vec<String>,
    ids: FxHashMap<String, u32>,
}

impl Vocab {
    fn id_or_add(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.ids.get(token) {
            return id;
        }
        let id = self.tokens.len() as u32;
        self.tokens.push(token.to_string());
        self.ids.insert(token.to_string(), id);
        id
    }
}

/// Trains a WordPiece vocabulary on `counts`; returns the tokens in id order (`vocab.txt`).
pub fn train_wordpiece(counts: &WordCounts, s: &WordPieceSettings) -> Result<Vec<String>> {
    s.check()?;
    let mut vocab = Vocab::default();
    for t in &s.special_tokens {
        vocab.id_or_add(t);
    }
    let words = counts.sorted();
    let chars = alphabet(&words, s);
    let n_chars = chars.len();
    for c in chars {
        vocab.id_or_add(c.encode_utf8(&mut [0u8; 4]));
    }
    let before = vocab.tokens.len();
    let (mut symbols, freqs) = split_words(&words, s, &mut vocab);
    let floor = vocab.tokens.len();
    if s.vocab_size < floor {
        return Err(Error::Config(format!(
            "vocab size {} is smaller than the {} entries every vocabulary of this corpus has: {} special tokens, \
             {} characters and {} continuation characters",
            s.vocab_size,
            floor,
            s.special_tokens.len(),
            n_chars,
            floor - before
        )));
    }
    merge_pairs(&mut symbols, &freqs, s, &mut vocab);
    Ok(vocab.tokens)
}

/// The characters kept, in code-point order.
fn alphabet(words: &[(&str, u64)], s: &WordPieceSettings) -> Vec<char> {
    let mut counts: FxHashMap<char, u64> = FxHashMap::default();
    for &(w, n) in words {
        for c in w.chars() {
            let e = counts.entry(c).or_default();
            *e = e.saturating_add(n);
        }
    }
    for &c in &s.initial_alphabet {
        counts.insert(c, u64::MAX);
    }
    let mut kept: Vec<(char, u64)> = counts.into_iter().collect();
    let to_remove = s.limit_alphabet.map_or(0, |l| kept.len().saturating_sub(l));
    if to_remove > 0 {
        // Least frequent first; among equals the highest code point goes first.
        kept.sort_unstable_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        kept.drain(..to_remove);
    }
    let mut chars: Vec<char> = kept.into_iter().map(|(c, _)| c).collect();
    chars.sort_unstable();
    chars
}

/// Every word as symbol ids (characters outside the alphabet are left out, as `tokenizers`
/// does); adds the `##c` entries.
fn split_words(words: &[(&str, u64)], s: &WordPieceSettings, vocab: &mut Vocab) -> (Vec<Vec<u32>>, Vec<u64>) {
    let mut cont = String::with_capacity(8);
    let mut buf = [0u8; 4];
    if !s.continuation_order.is_empty() {
        let mut used = rustc_hash::FxHashSet::default();
        for &(w, _) in words {
            for c in w.chars().skip(1) {
                used.insert(c);
            }
        }
        for &c in &s.continuation_order {
            if used.contains(&c) && vocab.ids.contains_key(c.encode_utf8(&mut buf) as &str) {
                cont.clear();
                cont.push_str(&s.prefix);
                cont.push(c);
                vocab.id_or_add(&cont);
            }
        }
    }
    let mut symbols = Vec::with_capacity(words.len());
    let mut freqs = Vec::with_capacity(words.len());
    for &(w, n) in words {
        let mut word = Vec::with_capacity(w.len() / 2);
        for (i, c) in w.chars().enumerate() {
            if !vocab.ids.contains_key(c.encode_utf8(&mut buf) as &str) {
                continue;
            }
            let id = if i == 0 {
                vocab.id_or_add(c.encode_utf8(&mut buf))
            } else {
                cont.clear();
                cont.push_str(&s.prefix);
                cont.push(c);
                vocab.id_or_add(&cont)
            };
            word.push(id);
        }
        symbols.push(word);
        freqs.push(n);
    }
    (symbols, freqs)
}

/// Pair counts (signed, as `tokenizers` keeps them) and where each pair was last seen.
struct Pairs {
    counts: FxHashMap<Pair, i64>,
    updated: FxHashMap<Pair, Vec<u32>>,
}

impl Pairs {
    fn change(&mut self, pair: Pair, delta: i64, word: u32) {
        *self.counts.entry(pair).or_default() += delta;
        if delta > 0 {
            let pos = self.updated.entry(pair).or_default();
            if pos.last() != Some(&word) {
                pos.push(word);
            }
        }
    }

    /// Queues every pair seen since the last call whose count is positive.
    fn flush(&mut self, queue: &mut BinaryHeap<Merge>) {
        for (pair, mut pos) in self.updated.drain() {
            let count = self.counts.get(&pair).copied().unwrap_or(0);
            if count > 0 {
                pos.sort_unstable();
                pos.dedup();
                queue.push(Merge { pair, count: count as u64, pos });
            }
        }
    }
}

fn merge_pairs(words: &mut [Vec<u32>], freqs: &[u64], s: &WordPieceSettings, vocab: &mut Vocab) {
    let mut pairs = Pairs { counts: FxHashMap::default(), updated: FxHashMap::default() };
    for (i, w) in words.iter().enumerate() {
        for p in w.windows(2) {
            pairs.change((p[0], p[1]), freqs[i] as i64, i as u32);
        }
    }
    let mut queue = BinaryHeap::with_capacity(pairs.updated.len());
    pairs.flush(&mut queue);
    let mut changes: Vec<(Pair, i64)> = Vec::new();
    while vocab.tokens.len() < s.vocab_size {
        let Some(mut top) = queue.pop() else { break };
        let current = pairs.counts.get(&top.pair).copied().unwrap_or(0).max(0) as u64;
        if top.count != current {
            top.count = current;
            queue.push(top);
            continue;
        }
        if top.count < 1 || s.min_frequency > top.count {
            break;
        }
        let (a, b) = (&vocab.tokens[top.pair.0 as usize], &vocab.tokens[top.pair.1 as usize]);
        let token = format!("{a}{}", b.strip_prefix(s.prefix.as_str()).unwrap_or(b));
        let new_id = vocab.id_or_add(&token);
        for &i in &top.pos {
            changes.clear();
            merge_word(&mut words[i as usize], top.pair, new_id, &mut changes);
            for &(pair, delta) in &changes {
                pairs.change(pair, delta * freqs[i as usize] as i64, i);
            }
        }
        pairs.flush(&mut queue);
    }
}

/// Replaces every occurrence of `pair` in `word`, left to right, recording the pairs that
/// disappear (-1) and appear (+1) next to it (the merged pair itself is not counted down, as in
/// `tokenizers`' `Word::merge`).
fn merge_word(word: &mut Vec<u32>, pair: Pair, new_id: u32, changes: &mut Vec<(Pair, i64)>) {
    let mut i = 0;
    while i + 1 < word.len() {
        if word[i] == pair.0 && word[i + 1] == pair.1 {
            if i > 0 {
                changes.push(((word[i - 1], pair.0), -1));
                changes.push(((word[i - 1], new_id), 1));
            }
            word[i] = new_id;
            word.remove(i + 1);
            if i + 1 < word.len() {
                changes.push(((pair.1, word[i + 1]), -1));
                changes.push(((new_id, word[i + 1]), 1));
            }
        }
        i += 1;
    }
}

#[cfg(test)]
#[path = "wordpiece_test.rs"]
mod tests;
