//! [`ShardOutput`]: rows in, shards (optionally shuffled on disk) and a manifest out, resumable.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::manifest::{Identity, InputFingerprint, Manifest, Phase, ShardEntry};
use super::resume::{prepare, shard_name};
use super::schema::{ShardSchema, Value};
use super::shuffle::{self, Scatter, ShuffleConfig};
use super::writer::{write_shard, BatchBuilder};
use crate::alloc::prefetch_bytes;
use crate::error::{Error, Result};
use crate::fsio::WrittenFile;
use crate::profile::{self, Stage};

/// Settings of a shard run. Everything but `overwrite` is part of the resume identity.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// Output directory (created if missing).
    pub dir: PathBuf,
    /// Columns.
    pub schema: ShardSchema,
    /// Rows in every shard but the last.
    pub rows_per_shard: u64,
    /// Shuffle rows on disk before sharding.
    pub shuffle: Option<ShuffleConfig>,
    /// The caller's settings, recorded in the manifest (opaque).
    pub settings: serde_json::Value,
    /// The tokenizer's fingerprint (opaque).
    pub tokenizer: String,
    /// The input files' fingerprints ([`InputFingerprint::of_file`]).
    pub inputs: Vec<InputFingerprint>,
    /// Replace what the directory holds instead of resuming it.
    pub overwrite: bool,
}

/// Called after each completed shard; `Break` stops the run with [`Error::Interrupted`].
pub type OnShard = Box<dyn FnMut(&ShardEntry) -> ControlFlow<()> + Send>;

enum Mode {
    Direct,
    Scatter(Scatter),
    Done,
}

/// A shard's file name, rows, tokens and padding.
type ShardCounts = (String, u64, u64, u64);

/// Builds the Arrow batch of `rows` and writes it as shard `file` of `dir`.
fn build_and_write(dir: &std::path::Path, mut rows: BatchBuilder, file: &str) -> Result<WrittenFile> {
    let batch = profile::time(Stage::ArrowBuild, || rows.take_batch())?;
    drop(rows);
    profile::time(Stage::ShardWrite, || write_shard(dir, file, &batch))
}

/// A shard run: push every input row (after skipping [`ShardOutput::input_rows_done`]), then
/// [`ShardOutput::finish`].
pub struct ShardOutput {
    dir: PathBuf,
    schema: Arc<ShardSchema>,
    manifest: Manifest,
    batch: BatchBuilder,
    mode: Mode,
    on_shard: Option<OnShard>,
    /// Shards written at once on background threads (0: written on the calling thread).
    background: usize,
    /// The shards being written in the background, oldest first.
    pending: std::collections::VecDeque<(ShardCounts, std::thread::JoinHandle<Result<WrittenFile>>)>,
    /// A row's encoded columns (reused).
    scratch: Vec<u8>,
}

impl Drop for ShardOutput {
    /// A shard still being written is waited for, so no thread outlives the writer.
    fn drop(&mut self) {
        for (_, h) in self.pending.drain(..) {
            let _ = h.join();
        }
    }
}

/// The program that writes the shards; a resumed run must be the same.
fn writer_id() -> String {
    format!(
        "wakachi-core {} (instances revision {}, records {}), arrow-ipc 60.1.0, format {}",
        env!("CARGO_PKG_VERSION"),
        crate::instances::REVISION,
        super::shuffle::RECORD_FORMAT,
        super::manifest::FORMAT_VERSION
    )
}

