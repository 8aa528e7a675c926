//! [`ShardOutput`]: rows in, shards (optionally shuffled on disk) and a manifest out, resumable.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;

use super::manifest::{Identity, InputFingerprint, Manifest, Phase, ShardEntry};
use super::resume::{prepare, shard_name};
use super::schema::{ShardSchema, Value};
use super::shuffle::{self, Scatter, ShuffleConfig};
use super::writer::{write_shard, BatchBuilder};
use crate::error::{Error, Result};

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

/// A shard run: push every input row (after skipping [`ShardOutput::input_rows_done`]), then
/// [`ShardOutput::finish`].
pub struct ShardOutput {
    dir: PathBuf,
    schema: Arc<ShardSchema>,
    manifest: Manifest,
    batch: BatchBuilder,
    mode: Mode,
    on_shard: Option<OnShard>,
}

/// The program that writes the shards; a resumed run must be the same.
fn writer_id() -> String {
    format!("wakachi-core {}, arrow-ipc 60.1.0, format {}", env!("CARGO_PKG_VERSION"), super::manifest::FORMAT_VERSION)
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
                        Mode::Scatter(Scatter::restore(&dir, id.clone(), schema.clone(), *input_rows, *level, buckets)?)
                    }
                    (Phase::Direct { .. }, None) => Mode::Direct,
                    _ => Mode::Done,
                };
                (m, mode)
            }
            None => {
                let (state, mode) = match shuffle_id {
                    Some(id) => {
                        let sc = Scatter::fresh(&dir, id, schema.clone())?;
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
        Ok(ShardOutput { dir, schema, manifest, batch, mode, on_shard: None })
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

    /// Adds the next input row (values in schema order).
    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        self.schema.check_row(row).map_err(|m| Error::Config(format!("input row {}: {m}", self.input_rows_done())))?;
        match &mut self.mode {
            Mode::Direct => {
                self.batch.push(row)?;
                if self.batch.rows() == self.manifest.identity.rows_per_shard {
                    self.commit_shard()?;
                }
                Ok(())
            }
            Mode::Scatter(sc) => {
                if sc.push(row)? {
                    let (m, dir) = (&mut self.manifest, &self.dir);
                    sc.checkpoint(&mut |phase| {
                        m.state = phase;
                        m.save(dir)
                    })?;
                }
                Ok(())
            }
            Mode::Done => Err(Error::Config("every input row is already in the shards (see needs_input)".into())),
        }
    }

    /// Writes the batch as the next shard and records it.
    fn commit_shard(&mut self) -> Result<()> {
        let (tokens, padding) = self.batch.token_counts();
        let rows = self.batch.rows();
        let batch = self.batch.take_batch()?;
        let file = shard_name(self.manifest.shards.len());
        let w = write_shard(&self.dir, &file, &batch)?;
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
            Mode::Scatter(mut sc) => {
                let (m, dir) = (&mut self.manifest, &self.dir);
                sc.checkpoint(&mut |phase| {
                    if let Phase::Scatter { input_rows, level, buckets } = phase {
                        m.state = Phase::Gather { input_rows, level, buckets };
                    }
                    m.save(dir)
                })?;
                self.gather()?;
            }
            Mode::Done => self.gather()?,
        }
        if self.batch.rows() > 0 {
            self.commit_shard()?;
        }
        self.manifest.state = Phase::Complete { input_rows: self.manifest.state.input_rows() };
        self.manifest.save(&self.dir)?;
        shuffle::remove_dir(&self.dir.join(shuffle::SHUFFLE_DIR))?;
        Ok(self.manifest)
    }

    /// The gather pass from the first row not yet in a shard (nothing when not shuffling).
    fn gather(&mut self) -> Result<()> {
        let Phase::Gather { level, buckets, .. } = self.manifest.state.clone() else { return Ok(()) };
        let Some(seed) = self.manifest.identity.shuffle.as_ref().map(|s| s.seed) else { return Ok(()) };
        let start = self.manifest.shard_rows();
        let rows_per_shard = self.manifest.identity.rows_per_shard;
        let (dir, schema) = (self.dir.clone(), self.schema.clone());
        shuffle::gather(&dir, &schema, seed, level, &buckets, start, &mut |row| {
            self.batch.push(&row)?;
            if self.batch.rows() == rows_per_shard {
                self.commit_shard()?;
            }
            Ok(())
        })
    }
}
