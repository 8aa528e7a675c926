//! wakachi's own MeCab lattice: a compiled dictionary used in place from a memory-mapped file,
//! and a Viterbi search that gives MeCab's segmentation.
//!
//! **The file** (native little-endian, every section 8-byte aligned): [`MAGIC`], a header of
//! [`HEADER_WORDS`] `u64`s (counts, then an `(offset, length)` pair per section), then the
//! sections: the surfaces' double array ([`darts`]), each key's first word, the words
//! (`left | right << 16 | cost << 32`), the unknown-word entries (same form), each character
//! category's first unknown entry, the 65,536-entry character table (MeCab's `CharInfo`; U+FFFF
//! and everything above it as MeCab reads them), the connection-cost matrix and the two feature
//! tables ([`features`]). Loading maps the file, checks the header and every value that indexes
//! something (so the search below cannot go out of bounds), and reads the matrix into memory
//! advised to use huge pages: no per-entry decoding.
//!
//! **The search** follows MeCab's `Tokenizer::lookup` and `Viterbi::connect` rules, as vibrato
//! does in its MeCab-compatible mode (spaces skipped, unknown words grouped up to `max-grouping`),
//! with MeCab's tie-breaking taken directly: of equal-cost predecessors the one starting later
//! wins, and for the same span the first-created (the first homograph in `sys.dic` order, a
//! dictionary word before an unknown word). Two savings vibrato does not make: nodes of one start
//! position that share a left-context id share one predecessor search, and costs are `i64` as in
//! MeCab (vibrato's `i32` can overflow on megabyte lines).
//!
//! [`darts`]: super::darts
//! [`features`]: super::features

use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;

use super::darts::{self, DoubleArray};
use super::dict::{CharInfo, Entry, MecabDict};
use super::features::{self, FeatureTable};
use crate::alloc::prefetch;
use crate::segment::Feature;

/// First bytes of a compiled dictionary file.
pub const MAGIC: &[u8; 32] = b"wakachi mecab lattice 1\n\0\0\0\0\0\0\0\0";
/// Header length in `u64`s.
pub const HEADER_WORDS: usize = 32;

/// Header fields.
const H_KEYS: usize = 0;
const H_WORDS: usize = 1;
const H_UNK: usize = 2;
const H_CATS: usize = 3;
const H_LSIZE: usize = 4;
const H_RSIZE: usize = 5;
const H_BOS_RIGHT: usize = 6;
const H_EOS_LEFT: usize = 7;
const H_SPACE_BITS: usize = 8;
/// Sections: `(offset, length)` at `H_SECTIONS + 2 * k`.
const H_SECTIONS: usize = 12;
const S_DARTS: usize = 0;
const S_WORDS: usize = 1;
const S_UNK: usize = 2;
const S_CAT_UNK: usize = 3;
const S_CHARS: usize = 4;
const S_MATRIX: usize = 5;
const S_FEATURES: usize = 6;
const S_UNK_FEATURES: usize = 7;
const S_CODES: usize = 8;
const N_SECTIONS: usize = 9;

/// Entries of the trie's code table: every code point.
const CODE_POINTS: usize = 0x11_0000;

/// Entries of the character table: every code point up to U+FFFF.
const CHARS: usize = 0x10000;
/// Unknown words are flagged in word ids by this bit.
const UNK_BIT: u32 = 1 << 31;

/// The file's bytes: a mapped file, or built in this process.
enum Storage {
    Mapped(Arc<Mmap>),
    Owned(Arc<Vec<u64>>),
}

impl Storage {
    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Mapped(m) => m,
            Storage::Owned(v) => as_bytes(v),
        }
    }
}

/// A compiled MeCab dictionary (immutable; share it across threads).
pub struct LatticeDict {
    /// Copies of the [`HOT`] sections, at `hot_at` (bytes).
    hot: Vec<u64>,
    hot_at: [(usize, usize); N_SECTIONS],
    matrix: Vec<i16>,
    lsize: usize,
    n_left: usize,
    bos_right: u16,
    eos_left: u16,
    space_bits: u32,
    max_grouping: usize,
    features: FeatureTable,
    unk_features: FeatureTable,
}

/// Why a file could not be used.
type Why = String;

