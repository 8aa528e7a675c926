//! The pack pipeline: read → encode → build → write, three stages overlapped on the pool.
//!
//! Each step of the loop reads batch k+2, encodes batch k+1 (sentences in parallel) and builds and
//! writes the rows of batch k, all at once ([`join3`]); then, on the calling thread, progress is
//! printed and the interrupt flag checked. The shard writer's `finish` (the shuffle's gather pass)
//! follows the last batch.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::builder::Builder;
use super::corpus::{CorpusReader, RawDocument};
use super::encoder::{fingerprint_memo, PackEncoder};
use super::{PackConfig, Sink};
use crate::error::{Error, Result};
use crate::instances::{Document, Specials};
use crate::pipeline::{join3, map_ordered, pool};
use crate::profile::{self, Stage};
use crate::progress::Progress;
use crate::segment::MecabOptions;
use crate::shards::{InputFingerprint, Manifest, OutputConfig, ShardOutput, ShardSchema, ShuffleConfig};
use crate::stop::Stop;

/// The figures of a finished run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PackReport {
    /// The output directory.
    pub output_dir: String,
    /// The instance format (`bert`, …; `bert-compat` in compat mode).
    pub format: String,
    /// Documents read in this run (0 when a resumed run had nothing left to read).
    pub documents: u64,
    /// Sentences read.
    pub sentences: u64,
    /// Tokens of the encoded sentences.
    pub input_tokens: u64,
    /// Bytes taken from the input files (compressed size for compressed files).
    pub input_bytes: u64,
    /// Bytes of text after decompression.
    pub text_bytes: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// JSONL records skipped as malformed.
    pub skipped_bad_records: u64,
    /// Rows (instances) in the shards.
    pub instances: u64,
    /// Tokens in the shards (padding not counted).
    pub tokens: u64,
    /// Share of a fixed-length batch that would be padding: `1 − tokens / (instances × row length)`.
    pub padding_share: f64,
    /// The row length that share refers to.
    pub row_length: usize,
    /// Shard files.
    pub shards: usize,
    /// Bytes of the shard files.
    pub shard_bytes: u64,
    /// Rows an earlier, interrupted run had already consumed (regenerated and skipped here).
    pub resumed_rows: u64,
    /// Wall time.
    pub seconds: f64,
    /// Input MB (as read from the files) per second.
    pub mb_per_s: f64,
    /// Peak resident memory of the process (Linux `VmHWM`), if known.
    pub peak_rss_bytes: Option<u64>,
    /// Threads used.
    pub threads: usize,
    /// Seconds per pipeline stage, summed over threads (only with `WAKACHI_PROFILE=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Vec<(String, f64)>>,
}

/// Runs `cfg`. `dicdir` is the MeCab dictionary the tokenizer config names (resolved by the
/// caller); `stop` is asked after every batch, on the calling thread (a stop ends the run with
/// [`Error::Interrupted`], resumable like a kill).
pub fn pack(cfg: &PackConfig, dicdir: Option<&Path>, stop: &Stop<'_>) -> Result<PackReport> {
    let t0 = Instant::now();
    crate::profile::reset();
    let mecab = MecabOptions::cached(cfg.run.cache_dir.clone());
    let enc =
        profile::time(Stage::Load, || PackEncoder::load(&cfg.tokenizer.kind, &cfg.tokenizer.path, dicdir, &mecab))?;
    let sp = enc.specials(cfg.tokenizer.specials)?;
    let mut builder = Builder::new(&cfg.format, cfg.compat, sp)?;
    let (pool, mut sink, mut report) = open_sink(cfg, dicdir, &sp)?;
    if sink.out.needs_input() {
        let mut stage = Stages { enc: &enc, pool: &pool, report: &mut report, progress: cfg.run.progress };
        let mut reader = CorpusReader::new(cfg.input.files.clone(), cfg.input.layout.clone(), cfg.on_error());
        let limits = batch_limits(cfg, &builder);
        let total = input_size(cfg);
        let pool_ref = &pool;
        let sink_ref = &mut sink;
        let builder_ref = &mut builder;
        stage.drive(
            &mut reader,
            limits,
            u64::MAX,
            total,
            &mut |d| {
                builder_ref.consume(d, pool_ref, sink_ref)?;
                Ok(sink_ref.rows)
            },
            stop,
        )?;
        builder.finish(&mut sink)?;
    }
    finish_output(cfg, sink, &pool, &mut report, t0)?;
    Ok(report)
}

