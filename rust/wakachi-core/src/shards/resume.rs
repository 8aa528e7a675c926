//! Resuming an interrupted run: "a `kill -9` at any moment, then the same command again, gives
//! final shards byte-identical to an uninterrupted run".
//!
//! Why it holds:
//! - Shards and the manifest are written to `NAME.tmp` and renamed when complete (after an fsync),
//!   so a file under a final name is always whole. The manifest is rewritten after each shard, so
//!   it lists a prefix of the shards; a shard renamed just before a kill but not yet listed is an
//!   orphan and is removed (the resumed run writes the same bytes again).
//! - A shard's rows depend only on the input rows and the settings, never on timing or threads:
//!   without shuffle, shard `k` holds input rows `k·R .. (k+1)·R`; with the shuffle, bucket contents
//!   depend only on the seed and the rows (see `shuffle.rs`), and shards are cut from the shuffled
//!   stream at fixed row counts.
//! - The manifest records how many input rows are consumed for good ([`Phase::input_rows`]): the
//!   rows of the listed shards (no shuffle), or the rows in the bucket files at the last checkpoint
//!   (shuffle, scatter pass; bucket files are cut back to the recorded lengths), or all of them
//!   (gather pass; the position in the shuffled stream is the rows of the listed shards).
//!
//! On start, [`prepare`] compares the recorded [`Identity`] (writer version, schema, shard size,
//! shuffle settings, caller settings, tokenizer fingerprint, input contents) with the new one: a
//! difference is an error naming the fields, unless `overwrite` is set or the directory holds no
//! completed shard (a run that failed before its first shard), which start afresh. Listed
//! shards are verified (size and sha256); temporary and orphan files are removed.

use std::path::Path;

use super::manifest::{verify_shard, Identity, Manifest, MANIFEST};
use super::shuffle::{remove_dir, SHUFFLE_DIR};
use crate::error::{Error, Result};

/// The file name of shard `index`.
pub fn shard_name(index: usize) -> String {
    format!("shard-{index:05}.arrow")
}

/// A name this writer owns: a shard, or a temporary shard or manifest.
fn is_ours(name: &str) -> bool {
    let shard = name.starts_with("shard-") && (name.ends_with(".arrow") || name.ends_with(".arrow.tmp"));
    shard || name == MANIFEST || name == format!("{MANIFEST}.tmp")
}

/// Prepares `dir` for a run of `identity`: the manifest to resume (verified, with temporary and
/// orphan files removed), or `None` when the run starts afresh (the directory then holds none of
/// our files).
pub fn prepare(dir: &Path, identity: &Identity, overwrite: bool) -> Result<Option<Manifest>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if overwrite {
        clean(dir)?;
        return Ok(None);
    }
    let Some(m) = Manifest::load(dir)? else {
        if names(dir)?.iter().any(|n| n.ends_with(".arrow")) {
            return Err(Error::Config(format!(
                "{}: holds shard files but no {MANIFEST}; remove them or pass overwrite (--overwrite)",
                dir.display()
            )));
        }
        clean(dir)?;
        return Ok(None);
    };
    let diff = m.identity.differences(identity);
    if !diff.is_empty() && m.shards.is_empty() && !names(dir)?.iter().any(|n| n.ends_with(".arrow")) {
        // A run that completed no shard left nothing a user could lose (its shuffle buckets only
        // serve a rerun with the same identity), e.g. one that stopped on bad input: start afresh.
        clean(dir)?;
        return Ok(None);
    }
    if !diff.is_empty() {
        return Err(Error::Config(format!(
            "{}: holds shards made with other {}; pass overwrite (--overwrite) to replace them, or choose another directory",
            dir.display(),
            diff.join(", ")
        )));
    }
    for entry in &m.shards {
        verify_shard(dir, entry).map_err(|e| match e {
            Error::Shard { path, msg } => {
                Error::shard(path, format!("{msg}; pass overwrite (--overwrite) to start again"))
            }
            e => e,
        })?;
    }
    remove_orphans(dir, &m)?;
    Ok(Some(m))
}

fn names(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if let Some(n) = entry.file_name().to_str() {
            out.push(n.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// Removes every file this writer owns in `dir`, and the shuffle directory.
pub fn clean(dir: &Path) -> Result<()> {
    for n in names(dir)?.into_iter().filter(|n| is_ours(n)) {
        let p = dir.join(n);
        std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
    }
    remove_dir(&dir.join(SHUFFLE_DIR))
}

/// Removes temporary files and shards the manifest does not list.
fn remove_orphans(dir: &Path, m: &Manifest) -> Result<()> {
    for n in names(dir)? {
        let listed = m.shards.iter().any(|s| s.file == n) || n == MANIFEST;
        if is_ours(&n) && !listed {
            let p = dir.join(&n);
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}
