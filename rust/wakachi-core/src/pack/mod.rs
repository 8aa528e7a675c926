//! `wakachi pack`: corpus files → encoded documents → pretraining instances → Arrow shards, in
//! one streaming run on every core, in bounded memory, deterministic, resumable.
//!
//! - [`corpus`]: plain/`.gz`/`.zst`/`.xz` files in three layouts, as batches of raw documents;
//! - [`encoder`]: the encoder (BertJapanese or Unigram) with word starts, its fingerprint;
//! - [`builder`]: per format, encoded documents → instances → rows;
//! - [`run`]: the pipeline and its report.
//!
//! **Memory.** Text is read a batch at a time (`batch_bytes` of text, or one Google block of
//! `block_documents` documents and at most about `block_bytes` of text); at most three batches are
//! alive at once (one being read, one being encoded, one being built into rows), and a block's
//! instances are built and handed to the shard writer in pieces. The shard writer holds one
//! shard, or while shuffling one bucket file (half of `memory_budget`). Only Google compat mode
//! (`compat`) holds the whole input and all its instances, as the original script does.
//!
//! **Determinism.** Batches are cut by the input alone; within a batch, sentences are encoded and
//! documents built on the pool as indexed pieces whose results are taken in index order; every
//! random draw is keyed by the document's position (see [`builder`]). So the rows, and the shards,
//! are byte-identical for 1 or N threads.
//!
//! **Resume.** The shard writer records how many rows it consumed for good
//! ([`ShardOutput::input_rows_done`]); a rerun of the same command (same settings, tokenizer and
//! input contents, checked by the manifest) regenerates the same row sequence and skips that many
//! rows, so the final shards are byte-identical to an uninterrupted run's. When every row is
//! consumed already (a kill during the shuffle's gather pass), nothing is read again.

pub mod builder;
pub mod corpus;
pub mod dist;
pub mod encoder;
pub mod run;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value as Json;

pub use builder::FormatConfig;
pub use corpus::Layout;
pub use encoder::{PackEncoder, TokenizerKind};
pub use run::{pack, PackReport};

use crate::error::{Error, Result};
use crate::instances::Specials;
use crate::lines::OnError;
use crate::shards::{Row, ShardOutput, ShardSchema};

/// The longest bert row: masked positions are stored as `uint16` (positions `0..=65535`).
pub const MAX_BERT_SEQ_LENGTH: usize = 65_536;

/// The tokenizer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenizerSpec {
    /// Which encoder.
    pub kind: TokenizerKind,
    /// The `BertJapaneseTokenizer` directory or the `.model` file.
    pub path: PathBuf,
    /// Special ids; `None` takes them from a `BertJapaneseTokenizer` config.
    pub specials: Option<Specials>,
}

/// What to do with undecodable lines and malformed records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Errors {
    /// Stop with an error naming the file and line.
    Strict,
    /// Leave it out and count it.
    Skip,
}

/// The corpus.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Files, read in order.
    pub files: Vec<PathBuf>,
    /// Their layout.
    pub layout: Layout,
    /// Bad lines.
    pub errors: Errors,
}

/// The on-disk shuffle.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShuffleSpec {
    /// Seed.
    pub seed: u64,
    /// Bytes for one bucket and the shard being built.
    pub memory_budget: u64,
}

/// The shards.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Output directory.
    pub dir: PathBuf,
    /// Rows per shard.
    pub rows_per_shard: u64,
    /// Shuffle rows on disk, or keep them in build order.
    pub shuffle: Option<ShuffleSpec>,
    /// Replace what the directory holds instead of resuming it.
    pub overwrite: bool,
}

/// How to run (not part of the output's identity).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Threads (0: all cores).
    pub threads: usize,
    /// Text bytes per batch (formats other than Google streaming).
    pub batch_bytes: usize,
    /// Print progress on stderr.
    pub progress: bool,
    /// Where compiled MeCab dictionaries are cached (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
}

/// Everything a pack run needs, resolved (the Python side fills in every default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackConfig {
    /// Tokenizer.
    pub tokenizer: TokenizerSpec,
    /// Corpus.
    pub input: InputSpec,
    /// Instance format and settings.
    pub format: FormatConfig,
    /// Compat mode: the reference script's exact random draws (formats `bert` and `electra`).
    pub compat: bool,
    /// Google streaming mode: a block also ends once its text reaches this many bytes (so a
    /// corpus of very long documents keeps blocks, and memory, bounded).
    pub block_bytes: usize,
    /// Shards.
    pub output: OutputSpec,
    /// Threads, batch size, progress.
    pub run: RunSpec,
    /// The JSON it was read from.
    #[serde(skip)]
    pub raw: Json,
}