/// The pool, the shard writer (resumed where an earlier run stopped) as a sink, and the report
/// that counts its threads and resumed rows.
pub(crate) fn open_sink(
    cfg: &PackConfig,
    dicdir: Option<&Path>,
    sp: &Specials,
) -> Result<(rayon::ThreadPool, Sink, PackReport)> {
    let memo = cfg.run.cache_dir.as_deref();
    let tokenizer = profile::time(Stage::Fingerprint, || fingerprint_memo(&cfg.tokenizer.path, dicdir, memo))?;
    let out = open_output(cfg, sp, tokenizer)?;
    let pool = pool(cfg.run.threads)?;
    let mut report = PackReport { threads: pool.current_num_threads(), ..PackReport::default() };
    let mut sink = Sink::new(out);
    sink.out.set_background_writers(background_writers(&pool));
    report.resumed_rows = sink.skip;
    Ok((pool, sink, report))
}

/// With cores to spare, shards are written while the next ones are filled (at most 4 in flight:
/// each holds its rows).
fn background_writers(pool: &rayon::ThreadPool) -> usize {
    let threads = pool.current_num_threads();
    if threads > 1 {
        (threads / 2).clamp(1, 4)
    } else {
        0
    }
}

/// The shard writer's `finish` (the shuffle's gather pass), then the report's output figures.
pub(crate) fn finish_output(
    cfg: &PackConfig,
    mut sink: Sink,
    pool: &rayon::ThreadPool,
    report: &mut PackReport,
    t0: Instant,
) -> Result<()> {
    if cfg.output.shuffle.is_some() && cfg.run.progress {
        eprintln!("pack: shuffling and writing shards …");
        sink.out.on_shard(Box::new(|e| {
            eprint!("\rpack: wrote {}", e.file);
            ControlFlow::Continue(())
        }));
    }
    let manifest = pool.install(|| sink.out.finish())?;
    if cfg.output.shuffle.is_some() && cfg.run.progress {
        eprintln!();
    }
    finish_report(report, cfg, &manifest, t0);
    Ok(())
}

fn open_output(cfg: &PackConfig, sp: &Specials, tokenizer: String) -> Result<ShardOutput> {
    let pad = matches!(cfg.format, super::FormatConfig::Uer(_)).then_some(sp.pad);
    let inputs = profile::time(Stage::Fingerprint, || {
        cfg.input.files.iter().map(|p| InputFingerprint::of_file(p)).collect::<Result<Vec<_>>>()
    })?;
    ShardOutput::open(OutputConfig {
        dir: cfg.output.dir.clone(),
        schema: ShardSchema::preset(cfg.format.name(), sp.vocab_size, pad)?,
        rows_per_shard: cfg.output.rows_per_shard,
        shuffle: cfg.output.shuffle.map(|s| ShuffleConfig::new(s.seed, s.memory_budget)),
        settings: cfg.settings(sp),
        tokenizer,
        inputs,
        overwrite: cfg.output.overwrite,
    })
}

pub(crate) fn finish_report(r: &mut PackReport, cfg: &PackConfig, m: &Manifest, t0: Instant) {
    r.output_dir = cfg.output.dir.display().to_string();
    r.format = format!("{}{}", cfg.format.name(), if cfg.compat { "-compat" } else { "" });
    r.instances = m.totals.rows;
    r.tokens = m.totals.tokens;
    r.shards = m.shards.len();
    r.shard_bytes = m.totals.bytes;
    r.row_length = cfg.format.row_len();
    let slots = r.instances as f64 * r.row_length as f64;
    r.padding_share = if slots > 0.0 { (1.0 - r.tokens as f64 / slots).max(0.0) } else { 0.0 };
    r.seconds = t0.elapsed().as_secs_f64();
    r.mb_per_s = r.input_bytes as f64 / 1e6 / r.seconds.max(1e-9);
    r.peak_rss_bytes = peak_rss_bytes();
    r.profile = crate::profile::snapshot().map(|v| v.into_iter().map(|(k, s)| (k.to_string(), s)).collect());
}

