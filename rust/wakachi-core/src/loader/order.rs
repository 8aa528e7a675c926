//! The order of rows in an epoch, a pure function of (seed, epoch): shards in a seeded order,
//! the rows of each shard in a seeded order. Only the permutation of a shard being read is held
//! (one `u32` per row of that shard), so memory does not grow with the corpus.
//!
//! The epoch's stream is cut into global batches of `global_batch` rows (the tail that does not
//! fill one is dropped, so every rank yields the same number of batches); rank `r` of `W` takes
//! rows `[r·G/W, (r+1)·G/W)` of each global batch. The sequence of global batches does not depend
//! on `W`, which is what makes a resume on another world size exact.

use crate::instances::rng::{Rng, StreamRng};

/// Key tags, so that the order and the masks draw from unrelated streams.
pub(crate) const TAG_SHARDS: u64 = 0x5348_4152_4453; // "SHARDS"
pub(crate) const TAG_ROWS: u64 = 0x524f_5753; // "ROWS"
pub(crate) const TAG_MASK: u64 = 0x4d41_534b; // "MASK"

/// The shard order of an epoch.
#[derive(Debug, Clone)]
pub struct EpochOrder {
    /// Shards in reading order.
    pub shards: Vec<usize>,
    /// Stream offset where each shard of `shards` starts, plus the total.
    pub starts: Vec<u64>,
}

impl EpochOrder {
    /// The order of `epoch` over shards of `rows[i]` rows; `shuffle == false` keeps the
    /// directory's order (shards and rows as written).
    pub fn new(seed: u64, epoch: u64, rows: &[u64], shuffle: bool) -> EpochOrder {
        let mut shards: Vec<usize> = (0..rows.len()).collect();
        if shuffle {
            StreamRng::for_key(&[TAG_SHARDS, seed, epoch]).shuffle(&mut shards);
        }
        let mut starts = Vec::with_capacity(rows.len() + 1);
        let mut at = 0;
        for &s in &shards {
            starts.push(at);
            at += rows[s];
        }
        starts.push(at);
        EpochOrder { shards, starts }
    }

    /// The shard (its index in the directory) and offset within it of stream position `p`.
    pub fn locate(&self, p: u64) -> (usize, u64) {
        let k = self.starts.partition_point(|&s| s <= p) - 1;
        (self.shards[k], p - self.starts[k])
    }

    /// Rows in the epoch.
    pub fn rows(&self) -> u64 {
        self.starts[self.starts.len() - 1]
    }
}

/// The order of the rows of shard `shard` in `epoch` (a permutation of `0..rows`).
pub fn row_permutation(seed: u64, epoch: u64, shard: usize, rows: u64, shuffle: bool) -> Vec<u32> {
    let mut p: Vec<u32> = (0..rows as u32).collect();
    if shuffle {
        StreamRng::for_key(&[TAG_ROWS, seed, epoch, shard as u64]).shuffle(&mut p);
    }
    p
}

/// The stream positions rank `rank` of `world` reads for global batch `step`:
/// `[step·G + rank·G/W, step·G + (rank+1)·G/W)`.
pub fn rank_slice(step: u64, global_batch: u64, rank: u64, world: u64) -> std::ops::Range<u64> {
    let per = global_batch / world;
    let start = step * global_batch + rank * per;
    start..start + per
}
