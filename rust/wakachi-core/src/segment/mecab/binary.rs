//! Reader of MeCab's compiled dictionary files (`sys.dic`, `unk.dic`, `matrix.bin`, `char.bin`),
//! as written by MeCab 0.996's `mecab-dict-index` (dictionary.cpp `Dictionary::compile`,
//! connector.cpp, char_property.cpp). All integers are little-endian.
//!
//! Every size and index read from a file is checked against the file's length before it is used,
//! so a truncated or corrupt file gives an error naming it, never a panic or a huge allocation.

use std::path::Path;

use super::dict::{Category, CharDef, CharInfo, Entry, Matrix, MecabDict, CHAR_TABLE_LEN, MAX_CATEGORIES};
use crate::ensure_dict;
use crate::error::{Error, Result};

const DIC_MAGIC: u32 = 0xEF71_8F77;
const DIC_VERSION: u32 = 102;
const HEADER_LEN: usize = 72;
const TOKEN_LEN: usize = 16;

/// Reads a binary MeCab dicdir.
pub fn read_dicdir(dir: &Path) -> Result<MecabDict> {
    let matrix = read_matrix(&dir.join("matrix.bin"))?;
    let chars = read_char_bin(&dir.join("char.bin"))?;
    let sys = read_dic(&dir.join("sys.dic"), 0)?;
    let unk = read_dic(&dir.join("unk.dic"), 2)?;
    let dict = MecabDict { lex: sys, unk, matrix, chars };
    check_consistency(&dict, dir)?;
    Ok(dict)
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// Reads `matrix.bin`: `u16 lsize, u16 rsize, i16 costs[lsize*rsize]`.
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    let b = read_file(path)?;
    ensure_dict!(b.len() >= 4, path, "truncated: {} bytes, expected a 4-byte header", b.len());
    let (lsize, rsize) = (u16_at(&b, 0), u16_at(&b, 2));
    let want = 4 + 2 * usize::from(lsize) * usize::from(rsize);
    ensure_dict!(
        b.len() == want,
        path,
        "size {} bytes does not match its {lsize}x{rsize} header ({want} bytes): truncated or not a matrix.bin",
        b.len()
    );
    let costs = b[4..].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
    Ok(Matrix { lsize, rsize, costs })
}

/// Reads `char.bin`: `u32 csize; char names[csize][32]; u32 table[0xFFFF]`.
pub fn read_char_bin(path: &Path) -> Result<CharDef> {
    let b = read_file(path)?;
    ensure_dict!(b.len() >= 4, path, "truncated: {} bytes", b.len());
    let csize = u32_at(&b, 0) as usize;
    ensure_dict!(
        (1..=MAX_CATEGORIES).contains(&csize),
        path,
        "{csize} categories (MeCab allows 1..={MAX_CATEGORIES}): corrupt or not a char.bin"
    );
    let want = 4 + 32 * csize + 4 * CHAR_TABLE_LEN;
    ensure_dict!(b.len() == want, path, "size {} bytes, expected {want} for {csize} categories", b.len());
    let mut names = Vec::with_capacity(csize);
    for i in 0..csize {
        let raw = &b[4 + 32 * i..4 + 32 * (i + 1)];
        let end = raw.iter().position(|&c| c == 0).unwrap_or(32);
        let name = std::str::from_utf8(&raw[..end])
            .ok()
            .filter(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_graphic()))
            .ok_or_else(|| Error::dict(path, format!("category {i} has an invalid name")))?;
        names.push(name.to_string());
    }
    let base = 4 + 32 * csize;
    let table: Vec<CharInfo> = (0..CHAR_TABLE_LEN).map(|i| CharInfo(u32_at(&b, base + 4 * i))).collect();
    for (cp, info) in table.iter().enumerate() {
        ensure_dict!(
            info.default_type() < csize && info.type_bits() >> csize == 0,
            path,
            "entry for U+{cp:04X} names a category beyond the {csize} declared"
        );
    }
    let categories = names
        .into_iter()
        .enumerate()
        .map(|(id, name)| {
            // A category's settings are copied into every character whose default type it is;
            // a category that is nobody's default type is never consulted, so any settings do.
            let info = table.iter().find(|c| c.default_type() == id);
            Category {
                name,
                invoke: info.is_some_and(|c| c.invoke()),
                group: info.is_some_and(|c| c.group()),
                length: info.map_or(0, |c| c.length()),
            }
        })
        .collect();
    Ok(CharDef { categories, table })
}

