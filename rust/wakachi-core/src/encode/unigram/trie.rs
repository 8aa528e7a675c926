//! Byte tries: [`Trie`], a double array built from the vocabulary at load time (one array probe
//! per input byte), and [`Darts`], a reader of the darts-clone arrays stored in a model's
//! precompiled normalisation rule.

/// One cell: children of the cell sit at `base + byte`, owned when their `check` names the
/// parent; `value` is the id of the key ending here (or `NONE`).
#[derive(Debug, Clone, Copy)]
struct Unit {
    base: u32,
    check: u32,
    value: u32,
}

const NONE: u32 = u32::MAX;

/// A double-array trie over byte strings with a `u32` value per key.
#[derive(Debug, Clone)]
pub struct Trie {
    units: Vec<Unit>,
}

impl Trie {
    /// Builds the trie of `keys` (distinct byte strings, any order) → values.
    pub fn build(keys: &[(&[u8], u32)]) -> Trie {
        let mut sorted: Vec<(&[u8], u32)> = keys.to_vec();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        sorted.dedup_by(|a, b| a.0 == b.0);
        let mut b = Builder { units: vec![Unit { base: 0, check: NONE, value: NONE }], first_free: 1 };
        // (node, first key, end of keys, depth): keys[lo..hi] share their first `depth` bytes.
        let mut stack = vec![(0u32, 0usize, sorted.len(), 0usize)];
        let mut labels = Vec::new();
        let mut ranges = Vec::new();
        while let Some((node, mut lo, hi, depth)) = stack.pop() {
            if lo < hi && sorted[lo].0.len() == depth {
                b.units[node as usize].value = sorted[lo].1;
                lo += 1;
            }
            labels.clear();
            ranges.clear();
            let mut i = lo;
            while i < hi {
                let c = sorted[i].0[depth];
                let start = i;
                while i < hi && sorted[i].0[depth] == c {
                    i += 1;
                }
                labels.push(c);
                ranges.push((start, i));
            }
            if labels.is_empty() {
                continue;
            }
            let base = b.place(node, &labels);
            for (&c, &(s, e)) in labels.iter().zip(&ranges) {
                stack.push((base + u32::from(c), s, e, depth + 1));
            }
        }
        b.units.shrink_to_fit();
        Trie { units: b.units }
    }

    /// The child of `node` (0 = root) on `byte`.
    #[inline(always)]
    pub fn step(&self, node: u32, byte: u8) -> Option<u32> {
        // `node` was returned by `step` (or is the root), so it indexes `units`.
        let next = self.units[node as usize].base.wrapping_add(u32::from(byte));
        match self.units.get(next as usize) {
            Some(u) if u.check == node => Some(next),
            _ => None,
        }
    }

    /// The value of the key ending at `node`.
    #[inline(always)]
    pub fn value(&self, node: u32) -> Option<u32> {
        let v = self.units[node as usize].value;
        (v != NONE).then_some(v)
    }

    /// The longest key that is a prefix of `text` among the first `max_keys` (shortest first):
    /// `(length, value)`.
    pub fn longest_prefix(&self, text: &[u8], max_keys: usize) -> Option<(usize, u32)> {
        let mut node = 0;
        let mut best = None;
        let mut found = 0;
        for (i, &c) in text.iter().enumerate() {
            if found == max_keys {
                break;
            }
            let Some(n) = self.step(node, c) else { break };
            node = n;
            if let Some(v) = self.value(n) {
                best = Some((i + 1, v));
                found += 1;
            }
        }
        best
    }
}

struct Builder {
    units: Vec<Unit>,
    first_free: usize,
}

impl Builder {
    fn is_free(&self, i: usize) -> bool {
        !matches!(self.units.get(i), Some(u) if u.check != NONE)
    }

    /// Finds a base where every `base + label` is free, claims those cells for `parent`.
    fn place(&mut self, parent: u32, labels: &[u8]) -> u32 {
        while !self.is_free(self.first_free) {
            self.first_free += 1;
        }
        let first = usize::from(labels[0]);
        let start = self.first_free.max(first + 1);
        let mut pos = start;
        let mut used = 0usize;
        let base = loop {
            if self.is_free(pos) {
                let base = pos - first;
                if labels.iter().all(|&c| self.is_free(base + usize::from(c))) {
                    // A region scanned past that is almost full is not searched again: with
                    // hundreds of thousands of keys the search would otherwise be quadratic.
                    if used * 20 >= (pos - start + 1) * 19 {
                        self.first_free = pos;
                    }
                    break base;
                }
            } else {
                used += 1;
            }
            pos += 1;
        };
        let top = base + 256;
        if self.units.len() < top {
            self.units.resize(top, Unit { base: 0, check: NONE, value: NONE });
        }
        for &c in labels {
            self.units[base + usize::from(c)].check = parent;
        }
        self.units[parent as usize].base = base as u32;
        base as u32
    }
}

/// A darts-clone double array (as written by sentencepiece's normaliser compiler), read with
/// every index checked: a corrupt array gives no match, never a panic.
#[derive(Debug, Clone)]
pub struct Darts {
    units: Vec<u32>,
}