impl LatticeDict {
    /// Compiles `d` (connection ids renumbered by their frequency in `training`), returning the
    /// file's bytes.
    pub fn compile(d: &MecabDict, max_grouping: usize, training: &str) -> Result<Vec<u64>, Why> {
        let parts = Parts::new(d)?;
        let identity = |n: u16| (0..n).collect::<Vec<u16>>();
        let plain = parts.file(&identity(d.matrix.rsize), &identity(d.matrix.lsize));
        let (lc, rc) = LatticeDict::open_owned(plain, max_grouping)?.count_connections(training);
        Ok(parts.file(&rank(&lc), &rank(&rc)))
    }

    /// Opens a compiled file built in this process (what [`LatticeDict::compile`] returned).
    pub fn open_owned(words: Vec<u64>, max_grouping: usize) -> Result<Self, Why> {
        Self::open(Storage::Owned(Arc::new(words)), max_grouping)
    }

    /// Opens a compiled file.
    pub fn open_file(path: &Path, max_grouping: usize) -> Result<Self, Why> {
        let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        // SAFETY: compiled files are written once to a temporary name and renamed into place,
        // never modified afterwards; the map is read-only.
        let map = unsafe { Mmap::map(&f) }.map_err(|e| e.to_string())?;
        Self::open(Storage::Mapped(Arc::new(map)), max_grouping)
    }

    fn open(storage: Storage, max_grouping: usize) -> Result<Self, Why> {
        let b = storage.bytes();
        let head_len = MAGIC.len() + 8 * HEADER_WORDS;
        if b.len() < head_len || &b[..MAGIC.len()] != MAGIC {
            return Err("not a wakachi compiled dictionary of this version".into());
        }
        if !(b.as_ptr() as usize).is_multiple_of(8) {
            return Err("compiled dictionary not 8-byte aligned in memory".into());
        }
        let h = |k: usize| features::read_u64(b, MAGIC.len() + 8 * k) as usize;
        let mut sections = [(0usize, 0usize); N_SECTIONS];
        for (k, s) in sections.iter_mut().enumerate() {
            let (off, len) = (h(H_SECTIONS + 2 * k), h(H_SECTIONS + 2 * k + 1));
            if off % 8 != 0 || off < head_len || off.checked_add(len).is_none_or(|e| e > b.len()) {
                return Err(format!("section {k} lies outside the file (truncated?)"));
            }
            *s = (off, len);
        }
        let (n_words, n_unk, n_cats) = (h(H_WORDS), h(H_UNK), h(H_CATS));
        let (lsize, rsize) = (h(H_LSIZE), h(H_RSIZE));
        let want = [
            (S_WORDS, n_words.checked_mul(8)),
            (S_UNK, n_unk.checked_mul(8)),
            (S_CAT_UNK, n_cats.checked_add(1).and_then(|n| n.checked_mul(4))),
            (S_CHARS, Some(CHARS * 4)),
            (S_CODES, Some(CODE_POINTS * 4)),
            (S_MATRIX, lsize.checked_mul(rsize).and_then(|n| n.checked_mul(2))),
        ];
        for (k, len) in want {
            if Some(sections[k].1) != len {
                return Err(format!("section {k} has the wrong length"));
            }
        }
        if sections[S_DARTS].1 % 8 != 0 || n_cats == 0 || lsize > 0x10000 || rsize > 0x10000 {
            return Err("corrupt header".into());
        }
        let (bos_right, eos_left) = (h(H_BOS_RIGHT), h(H_EOS_LEFT));
        if bos_right >= lsize || eos_left >= rsize {
            return Err("corrupt BOS/EOS ids".into());
        }
        let feats = |k: usize| {
            let (off, len) = sections[k];
            let t = match &storage {
                Storage::Mapped(m) => FeatureTable::from_mapped(Arc::clone(m), off),
                Storage::Owned(w) => FeatureTable::from_words(Arc::clone(w), off),
            }?;
            if t.section().len() != len {
                return Err(format!("section {k} has the wrong length"));
            }
            Ok::<_, Why>(t)
        };
        let (features, unk_features) = (feats(S_FEATURES)?, feats(S_UNK_FEATURES)?);
        if features.len() != n_words || unk_features.len() != n_unk {
            return Err("feature tables do not match the word counts".into());
        }
        // The arrays the search reads at random go to anonymous memory, which the allocator
        // advises onto huge pages (a mapped file stays on 4 KiB pages: a TLB miss per lookup).
        let mut matrix = vec![0i16; lsize * rsize];
        bytes_mut(&mut matrix).copy_from_slice(section(b, sections[S_MATRIX]));
        let mut hot_at = [(0usize, 0usize); N_SECTIONS];
        let total: usize = HOT.iter().map(|&k| sections[k].1.div_ceil(8)).sum();
        let mut hot = vec![0u64; total];
        let mut at = 0;
        for &k in HOT {
            let len = sections[k].1;
            bytes_mut(&mut hot)[at..at + len].copy_from_slice(section(b, sections[k]));
            hot_at[k] = (at, len);
            at += len.next_multiple_of(8);
        }
        let dict = LatticeDict {
            hot,
            hot_at,
            matrix,
            lsize,
            n_left: rsize,
            bos_right: bos_right as u16,
            eos_left: eos_left as u16,
            space_bits: h(H_SPACE_BITS) as u32,
            max_grouping,
            features,
            unk_features,
        };
        dict.validate(n_unk, n_cats)?;
        Ok(dict)
    }

