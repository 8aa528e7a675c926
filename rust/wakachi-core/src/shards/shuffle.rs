//! Seeded on-disk bucketed shuffle of rows, in bounded memory.
//!
//! **Scatter.** Input row `i` goes to bucket `h(i) >> (64 − L)` of `2^L` bucket files in
//! `OUTDIR/.wakachi-shuffle/`, where `h(i) = mix64(mix64(seed) ^ i)` (SplitMix64's finaliser,
//! [`mix64`]). Every `checkpoint_rows` input rows the buckets are flushed and their lengths
//! recorded in the manifest once fsynced (on a background thread that the next checkpoint waits
//! for; the scatter's last checkpoint is synchronous); when buckets then average more than `bucket_bytes`, each is
//! split in two by the next bit of `h` (level `L+1`), up to `max_buckets`. A bucket file is always
//! sorted by input row index, so its content depends only on the seed, the final level and the
//! input rows — not on when splits happened, nor on threads. Past `max_buckets × bucket_bytes`
//! of encoded rows the buckets grow beyond `bucket_bytes` (the limit keeps file handles bounded).
//!
//! **Gather.** Buckets are read in order (the next one read and indexed on a reader thread while
//! the current one is streamed), their rows permuted by a Fisher–Yates shuffle driven by
//! SplitMix64 seeded with `mix64(seed ^ mix64(L << 32 | bucket))`, and streamed to shards. Memory:
//! two bucket files (each at most `bucket_bytes`, half the budget, below `max_buckets`) plus 8
//! bytes a row, plus the shard being built.
//!
//! **Bucket records.** `varint(len) payload`, payload = `varint(row index)` then per column in
//! schema order: a scalar as `0` (null) or `v + 1` (`zigzag(v) + 1` for signed types); a list as
//! `0` (null) or `n + 1` followed by its `n` items, each as the column's [`ItemCode`] says: one
//! byte for booleans, `uint8` and `int8`, two bytes little-endian for `uint16` and for tokens of a
//! vocabulary under 65,536 (fixed widths decode as a copy), a varint for larger token ids, a
//! zig-zag varint for `int32`.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::manifest::{BucketState, Phase, ShuffleIdentity};
#[cfg(test)]
use super::schema::Row;
use super::schema::{ItemCode, ShardSchema, Value};
use crate::error::{Error, Result};
use crate::profile::{self, Stage};

/// Revision of the bucket record layout (part of a shard run's resume identity, so a run never
/// reads buckets an earlier build wrote differently). 2: fixed-width list items.
pub(crate) const RECORD_FORMAT: u32 = 2;

/// The shuffle's temporary directory inside the output directory.
pub const SHUFFLE_DIR: &str = ".wakachi-shuffle";

/// Settings of the on-disk shuffle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShuffleConfig {
    /// Seed.
    pub seed: u64,
    /// Memory for one bucket (half of it; the other half is for the shard being built), bytes.
    pub memory_budget: u64,
    /// Most bucket files (all are open during the scatter).
    pub max_buckets: u32,
    /// Input rows between checkpoints (0: the shard size).
    pub checkpoint_rows: u64,
}

impl ShuffleConfig {
    /// A shuffle with `seed` within `memory_budget` bytes, at most 256 buckets, checkpoints every shard.
    pub fn new(seed: u64, memory_budget: u64) -> Self {
        ShuffleConfig { seed, memory_budget, max_buckets: 256, checkpoint_rows: 0 }
    }

    pub(crate) fn identity(&self, rows_per_shard: u64) -> Result<ShuffleIdentity> {
        if !self.max_buckets.is_power_of_two() || self.max_buckets > 1 << 16 {
            return Err(Error::Config(format!("max_buckets must be a power of two ≤ 65536, not {}", self.max_buckets)));
        }
        let checkpoint_rows = if self.checkpoint_rows == 0 { rows_per_shard } else { self.checkpoint_rows };
        Ok(ShuffleIdentity {
            seed: self.seed,
            bucket_bytes: (self.memory_budget / 2).max(1),
            max_buckets: self.max_buckets,
            checkpoint_rows,
        })
    }
}

