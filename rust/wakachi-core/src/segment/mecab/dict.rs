//! A MeCab dictionary held as plain data, whichever form it came from (binary dicdir or source
//! files), and its translation into the text inputs of vibrato's dictionary builder.
//!
//! The translation is where MeCab parity is made (see the README's "MeCab parity" section):
//! - same-surface entries (homographs) and each unknown-word category's entries are emitted in
//!   reverse MeCab order, because MeCab keeps the *first* of equal-cost same-span nodes and vibrato
//!   the *last* (mecab viterbi.cpp `connect`, vibrato `lattice.rs` `<=`);
//! - U+FFFF, which lies one past MeCab's 65,535-entry character table and so reads as the all-zero
//!   CharInfo (no category bit, DEFAULT's unknown entries, no grouping), gets a category of its own
//!   that behaves the same way.

use std::io::{self, Read, Write};

/// One lexicon (or unknown-word) entry: `surface,left_id,right_id,cost,feature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Surface form (for unknown-word entries: the character category name).
    pub surface: String,
    /// Left context id (MeCab `lcAttr`).
    pub left_id: u16,
    /// Right context id (MeCab `rcAttr`).
    pub right_id: u16,
    /// Word cost.
    pub cost: i16,
    /// The raw feature string (everything after the fourth comma).
    pub feature: String,
}

/// The connection-cost matrix: `costs[left + lsize * right]`, where `left` is the left node's
/// right-context id (range `lsize`) and `right` the right node's left-context id (range `rsize`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Number of right-context ids (first dimension).
    pub lsize: u16,
    /// Number of left-context ids (second dimension).
    pub rsize: u16,
    /// Costs in MeCab's `matrix.bin` order.
    pub costs: Vec<i16>,
}

/// A character category as declared in `char.def`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Name, e.g. `KATAKANA`.
    pub name: String,
    /// Always run unknown-word processing, even when the dictionary matched.
    pub invoke: bool,
    /// Group a run of characters of this category into one unknown word.
    pub group: bool,
    /// Also emit unknown words of 1..=length characters.
    pub length: u8,
}

/// MeCab's packed per-character info (char_property.h `CharInfo`), as stored in `char.bin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharInfo(pub u32);

impl CharInfo {
    /// Bit set of the categories the character belongs to.
    pub fn type_bits(self) -> u32 {
        self.0 & 0x3_FFFF
    }
    /// Category whose unknown-word entries and settings apply.
    pub fn default_type(self) -> usize {
        ((self.0 >> 18) & 0xFF) as usize
    }
    /// Length setting (bits 26–29).
    pub fn length(self) -> u8 {
        ((self.0 >> 26) & 0xF) as u8
    }
    /// Group flag (bit 30).
    pub fn group(self) -> bool {
        self.0 >> 30 & 1 == 1
    }
    /// Invoke flag (bit 31).
    pub fn invoke(self) -> bool {
        self.0 >> 31 == 1
    }
    /// Encodes a range line's categories the way MeCab's `CharProperty::compile` does: settings
    /// from the first, a type bit for every one.
    pub fn encode(ids: &[usize], cats: &[Category]) -> CharInfo {
        let first = &cats[ids[0]];
        let mut v = (ids[0] as u32) << 18
            | u32::from(first.length & 0xF) << 26
            | u32::from(first.group) << 30
            | u32::from(first.invoke) << 31;
        for &id in ids {
            v |= 1 << id;
        }
        CharInfo(v)
    }
}

/// Number of entries in MeCab's character table: U+0000..=U+FFFE.
pub const CHAR_TABLE_LEN: usize = 0xFFFF;
/// Most categories a MeCab char.def may declare (char_property.cpp: `id < 18` with one spare).
pub const MAX_CATEGORIES: usize = 17;

/// Character categories and the per-code-point table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharDef {
    /// Categories in definition order (their index is the category id).
    pub categories: Vec<Category>,
    /// `CHAR_TABLE_LEN` entries.
    pub table: Vec<CharInfo>,
}

/// A whole MeCab dictionary.
#[derive(Debug, Clone)]
pub struct MecabDict {
    /// Lexicon in MeCab's token order: surfaces byte-sorted, homographs in source order.
    pub lex: Vec<Entry>,
    /// Unknown-word entries; `surface` is the category name; per category in source order.
    pub unk: Vec<Entry>,
    /// Connection costs.
    pub matrix: Matrix,
    /// Character categories.
    pub chars: CharDef,
}

/// Name of the extra category that gives U+FFFF MeCab's behaviour.
pub const FFFF_CATEGORY: &str = "WAKACHI_UFFFF";