    /// Checks every value the search uses as an index.
    fn validate(&self, n_unk: usize, n_cats: usize) -> Result<(), Why> {
        let t = self.tables();
        let ok = |w: &u64| (*w & 0xFFFF) < self.n_left as u64 && (*w >> 16 & 0xFFFF) < self.lsize as u64;
        if !t.words.iter().all(ok) || !t.unk.iter().all(ok) {
            return Err("a context id lies outside the matrix".into());
        }
        if t.cat_unk.first() != Some(&0)
            || t.cat_unk.last().map(|&e| e as usize) != Some(n_unk)
            || t.cat_unk.windows(2).any(|w| w[0] > w[1])
        {
            return Err("corrupt category table".into());
        }
        if t.chars.iter().any(|&c| CharInfo(c).default_type() >= n_cats) {
            return Err("a character's category is not defined".into());
        }
        Ok(())
    }

    fn tables(&self) -> Tables<'_> {
        let b = as_bytes(&self.hot);
        let s = |k: usize| section(b, self.hot_at[k]);
        Tables {
            da: DoubleArray::new(cast(s(S_DARTS))),
            words: cast(s(S_WORDS)),
            unk: cast(s(S_UNK)),
            cat_unk: cast(s(S_CAT_UNK)),
            chars: cast(s(S_CHARS)),
            codes: cast(s(S_CODES)),
        }
    }

    /// A per-thread worker.
    pub fn worker(&self) -> LatticeWorker<'_> {
        LatticeWorker {
            d: self,
            t: self.tables(),
            codes: Vec::new(),
            c2b: Vec::new(),
            infos: Vec::new(),
            groupable: Vec::new(),
            ends: Vec::new(),
            nodes: Vec::new(),
            cands: Vec::new(),
            matches: Vec::new(),
            match_at: Vec::new(),
            found: Vec::new(),
            memo: vec![(0, 0, 0); self.n_left],
            generation: 0,
            path: Vec::new(),
        }
    }

    /// The feature of a word id from the search.
    #[inline]
    pub fn feature(&self, word: u32) -> Feature<'_> {
        if word & UNK_BIT != 0 {
            Feature::Table(&self.unk_features, word & !UNK_BIT)
        } else {
            Feature::Table(&self.features, word)
        }
    }

    /// How often each left and right context id takes part in a connection when `text`'s lines
    /// are segmented.
    fn count_connections(&self, text: &str) -> (Vec<u64>, Vec<u64>) {
        let (mut lc, mut rc) = (vec![0u64; self.n_left], vec![0u64; self.lsize]);
        let mut w = self.worker();
        for line in text.lines().filter(|l| !l.is_empty()) {
            w.run(line);
            for n in &w.nodes[1..] {
                let ends = &w.ends[n.start_node as usize];
                lc[usize::from(n.left)] += ends.len() as u64;
                for e in ends {
                    rc[usize::from(e.right)] += 1;
                }
            }
        }
        (lc, rc)
    }
}

/// Ids ordered by descending count (ties by id): `perm[old] = new`.
fn rank(counts: &[u64]) -> Vec<u16> {
    let mut ids: Vec<usize> = (0..counts.len()).collect();
    ids.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    let mut perm = vec![0u16; counts.len()];
    for (new, &old) in ids.iter().enumerate() {
        perm[old] = new as u16;
    }
    perm
}