impl Darts {
    /// Reads little-endian 32-bit units; a trailing partial unit is ignored (as sentencepiece does).
    pub fn from_bytes(blob: &[u8]) -> Darts {
        Darts { units: blob.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect() }
    }

    fn offset(unit: u32) -> usize {
        ((unit >> 10) << ((unit & (1 << 9)) >> 6)) as usize
    }

    fn has_leaf(unit: u32) -> bool {
        (unit >> 8) & 1 == 1
    }

    fn label(unit: u32) -> u32 {
        unit & ((1 << 31) | 0xff)
    }

    /// darts-clone's `validate`: every offset stays inside the array, leaves sit where a label
    /// points to them and every value is below `max_value`. After it, searches never leave the array.
    pub fn validate(&self, max_value: usize) -> bool {
        let size = self.units.len();
        let Some(&root) = self.units.first() else { return false };
        if Self::label(root) != 0
            || Self::has_leaf(root)
            || Self::offset(root) == 0
            || (Self::offset(root) | 0xff) >= size
        {
            return false;
        }
        self.units.iter().enumerate().skip(1).all(|(i, &u)| {
            if Self::label(u) <= 0xff {
                let child = i ^ Self::offset(u);
                (child | 0xff) < size && !(Self::has_leaf(u) && Self::label(self.units[child]) <= 0xff)
            } else {
                ((u & ((1 << 31) - 1)) as usize) < max_value
            }
        })
    }

    /// Whether the walk over `key` passes no key end and stops before consuming all of `key`:
    /// then no key is a prefix of any text starting with `key`.
    pub fn dies_within(&self, key: &[u8]) -> bool {
        let Some(&root) = self.units.first() else { return true };
        let mut pos = Self::offset(root);
        for &c in key {
            pos ^= usize::from(c);
            match self.units.get(pos) {
                Some(&unit) if Self::label(unit) == u32::from(c) => {
                    if Self::has_leaf(unit) {
                        return false;
                    }
                    pos ^= Self::offset(unit);
                }
                _ => return true,
            }
        }
        false
    }

    /// The longest key that is a prefix of `text` among the first `max_keys` (shortest first):
    /// `(length, value)`.
    pub fn longest_prefix(&self, text: &[u8], max_keys: usize) -> Option<(usize, u32)> {
        let mut best = None;
        let mut found = 0;
        let &root = self.units.first()?;
        let mut pos = Self::offset(root);
        for (i, &c) in text.iter().enumerate() {
            if found == max_keys {
                break;
            }
            pos ^= usize::from(c);
            let Some(&unit) = self.units.get(pos) else { break };
            if Self::label(unit) != u32::from(c) {
                break;
            }
            pos ^= Self::offset(unit);
            if Self::has_leaf(unit) {
                let Some(&leaf) = self.units.get(pos) else { break };
                best = Some((i + 1, leaf & ((1 << 31) - 1)));
                found += 1;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_vocabulary_builds_and_finds_every_key() {
        // 250,000 keys of 2–6 kana or kanji (a large multilingual vocabulary's size): the
        // search for free cells must not become quadratic (it took over 10 minutes once).
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut words = std::collections::BTreeSet::new();
        while words.len() < 250_000 {
            let n = 2 + next() % 5;
            let w: String = (0..n)
                .map(|_| {
                    let r = next() % 3083;
                    char::from_u32(if r < 83 { 0x3041 + r as u32 } else { 0x4E00 + (r - 83) as u32 }).unwrap_or('?')
                })
                .collect();
            words.insert(w);
        }
        let keys: Vec<(&[u8], u32)> = words.iter().enumerate().map(|(i, w)| (w.as_bytes(), i as u32)).collect();
        let t = Trie::build(&keys);
        for &(k, v) in keys.iter().step_by(97) {
            assert_eq!(t.longest_prefix(k, usize::MAX), Some((k.len(), v)));
        }
    }

    #[test]
    fn trie_finds_every_key_and_only_keys() {
        let words = ["a", "ab", "abc", "b", "▁", "▁日本", "日本語", "\u{0}x", "ÿ"];
        let keys: Vec<(&[u8], u32)> = words.iter().enumerate().map(|(i, w)| (w.as_bytes(), i as u32)).collect();
        let t = Trie::build(&keys);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.longest_prefix(w.as_bytes(), 64), Some((w.len(), i as u32)), "{w}");
        }
        assert_eq!(t.longest_prefix(b"abd", 64), Some((2, 1)));
        assert_eq!(t.longest_prefix(b"abd", 1), Some((1, 0)));
        assert_eq!(t.longest_prefix("日本".as_bytes(), 64), None);
        assert_eq!(t.longest_prefix(b"c", 64), None);
        assert_eq!(Trie::build(&[]).longest_prefix(b"a", 64), None);
    }

    #[test]
    fn darts_on_garbage_does_not_panic() {
        let blob: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        let d = Darts::from_bytes(&blob);
        for s in 0..256 {
            let text: Vec<u8> = (0..8).map(|k| (s * 31 + k * 7) as u8).collect();
            let _ = d.longest_prefix(&text, 32);
        }
        assert_eq!(Darts::from_bytes(&[]).longest_prefix(b"a", 32), None);
        assert!(!d.validate(100) && !Darts::from_bytes(&[]).validate(1));
    }
}