impl MecabDict {
    /// The lexicon as vibrato's `lex.csv`, homographs in reverse MeCab order.
    pub fn vibrato_lex(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lex.len() * 64);
        for_each_run_reversed(&self.lex, |e| write_entry(&mut out, &e.surface, e));
        out
    }

    /// [`MecabDict::vibrato_lex`] with every feature left empty, and the features apart, in
    /// vibrato's system word-id order (the CSV's lines; vibrato skips empty surfaces, so they are
    /// skipped here too).
    pub fn vibrato_lex_split(&self) -> (Vec<u8>, Vec<&str>) {
        let mut out = Vec::with_capacity(self.lex.len() * 32);
        let mut features = Vec::with_capacity(self.lex.len());
        let refs: Vec<&Entry> = self.lex.iter().collect();
        for_each_run_reversed_refs(&refs, |e| {
            write_csv_field(&mut out, &e.surface);
            let _ = writeln!(out, ",{},{},{}", e.left_id, e.right_id, e.cost);
            if !e.surface.is_empty() {
                features.push(e.feature.as_str());
            }
        });
        (out, features)
    }

    /// Unknown-word entries as vibrato's `unk.def`, each category's entries reversed, plus the
    /// U+FFFF category carrying DEFAULT's entries.
    pub fn vibrato_unk(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut by_cat: Vec<&Entry> = self.unk.iter().collect();
        by_cat.sort_by(|a, b| a.surface.cmp(&b.surface)); // stable: keeps source order per category
        for_each_run_reversed_refs(&by_cat, |e| write_entry(&mut out, &e.surface, e));
        let default = &self.chars.categories[0].name;
        let defaults: Vec<&Entry> = by_cat.iter().copied().filter(|e| &e.surface == default).collect();
        for e in defaults.iter().rev() {
            write_entry(&mut out, FFFF_CATEGORY, e);
        }
        out
    }

    /// `char.def` for vibrato: the categories and ranges, plus the U+FFFF category.
    pub fn vibrato_char_def(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_char_def(&self.chars, &mut out);
        let _ = writeln!(out, "{FFFF_CATEGORY} 0 0 0");
        let _ = writeln!(out, "0xFFFF {FFFF_CATEGORY}");
        out
    }

    /// An ASCII character MeCab treats exactly like U+0000 and that no lexicon surface contains.
    pub fn nul_substitute(&self) -> Option<u8> {
        let t = &self.chars.table;
        (1u8..0x80).find(|&c| t[usize::from(c)] == t[0] && !self.lex.iter().any(|e| e.surface.as_bytes().contains(&c)))
    }

    /// `matrix.def` for vibrato, formatted lazily (unidic-lite's is 514 MB of text).
    pub fn vibrato_matrix(&self) -> MatrixText<'_> {
        MatrixText { m: &self.matrix, next: 0, buf: Vec::with_capacity(64 * 1024), pos: 0, header: true }
    }
}

/// Writes `char.def` text: the categories, then every maximal range whose CharInfo is not
/// DEFAULT's, its default category first.
pub fn write_char_def(chars: &CharDef, out: &mut Vec<u8>) {
    let cats = &chars.categories;
    for c in cats {
        let _ = writeln!(out, "{} {} {} {}", c.name, u8::from(c.invoke), u8::from(c.group), c.length);
    }
    let default = CharInfo::encode(&[0], cats);
    let table = &chars.table;
    let mut start = 0;
    while start < table.len() {
        let info = table[start];
        let end = start + table[start..].iter().take_while(|&&c| c == info).count() - 1;
        if info != default {
            let _ = write!(out, "0x{start:04X}..0x{end:04X} {}", cats[info.default_type()].name);
            for (id, c) in cats.iter().enumerate() {
                if id != info.default_type() && info.type_bits() >> id & 1 == 1 {
                    let _ = write!(out, " {}", c.name);
                }
            }
            out.push(b'\n');
        }
        start = end + 1;
    }
}

/// Calls `f` on every entry, with each run of equal surfaces visited in reverse.
fn for_each_run_reversed(entries: &[Entry], f: impl FnMut(&Entry)) {
    let refs: Vec<&Entry> = entries.iter().collect();
    for_each_run_reversed_refs(&refs, f);
}

fn for_each_run_reversed_refs<'e>(entries: &[&'e Entry], mut f: impl FnMut(&'e Entry)) {
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() && entries[j].surface == entries[i].surface {
            j += 1;
        }
        for e in entries[i..j].iter().rev() {
            f(e);
        }
        i = j;
    }
}

fn write_entry(out: &mut Vec<u8>, surface: &str, e: &Entry) {
    write_csv_field(out, surface);
    let _ = write!(out, ",{},{},{},", e.left_id, e.right_id, e.cost);
    out.extend_from_slice(e.feature.as_bytes());
    out.push(b'\n');
}

/// Writes a CSV field, quoting it when it holds a comma, quote, line break or edge whitespace.
pub fn write_csv_field(out: &mut Vec<u8>, s: &str) {
    let needs = s.contains([',', '"', '\n', '\r']) || s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']);
    if needs {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A `Read` that formats `matrix.def` lines on demand.
pub struct MatrixText<'a> {
    m: &'a Matrix,
    next: usize,
    buf: Vec<u8>,
    pos: usize,
    header: bool,
}

impl Read for MatrixText<'_> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            self.refill();
        }
        let n = dst.len().min(self.buf.len() - self.pos);
        dst[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl MatrixText<'_> {
    fn refill(&mut self) {
        self.buf.clear();
        self.pos = 0;
        let lsize = usize::from(self.m.lsize);
        if self.header {
            self.header = false;
            let _ = writeln!(self.buf, "{} {}", self.m.lsize, self.m.rsize);
        }
        while self.buf.len() < 60 * 1024 && self.next < self.m.costs.len() {
            let i = self.next;
            let _ = writeln!(self.buf, "{} {} {}", i % lsize, i / lsize, self.m.costs[i]);
            self.next += 1;
        }
    }
}

#[cfg(test)]
#[path = "dict_test.rs"]
mod tests;