fn section(b: &[u8], (off, len): (usize, usize)) -> &[u8] {
    &b[off..off + len]
}

/// Views aligned bytes as integers (alignment and lengths are checked at open).
fn cast<T: Plain>(b: &[u8]) -> &[T] {
    // SAFETY: `T` is a plain integer type (every bit pattern valid); `align_to` only yields the
    // aligned middle part, which is all of `b` for the 8-aligned sections checked at open.
    let (pre, mid, _) = unsafe { b.align_to::<T>() };
    if pre.is_empty() {
        mid
    } else {
        &[]
    }
}

/// Plain integer types: every bit pattern is a value.
pub(crate) trait Plain: Copy {}
impl Plain for u32 {}
impl Plain for u64 {}
impl Plain for i16 {}

/// The sections copied out of the file at open.
const HOT: &[usize] = &[S_DARTS, S_WORDS, S_UNK, S_CAT_UNK, S_CHARS, S_CODES];

/// `v`'s bytes.
pub(crate) fn as_bytes<T: Plain>(v: &[T]) -> &[u8] {
    // SAFETY: a plain integer slice viewed as its bytes (u8: no alignment or validity needs).
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn bytes_mut<T: Plain>(v: &mut [T]) -> &mut [u8] {
    // SAFETY: as `as_bytes`; every byte pattern is a valid `T` (plain integers), so writes
    // through the view cannot make an invalid value.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// The dictionary's arrays, borrowed once per worker.
#[derive(Clone, Copy)]
struct Tables<'d> {
    da: DoubleArray<'d>,
    words: &'d [u64],
    unk: &'d [u64],
    cat_unk: &'d [u32],
    chars: &'d [u32],
    codes: &'d [u32],
}

/// How many trie walks [`LatticeWorker::lookup_all`] interleaves.
const LANES: usize = 16;

/// One walk of [`LatticeWorker::lookup_all`]: where it is and the next character.
#[derive(Clone, Copy, Default)]
struct Lane {
    node: u32,
    unit: u64,
    start: usize,
    next: usize,
    live: bool,
}

/// A node that ends at a position, as the predecessor search reads it.
#[derive(Clone, Copy)]
struct End {
    cost: i64,
    right: u16,
    node: u32,
}

/// A lattice node (index 0 is BOS).
#[derive(Clone, Copy)]
struct Node {
    start_node: u32,
    start_word: u32,
    end: u32,
    word: u32,
    left: u16,
    prev: u32,
}

/// A node to be added: its end and word.
#[derive(Clone, Copy)]
struct Cand {
    end: u32,
    word: u32,
    param: u64,
}

/// Per-thread buffers of the search.
pub struct LatticeWorker<'d> {
    d: &'d LatticeDict,
    t: Tables<'d>,
    /// Each character's trie code (0: in no surface).
    codes: Vec<u32>,
    c2b: Vec<usize>,
    infos: Vec<CharInfo>,
    groupable: Vec<u32>,
    ends: Vec<Vec<End>>,
    nodes: Vec<Node>,
    cands: Vec<Cand>,
    matches: Vec<(u32, u32)>,
    match_at: Vec<u32>,
    /// (start, end, value) of every match, in the order the walks found them.
    found: Vec<(u32, u32, u32)>,
    /// Per left id, for the position of generation `.0`: the best predecessor node and its path
    /// cost plus the connection cost.
    memo: Vec<(u32, u32, i64)>,
    generation: u32,
    path: Vec<u32>,
}

