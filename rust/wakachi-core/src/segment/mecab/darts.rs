//! A double-array trie over character codes: the lexicon's surfaces, laid out as plain `u64`
//! units so that it is used in place from a memory-mapped file (nothing is decoded at load).
//!
//! Keys are sequences of codes `1..` (the caller maps characters to codes, most frequent first, so
//! that the hot part of the array is small); one transition per character. Unit `i` holds `base`
//! in its low 32 bits and `check` in its high 32 bits: the parent's index in bits 0–29, in bit 31
//! whether a key ends at this node and in bit 30 whether nothing else does (a leaf). Node 0 is
//! the root. From node `s` on code `c` the child is `t = base(s) + c`, which exists when
//! `check(t) & 0x3FFF_FFFF == s`. The value of a key ending at a leaf is the leaf's own `base`;
//! at an inner node `s`, the `base` of unit `base(s)` (code 0). So a lookup reads one unit per
//! character, and one more only for keys that are prefixes of other keys. Unused units have
//! `check == u32::MAX`.
//!
//! Every access is bounds-checked, so a corrupt array gives wrong matches, never a panic.

/// `check` of a unit no node uses.
const FREE: u32 = u32::MAX;
/// The flag in `check` of a node where a key ends.
const END: u32 = 1 << 31;
/// The flag in `check` of a node where a key ends and no longer key continues.
const LEAF: u32 = 1 << 30;
/// Parent bits of `check`.
const PARENT: u32 = LEAF - 1;

/// Builds the array for `keys` with their `values`: keys non-empty, distinct, sorted so that keys
/// sharing a prefix are adjacent and a key comes before the keys it is a prefix of; codes `>= 1`.
pub fn build(keys: &[Vec<u32>], values: &[u32]) -> Result<Vec<u64>, String> {
    if keys.len() != values.len() {
        return Err("one value per trie key".into());
    }
    if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("duplicate trie key {:?}", w[0]));
    }
    if keys.iter().any(|k| k.is_empty() || k.contains(&0)) {
        return Err("empty trie key, or a code 0".into());
    }
    if keys.len() >= PARENT as usize {
        return Err("too many trie keys".into());
    }
    let mut b = Builder { units: vec![unit(0, 0)], first_free: 1 };
    // (node, depth, keys[lo..hi] share their first `depth` bytes)
    let mut stack = vec![(0u32, 0usize, 0usize, keys.len())];
    let mut codes: Vec<(u32, usize, usize)> = Vec::with_capacity(257);
    while let Some((node, depth, lo, hi)) = stack.pop() {
        codes.clear();
        let mut i = lo;
        while i < hi {
            let code = keys[i].get(depth).copied().unwrap_or(0);
            let mut j = i + 1;
            while j < hi && keys[j].get(depth).copied().unwrap_or(0) == code {
                j += 1;
            }
            if codes.iter().any(|&(c, _, _)| c == code) || (code == 0 && !codes.is_empty()) {
                return Err("trie keys not sorted".into());
            }
            codes.push((code, i, j));
            i = j;
        }
        if let [(0, i, _)] = codes[..] {
            b.set_base(node, values[i]);
            b.flag(node, END | LEAF);
            continue;
        }
        let base = b.find_base(&codes)?;
        b.set_base(node, base);
        if codes[0].0 == 0 {
            b.flag(node, END);
        }
        for &(code, i, j) in &codes {
            let t = base + code;
            b.claim(t, node);
            if code == 0 {
                b.set_base(t, values[i]); // sorted and distinct: exactly one key ends here
            } else {
                stack.push((t, depth + 1, i, j));
            }
        }
    }
    Ok(b.units)
}

fn unit(base: u32, check: u32) -> u64 {
    u64::from(base) | u64::from(check) << 32
}

struct Builder {
    units: Vec<u64>,
    /// No unit below this one is free.
    first_free: usize,
}

impl Builder {
    fn is_free(&self, t: usize) -> bool {
        self.units.get(t).is_none_or(|&u| (u >> 32) as u32 == FREE)
    }

