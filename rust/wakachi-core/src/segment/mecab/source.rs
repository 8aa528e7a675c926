//! Reader of MeCab *source* dictionaries (`*.csv`, `matrix.def`, `char.def`, `unk.def`), UTF-8 or
//! EUC-JP (the encoding of most source releases; detected per file, decoded as the iconv behind
//! `mecab-dict-index -f EUC-JP` decodes it), and the writer of the same format
//! (`wakachi dict decompile`). `benches/parity_mecab_source.py` checks it against MeCab on
//! Debian's mecab-ipadic.
//!
//! Parsing follows MeCab 0.996: CSV lines split into five columns with the fifth the raw rest of
//! the line (utils.h `tokenizeCSV`), lexicon entries stably sorted by surface bytes
//! (dictionary.cpp `compile`), char.def compiled as `CharProperty::compile` does. MeCab takes the
//! CSV files in `readdir` order, which no one can reproduce; wakachi takes them sorted by name.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::binary::read_file;
use super::dict::{
    write_char_def, write_csv_field, Category, CharDef, CharInfo, Entry, Matrix, MecabDict, CHAR_TABLE_LEN,
    MAX_CATEGORIES,
};
use crate::error::{Error, Result};

/// Reads a source dicdir.
pub fn read_dicdir(dir: &Path) -> Result<MecabDict> {
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    csvs.sort();
    if csvs.is_empty() {
        return Err(Error::dict(dir, "no *.csv lexicon files in this MeCab source dictionary"));
    }
    let mut lex = Vec::new();
    for p in &csvs {
        lex.extend(read_csv(p, false)?);
    }
    lex.sort_by(|a, b| a.surface.as_bytes().cmp(b.surface.as_bytes()));
    let matrix = read_matrix_def(&dir.join("matrix.def"))?;
    let chars = read_char_def(&dir.join("char.def"))?;
    let unk = read_csv(&dir.join("unk.def"), true)?;
    let dict = MecabDict { lex, unk, matrix, chars };
    check_source(&dict, dir)?;
    Ok(dict)
}

/// Reads a text file as UTF-8, or as EUC-JP when it is not valid UTF-8.
fn read_text(path: &Path) -> Result<String> {
    let bytes = read_file(path)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => decode_euc_jp(path, e.as_bytes()),
    }
}

/// The six JIS X 0208 characters whose Unicode mapping differs between the iconv that MeCab's
/// `mecab-dict-index -f EUC-JP` uses (glibc, GNU libiconv: the standard JIS mapping) and
/// encoding_rs (WHATWG, i.e. Windows' mapping, shown in the comments). Found by decoding every
/// EUC-JP sequence both ways; mecab-ipadic uses U+2212 in 4,875 entries (`サ変・−スル`).
const EUC_JP_AS_ICONV: [([u8; 2], char); 6] = [
    ([0xA1, 0xC1], '\u{301C}'), // WAVE DASH (WHATWG: U+FF5E FULLWIDTH TILDE)
    ([0xA1, 0xC2], '\u{2016}'), // DOUBLE VERTICAL LINE (U+2225 PARALLEL TO)
    ([0xA1, 0xDD], '\u{2212}'), // MINUS SIGN (U+FF0D FULLWIDTH HYPHEN-MINUS)
    ([0xA1, 0xF1], '\u{00A2}'), // CENT SIGN (U+FFE0)
    ([0xA1, 0xF2], '\u{00A3}'), // POUND SIGN (U+FFE1)
    ([0xA2, 0xCC], '\u{00AC}'), // NOT SIGN (U+FFE2)
];

/// Decodes EUC-JP as MeCab's iconv does: encoding_rs, except for [`EUC_JP_AS_ICONV`].
fn decode_euc_jp(path: &Path, bytes: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(bytes.len() * 3 / 2);
    let (mut done, mut i) = (0, 0);
    while i < bytes.len() {
        // Walk character by character (ASCII, 0x8E kana, 0x8F JIS X 0212, 2-byte JIS X 0208),
        // so a trail byte is never taken for a lead byte.
        let width = match bytes[i] {
            0x8F => 3,
            0x8E | 0xA1..=0xFE => 2,
            _ => 1,
        };
        if width == 2 {
            if let Some((_, c)) = EUC_JP_AS_ICONV.iter().find(|(k, _)| bytes.get(i..i + 2) == Some(&k[..])) {
                decode_euc_jp_run(path, bytes, done, i, &mut out)?;
                out.push(*c);
                done = i + 2;
            }
        }
        i += width;
    }
    decode_euc_jp_run(path, bytes, done, bytes.len(), &mut out)?;
    Ok(out)
}