impl<'d> LatticeWorker<'d> {
    /// Segments `text`, calling `f(start_byte, end_byte, feature)` for each word in order.
    pub fn segment(&mut self, text: &str, mut f: impl FnMut(usize, usize, Feature<'d>)) {
        if text.is_empty() {
            return;
        }
        let eos = self.run(text);
        self.path.clear();
        let mut n = self.nodes[eos as usize].prev;
        while n != 0 {
            self.path.push(n);
            n = self.nodes[n as usize].prev;
        }
        let d = self.d;
        for &n in self.path.iter().rev() {
            let node = self.nodes[n as usize];
            f(self.c2b[node.start_word as usize], self.c2b[node.end as usize], d.feature(node.word));
        }
    }

    /// Builds the lattice of `text` (non-empty) and returns the EOS node.
    fn run(&mut self, text: &str) -> u32 {
        self.prepare(text);
        self.lookup_all();
        let n = self.codes.len();
        for e in self.ends.iter_mut().take(n + 1) {
            e.clear();
        }
        if self.ends.len() < n + 1 {
            self.ends.resize_with(n + 1, Vec::new);
        }
        self.nodes.clear();
        self.nodes.push(Node { start_node: 0, start_word: 0, end: 0, word: 0, left: 0, prev: 0 });
        self.ends[0].push(End { cost: 0, right: self.d.bos_right, node: 0 });
        let (mut start_node, mut start_word) = (0usize, 0usize);
        while start_word < n {
            if self.ends[start_node].is_empty() {
                start_word += 1;
                start_node = start_word;
                continue;
            }
            if self.infos[start_node].type_bits() & self.d.space_bits != 0 {
                start_word += self.groupable[start_node] as usize;
            }
            if start_word == n {
                break;
            }
            self.add_nodes(start_node, start_word);
            start_word += 1;
            start_node = start_word;
        }
        let (prev, _) = self.best(start_node, self.d.eos_left);
        self.nodes.push(Node {
            start_node: start_node as u32,
            start_word: n as u32,
            end: n as u32,
            word: 0,
            left: self.d.eos_left,
            prev,
        });
        (self.nodes.len() - 1) as u32
    }

    /// Trie codes, byte offsets, character infos and run lengths of `text`.
    fn prepare(&mut self, text: &str) {
        self.codes.clear();
        self.c2b.clear();
        self.infos.clear();
        let (table, codes) = (self.t.chars, self.t.codes);
        for (i, c) in text.char_indices() {
            let c = c as u32;
            self.codes.push(codes[c as usize]);
            self.c2b.push(i);
            // MeCab's table has 0xFFFF entries; U+FFFF reads as all-zero (stored so here) and
            // characters above it as U+0000.
            let k = if c < CHARS as u32 { c as usize } else { 0 };
            self.infos.push(CharInfo(table[k]));
        }
        self.c2b.push(text.len());
        let n = self.codes.len();
        self.groupable.clear();
        self.groupable.resize(n, 1);
        for i in (0..n.saturating_sub(1)).rev() {
            if self.infos[i].type_bits() & self.infos[i + 1].type_bits() != 0 {
                self.groupable[i] = self.groupable[i + 1] + 1;
            }
        }
    }

    /// The dictionary words starting at every position (`matches[match_at[p]..match_at[p + 1]]`:
    /// end and trie value, shortest first). [`LANES`] walks advance in turn, each prefetching its
    /// next unit, and a walk that ends starts again at the next position, so that their memory
    /// reads (one per character, mostly cache misses) always overlap.
    fn lookup_all(&mut self) {
        let da = self.t.da;
        let n = self.codes.len();
        self.found.clear();
        let mut lanes = [Lane::default(); LANES];
        let mut next_start = 0;
        let mut active = 0;
        for lane in lanes.iter_mut() {
            if next_start < n {
                *lane =
                    Lane { node: DoubleArray::ROOT, unit: da.root(), start: next_start, next: next_start, live: true };
                next_start += 1;
                active += 1;
            }
        }
        while active > 0 {
            for lane in lanes.iter_mut() {
                if !lane.live {
                    continue;
                }
                let mut more = false;
                if let Some((node, unit)) = da.child(lane.node, lane.unit, self.codes[lane.next]) {
                    lane.next += 1;
                    (lane.node, lane.unit) = (node, unit);
                    if let Some(v) = da.value(unit) {
                        self.found.push((lane.start as u32, lane.next as u32, v));
                        prefetch(self.t.words.as_ptr().wrapping_add((v >> 8) as usize));
                    }
                    if let Some(&code) = self.codes.get(lane.next) {
                        prefetch(da.child_addr(unit, code));
                        more = true;
                    }
                }
                if !more {
                    if next_start < n {
                        *lane = Lane {
                            node: DoubleArray::ROOT,
                            unit: da.root(),
                            start: next_start,
                            next: next_start,
                            live: true,
                        };
                        next_start += 1;
                    } else {
                        lane.live = false;
                        active -= 1;
                    }
                }
            }
        }
        // Group by start position (a stable counting sort: each walk found its words in order).
        self.match_at.clear();
        self.match_at.resize(n + 2, 0);
        for &(start, _, _) in &self.found {
            self.match_at[start as usize + 2] += 1;
        }
        for p in 2..n + 2 {
            self.match_at[p] += self.match_at[p - 1];
        }
        self.matches.clear();
        self.matches.resize(self.found.len(), (0, 0));
        for &(start, end, v) in &self.found {
            let at = &mut self.match_at[start as usize + 1];
            self.matches[*at as usize] = (end, v);
            *at += 1;
        }
        self.match_at.truncate(n + 1);
    }

    /// The best predecessor among the nodes ending at `at` for a node with left id `left`, and
    /// its path cost plus the connection cost. Ties go to the later node in the list.
    #[inline]
    fn best(&self, at: usize, left: u16) -> (u32, i64) {
        let row = &self.d.matrix[usize::from(left) * self.d.lsize..][..self.d.lsize];
        let (mut node, mut cost) = (0u32, i64::MAX);
        for e in &self.ends[at] {
            let c = e.cost + i64::from(row[usize::from(e.right)]);
            // Which node wins is data-dependent: a select, not a branch the CPU would mispredict.
            let better = c <= cost;
            node = std::hint::select_unpredictable(better, e.node, node);
            cost = std::hint::select_unpredictable(better, c, cost);
        }
        (node, cost)
    }

    /// Adds the nodes starting at `start_word` (their predecessors end at `start_node`).
    fn add_nodes(&mut self, start_node: usize, start_word: usize) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.memo.iter_mut().for_each(|m| m.0 = 0);
            self.generation = 1;
        }
        // Dictionary words come shortest first, homographs in dictionary order, then unknown
        // words. MeCab keeps the first-created of equal-cost same-span nodes and `best` the last
        // in list order: add them in reverse.
        let (a, b) = (self.match_at[start_word] as usize, self.match_at[start_word + 1] as usize);
        self.cands.clear();
        self.unknown(start_word, a < b);
        for k in (0..self.cands.len()).rev() {
            let c = self.cands[k];
            self.add_node(start_node, start_word, c.end, c.word, c.param);
        }
        let words = self.t.words;
        for m in (a..b).rev() {
            let (end, v) = self.matches[m];
            // (first word << 8) | count, as MeCab's own trie values
            let (first, count) = (v >> 8, v & 0xFF);
            for w in (first..first + count).rev() {
                // A corrupt trie value past the word table adds nothing.
                let Some(&param) = words.get(w as usize) else { continue };
                self.add_node(start_node, start_word, end, w, param);
            }
        }
    }

    /// Adds one node: its best predecessor (once per left id and start), its end entry, its node.
    #[inline(always)]
    fn add_node(&mut self, start_node: usize, start_word: usize, end: u32, word: u32, param: u64) {
        let left = (param & 0xFFFF) as u16;
        let memo = self.memo[usize::from(left)];
        let (prev, cost) = if memo.0 == self.generation {
            (memo.1, memo.2)
        } else {
            let r = self.best(start_node, left);
            self.memo[usize::from(left)] = (self.generation, r.0, r.1);
            r
        };
        let wcost = i64::from((param >> 32) as u16 as i16);
        let node = self.nodes.len() as u32;
        let right = (param >> 16 & 0xFFFF) as u16;
        self.ends[end as usize].push(End { cost: cost.saturating_add(wcost), right, node });
        self.nodes.push(Node { start_node: start_node as u32, start_word: start_word as u32, end, word, left, prev });
    }

    /// Unknown words starting at `start` (MeCab `Tokenizer::lookup`, with vibrato's reading of
    /// the grouping limit and the length ladder).
    fn unknown(&mut self, start: usize, matched: bool) {
        let info = self.infos[start];
        if matched && !info.invoke() {
            return;
        }
        let groupable = self.groupable[start] as usize;
        let mut emitted = matched;
        if info.group() && groupable - 1 <= self.d.max_grouping {
            self.push_unknown(info, start + groupable);
            emitted = true;
        }
        for i in 1..=usize::from(info.length()).min(groupable) {
            if info.group() && i == groupable {
                continue;
            }
            self.push_unknown(info, start + i);
            emitted = true;
        }
        if !emitted {
            self.push_unknown(info, start + 1);
        }
    }

    fn push_unknown(&mut self, info: CharInfo, end: usize) {
        let cat = info.default_type();
        let (a, b) = (self.t.cat_unk[cat], self.t.cat_unk[cat + 1]);
        for w in a..b {
            self.cands.push(Cand { end: end as u32, word: w | UNK_BIT, param: self.t.unk[w as usize] });
        }
    }
}

