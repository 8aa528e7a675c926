//! Stage 4: pretraining rows → Arrow IPC shards with a manifest, optionally shuffled on disk,
//! resumable after a `kill -9` with byte-identical results.
//!
//! An output directory holds `shard-00000.arrow`, `shard-00001.arrow`, … (Arrow IPC **file**
//! format, one record batch of `rows_per_shard` rows each, the last one possibly shorter),
//! `manifest.json`, and while a shuffled run is under way `.wakachi-shuffle/` (bucket files).
//! Columns per instance format: `SCHEMA.md` beside this file.
//!
//! - [`schema`]: columns, token width, row values;
//! - [`writer`]: rows → Arrow record batch → file, atomically (temp name, fsync, rename, fsync dir);
//! - [`manifest`]: `manifest.json`, input fingerprints (atomic writes and sha256: [`crate::fsio`]);
//! - [`shuffle`]: the seeded bucketed on-disk shuffle;
//! - [`resume`]: what makes a rerun continue an interrupted one, and why the bytes are the same;
//! - [`output`]: [`ShardOutput`], the run that ties them together;
//! - [`reader`]: reading and verifying shards.
//!
//! ```no_run
//! # fn rows() -> Vec<Vec<wakachi_core::shards::Value>> { vec![] }
//! use wakachi_core::shards::{OutputConfig, ShardOutput, ShardSchema, ShuffleConfig};
//! let cfg = OutputConfig {
//!     dir: "out".into(),
//!     schema: ShardSchema::preset("roberta", 32_768, Some(0))?,
//!     rows_per_shard: 100_000,
//!     shuffle: Some(ShuffleConfig::new(42, 1 << 30)),
//!     settings: serde_json::json!({"max_seq_len": 128}),
//!     tokenizer: "sha256 of vocab.txt".into(),
//!     inputs: vec![],
//!     overwrite: false,
//! };
//! let mut out = ShardOutput::open(cfg)?;
//! if out.needs_input() {
//!     for row in rows().into_iter().skip(out.input_rows_done() as usize) {
//!         out.push(&row)?;
//!     }
//! }
//! let manifest = out.finish()?;
//! # Ok::<(), wakachi_core::Error>(())
//! ```

pub mod manifest;
pub mod output;
pub mod reader;
pub mod resume;
pub mod schema;
pub mod shuffle;
pub mod writer;

pub use crate::fsio::file_sha256;
pub use manifest::{InputFingerprint, Manifest, ShardEntry};
pub use output::{finish_gathered, gather_shards, OutputConfig, ShardOutput};
pub use reader::{read_rows, read_shard, verify_dir, ShardRows};
pub use schema::{ColumnSpec, Elem, Row, ShardSchema, TokenWidth, Value};
pub use shuffle::ShuffleConfig;
