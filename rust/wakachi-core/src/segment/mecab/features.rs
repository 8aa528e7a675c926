//! The system lexicon's feature strings, kept outside vibrato's dictionary.
//!
//! vibrato's `Dictionary` owns every feature as a `String` (unidic-lite: 756k features, 158 MB of
//! its 253 MB), so loading it means allocating and copying all of them in every process. wakachi
//! gives vibrato the lexicon with empty features and keeps the features in a table of its own,
//! indexed by vibrato's system word id (the line of the lexicon CSV it was built from), stored in
//! the cache file and memory-mapped from there: nothing is copied at load, and the pages are the
//! page cache's, shared by every process that maps the same file.
//!
//! **Section layout** (little-endian): `u64 n`, `u64 blob_len`, `n + 1` `u32` offsets into the
//! blob (the first 0, ascending, the last `blob_len`), then the blob: the features back to back,
//! UTF-8. Opening a table checks its lengths only, so it costs nothing however large the table
//! (checking 160 MB of features took 0.2 s, more than the rest of loading a dictionary): each
//! lookup checks its own offsets and bytes, and a feature that a corrupt file makes invalid reads
//! as U+FFFD.

use std::sync::Arc;

use memmap2::Mmap;

/// The header: `n` and `blob_len`.
const HEAD: usize = 16;

/// Encodes features (in word-id order) as a section.
pub fn encode_section<'a>(features: impl ExactSizeIterator<Item = &'a str>) -> std::result::Result<Vec<u8>, String> {
    let n = features.len();
    let mut offsets: Vec<u8> = Vec::with_capacity(4 * (n + 1));
    let mut blob: Vec<u8> = Vec::new();
    offsets.extend_from_slice(&0u32.to_le_bytes());
    for f in features {
        blob.extend_from_slice(f.as_bytes());
        let end = u32::try_from(blob.len()).map_err(|_| "features exceed 4 GiB".to_string())?;
        offsets.extend_from_slice(&end.to_le_bytes());
    }
    let mut out = Vec::with_capacity(HEAD + offsets.len() + blob.len());
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    out.extend_from_slice(&offsets);
    out.extend_from_slice(&blob);
    Ok(out)
}

enum Backing {
    /// A section built in this process.
    Owned(Vec<u8>),
    /// A section inside a mapped cache file, from this byte on.
    Mapped(Arc<Mmap>, usize),
    /// A section inside a file built in this process, from this byte on.
    Words(Arc<Vec<u64>>, usize),
}

impl Backing {
    /// The backing's bytes from the section's start on.
    fn tail(&self) -> Option<&[u8]> {
        match self {
            Backing::Owned(v) => Some(v),
            Backing::Mapped(m, start) => m.get(*start..),
            Backing::Words(w, start) => super::lattice::as_bytes(&w[..]).get(*start..),
        }
    }
}

/// Feature strings by system word id (checked at open).
pub struct FeatureTable {
    data: Backing,
    n: usize,
    /// The section's length in its backing.
    bytes: usize,
}

impl FeatureTable {
    /// A table over a section built in this process.
    pub fn from_owned(section: Vec<u8>) -> std::result::Result<Self, String> {
        Self::over(Backing::Owned(section))
    }

    /// A table over the section at byte `start` of a mapped file.
    pub fn from_mapped(map: Arc<Mmap>, start: usize) -> std::result::Result<Self, String> {
        Self::over(Backing::Mapped(map, start))
    }

    /// A table over the section at byte `start` of a file held as `u64`s.
    pub fn from_words(words: Arc<Vec<u64>>, start: usize) -> std::result::Result<Self, String> {
        Self::over(Backing::Words(words, start))
    }

    fn over(data: Backing) -> std::result::Result<Self, String> {
        let bytes = data.tail().ok_or("the feature section starts past the end of the file")?;
        let len = check(bytes)?;
        let n = read_u64(bytes, 0) as usize;
        Ok(FeatureTable { data, n, bytes: len })
    }

    /// The section's bytes (what [`encode_section`] made).
    pub fn section(&self) -> &[u8] {
        match self.data.tail() {
            Some(b) => &b[..self.bytes],
            None => &[],
        }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The feature of system word `id` (`""` past the end; U+FFFD where the file is corrupt).
    #[inline]
    pub fn get(&self, id: u32) -> &str {
        let id = id as usize;
        if id >= self.n {
            return "";
        }
        let s = self.section();
        let off = |k: usize| read_u32(s, HEAD + 4 * k) as usize;
        let blob = &s[HEAD + 4 * (self.n + 1)..];
        match blob.get(off(id)..off(id + 1)).map(std::str::from_utf8) {
            Some(Ok(f)) => f,
            _ => "\u{FFFD}",
        }
    }
}

/// The little-endian `u64` at byte `at` of `b`.
pub(super) fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

/// Checks a section at the start of `b`; its length.
fn check(b: &[u8]) -> std::result::Result<usize, String> {
    if b.len() < HEAD {
        return Err("the feature section is cut short".into());
    }
    let (n, blob_len) = (read_u64(b, 0), read_u64(b, 8));
    let offsets_len = n.checked_add(1).and_then(|k| k.checked_mul(4)).ok_or("corrupt feature count")?;
    let len = (HEAD as u64).checked_add(offsets_len).and_then(|k| k.checked_add(blob_len)).ok_or("corrupt lengths")?;
    if len > b.len() as u64 {
        return Err("the feature section is cut short".into());
    }
    let (n, len) = (n as usize, len as usize);
    if read_u32(b, HEAD) != 0 || read_u32(b, HEAD + 4 * n) as u64 != blob_len {
        return Err("the feature offsets do not span the blob".into());
    }
    Ok(len)
}

#[cfg(test)]
#[path = "features_test.rs"]
mod tests;