/// What the compiled file holds, before connection ids are numbered.
struct Parts<'d> {
    n_keys: usize,
    units: Vec<u64>,
    codes: Vec<u32>,
    chars: Vec<u32>,
    cat_unk: Vec<u32>,
    space_bits: u64,
    /// (left id, right id, cost) of the lexicon's words and of the unknown-word entries.
    words: Vec<(u16, u16, i16)>,
    unk: Vec<(u16, u16, i16)>,
    feats: Vec<u8>,
    unk_feats: Vec<u8>,
    matrix: &'d super::dict::Matrix,
}

impl<'d> Parts<'d> {
    fn new(d: &'d MecabDict) -> Result<Self, Why> {
        let (lsize, rsize) = (usize::from(d.matrix.lsize), usize::from(d.matrix.rsize));
        let ids = |e: &Entry| {
            if usize::from(e.left_id) >= rsize || usize::from(e.right_id) >= lsize {
                return Err(format!("context ids {}/{} lie outside the {lsize}x{rsize} matrix", e.left_id, e.right_id));
            }
            Ok((e.left_id, e.right_id, e.cost))
        };
        // The lexicon: MeCab's token order (surfaces byte-sorted, homographs in source order).
        let all: Vec<&Entry> = d.lex.iter().filter(|e| !e.surface.is_empty()).collect();
        let mut lex: Vec<&Entry> = Vec::with_capacity(all.len());
        let mut surfaces: Vec<&str> = Vec::new();
        let mut key_words: Vec<u32> = Vec::new();
        for run in all.chunk_by(|a, b| a.surface == b.surface) {
            surfaces.push(&run[0].surface);
            key_words.push(lex.len() as u32);
            lex.extend(winners(run));
        }
        key_words.push(lex.len() as u32);
        let words = lex.iter().map(|e| ids(e)).collect::<Result<Vec<_>, Why>>()?;
        // Trie codes: characters by how often they occur in surfaces, most frequent first.
        let mut freq = vec![0u64; CODE_POINTS];
        for s in &surfaces {
            for c in s.chars() {
                freq[c as usize] += 1;
            }
        }
        let mut by_freq: Vec<usize> = (0..CODE_POINTS).filter(|&c| freq[c] > 0).collect();
        by_freq.sort_by(|&a, &b| freq[b].cmp(&freq[a]).then(a.cmp(&b)));
        let mut codes = vec![0u32; CODE_POINTS];
        for (k, &c) in by_freq.iter().enumerate() {
            codes[c] = k as u32 + 1;
        }
        let keys: Vec<Vec<u32>> = surfaces.iter().map(|s| s.chars().map(|c| codes[c as usize]).collect()).collect();
        let mut values = Vec::with_capacity(keys.len());
        for (k, w) in key_words.windows(2).enumerate() {
            let count = w[1] - w[0];
            if count > 0xFF || w[0] >= 1 << 24 {
                return Err(format!("{:?}: more than 255 entries, or past the 16,777,216th word", surfaces[k]));
            }
            values.push(w[0] << 8 | count);
        }
        let units = darts::build(&keys, &values)?;
        // Unknown-word entries by category, in char.def order, each in unk.def order.
        let cats = &d.chars.categories;
        let (mut unk, mut unk_feats, mut cat_unk) = (Vec::new(), Vec::new(), vec![0u32]);
        for c in cats {
            let entries: Vec<&Entry> = d.unk.iter().filter(|e| e.surface == c.name).collect();
            for e in winners(&entries) {
                unk.push(ids(e)?);
                unk_feats.push(e.feature.as_str());
            }
            cat_unk.push(unk.len() as u32);
        }
        let mut chars: Vec<u32> = d.chars.table.iter().map(|c| c.0).collect();
        chars.resize(CHARS, 0);
        let space = cats.iter().position(|c| c.name == "SPACE").ok_or("char.def defines no SPACE category")?;
        Ok(Parts {
            n_keys: surfaces.len(),
            units,
            codes,
            chars,
            cat_unk,
            space_bits: 1 << space,
            feats: features::encode_section(lex.iter().map(|e| e.feature.as_str()))?,
            unk_feats: features::encode_section(unk_feats.into_iter())?,
            words,
            unk,
            matrix: &d.matrix,
        })
    }

