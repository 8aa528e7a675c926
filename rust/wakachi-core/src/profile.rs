//! Per-stage time counters for `pack` (and anything else that wants them), off unless the
//! environment sets `WAKACHI_PROFILE=1`.
//!
//! Each [`Stage`] accumulates the nanoseconds spent in it, summed over threads (so stages that
//! run in parallel can add up to more than the wall time). When profiling is off a timed section
//! costs one relaxed load of a flag. The counters are process-wide: [`reset`] them before a run
//! and read them with [`snapshot`] after it.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::Instant;

/// A stage of the pack pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Loading the tokenizer (the MeCab dictionary, from its cache).
    Load,
    /// Fingerprints of the tokenizer, the dictionary and the input files (manifest identity).
    Fingerprint,
    /// Reading and decompressing the corpus into raw documents.
    Read,
    /// MeCab segmentation (vibrato's lattice), inside encoding.
    Segment,
    /// Encoding a sentence (normalisation, segmentation, WordPiece/Unigram, word starts).
    Encode,
    /// Building instances for a (pass, document) unit, masking included.
    Instances,
    /// Masking (inside instances).
    Masking,
    /// Instances → row records.
    Rows,
    /// The writer's side of a row in build order: checks, scatter to a bucket or a shard's columns.
    Push,
    /// Scatter checkpoints on the pushing thread: flush of every bucket, bucket splits (the
    /// fsyncs run in the background, but the scatter's last one).
    Checkpoint,
    /// Gather: reading bucket files.
    GatherRead,
    /// Gather: finding a bucket's records and putting them in shuffled order.
    GatherIndex,
    /// Gather: shuffling and decoding records into a shard's columns.
    GatherDecode,
    /// Building a shard's Arrow arrays.
    ArrowBuild,
    /// Writing a shard file: Arrow IPC, sha256, fsync, rename.
    ShardWrite,
}

const STAGES: [(Stage, &str); 15] = [
    (Stage::Load, "load"),
    (Stage::Fingerprint, "fingerprint"),
    (Stage::Read, "read"),
    (Stage::Segment, "segment"),
    (Stage::Encode, "encode"),
    (Stage::Instances, "instances"),
    (Stage::Masking, "masking"),
    (Stage::Rows, "rows"),
    (Stage::Push, "push"),
    (Stage::Checkpoint, "checkpoint"),
    (Stage::GatherRead, "gather_read"),
    (Stage::GatherIndex, "gather_index"),
    (Stage::GatherDecode, "gather_decode"),
    (Stage::ArrowBuild, "arrow_build"),
    (Stage::ShardWrite, "shard_write"),
];

static NANOS: [AtomicU64; STAGES.len()] = [const { AtomicU64::new(0) }; STAGES.len()];
/// 0: not yet read from the environment, 1: off, 2: on.
static STATE: AtomicU8 = AtomicU8::new(0);

/// Whether profiling is on (`WAKACHI_PROFILE` set to anything but `0` or empty).
#[inline]
pub fn on() -> bool {
    match STATE.load(Ordering::Relaxed) {
        0 => {
            let v = std::env::var("WAKACHI_PROFILE").map(|v| !v.is_empty() && v != "0").unwrap_or(false);
            STATE.store(if v { 2 } else { 1 }, Ordering::Relaxed);
            v
        }
        s => s == 2,
    }
}

/// Runs `f`, adding its time to `stage` when profiling is on.
#[inline]
pub fn time<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    if !on() {
        return f();
    }
    let t = Instant::now();
    let r = f();
    add(stage, t);
    r
}

/// Adds the time since `since` to `stage`.
#[inline]
pub fn add(stage: Stage, since: Instant) {
    NANOS[stage as usize].fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// Sets every counter to zero.
pub fn reset() {
    NANOS.iter().for_each(|n| n.store(0, Ordering::Relaxed));
}

/// Seconds per stage (summed over threads), in pipeline order; `None` when profiling is off.
pub fn snapshot() -> Option<Vec<(&'static str, f64)>> {
    on().then(|| {
        STAGES.iter().map(|&(s, name)| (name, NANOS[s as usize].load(Ordering::Relaxed) as f64 / 1e9)).collect()
    })
}