fn decode_euc_jp_run(path: &Path, bytes: &[u8], from: usize, to: usize, out: &mut String) -> Result<()> {
    let run = &bytes[from..to];
    if let Some(s) = encoding_rs::EUC_JP.decode_without_bom_handling_and_without_replacement(run) {
        out.push_str(&s);
        return Ok(());
    }
    // Name the first line that does not decode.
    let before = bytes[..from].iter().filter(|&&b| b == b'\n').count();
    let bad = run
        .split(|&b| b == b'\n')
        .position(|l| encoding_rs::EUC_JP.decode_without_bom_handling_and_without_replacement(l).is_none())
        .unwrap_or(0);
    Err(malformed(path, (before + bad) as u64 + 1, "neither valid UTF-8 nor valid EUC-JP"))
}

fn lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
}

fn malformed(path: &Path, line: u64, msg: impl Into<String>) -> Error {
    Error::Malformed { path: path.to_path_buf(), line, msg: msg.into() }
}

/// Splits a CSV line into the surface, three numeric columns and the raw remainder.
fn split_csv(line: &str) -> Option<(String, [&str; 3], &str)> {
    let line = line.trim_start_matches([' ', '\t']);
    let (surface, rest) = if let Some(q) = line.strip_prefix('"') {
        let mut s = String::new();
        let mut chars = q.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            if c == '"' {
                if q[i + 1..].starts_with('"') {
                    s.push('"');
                    chars.next();
                } else {
                    break i + 1;
                }
            } else {
                s.push(c);
            }
        };
        (s, q[end..].strip_prefix(',')?)
    } else {
        let (s, r) = line.split_once(',')?;
        (s.to_string(), r)
    };
    let mut cols = rest.splitn(4, ',');
    let nums = [cols.next()?, cols.next()?, cols.next()?];
    let feature = cols.next()?;
    Some((surface, nums.map(|c| c.trim_matches([' ', '\t'])), feature))
}

/// Reads a lexicon CSV or `unk.def`.
fn read_csv(path: &Path, unk: bool) -> Result<Vec<Entry>> {
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (n, line) in lines(&text) {
        if line.trim().is_empty() || (unk && line.starts_with('#')) {
            continue;
        }
        let (surface, [l, r, c], feature) =
            split_csv(line).ok_or_else(|| malformed(path, n, "expected surface,left_id,right_id,cost,features"))?;
        let parse = |s: &str, what: &str| s.parse().map_err(|_| malformed(path, n, format!("bad {what} {s:?}")));
        let (left_id, right_id): (u16, u16) = (parse(l, "left id")?, parse(r, "right id")?);
        let cost: i16 = c.parse().map_err(|_| malformed(path, n, format!("bad cost {c:?}")))?;
        if surface.is_empty() {
            continue; // MeCab drops empty surfaces too
        }
        out.push(Entry { surface, left_id, right_id, cost, feature: feature.to_string() });
    }
    Ok(out)
}

/// Reads `matrix.def`: `lsize rsize`, then `l r cost` lines.
fn read_matrix_def(path: &Path) -> Result<Matrix> {
    let text = read_text(path)?;
    let mut it = lines(&text).filter(|(_, l)| !l.trim().is_empty());
    let (n, head) = it.next().ok_or_else(|| Error::dict(path, "empty file"))?;
    let Some([lsize, rsize]) = numbers::<u16, 2>(head) else {
        return Err(malformed(path, n, "expected `lsize rsize`"));
    };
    // MeCab allows sparse matrix.def files, so the header cannot be checked against the file
    // size; ask for the memory instead of aborting when it is not there.
    let cells = usize::from(lsize) * usize::from(rsize);
    let mut costs: Vec<i16> = Vec::new();
    costs
        .try_reserve_exact(cells)
        .map_err(|_| malformed(path, n, format!("a {lsize}x{rsize} matrix does not fit in memory")))?;
    costs.resize(cells, 0);
    for (n, line) in it {
        match numbers::<i64, 3>(line) {
            Some([l, r, c])
                if (0..i64::from(lsize)).contains(&l)
                    && (0..i64::from(rsize)).contains(&r)
                    && i16::try_from(c).is_ok() =>
            {
                costs[(l + i64::from(lsize) * r) as usize] = c as i16;
            }
            _ => return Err(malformed(path, n, format!("expected `left right cost` within {lsize}x{rsize}"))),
        }
    }
    Ok(Matrix { lsize, rsize, costs })
}

/// Exactly `N` whitespace-separated numbers, or `None`.
fn numbers<T: std::str::FromStr + Copy + Default, const N: usize>(line: &str) -> Option<[T; N]> {
    let mut out = [T::default(); N];
    let mut f = line.split_whitespace();
    for slot in &mut out {
        *slot = f.next()?.parse().ok()?;
    }
    f.next().is_none().then_some(out)
}