impl PackConfig {
    /// Reads the JSON form (unknown or missing fields are errors).
    pub fn from_json(text: &str) -> Result<PackConfig> {
        let raw: Json = serde_json::from_str(text).map_err(|e| Error::Config(format!("pack config: {e}")))?;
        let mut cfg: PackConfig =
            serde_json::from_value(raw.clone()).map_err(|e| Error::Config(format!("pack config: {e}")))?;
        if cfg.compat && !matches!(cfg.format, FormatConfig::Bert(_) | FormatConfig::Electra(_)) {
            return Err(Error::Config("compat mode exists for formats bert and electra only".into()));
        }
        if cfg.run.batch_bytes == 0 || cfg.block_bytes == 0 {
            return Err(Error::Config("batch_bytes and block_bytes must be > 0".into()));
        }
        if let FormatConfig::Bert(g) = &cfg.format {
            if g.max_seq_length > MAX_BERT_SEQ_LENGTH {
                return Err(Error::Config(format!(
                    "max_seq_length {} is above {MAX_BERT_SEQ_LENGTH}: bert rows store masked positions as uint16",
                    g.max_seq_length
                )));
            }
        }
        cfg.raw = raw;
        Ok(cfg)
    }

    /// The settings recorded in the manifest (and compared on resume): the format and its
    /// settings, compat mode, the input layout and error handling, the tokenizer's kind and its
    /// resolved special ids. Paths, threads and progress are not part of it.
    pub fn settings(&self, sp: &Specials) -> Json {
        serde_json::json!({
            "format": self.raw.get("format"),
            "compat": self.compat,
            "block_bytes": self.block_bytes,
            "input": {"layout": self.raw.pointer("/input/layout"), "errors": self.raw.pointer("/input/errors")},
            "tokenizer": {
                "kind": self.raw.pointer("/tokenizer/kind"),
                "specials": {"vocab_size": sp.vocab_size, "cls": sp.cls, "sep": sp.sep, "mask": sp.mask, "pad": sp.pad},
            },
        })
    }

    fn on_error(&self) -> OnError {
        match self.input.errors {
            Errors::Strict => OnError::Strict,
            Errors::Skip => OnError::Skip,
        }
    }
}

/// What rows are written to: the shard writer, or (a task of a distributed pack) a part file.
pub trait RowTarget: Send {
    /// The rows' columns.
    fn schema(&self) -> &ShardSchema;
    /// A row (values in schema order), checked here.
    fn push(&mut self, row: &[crate::shards::Value]) -> Result<()>;
    /// A checked row as the columns part of its record.
    fn push_encoded(&mut self, cols: &[u8]) -> Result<()>;
}

impl RowTarget for ShardOutput {
    fn schema(&self) -> &ShardSchema {
        ShardOutput::schema(self)
    }

    fn push(&mut self, row: &[crate::shards::Value]) -> Result<()> {
        ShardOutput::push(self, row)
    }

    fn push_encoded(&mut self, cols: &[u8]) -> Result<()> {
        ShardOutput::push_encoded(self, cols)
    }
}

/// Where rows go: the target, after skipping the rows an earlier run consumed.
pub struct Sink<T: RowTarget = ShardOutput> {
    out: T,
    skip: u64,
    rows: u64,
}

impl Sink<ShardOutput> {
    fn new(out: ShardOutput) -> Sink {
        let skip = out.input_rows_done();
        Sink { out, skip, rows: 0 }
    }
}

impl<T: RowTarget> Sink<T> {
    /// A sink that skips nothing.
    pub fn fresh(out: T) -> Sink<T> {
        Sink { out, skip: 0, rows: 0 }
    }

    /// Rows pushed so far (skipped ones included).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The target.
    pub fn into_inner(self) -> T {
        self.out
    }

    /// The shards' schema.
    pub fn schema(&self) -> &ShardSchema {
        self.out.schema()
    }

    /// The next rows in build order, checked and encoded ([`builder::EncodedRows`]).
    pub fn push_encoded(&mut self, rows: &builder::EncodedRows) -> Result<()> {
        let mut start = 0;
        for &end in &rows.ends {
            self.push_one_encoded(&rows.bytes[start..end])?;
            start = end;
        }
        Ok(())
    }

    /// The next row in build order, checked and encoded.
    pub fn push_one_encoded(&mut self, cols: &[u8]) -> Result<()> {
        self.rows += 1;
        if self.rows > self.skip {
            self.out.push_encoded(cols)?;
        }
        Ok(())
    }

    /// The next row in build order.
    pub fn push(&mut self, row: Row) -> Result<()> {
        self.rows += 1;
        if self.rows > self.skip {
            self.out.push(&row)?;
        }
        Ok(())
    }
}