impl ShardOutput {
    /// Opens the output directory: resumes what an identical earlier run left, or starts afresh.
    pub fn open(cfg: OutputConfig) -> Result<ShardOutput> {
        if cfg.rows_per_shard == 0 {
            return Err(Error::Config("rows_per_shard must be > 0".into()));
        }
        let shuffle_id = cfg.shuffle.map(|s| s.identity(cfg.rows_per_shard)).transpose()?;
        let identity = Identity {
            writer: writer_id(),
            schema: cfg.schema.clone(),
            rows_per_shard: cfg.rows_per_shard,
            shuffle: shuffle_id.clone(),
            settings: cfg.settings,
            tokenizer: cfg.tokenizer,
            inputs: cfg.inputs,
        };
        let schema = Arc::new(cfg.schema);
        let dir = cfg.dir;
        let (manifest, mode) = match prepare(&dir, &identity, cfg.overwrite)? {
            Some(m) => {
                let mode = match (&m.state, &shuffle_id) {
                    (Phase::Scatter { input_rows, level, buckets }, Some(id)) => {
                        Mode::Scatter(Scatter::restore(&dir, id.clone(), *input_rows, *level, buckets)?)
                    }
                    (Phase::Direct { .. }, None) => Mode::Direct,
                    _ => Mode::Done,
                };
                (m, mode)
            }
            None => {
                let (state, mode) = match shuffle_id {
                    Some(id) => {
                        let sc = Scatter::fresh(&dir, id)?;
                        (sc.phase(), Mode::Scatter(sc))
                    }
                    None => (Phase::Direct { input_rows: 0 }, Mode::Direct),
                };
                let m = Manifest::new(identity, state);
                m.save(&dir)?;
                (m, mode)
            }
        };
        let batch = BatchBuilder::new(schema.clone());
        Ok(ShardOutput {
            dir,
            schema,
            manifest,
            batch,
            mode,
            on_shard: None,
            background: 0,
            pending: std::collections::VecDeque::new(),
            scratch: Vec::new(),
        })
    }

    /// The shards' columns.
    pub fn schema(&self) -> &ShardSchema {
        &self.schema
    }

    /// Calls `f` after each completed shard (progress, or stopping early).
    pub fn on_shard(&mut self, f: OnShard) {
        self.on_shard = Some(f);
    }

    /// Input rows an earlier run consumed for good: the caller skips this many before pushing.
    pub fn input_rows_done(&self) -> u64 {
        match &self.mode {
            Mode::Scatter(s) => s.input_rows(),
            _ => self.manifest.state.input_rows() + self.batch.rows(),
        }
    }

    /// False once every input row has been consumed (a resumed run past the scatter, or done):
    /// the caller need not produce rows at all.
    pub fn needs_input(&self) -> bool {
        matches!(self.mode, Mode::Direct | Mode::Scatter(_))
    }

    /// The manifest as of the last completed shard or checkpoint.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Writes shards on up to `writers` background threads while the next ones are filled (the
    /// calling thread then only decodes rows and records finished shards, in order); 0, the
    /// default, writes each on the calling thread. Worth it when cores are free; each shard in
    /// flight holds its rows in memory.
    pub fn set_background_writers(&mut self, writers: usize) {
        self.background = writers;
    }