/// SplitMix64's finaliser: a bijective 64-bit mix.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The bucket of input row `index` among `2^level` buckets.
pub fn bucket_of(seed: u64, index: u64, level: u32) -> usize {
    if level == 0 {
        return 0;
    }
    (mix64(mix64(seed) ^ index) >> (64 - level)) as usize
}

/// SplitMix64 generator.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        let z = mix64(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
    }

    /// Uniform in `0..n` (`n > 0`), unbiased (Lemire's multiply-and-reject).
    fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

/// The permutation applied to bucket `bucket` of `2^level` (Fisher–Yates, seeded).
pub fn shuffle_in_bucket<T>(items: &mut [T], seed: u64, level: u32, bucket: usize) {
    let mut rng = SplitMix(mix64(seed ^ mix64((u64::from(level) << 32) | bucket as u64)));
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `put_varint` for a `u32`, without a branch per byte below 2^21 (four bytes written, the
/// length kept).
#[inline(always)]
pub(crate) fn put_varint_u32(out: &mut Vec<u8>, x: u32) {
    if x >= 1 << 21 {
        put_varint(out, x.into());
        return;
    }
    let len = 1 + usize::from(x >= 1 << 7) + usize::from(x >= 1 << 14);
    let more = |k: usize| u32::from(len > k) << 7;
    let w = (x & 0x7f) | more(1) | (((x >> 7) & 0x7f) | more(2)) << 8 | (x >> 14) << 16;
    let at = out.len();
    out.extend_from_slice(&w.to_le_bytes());
    out.truncate(at + len);
}

/// Appends one list item as `code` says; `x` is the item's 32 bits (read as `i32` for
/// [`ItemCode::Zigzag`], as `u32` otherwise; fixed widths keep the low bytes).
#[inline(always)]
pub(crate) fn put_item(out: &mut Vec<u8>, code: ItemCode, x: u32) {
    match code {
        ItemCode::Byte => out.push(x as u8),
        ItemCode::Two => out.extend_from_slice(&(x as u16).to_le_bytes()),
        ItemCode::Varint => put_varint_u32(out, x),
        ItemCode::Zigzag => put_varint(out, zigzag(i64::from(x as i32))),
    }
}

pub(crate) fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

pub(crate) fn zigzag(x: i64) -> u64 {
    ((x << 1) ^ (x >> 63)) as u64
}

pub(crate) fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Appends the record of input row `index` to `out`.
#[cfg(test)]
pub(crate) fn encode_row(schema: &ShardSchema, index: u64, row: &[Value], out: &mut Vec<u8>) {
    let mut cols = Vec::with_capacity(64);
    encode_columns(schema, row, &mut cols);
    record_head(index, cols.len(), out);
    out.extend_from_slice(&cols);
}

/// Appends the columns part of a record (what follows the row index) of a checked `row` to `out`.
pub fn encode_columns(schema: &ShardSchema, row: &[Value], out: &mut Vec<u8>) {
    for (c, v) in schema.columns.iter().zip(row) {
        let unsigned = c.elem.unsigned();
        match v {
            Value::Null => put_varint(out, 0),
            Value::Int(x) => put_varint(out, if unsigned { *x as u64 } else { zigzag(*x) } + 1),
            Value::List(xs) => {
                put_varint(out, xs.len() as u64 + 1);
                let code = schema.item_code(c.elem);
                xs.iter().for_each(|&x| put_item(out, code, x as u32));
            }
        }
    }
}

/// Appends what precedes a columns part of `cols_len` bytes in the record of input row `index`:
/// the record's length, then the index.
fn record_head(index: u64, cols_len: usize, out: &mut Vec<u8>) {
    let mut head = [0u8; 10];
    let n = varint_into(&mut head, index);
    put_varint(out, (n + cols_len) as u64);
    out.extend_from_slice(&head[..n]);
}

fn varint_into(buf: &mut [u8; 10], mut v: u64) -> usize {
    let mut i = 0;
    while v >= 0x80 {
        buf[i] = (v as u8) | 0x80;
        v >>= 7;
        i += 1;
    }
    buf[i] = v as u8;
    i + 1
}

/// Decodes a record payload into (input row index, row); `None` when malformed.
#[cfg(test)]
pub(crate) fn decode_row(schema: &ShardSchema, payload: &[u8]) -> Option<(u64, Row)> {
    let mut pos = 0;
    let index = get_varint(payload, &mut pos)?;
    let mut row = Vec::with_capacity(schema.columns.len());
    for c in &schema.columns {
        let item = |u: u64| if c.elem.unsigned() { i64::try_from(u).ok() } else { Some(unzigzag(u)) };
        let head = get_varint(payload, &mut pos)?;
        row.push(match (head, c.list) {
            (0, _) => Value::Null,
            (h, false) => Value::Int(item(h - 1)?),
            (h, true) => {
                let n = usize::try_from(h - 1).ok().filter(|&n| n <= payload.len())?;
                let mut xs = Vec::with_capacity(n);
                let code = schema.item_code(c.elem);
                for _ in 0..n {
                    xs.push(match code {
                        ItemCode::Byte if c.elem == super::schema::Elem::Int8 => i32::from(*payload.get(pos)? as i8),
                        ItemCode::Byte => i32::from(*payload.get(pos)?),
                        ItemCode::Two => i32::from(u16::from_le_bytes([*payload.get(pos)?, *payload.get(pos + 1)?])),
                        ItemCode::Varint | ItemCode::Zigzag => {
                            i32::try_from(item(get_varint(payload, &mut pos)?)?).ok()?
                        }
                    });
                    pos += match code {
                        ItemCode::Byte => 1,
                        ItemCode::Two => 2,
                        _ => 0,
                    };
                }
                Value::List(xs)
            }
        });
    }
    (pos == payload.len()).then_some((index, row))
}

/// Byte ranges of the records in `data`; `None` when a record is cut short.
fn record_ranges(data: &[u8]) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let len = usize::try_from(get_varint(data, &mut pos)?).ok()?;
        let end = pos.checked_add(len).filter(|&e| e <= data.len())?;
        out.push((pos, end));
        pos = end;
    }
    Some(out)
}

