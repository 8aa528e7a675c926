//! The compiled-dictionary cache and atomic file writes.
//!
//! Building vibrato's dictionary from unidic-lite takes seconds; the result is written once to a
//! per-user cache directory under a name derived from the dictionary files' contents and the
//! wakachi and vibrato versions, so any change to either gives a new entry.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The vibrato crate this build uses.
pub const VIBRATO_VERSION: &str = vibrato::VERSION;

/// Bump when the translation to vibrato changes (the parity fixes in `dict.rs`) or the readers
/// read differently (3: EUC-JP sources decoded as MeCab's iconv does; 4: system features kept
/// outside vibrato's dictionary, in a memory-mapped section of the cache file).
const TRANSLATION_REVISION: u32 = 4;

/// The cache directory: `$WAKACHI_CACHE_DIR`, else `$XDG_CACHE_HOME/wakachi`, else
/// `~/.cache/wakachi`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("WAKACHI_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("wakachi")))
        .or_else(|| env("HOME").map(|p| p.join(".cache").join("wakachi")))
}

fn versions() -> String {
    format!("wakachi {} r{TRANSLATION_REVISION} vibrato {}", env!("CARGO_PKG_VERSION"), vibrato::VERSION)
}

/// [`fingerprint`], remembered in `cache_dir` by the files' stat keys and the versions
/// ([`memo_digest`]).
pub fn fingerprint_memo(cache_dir: &Path, files: &[PathBuf]) -> Result<String> {
    memo_digest(Some(cache_dir), &format!("mecab-dict-xxh3 {}", versions()), files, || fingerprint(files))
}

/// A content fingerprint of `files` (names and bytes) plus the versions that shape the output.
pub fn fingerprint(files: &[PathBuf]) -> Result<String> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(versions().as_bytes());
    for f in files {
        let data = std::fs::read(f).map_err(|e| Error::io(f, e))?;
        h.update(f.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        h.update(&(data.len() as u64).to_le_bytes());
        h.update(&data);
    }
    Ok(format!("{:032x}", h.digest128()))
}

/// What identifies a file's version without reading it: its path, size, modification and
/// change times (ns) and inode; `None` when it cannot be read.
fn stat_key(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let abs = std::fs::canonicalize(path).ok()?;
    Some(format!(
        "{}\t{}\t{}.{}\t{}.{}\t{}:{}",
        abs.display(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.dev(),
        m.ino()
    ))
}

/// A digest of `files` remembered in `cache_dir` (under `digests/`) by the files' stat keys
/// (path, size, mtime, ctime, inode) and `kind`: `compute` runs only when a file changed or no
/// digest was remembered, so start-up does not read hundreds of MB again to hash them. Without
/// a cache directory, or when the memo cannot be read or written, `compute` runs.
pub fn memo_digest(
    cache_dir: Option<&Path>,
    kind: &str,
    files: &[PathBuf],
    compute: impl FnOnce() -> Result<String>,
) -> Result<String> {
    let key =
        files.iter().map(|f| stat_key(f)).collect::<Option<Vec<_>>>().map(|k| format!("{kind}\n{}", k.join("\n")));
    let (Some(dir), Some(key)) = (cache_dir, key) else { return compute() };
    let path = dir.join("digests").join(format!("{:032x}.txt", xxhash_rust::xxh3::xxh3_128(key.as_bytes())));
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Some(digest) = text.strip_prefix(&key).and_then(|r| r.strip_prefix("\n=")).map(str::trim_end) {
            if !digest.is_empty() {
                return Ok(digest.to_string());
            }
        }
    }
    let digest = compute()?;
    // The files may have changed while they were read: remember only a digest of what is still there.
    let after =
        files.iter().map(|f| stat_key(f)).collect::<Option<Vec<_>>>().map(|k| format!("{kind}\n{}", k.join("\n")));
    if after.as_deref() == Some(key.as_str()) {
        let _ = write_atomic(&path, format!("{key}\n={digest}\n").as_bytes());
    }
    Ok(digest)
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees a partial file under the final name.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| f.write_all(data))
}

/// Like [`write_atomic`], with the content produced by `fill`.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        fill(&mut f)?;
        f.sync_all()
    });
    if let Err(e) = result.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}