    /// Adds the next input row (values in schema order).
    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        self.schema.check_row(row).map_err(|m| Error::Config(format!("input row {}: {m}", self.input_rows_done())))?;
        if let Mode::Direct = self.mode {
            self.batch.push(row)?;
            if self.batch.rows() == self.manifest.identity.rows_per_shard {
                self.commit_shard()?;
            }
            return Ok(());
        }
        let mut cols = std::mem::take(&mut self.scratch);
        cols.clear();
        shuffle::encode_columns(&self.schema, row, &mut cols);
        let r = self.push_checked(&cols);
        self.scratch = cols;
        r
    }

    /// Adds the next input row as the columns part of its record, made by
    /// [`encode_columns`](super::shuffle::encode_columns) from a row that passed
    /// [`ShardSchema::check_row`] (the rows a caller builds itself can be encoded in parallel).
    pub fn push_encoded(&mut self, cols: &[u8]) -> Result<()> {
        self.push_checked(cols)
    }

    fn push_checked(&mut self, cols: &[u8]) -> Result<()> {
        let t0 = profile::on().then(std::time::Instant::now);
        match &mut self.mode {
            Mode::Direct => {
                let index = self.manifest.state.input_rows() + self.batch.rows();
                self.batch.push_encoded(cols).map_err(|m| Error::Config(format!("input row {index}: {m}")))?;
                if let Some(t0) = t0 {
                    profile::add(Stage::Push, t0);
                }
                if self.batch.rows() == self.manifest.identity.rows_per_shard {
                    self.commit_shard()?;
                }
                Ok(())
            }
            Mode::Scatter(sc) => {
                let due = sc.push_encoded(cols)?;
                if let Some(t0) = t0 {
                    profile::add(Stage::Push, t0);
                }
                if due {
                    let t1 = profile::on().then(std::time::Instant::now);
                    let (mut snapshot, dir) = (self.manifest.clone(), self.dir.clone());
                    self.manifest.state = sc.checkpoint_in_background(Box::new(move |phase| {
                        snapshot.state = phase;
                        snapshot.save(&dir)
                    }))?;
                    if let Some(t1) = t1 {
                        profile::add(Stage::Checkpoint, t1);
                    }
                }
                Ok(())
            }
            Mode::Done => Err(Error::Config("every input row is already in the shards (see needs_input)".into())),
        }
    }

    /// Writes the batch as the next shard and records it (with background writes: hands it to a
    /// writer thread and records the shard before it, if any).
    fn commit_shard(&mut self) -> Result<()> {
        let (tokens, padding) = self.batch.token_counts();
        let rows = self.batch.rows();
        let full = std::mem::replace(&mut self.batch, BatchBuilder::new(self.schema.clone()));
        let file = shard_name(self.manifest.shards.len() + self.pending.len());
        let counts = (file, rows, tokens, padding);
        if self.background == 0 {
            let w = build_and_write(&self.dir, full, &counts.0)?;
            return self.record_shard(counts, w);
        }
        while self.pending.len() >= self.background {
            self.record_oldest()?;
        }
        let (dir, name) = (self.dir.clone(), counts.0.clone());
        let handle = std::thread::Builder::new()
            .name("wakachi-shard-writer".into())
            .spawn(move || build_and_write(&dir, full, &name))
            .map_err(|e| Error::io(&self.dir, e))?;
        self.pending.push_back((counts, handle));
        Ok(())
    }

    /// Waits for the oldest shard being written in the background, if any, and records it.
    fn record_oldest(&mut self) -> Result<()> {
        let Some((counts, handle)) = self.pending.pop_front() else { return Ok(()) };
        let w = handle.join().map_err(|_| Error::Config("the shard writer thread panicked".into()))??;
        self.record_shard(counts, w)
    }

    /// Adds a written shard to the manifest, saves it, and tells `on_shard`.
    fn record_shard(&mut self, (file, rows, tokens, padding): ShardCounts, w: WrittenFile) -> Result<()> {
        let entry = ShardEntry { file, rows, tokens, padding, bytes: w.bytes, sha256: w.sha256 };
        self.manifest.add_shard(entry.clone());
        if let Phase::Direct { input_rows } = &mut self.manifest.state {
            *input_rows += rows;
        }
        self.manifest.save(&self.dir)?;
        match self.on_shard.as_mut().map(|f| f(&entry)) {
            Some(ControlFlow::Break(())) => Err(Error::Interrupted),
            _ => Ok(()),
        }
    }

    /// Writes the remaining shards (the whole gather pass when shuffling), marks the manifest
    /// complete and removes the shuffle's temporary files.
    pub fn finish(mut self) -> Result<Manifest> {
        match std::mem::replace(&mut self.mode, Mode::Done) {
            Mode::Direct => {}
            Mode::Scatter(sc) => {
                self.end_scatter(sc)?;
                self.gather()?;
            }
            Mode::Done => self.gather()?,
        }
        if self.batch.rows() > 0 {
            self.commit_shard()?;
        }
        while !self.pending.is_empty() {
            self.record_oldest()?;
        }
        self.manifest.state = Phase::Complete { input_rows: self.manifest.state.input_rows() };
        self.manifest.save(&self.dir)?;
        shuffle::remove_dir(&self.dir.join(shuffle::SHUFFLE_DIR))?;
        Ok(self.manifest.clone())
    }

    /// Ends the scatter (its last checkpoint, the manifest in its gather phase) without
    /// gathering, so that the gather can run in pieces elsewhere ([`gather_shards`], then
    /// [`finish_gathered`]). Without a shuffle it is [`ShardOutput::finish`]. Returns the manifest.
    pub fn seal(mut self) -> Result<Manifest> {
        match std::mem::replace(&mut self.mode, Mode::Done) {
            Mode::Direct => {
                self.mode = Mode::Direct;
                self.finish()
            }
            Mode::Scatter(sc) => {
                self.end_scatter(sc)?;
                Ok(self.manifest.clone())
            }
            Mode::Done => Ok(self.manifest.clone()),
        }
    }

    /// The scatter's last checkpoint, recorded as the start of the gather phase.
    fn end_scatter(&mut self, mut sc: Scatter) -> Result<()> {
        let (mut snapshot, dir) = (self.manifest.clone(), self.dir.clone());
        let phase = profile::time(Stage::Checkpoint, || {
            sc.checkpoint(Box::new(move |phase| {
                snapshot.state = gather_phase(phase);
                snapshot.save(&dir)
            }))
        })?;
        self.manifest.state = gather_phase(phase);
        Ok(())
    }

    /// The gather pass from the first row not yet in a shard (nothing when not shuffling).
    fn gather(&mut self) -> Result<()> {
        let Phase::Gather { level, buckets, .. } = self.manifest.state.clone() else { return Ok(()) };
        let Some(seed) = self.manifest.identity.shuffle.as_ref().map(|s| s.seed) else { return Ok(()) };
        let start = self.manifest.shard_rows();
        let dir = self.dir.clone();
        // Decoding runs on the pool when there is one (a caller's `install`) and cores to spare.
        let threads = rayon::current_thread_index().map(|_| rayon::current_num_threads()).unwrap_or(1);
        shuffle::gather(&dir, seed, level, &buckets, (start, u64::MAX), &mut |path, data, ranges| {
            if self.background > 0 && threads > 1 {
                self.gather_parallel(path, data, ranges, threads)
            } else {
                self.gather_serial(path, data, ranges)
            }
        })
    }

    fn gather_serial(&mut self, path: &Path, data: &[u8], ranges: &[(usize, usize)]) -> Result<()> {
        let rows_per_shard = self.manifest.identity.rows_per_shard;
        for (i, &(s, e)) in ranges.iter().enumerate() {
            ask_ahead(data, ranges, i);
            profile::time(Stage::GatherDecode, || self.batch.push_encoded(&data[s..e]))
                .map_err(|m| Error::shard(path, format!("record at byte {s}: {m}")))?;
            if self.batch.rows() == rows_per_shard {
                self.commit_shard()?;
            }
        }
        Ok(())
    }

    /// Decodes a bucket's rows in chunks on the pool (a window of `2 × threads` chunks at a time,
    /// so memory stays bounded), appends the chunks in order and commits full shards.
    fn gather_parallel(&mut self, path: &Path, data: &[u8], ranges: &[(usize, usize)], threads: usize) -> Result<()> {
        use rayon::prelude::*;
        const CHUNK_ROWS: u64 = 2048;
        let rows_per_shard = self.manifest.identity.rows_per_shard;
        // Chunks never straddle a shard boundary.
        let mut chunks = Vec::new();
        let (mut i, mut room) = (0usize, rows_per_shard - self.batch.rows());
        while i < ranges.len() {
            let take = CHUNK_ROWS.min(room).min((ranges.len() - i) as u64) as usize;
            chunks.push(&ranges[i..i + take]);
            i += take;
            room -= take as u64;
            if room == 0 {
                room = rows_per_shard;
            }
        }
        let schema = self.schema.clone();
        for window in chunks.chunks(2 * threads) {
            let decoded: Vec<std::result::Result<BatchBuilder, (usize, String)>> = window
                .par_iter()
                .map(|chunk| {
                    profile::time(Stage::GatherDecode, || {
                        let mut b = BatchBuilder::new(schema.clone());
                        for (i, &(s, e)) in chunk.iter().enumerate() {
                            ask_ahead(data, chunk, i);
                            b.push_encoded(&data[s..e]).map_err(|m| (s, m))?;
                        }
                        Ok(b)
                    })
                })
                .collect();
            for d in decoded {
                let b = d.map_err(|(s, m)| Error::shard(path, format!("record at byte {s}: {m}")))?;
                profile::time(Stage::GatherDecode, || self.batch.append(b))?;
                if self.batch.rows() == rows_per_shard {
                    self.commit_shard()?;
                }
            }
        }
        Ok(())
    }
}