fn bucket_path(dir: &Path, level: u32, bucket: usize) -> PathBuf {
    dir.join(format!("L{level:02}-{bucket:05}.bin"))
}

/// Reads the first `len` bytes of a bucket file.
fn read_bucket(path: &Path, len: u64) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    read_bucket_into(path, len, &mut data)?;
    Ok(data)
}

/// [`read_bucket`] into `data` (cleared first; the gather's buffers serve bucket after bucket, so
/// their pages are faulted in once).
fn read_bucket_into(path: &Path, len: u64, data: &mut Vec<u8>) -> Result<()> {
    use std::io::Read;
    data.clear();
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = f.metadata().map_err(|e| Error::io(path, e))?.len();
    data.reserve(usize::try_from(len.min(size)).unwrap_or(0));
    f.take(len).read_to_end(data).map_err(|e| Error::io(path, e))?;
    if (data.len() as u64) < len {
        return Err(Error::shard(path, format!("{} bytes, the manifest recorded {len} (truncated)", data.len())));
    }
    Ok(())
}

/// The scatter pass: bucket files being appended to.
pub(crate) struct Scatter {
    dir: PathBuf,
    ident: ShuffleIdentity,
    level: u32,
    files: Vec<BufWriter<File>>,
    state: Vec<BucketState>,
    input_rows: u64,
    record: Vec<u8>,
    /// The last checkpoint's fsyncs and save, when they run in the background.
    pending: Option<std::thread::JoinHandle<Result<()>>>,
}

/// What a checkpoint calls with the state to record (on another thread for
/// [`Scatter::checkpoint_in_background`]).
pub(crate) type Save = Box<dyn FnOnce(Phase) -> Result<()> + Send>;

impl Drop for Scatter {
    fn drop(&mut self) {
        // Only an error path drops a scatter whose last checkpoint is still running: the error
        // being reported already, this one's outcome no longer matters, but its files do.
        if let Some(h) = self.pending.take() {
            let _ = h.join();
        }
    }
}

