//! `manifest.json`: what a shard directory holds, what made it, and how far the run got.
//!
//! The manifest is written atomically (temp file, fsync, rename, fsync of the directory) when a
//! run starts, after each completed shard, at each shuffle checkpoint and at the end. It has no
//! timestamps, so an interrupted-and-resumed run ends with the same manifest as an uninterrupted one.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::schema::ShardSchema;
use crate::error::{Error, Result};
use crate::fsio::{file_sha256, write_atomic};

/// Version of the manifest and shard layout; bumped on any change that alters bytes.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's file name in a shard directory.
pub const MANIFEST: &str = "manifest.json";

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// What must be identical for a run to resume this directory.
    pub identity: Identity,
    /// Completed shards, in order.
    pub shards: Vec<ShardEntry>,
    /// Sums over `shards`.
    pub totals: Totals,
    /// How far the run got.
    pub state: Phase,
}

/// Everything that decides the shards' bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The program that wrote the shards (`wakachi-core VERSION, arrow-ipc VERSION`).
    pub writer: String,
    /// Columns and token width.
    pub schema: ShardSchema,
    /// Rows in every shard but the last.
    pub rows_per_shard: u64,
    /// The on-disk shuffle, if any.
    pub shuffle: Option<ShuffleIdentity>,
    /// The caller's settings (opaque).
    pub settings: serde_json::Value,
    /// The tokenizer's fingerprint (opaque).
    pub tokenizer: String,
    /// The input files.
    pub inputs: Vec<InputFingerprint>,
}

/// The settings of the on-disk shuffle that decide its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShuffleIdentity {
    /// Seed.
    pub seed: u64,
    /// A bucket splits in two when buckets average more than this many bytes.
    pub bucket_bytes: u64,
    /// Most buckets.
    pub max_buckets: u32,
    /// Input rows between checkpoints.
    pub checkpoint_rows: u64,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFingerprint {
    /// The path as given.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (recorded, not compared on resume).
    pub mtime_ns: i128,
    /// sha256 of the content, lowercase hex.
    pub sha256: String,
}

impl InputFingerprint {
    /// Fingerprints `path` (reads it once, streaming).
    pub fn of_file(path: &Path) -> Result<InputFingerprint> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mtime_ns = meta
            .modified()
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i128,
                Err(e) => -(e.duration().as_nanos() as i128),
            })
            .unwrap_or(0);
        let (size, sha256) = file_sha256(path)?;
        Ok(InputFingerprint { path: path.to_string_lossy().into_owned(), size, mtime_ns, sha256 })
    }

    /// The same file content at the same path (the mtime may differ: a copy keeps its shards).
    pub fn same_content(&self, other: &InputFingerprint) -> bool {
        (&self.path, self.size, &self.sha256) == (&other.path, other.size, &other.sha256)
    }
}

/// One completed shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardEntry {
    /// File name in the shard directory.
    pub file: String,
    /// Rows.
    pub rows: u64,
    /// Tokens (non-padding items of the tokens column).
    pub tokens: u64,
    /// Padding items of the tokens column.
    pub padding: u64,
    /// Bytes.
    pub bytes: u64,
    /// sha256, lowercase hex.
    pub sha256: String,
}

/// Sums over the completed shards.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Rows.
    pub rows: u64,
    /// Tokens (non-padding).
    pub tokens: u64,
    /// Padding items.
    pub padding: u64,
    /// `padding / (tokens + padding)` when the schema has a padding id.
    pub padding_share: Option<f64>,
    /// Bytes of all shards.
    pub bytes: u64,
}

/// Progress of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case", deny_unknown_fields)]
pub enum Phase {
    /// No shuffle: shards are written as rows come; `input_rows` rows are in completed shards.
    Direct {
        /// Input rows consumed by the completed shards.
        input_rows: u64,
    },
    /// Shuffle, first pass: rows go to bucket files; the state is that of the last checkpoint.
    Scatter {
        /// Input rows in the buckets at the checkpoint.
        input_rows: u64,
        /// log2 of the number of buckets.
        level: u32,
        /// Each bucket file's length and rows at the checkpoint.
        buckets: Vec<BucketState>,
    },
    /// Shuffle, second pass: every input row is in the buckets; shards are cut from them.
    Gather {
        /// All input rows.
        input_rows: u64,
        /// log2 of the number of buckets.
        level: u32,
        /// Each bucket file's length and rows.
        buckets: Vec<BucketState>,
    },
    /// Every shard is written.
    Complete {
        /// All input rows.
        input_rows: u64,
    },
}