/// Compiles `char.def` into MeCab's character table.
fn read_char_def(path: &Path) -> Result<CharDef> {
    let text = read_text(path)?;
    let mut categories: Vec<Category> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut ranges: Vec<(u64, u32, u32, Vec<String>)> = Vec::new();
    for (n, line) in lines(&text) {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[0].starts_with("0x") {
            let (lo, hi) = f[0].split_once("..").unwrap_or((f[0], f[0]));
            let cp = |s: &str| {
                u32::from_str_radix(s.trim_start_matches("0x"), 16).ok().filter(|&v| (v as usize) < CHAR_TABLE_LEN)
            };
            let (Some(lo), Some(hi)) = (cp(lo), cp(hi)) else {
                return Err(malformed(path, n, "bad code point range (MeCab allows 0x0000..0xFFFE)"));
            };
            if f.len() < 2 || lo > hi {
                return Err(malformed(path, n, "a range needs low <= high and at least one category"));
            }
            ranges.push((n, lo, hi, f[1..].iter().map(|s| s.to_string()).collect()));
        } else {
            let [name, inv, grp, len, ..] = f[..] else {
                return Err(malformed(path, n, "expected NAME INVOKE GROUP LENGTH"));
            };
            let flag = |s: &str| match s {
                "0" => Ok(false),
                "1" => Ok(true),
                _ => Err(malformed(path, n, "INVOKE and GROUP must be 0 or 1")),
            };
            let length: u8 =
                len.parse().ok().filter(|&l| l < 16).ok_or_else(|| malformed(path, n, "LENGTH must be 0..15"))?;
            if ids.insert(name.to_string(), categories.len()).is_some() {
                return Err(malformed(path, n, format!("category {name} defined twice")));
            }
            categories.push(Category { name: name.to_string(), invoke: flag(inv)?, group: flag(grp)?, length });
        }
    }
    if categories.len() > MAX_CATEGORIES || !ids.contains_key("DEFAULT") || !ids.contains_key("SPACE") {
        return Err(Error::dict(path, format!("needs DEFAULT and SPACE and at most {MAX_CATEGORIES} categories")));
    }
    let default = CharInfo::encode(&[ids["DEFAULT"]], &categories);
    let mut table = vec![default; CHAR_TABLE_LEN];
    for (n, lo, hi, names) in ranges {
        let cat_ids = names
            .iter()
            .map(|c| ids.get(c).copied().ok_or_else(|| malformed(path, n, format!("unknown category {c}"))))
            .collect::<Result<Vec<_>>>()?;
        let info = CharInfo::encode(&cat_ids, &categories);
        table[lo as usize..=hi as usize].fill(info);
    }
    // MeCab numbers categories in definition order and DEFAULT need not come first; vibrato
    // wants DEFAULT as id 0, so move it there.
    if ids["DEFAULT"] != 0 {
        return Err(Error::dict(path, "DEFAULT must be the first category"));
    }
    Ok(CharDef { categories, table })
}

fn check_source(d: &MecabDict, dir: &Path) -> Result<()> {
    let (l, r) = (d.matrix.lsize, d.matrix.rsize);
    if let Some(e) = d.lex.iter().chain(&d.unk).find(|e| e.right_id >= l || e.left_id >= r) {
        return Err(Error::dict(dir, format!("entry {:?} has context ids outside matrix.def's {l}x{r}", e.surface)));
    }
    for c in &d.chars.categories {
        if !d.unk.iter().any(|e| e.surface == c.name) {
            return Err(Error::dict(dir.join("unk.def"), format!("no entry for character category {}", c.name)));
        }
    }
    if let Some(e) = d.unk.iter().find(|e| !d.chars.categories.iter().any(|c| c.name == e.surface)) {
        return Err(Error::dict(dir.join("unk.def"), format!("category {} is not in char.def", e.surface)));
    }
    Ok(())
}

/// Writes `dict` as MeCab source files (UTF-8) into `dir`: `lex.csv`, `unk.def`, `matrix.def`,
/// `char.def`. Reading them back with [`read_dicdir`] gives the same dictionary.
pub fn write_dicdir(d: &MecabDict, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let entries = |es: &[Entry]| {
        let mut out = Vec::new();
        for e in es {
            write_csv_field(&mut out, &e.surface);
            let _ = writeln!(out, ",{},{},{},{}", e.left_id, e.right_id, e.cost, e.feature);
        }
        out
    };
    let mut matrix = Vec::new();
    std::io::Read::read_to_end(&mut d.vibrato_matrix(), &mut matrix).map_err(|e| Error::io(dir, e))?;
    let files: [(&str, Vec<u8>); 4] = [
        ("lex.csv", entries(&d.lex)),
        ("unk.def", entries(&d.unk)),
        ("matrix.def", matrix),
        ("char.def", {
            let mut v = Vec::new();
            write_char_def(&d.chars, &mut v);
            v
        }),
    ];
    for (name, data) in files {
        crate::segment::mecab::cache::write_atomic(&dir.join(name), &data)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "source_test.rs"]
mod tests;