    /// A base at which every child code lands on a free unit: the lowest from `first_free` on.
    /// Where the units scanned were nearly all in use, later searches start past them (Darts's
    /// heuristic: a little space for a lot of time).
    fn find_base(&mut self, codes: &[(u32, usize, usize)]) -> Result<u32, String> {
        while !self.is_free(self.first_free) {
            self.first_free += 1;
        }
        let first = codes.iter().map(|c| c.0).min().unwrap_or(0) as usize;
        let start = self.first_free.max(first + 1);
        let mut pos = start;
        let mut used = 0usize;
        loop {
            if self.is_free(pos) {
                let base = pos - first;
                if codes.iter().all(|&(c, _, _)| self.is_free(base + c as usize)) {
                    if used * 20 >= (pos - start + 1) * 19 {
                        self.first_free = pos;
                    }
                    let last = base + codes.iter().map(|c| c.0 as usize).max().unwrap_or(0);
                    if last >= PARENT as usize {
                        return Err("trie too large".into());
                    }
                    return Ok(base as u32);
                }
            } else {
                used += 1;
            }
            pos += 1;
        }
    }

    fn set_base(&mut self, t: u32, base: u32) {
        let u = &mut self.units[t as usize];
        *u = unit(base, (*u >> 32) as u32);
    }

    fn flag(&mut self, t: u32, flags: u32) {
        self.units[t as usize] |= u64::from(flags) << 32;
    }

    fn claim(&mut self, t: u32, parent: u32) {
        let t = t as usize;
        if t >= self.units.len() {
            self.units.resize(t + 1, unit(0, FREE));
        }
        self.units[t] = unit(0, parent);
    }
}

/// A built array, in place.
#[derive(Clone, Copy)]
pub struct DoubleArray<'a> {
    units: &'a [u64],
}

impl<'a> DoubleArray<'a> {
    /// Wraps units made by [`build`].
    pub fn new(units: &'a [u64]) -> Self {
        DoubleArray { units }
    }

    /// The child of the node whose unit is `unit` on `code` (a character's code; 0, a character
    /// in no key, has none): its index and unit.
    #[inline(always)]
    pub fn child(&self, node: u32, unit: u64, code: u32) -> Option<(u32, u64)> {
        // Code 0 would reach the end-of-key unit, whose `base` is a value, not a node's.
        if code == 0 || (unit >> 32) as u32 & LEAF != 0 {
            return None;
        }
        let t = (unit as u32).wrapping_add(code);
        let u = *self.units.get(t as usize)?;
        let check = (u >> 32) as u32;
        (check & PARENT == node && check != FREE).then_some((t, u))
    }

    /// Where the child of the node whose unit is `unit` on `code` would be (to prefetch it).
    #[inline(always)]
    pub fn child_addr(&self, unit: u64, code: u32) -> *const u64 {
        self.units.as_ptr().wrapping_add((unit as u32).wrapping_add(code) as usize)
    }

    /// The root's unit.
    #[inline(always)]
    pub fn root(&self) -> u64 {
        self.units.first().copied().unwrap_or(u64::MAX)
    }

    /// The value of the key ending at the node whose unit is `unit`, if one does.
    #[inline(always)]
    pub fn value(&self, unit: u64) -> Option<u32> {
        let check = (unit >> 32) as u32;
        if check & END == 0 || check == FREE {
            None
        } else if check & LEAF != 0 {
            Some(unit as u32)
        } else {
            self.units.get(unit as u32 as usize).map(|&u| u as u32)
        }
    }

    /// Follows `codes` from the root; the unit reached.
    pub fn walk(&self, codes: &[u32]) -> Option<u64> {
        let mut at = (Self::ROOT, self.root());
        for &c in codes {
            at = self.child(at.0, at.1, c)?;
        }
        Some(at.1)
    }

    /// The root node.
    pub const ROOT: u32 = 0;
}

#[cfg(test)]
#[path = "darts_test.rs"]
mod tests;