/// A scatter's last state as the start of its gather.
fn gather_phase(phase: Phase) -> Phase {
    match phase {
        Phase::Scatter { input_rows, level, buckets } => Phase::Gather { input_rows, level, buckets },
        other => other,
    }
}

/// In a gather the records come in shuffled order, from anywhere in the bucket: before decoding
/// record `i`, ask for the bytes of record `i + 4` (the reads then overlap the decoding).
fn ask_ahead(data: &[u8], ranges: &[(usize, usize)], i: usize) {
    if let Some(bytes) = ranges.get(i + 4).and_then(|&(s, e)| data.get(s..e)) {
        prefetch_bytes(bytes);
    }
}

/// Writes shards `first..first + count` of a sealed shuffle ([`ShardOutput::seal`]) in `dir` —
/// the bytes the whole gather pass writes for them — and returns their manifest entries. Pieces
/// of the gather can run at once, on other machines that see `dir`; none touches the manifest.
pub fn gather_shards(dir: &Path, first: u64, count: u64) -> Result<Vec<ShardEntry>> {
    let m = Manifest::load(dir)?.ok_or_else(|| Error::shard(dir, "no manifest.json"))?;
    let Phase::Gather { input_rows, level, buckets } = &m.state else {
        return Err(Error::shard(dir, "the manifest is not in its gather phase (no sealed shuffle)"));
    };
    let seed = m.identity.shuffle.as_ref().map(|s| s.seed).ok_or_else(|| Error::shard(dir, "no shuffle"))?;
    let per = m.identity.rows_per_shard;
    let start = first.saturating_mul(per);
    let end = first.saturating_add(count).saturating_mul(per).min(*input_rows);
    let schema = Arc::new(m.identity.schema.clone());
    let mut batch = BatchBuilder::new(schema.clone());
    let mut out = Vec::new();
    let commit = |batch: &mut BatchBuilder, out: &mut Vec<ShardEntry>| -> Result<()> {
        let (tokens, padding) = batch.token_counts();
        let rows = batch.rows();
        let full = std::mem::replace(batch, BatchBuilder::new(schema.clone()));
        let file = shard_name((first as usize) + out.len());
        let w = build_and_write(dir, full, &file)?;
        out.push(ShardEntry { file, rows, tokens, padding, bytes: w.bytes, sha256: w.sha256 });
        Ok(())
    };
    shuffle::gather(dir, seed, *level, buckets, (start, end), &mut |path, data, ranges| {
        for (i, &(s, e)) in ranges.iter().enumerate() {
            ask_ahead(data, ranges, i);
            profile::time(Stage::GatherDecode, || batch.push_encoded(&data[s..e]))
                .map_err(|m| Error::shard(path, format!("record at byte {s}: {m}")))?;
            if batch.rows() == per {
                commit(&mut batch, &mut out)?;
            }
        }
        Ok(())
    })?;
    if batch.rows() > 0 {
        commit(&mut batch, &mut out)?;
    }
    Ok(out)
}