impl Scatter {
    /// A new scatter (removes any earlier shuffle directory): one empty bucket.
    pub fn fresh(out_dir: &Path, ident: ShuffleIdentity) -> Result<Scatter> {
        let dir = out_dir.join(SHUFFLE_DIR);
        remove_dir(&dir)?;
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Self::restore(out_dir, ident, 0, 0, &[BucketState::default()])
    }

    /// The scatter as of a checkpoint: files of other levels are removed, the others cut back to
    /// their recorded length.
    pub fn restore(
        out_dir: &Path,
        ident: ShuffleIdentity,
        input_rows: u64,
        level: u32,
        buckets: &[BucketState],
    ) -> Result<Scatter> {
        let dir = out_dir.join(SHUFFLE_DIR);
        remove_other_levels(&dir, level)?;
        let mut files = Vec::with_capacity(buckets.len());
        for (b, st) in buckets.iter().enumerate() {
            let path = bucket_path(&dir, level, b);
            let f = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            let len = f.metadata().map_err(|e| Error::io(&path, e))?.len();
            if len < st.bytes {
                return Err(Error::shard(
                    &path,
                    format!("{len} bytes, the manifest recorded {} (truncated)", st.bytes),
                ));
            }
            f.set_len(st.bytes).map_err(|e| Error::io(&path, e))?;
            let mut w = BufWriter::with_capacity(64 << 10, f);
            std::io::Seek::seek(&mut w, std::io::SeekFrom::End(0)).map_err(|e| Error::io(&path, e))?;
            files.push(w);
        }
        let state = buckets.to_vec();
        Ok(Scatter { dir, ident, level, files, state, input_rows, record: Vec::new(), pending: None })
    }

    /// Input rows scattered so far.
    pub fn input_rows(&self) -> u64 {
        self.input_rows
    }

    /// Appends a checked row whose columns part is `cols` ([`encode_columns`]); returns true
    /// when a checkpoint is due.
    pub fn push_encoded(&mut self, cols: &[u8]) -> Result<bool> {
        let b = bucket_of(self.ident.seed, self.input_rows, self.level);
        // The head, then the columns part as it is (no copy of the record in between).
        self.record.clear();
        record_head(self.input_rows, cols.len(), &mut self.record);
        let path = || bucket_path(&self.dir, self.level, b);
        let f = &mut self.files[b];
        f.write_all(&self.record).and_then(|()| f.write_all(cols)).map_err(|e| Error::io(path(), e))?;
        self.state[b].bytes += (self.record.len() + cols.len()) as u64;
        self.state[b].rows += 1;
        self.input_rows += 1;
        Ok(self.input_rows.is_multiple_of(self.ident.checkpoint_rows))
    }

    /// The state a manifest records.
    pub fn phase(&self) -> Phase {
        Phase::Scatter { input_rows: self.input_rows, level: self.level, buckets: self.state.clone() }
    }

    /// Flushes and fsyncs every bucket, splits buckets if they grew too big, then calls `save`
    /// with the state to record; files of a replaced level are removed after `save`.
    /// Returns the state recorded.
    pub fn checkpoint(&mut self, save: Save) -> Result<Phase> {
        let phase = self.checkpoint_in_background(save)?;
        self.wait()?;
        Ok(phase)
    }

    /// [`Scatter::checkpoint`] with the fsyncs, `save` and the removals on another thread, so
    /// the scatter goes on while the disk catches up: the bucket files are flushed (and split)
    /// here, and the state recorded is theirs at this point; rows pushed meanwhile lie past the
    /// recorded lengths, which a resume cuts off. The next checkpoint waits for this one first
    /// and reports its error. Returns the state recorded.
    pub fn checkpoint_in_background(&mut self, save: Save) -> Result<Phase> {
        self.wait()?;
        let (phase, replaced) = self.flush_and_split()?;
        let mut files = Vec::with_capacity(self.files.len());
        for (b, w) in self.files.iter().enumerate() {
            let path = bucket_path(&self.dir, self.level, b);
            let f = w.get_ref().try_clone().map_err(|e| Error::io(&path, e))?;
            files.push((path, f));
        }
        let (dir, level, recorded) = (self.dir.clone(), self.level, phase.clone());
        let job = move || -> Result<()> {
            for (path, f) in &files {
                f.sync_data().map_err(|e| Error::io(path, e))?;
            }
            save(recorded)?;
            if replaced {
                remove_other_levels(&dir, level)?;
            }
            Ok(())
        };
        let handle = std::thread::Builder::new()
            .name("wakachi-checkpoint".into())
            .spawn(job)
            .map_err(|e| Error::io(&self.dir, e))?;
        self.pending = Some(handle);
        Ok(phase)
    }

