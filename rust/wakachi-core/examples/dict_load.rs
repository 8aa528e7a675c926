//! Times the parts of loading a compiled dictionary cache file (layout of
//! `segment/mecab/mod.rs`): `dict_load CACHE_FILE`.
use std::error::Error;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dict_load CACHE_FILE");
        return Ok(());
    };
    let magic = b"wakachi mecab cache 2\n".len();
    for round in 0..3 {
        let t = Instant::now();
        let f = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
        // SAFETY: a benchmark over a file nobody modifies.
        let m = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| format!("{path}: {e}"))?;
        let len: [u8; 8] = m
            .get(magic + 1..magic + 9)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("{path}: too short for a cache file"))?;
        let head = magic + 9;
        let dict_at = head + u64::from_le_bytes(len) as usize;
        if dict_at > m.len() || head + 16 > dict_at {
            return Err(format!("{path}: not a wakachi MeCab cache file (section lengths out of range)").into());
        }
        let t_map = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let ok = std::str::from_utf8(&m[head + 16..dict_at]).is_ok();
        let t_utf8 = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let sum: u64 = m[head..dict_at].chunks(4096).map(|c| u64::from(c[0])).sum();
        let t_touch = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let h = xxhash_rust::xxh3::xxh3_64(&m[head..dict_at]);
        let t_xxh = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let d = vibrato::Dictionary::read(&m[dict_at..]).map_err(|e| format!("{path}: {e}"))?;
        let t_dec = t.elapsed().as_secs_f64();
        println!(
            "round {round}: map {t_map:.3} s, touch {t_touch:.3} s, utf8 check {t_utf8:.3} s ({ok}), xxh3 {t_xxh:.3} s ({}), \
             vibrato decode {t_dec:.3} s ({} MB)",
            (h ^ sum) & 1,
            (m.len() - dict_at) / 1_000_000
        );
        drop(d);
    }
    Ok(())
}