/// Documents and bytes a batch holds at most: a Google block for the streaming builder, else
/// `batch_bytes` of text. Batches are cut by the input alone.
pub(crate) fn batch_limits(cfg: &PackConfig, builder: &Builder) -> (usize, usize) {
    match builder.block_documents() {
        Some(n) => (n, cfg.block_bytes),
        None => (usize::MAX, cfg.run.batch_bytes),
    }
}

/// Bytes of the input files (for progress).
pub(crate) fn input_size(cfg: &PackConfig) -> u64 {
    cfg.input.files.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}

/// What [`Stages::drive`] hands each batch of encoded documents to; returns the rows made so far.
pub(crate) type Consume<'a> = dyn FnMut(Vec<Document>) -> Result<u64> + Send + 'a;

/// The parts the loop works with.
pub(crate) struct Stages<'a> {
    pub(crate) enc: &'a PackEncoder,
    pub(crate) pool: &'a rayon::ThreadPool,
    pub(crate) report: &'a mut PackReport,
    /// Print progress on stderr.
    pub(crate) progress: bool,
}

impl Stages<'_> {
    /// Reads up to `batches` batches of at most `limits` (documents, bytes), encodes them and
    /// hands them to `consume`, overlapped; `total` is the input size progress counts against.
    pub(crate) fn drive(
        &mut self,
        reader: &mut CorpusReader,
        limits: (usize, usize),
        batches: u64,
        total: u64,
        consume: &mut Consume<'_>,
        stop: &Stop<'_>,
    ) -> Result<()> {
        let mut progress = Progress::new("pack", Some(total), self.progress);
        let (max_docs, max_bytes) = limits;
        let (enc, pool) = (self.enc, self.pool);
        let mut left = batches;
        let mut read = |reader: &mut CorpusReader| -> Result<Option<Vec<RawDocument>>> {
            if left == 0 {
                return Ok(None);
            }
            left -= 1;
            profile::time(Stage::Read, || reader.next_batch(max_docs, max_bytes))
        };
        let mut raw = read(reader)?;
        let mut encoded: Option<Vec<Document>> = None;
        let mut rows = 0;
        while raw.is_some() || encoded.is_some() {
            let (to_encode, to_build) = (raw.take(), encoded.take());
            let more = to_encode.is_some();
            let (next, now, built) = join3(
                pool,
                || if more { read(reader) } else { Ok(None) },
                || to_encode.map(|b| encode_batch(enc, &b, pool)),
                || to_build.map_or(Ok(rows), &mut *consume),
            );
            rows = built?;
            raw = next?;
            if let Some(docs) = &now {
                self.count(docs);
            }
            encoded = now;
            self.update(reader, rows, &mut progress);
            if stop.requested() {
                progress.finish();
                return Err(Error::Interrupted);
            }
        }
        self.update(reader, rows, &mut progress);
        let r = &self.report;
        progress.finish_counts(r.input_bytes, &[(r.documents, "documents"), (rows, "instances")]);
        Ok(())
    }

    fn count(&mut self, docs: &[Document]) {
        self.report.documents += docs.len() as u64;
        self.report.sentences += docs.iter().map(|d| d.len() as u64).sum::<u64>();
        self.report.input_tokens += docs.iter().flatten().map(|s| s.len() as u64).sum::<u64>();
    }

    fn update(&mut self, reader: &CorpusReader, rows: u64, progress: &mut Progress) {
        let r = &mut *self.report;
        let st = reader.stats();
        r.input_bytes = reader.file_bytes();
        r.text_bytes = st.text_bytes;
        r.skipped_invalid_utf8 = st.skipped_invalid_utf8;
        r.skipped_bad_records = st.skipped_bad_records;
        progress.update_counts(r.input_bytes, &[(r.documents, "documents"), (rows, "instances")]);
    }
}

/// Encodes every sentence of `docs` on the pool, in order.
fn encode_batch(enc: &PackEncoder, docs: &[RawDocument], pool: &rayon::ThreadPool) -> Vec<Document> {
    let sentences: Vec<&str> = docs.iter().flatten().map(String::as_str).collect();
    let mut encoded =
        map_ordered(&sentences, pool, || enc.worker(), |w, s| profile::time(Stage::Encode, || w.encode(s))).into_iter();
    docs.iter().map(|d| encoded.by_ref().take(d.len()).collect()).collect()
}

/// Peak resident memory (`VmHWM` of `/proc/self/status`), on Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