/// Reads a `sys.dic`/`unk.dic` container of the given MeCab type (0 = system, 2 = unknown).
pub fn read_dic(path: &Path, want_type: u32) -> Result<Vec<Entry>> {
    let b = read_file(path)?;
    ensure_dict!(b.len() >= HEADER_LEN, path, "truncated: {} bytes, shorter than the header", b.len());
    let h: Vec<u32> = (0..10).map(|i| u32_at(&b, 4 * i)).collect();
    let (magic, version, dtype, lexsize, dsize, tsize, fsize) =
        (h[0], h[1], h[2], h[3] as usize, h[6] as usize, h[7] as usize, h[8] as usize);
    ensure_dict!(
        magic ^ DIC_MAGIC == b.len() as u32,
        path,
        "size check failed (header says {} bytes, file has {}): truncated or not a MeCab dictionary",
        magic ^ DIC_MAGIC,
        b.len()
    );
    ensure_dict!(version == DIC_VERSION, path, "dictionary version {version}, expected {DIC_VERSION}");
    ensure_dict!(dtype == want_type, path, "dictionary type {dtype}, expected {want_type}");
    ensure_dict!(
        HEADER_LEN.checked_add(dsize).and_then(|n| n.checked_add(tsize)).and_then(|n| n.checked_add(fsize))
            == Some(b.len()),
        path,
        "section sizes do not add up to the file size"
    );
    ensure_dict!(
        dsize % 8 == 0 && tsize % TOKEN_LEN == 0 && tsize / TOKEN_LEN >= lexsize,
        path,
        "corrupt section sizes"
    );
    let charset = charset_of(&b[40..72]);
    let darts = &b[HEADER_LEN..HEADER_LEN + dsize];
    let tokens = &b[HEADER_LEN + dsize..HEADER_LEN + dsize + tsize];
    let features = &b[HEADER_LEN + dsize + tsize..];
    let mut keys = darts_keys(darts, path)?;
    keys.sort_unstable_by_key(|k| k.first);
    let mut out = Vec::with_capacity(lexsize);
    for k in keys {
        ensure_dict!(k.first + k.count <= lexsize, path, "key points past the {lexsize} tokens");
        let surface = decode(&k.bytes, charset, path)?;
        for t in k.first..k.first + k.count {
            let tok = &tokens[t * TOKEN_LEN..(t + 1) * TOKEN_LEN];
            let off = u32_at(tok, 8) as usize;
            let feat = features.get(off..).and_then(|f| f.iter().position(|&c| c == 0).map(|n| &f[..n]));
            let feat =
                feat.ok_or_else(|| Error::dict(path, format!("token {t}: feature offset {off} out of range")))?;
            out.push(Entry {
                surface: surface.clone(),
                left_id: u16_at(tok, 0),
                right_id: u16_at(tok, 2),
                cost: u16_at(tok, 6) as i16,
                feature: decode(feat, charset, path)?,
            });
        }
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Charset {
    Utf8,
    EucJp,
    ShiftJis,
}

fn charset_of(raw: &[u8]) -> Charset {
    let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
    let name = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    match name.as_str() {
        "euc" | "euc-jp" | "eucjp" => Charset::EucJp,
        "sjis" | "shift-jis" | "shift_jis" | "cp932" => Charset::ShiftJis,
        _ => Charset::Utf8,
    }
}

fn decode(bytes: &[u8], cs: Charset, path: &Path) -> Result<String> {
    let enc = match cs {
        Charset::Utf8 => {
            return String::from_utf8(bytes.to_vec())
                .map_err(|_| Error::dict(path, "an entry is not valid UTF-8 although the dictionary says utf8"))
        }
        Charset::EucJp => encoding_rs::EUC_JP,
        Charset::ShiftJis => encoding_rs::SHIFT_JIS,
    };
    let (s, had_errors) = enc.decode_without_bom_handling(bytes);
    ensure_dict!(!had_errors, path, "an entry is not valid {}", enc.name());
    Ok(s.into_owned())
}

struct Key {
    bytes: Vec<u8>,
    first: usize,
    count: usize,
}

/// Enumerates every key of a Darts double array with its value, in O(units): each terminal unit
/// is walked up to the root through the unique owner of each base.
fn darts_keys(darts: &[u8], path: &Path) -> Result<Vec<Key>> {
    let n = darts.len() / 8;
    let base = |i: usize| u32_at(darts, 8 * i) as i32;
    let check = |i: usize| u32_at(darts, 8 * i + 4) as usize;
    ensure_dict!(n > 0 && base(0) > 0, path, "empty or corrupt double array");
    let mut owner = vec![u32::MAX; n];
    for q in 0..n {
        let b = base(q);
        if b > 0 && (b as usize) < n && (q == 0 || check(q) != 0) {
            owner[b as usize] = q as u32;
        }
    }
    let mut keys = Vec::new();
    for p in 1..n {
        if check(p) != p || base(p) >= 0 {
            continue;
        }
        let value = (-(base(p) as i64) - 1) as usize;
        let mut bytes = Vec::new();
        let mut q = owner[p] as usize;
        while q != 0 {
            ensure_dict!(q < n && bytes.len() < 65_536, path, "corrupt double array near unit {p}");
            let parent_base = check(q);
            ensure_dict!(q > parent_base && q - parent_base - 1 < 256, path, "corrupt double array at unit {q}");
            bytes.push((q - parent_base - 1) as u8);
            ensure_dict!(parent_base < n, path, "corrupt double array at unit {q}");
            q = owner[parent_base] as usize;
        }
        bytes.reverse();
        keys.push(Key { bytes, first: value >> 8, count: value & 0xFF });
    }
    Ok(keys)
}

/// Checks that every id fits the matrix and every category has unknown-word entries.
fn check_consistency(d: &MecabDict, dir: &Path) -> Result<()> {
    let (l, r) = (d.matrix.lsize, d.matrix.rsize);
    for (name, entries) in [("sys.dic", &d.lex), ("unk.dic", &d.unk)] {
        if let Some(e) = entries.iter().find(|e| e.right_id >= l || e.left_id >= r) {
            return Err(Error::dict(
                dir.join(name),
                format!(
                    "entry {:?} has context ids {}/{} outside matrix.bin's {l}x{r}",
                    e.surface, e.left_id, e.right_id
                ),
            ));
        }
    }
    for c in &d.chars.categories {
        ensure_dict!(
            d.unk.iter().any(|e| e.surface == c.name),
            dir.join("unk.dic"),
            "no unknown-word entry for character category {} of char.bin",
            c.name
        );
    }
    Ok(())
}