impl Phase {
    /// Input rows the run has consumed for good: a resumed run skips this many.
    pub fn input_rows(&self) -> u64 {
        match self {
            Phase::Direct { input_rows }
            | Phase::Scatter { input_rows, .. }
            | Phase::Gather { input_rows, .. }
            | Phase::Complete { input_rows } => *input_rows,
        }
    }
}

/// A shuffle bucket file at a checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketState {
    /// Bytes.
    pub bytes: u64,
    /// Rows.
    pub rows: u64,
}

impl Manifest {
    /// A manifest with no shards yet.
    pub fn new(identity: Identity, state: Phase) -> Manifest {
        Manifest { format_version: FORMAT_VERSION, identity, shards: Vec::new(), totals: Totals::default(), state }
    }

    /// Reads `dir/manifest.json`; `None` when there is none.
    pub fn load(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Error::shard(&path, format!("not JSON: {e}")))?;
        let version = v.get("format_version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(Error::shard(
                &path,
                format!("format_version {version:?}, this wakachi writes {FORMAT_VERSION}"),
            ));
        }
        let m = serde_json::from_value(v).map_err(|e| Error::shard(&path, format!("not a wakachi manifest: {e}")))?;
        Ok(Some(m))
    }

    /// Writes `dir/manifest.json` atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Config(format!("manifest: {e}")))?;
        write_atomic(dir, MANIFEST, |w| w.write_all(text.as_bytes()).and_then(|()| w.write_all(b"\n")))?;
        Ok(())
    }

    /// Records a completed shard.
    pub fn add_shard(&mut self, entry: ShardEntry) {
        let t = &mut self.totals;
        t.rows += entry.rows;
        t.tokens += entry.tokens;
        t.padding += entry.padding;
        t.bytes += entry.bytes;
        t.padding_share = self.identity.schema.pad_id.map(|_| {
            if t.tokens + t.padding == 0 {
                0.0
            } else {
                t.padding as f64 / (t.tokens + t.padding) as f64
            }
        });
        self.shards.push(entry);
    }

    /// Rows in the completed shards.
    pub fn shard_rows(&self) -> u64 {
        self.shards.iter().map(|s| s.rows).sum()
    }
}

impl Identity {
    /// The fields of `self` that differ from `other`, by name (empty when resumable).
    pub fn differences(&self, other: &Identity) -> Vec<String> {
        let mut d = Vec::new();
        let mut check = |name: &str, same: bool| {
            if !same {
                d.push(name.to_string());
            }
        };
        check("writer", self.writer == other.writer);
        check("schema", self.schema == other.schema);
        check("rows_per_shard", self.rows_per_shard == other.rows_per_shard);
        check("shuffle", self.shuffle == other.shuffle);
        check("settings", self.settings == other.settings);
        check("tokenizer", self.tokenizer == other.tokenizer);
        let same_inputs = self.inputs.len() == other.inputs.len()
            && self.inputs.iter().zip(&other.inputs).all(|(a, b)| a.same_content(b));
        check("inputs", same_inputs);
        d
    }
}

/// Checks that `dir/entry.file` has the size and sha256 the manifest records.
pub fn verify_shard(dir: &Path, entry: &ShardEntry) -> Result<PathBuf> {
    let path = dir.join(&entry.file);
    let size = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
    if size != entry.bytes {
        return Err(Error::shard(
            &path,
            format!("{size} bytes, the manifest says {} (truncated or replaced)", entry.bytes),
        ));
    }
    let (_, sha) = file_sha256(&path)?;
    if sha != entry.sha256 {
        return Err(Error::shard(
            &path,
            format!("sha256 {sha} does not match the manifest's {} (corrupt)", entry.sha256),
        ));
    }
    Ok(path)
}