    /// The file, with left ids numbered `lp[id]` and right ids `rp[id]`.
    fn file(&self, lp: &[u16], rp: &[u16]) -> Vec<u64> {
        let m = self.matrix;
        let (lsize, rsize) = (usize::from(m.lsize), usize::from(m.rsize));
        let param = |&(l, r, cost): &(u16, u16, i16)| {
            u64::from(lp[usize::from(l)]) | u64::from(rp[usize::from(r)]) << 16 | u64::from(cost as u16) << 32
        };
        let (words, unk): (Vec<u64>, Vec<u64>) =
            (self.words.iter().map(param).collect(), self.unk.iter().map(param).collect());
        let mut matrix = vec![0i16; lsize * rsize];
        for (r, &nl) in lp.iter().enumerate() {
            for (l, &nr) in rp.iter().enumerate() {
                matrix[usize::from(nr) + lsize * usize::from(nl)] = m.costs[l + lsize * r];
            }
        }
        let mut header = [0u64; HEADER_WORDS];
        header[H_KEYS] = self.n_keys as u64;
        header[H_WORDS] = words.len() as u64;
        header[H_UNK] = unk.len() as u64;
        header[H_CATS] = (self.cat_unk.len() - 1) as u64;
        header[H_LSIZE] = lsize as u64;
        header[H_RSIZE] = rsize as u64;
        header[H_BOS_RIGHT] = u64::from(rp[0]);
        header[H_EOS_LEFT] = u64::from(lp[0]);
        header[H_SPACE_BITS] = self.space_bits;
        let sections: [(usize, &[u8]); N_SECTIONS] = [
            (S_DARTS, as_bytes(&self.units)),
            (S_WORDS, as_bytes(&words)),
            (S_UNK, as_bytes(&unk)),
            (S_CAT_UNK, as_bytes(&self.cat_unk)),
            (S_CHARS, as_bytes(&self.chars)),
            (S_MATRIX, as_bytes(&matrix)),
            (S_FEATURES, &self.feats),
            (S_UNK_FEATURES, &self.unk_feats),
            (S_CODES, as_bytes(&self.codes)),
        ];
        let mut at = MAGIC.len() + 8 * HEADER_WORDS;
        for &(k, bytes) in &sections {
            header[H_SECTIONS + 2 * k] = at as u64;
            header[H_SECTIONS + 2 * k + 1] = bytes.len() as u64;
            at += bytes.len().next_multiple_of(8);
        }
        let mut out = vec![0u64; at / 8];
        let b = bytes_mut(&mut out);
        b[..MAGIC.len()].copy_from_slice(MAGIC);
        b[MAGIC.len()..MAGIC.len() + 8 * HEADER_WORDS].copy_from_slice(as_bytes(&header));
        for &(k, bytes) in &sections {
            let off = header[H_SECTIONS + 2 * k] as usize;
            b[off..off + bytes.len()].copy_from_slice(bytes);
        }
        out
    }
}

/// The entries of one span (a surface's homographs, or a category's unknown-word entries) that
/// can be in a best path: of those with the same context ids, MeCab keeps the cheapest and, of
/// equal ones, the first, so the others are never output and are left out of the lattice.
fn winners<'r, 'e>(run: &'r [&'e Entry]) -> impl Iterator<Item = &'e Entry> + use<'r, 'e> {
    run.iter()
        .enumerate()
        .filter(move |&(i, e)| {
            !run.iter().enumerate().any(|(j, o)| {
                j != i
                    && o.left_id == e.left_id
                    && o.right_id == e.right_id
                    && (o.cost < e.cost || (o.cost == e.cost && j < i))
            })
        })
        .map(|(_, e)| *e)
}

#[cfg(not(target_endian = "little"))]
compile_error!("the compiled MeCab dictionary is read in place and assumes a little-endian machine");