    /// Waits for a checkpoint running in the background, if any, and returns its outcome.
    pub fn wait(&mut self) -> Result<()> {
        match self.pending.take() {
            Some(h) => h.join().map_err(|_| Error::Config("the checkpoint thread panicked".into()))?,
            None => Ok(()),
        }
    }

    /// Flushes every bucket and splits buckets while they are too big; returns the state to
    /// record and whether the level changed.
    fn flush_and_split(&mut self) -> Result<(Phase, bool)> {
        for (b, w) in self.files.iter_mut().enumerate() {
            w.flush().map_err(|e| Error::io(bucket_path(&self.dir, self.level, b), e))?;
        }
        let old_level = self.level;
        while self.state.len() < self.ident.max_buckets as usize
            && self.state.iter().map(|s| s.bytes).sum::<u64>() > self.state.len() as u64 * self.ident.bucket_bytes
        {
            self.split()?;
        }
        Ok((self.phase(), self.level != old_level))
    }

    fn sync(&mut self) -> Result<()> {
        for (b, w) in self.files.iter_mut().enumerate() {
            let path = bucket_path(&self.dir, self.level, b);
            w.flush().and_then(|()| w.get_ref().sync_data()).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    /// Splits every bucket of level L into two of level L+1 by the next bit of each row's hash.
    fn split(&mut self) -> Result<()> {
        let level = self.level + 1;
        let n = self.state.len() * 2;
        let mut files = Vec::with_capacity(n);
        for b in 0..n {
            let path = bucket_path(&self.dir, level, b);
            files.push(BufWriter::with_capacity(64 << 10, File::create(&path).map_err(|e| Error::io(&path, e))?));
        }
        let mut state = vec![BucketState::default(); n];
        for (b, st) in self.state.iter().enumerate() {
            let path = bucket_path(&self.dir, self.level, b);
            let data = read_bucket(&path, st.bytes)?;
            let mut pos = 0;
            while pos < data.len() {
                let start = pos;
                let corrupt = || Error::shard(&path, format!("corrupt record at byte {start}"));
                let len = get_varint(&data, &mut pos).ok_or_else(corrupt)? as usize;
                let mut p = pos;
                let index = get_varint(&data, &mut p).ok_or_else(corrupt)?;
                let end = pos.checked_add(len).filter(|&e| e <= data.len()).ok_or_else(corrupt)?;
                let child = bucket_of(self.ident.seed, index, level);
                let cpath = bucket_path(&self.dir, level, child);
                files[child].write_all(&data[start..end]).map_err(|e| Error::io(&cpath, e))?;
                state[child].bytes += (end - start) as u64;
                state[child].rows += 1;
                pos = end;
            }
        }
        self.files = files;
        self.state = state;
        self.level = level;
        self.sync()?;
        crate::fsio::sync_dir(&self.dir)
    }
}

/// Removes bucket files of levels other than `level` (left by a split or a crash).
fn remove_other_levels(dir: &Path, level: u32) -> Result<()> {
    let keep = format!("L{level:02}-");
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".bin") && !name.starts_with(&keep) {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Removes the shuffle directory if there is one.
pub(crate) fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(dir, e)),
        _ => Ok(()),
    }
}

/// What [`gather`] hands each bucket to: its file, its bytes, its rows' byte ranges.
pub(crate) type Emit<'a> = dyn FnMut(&Path, &[u8], &[(usize, usize)]) -> Result<()> + 'a;