/// Records the shards [`gather_shards`] wrote (every one not yet in the manifest, in order),
/// marks the manifest complete and removes the shuffle's files: the directory is then what
/// [`ShardOutput::finish`] leaves.
pub fn finish_gathered(dir: &Path, entries: Vec<ShardEntry>) -> Result<Manifest> {
    let mut m = Manifest::load(dir)?.ok_or_else(|| Error::shard(dir, "no manifest.json"))?;
    let Phase::Gather { input_rows, .. } = m.state else {
        return Err(Error::shard(dir, "the manifest is not in its gather phase (no sealed shuffle)"));
    };
    let rows: u64 = entries.iter().map(|e| e.rows).sum();
    if m.shard_rows() + rows != input_rows {
        return Err(Error::shard(
            dir,
            format!("the gathered shards hold {rows} rows, {} are missing", input_rows - m.shard_rows()),
        ));
    }
    for (k, e) in entries.into_iter().enumerate() {
        let want = shard_name(m.shards.len());
        if e.file != want {
            return Err(Error::shard(dir, format!("gathered shard {k} is {}, expected {want}", e.file)));
        }
        let path = dir.join(&e.file);
        let len = std::fs::metadata(&path).map_err(|err| Error::io(&path, err))?.len();
        if len != e.bytes {
            return Err(Error::shard(&path, format!("{len} bytes, its entry says {}", e.bytes)));
        }
        m.add_shard(e);
    }
    m.state = Phase::Complete { input_rows };
    m.save(dir)?;
    shuffle::remove_dir(&dir.join(shuffle::SHUFFLE_DIR))?;
    Ok(m)
}