/// Streams the shuffled rows at output positions `start..end` (rows outside are skipped):
/// bucket by bucket, each permuted with [`shuffle_in_bucket`]. `emit` gets each bucket's file,
/// its bytes and, in shuffled order, the byte ranges of its rows' columns parts (after the row
/// index; unchecked: the caller decodes and checks them).
///
/// A reader thread reads and indexes the next bucket while `emit` works on the current one (both
/// serial work, which would otherwise wait for each other): at most two buckets are in memory,
/// and a shuffle's bucket is at most half its memory budget. Buffers go back to the reader.
pub(crate) fn gather(
    out_dir: &Path,
    seed: u64,
    level: u32,
    buckets: &[BucketState],
    (start, end): (u64, u64),
    emit: &mut Emit<'_>,
) -> Result<()> {
    let dir = out_dir.join(SHUFFLE_DIR);
    // The buckets holding rows of `start..end`, with the range of their shuffled rows wanted.
    let mut plan = Vec::new();
    let mut pos = 0u64;
    for (b, st) in buckets.iter().enumerate() {
        if pos >= end {
            break;
        }
        if pos + st.rows > start {
            let skip = start.saturating_sub(pos) as usize;
            let take = (end.saturating_sub(pos).min(st.rows) as usize).max(skip);
            plan.push((b, skip..take));
        }
        pos += st.rows;
    }
    std::thread::scope(|scope| {
        let (ready, next) = std::sync::mpsc::sync_channel::<Result<Prepared>>(0);
        let (give_back, spare) = std::sync::mpsc::channel::<Vec<u8>>();
        let dir = &dir;
        std::thread::Builder::new()
            .name("wakachi-gather-read".into())
            .spawn_scoped(scope, move || {
                let at = Level { dir, seed, level };
                for (b, keep) in plan {
                    let data = spare.try_recv().unwrap_or_default();
                    let p = at.prepare(b, &buckets[b], keep, data);
                    let failed = p.is_err();
                    // The receiver is gone when `emit` failed: nothing more is wanted.
                    if ready.send(p).is_err() || failed {
                        break;
                    }
                }
            })
            .map_err(|e| Error::io(dir, e))?;
        for p in next {
            let p = p?;
            emit(&p.path, &p.data, &p.cols)?;
            let _ = give_back.send(p.data);
        }
        Ok(())
    })
}

/// A bucket read and indexed for [`gather`].
struct Prepared {
    path: PathBuf,
    data: Vec<u8>,
    /// Byte ranges of the columns parts of the wanted rows, in shuffled order.
    cols: Vec<(usize, usize)>,
}

/// The bucket files of one level of a shuffle.
struct Level<'a> {
    dir: &'a Path,
    seed: u64,
    level: u32,
}

impl Level<'_> {
    /// Reads bucket `b` (into `data`'s allocation) and finds its rows' columns parts in shuffled
    /// order, keeping the `keep` range of that order.
    fn prepare(&self, b: usize, st: &BucketState, keep: std::ops::Range<usize>, mut data: Vec<u8>) -> Result<Prepared> {
        let path = bucket_path(self.dir, self.level, b);
        profile::time(Stage::GatherRead, || read_bucket_into(&path, st.bytes, &mut data))?;
        let cols = profile::time(Stage::GatherIndex, || -> Result<Vec<(usize, usize)>> {
            let mut ranges =
                record_ranges(&data).ok_or_else(|| Error::shard(&path, "a record is cut short (corrupt bucket)"))?;
            if ranges.len() as u64 != st.rows {
                return Err(Error::shard(&path, format!("{} rows, the manifest recorded {}", ranges.len(), st.rows)));
            }
            shuffle_in_bucket(&mut ranges, self.seed, self.level, b);
            let mut cols = Vec::with_capacity(keep.len());
            for &(s, e) in &ranges[keep] {
                let mut p = s;
                get_varint(&data[..e], &mut p)
                    .ok_or_else(|| Error::shard(&path, format!("corrupt record at byte {s}")))?;
                cols.push((p, e));
            }
            Ok(cols)
        })?;
        Ok(Prepared { path, data, cols })
    }
}

#[cfg(test)]
#[path = "shuffle_test.rs"]
mod tests;
