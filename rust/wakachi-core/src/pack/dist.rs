//! A pack cut into tasks that run anywhere (the Ray executor drives them from Python), with the
//! same shards as [`pack`](super::pack) on one machine, byte for byte.
//!
//! 1. [`plan`] reads the input once (no encoding) and records where each batch starts
//!    ([`Position`]: file, byte, line), how many documents come before it and which batch it is.
//!    Batches are cut exactly as the local run cuts them; consecutive batches are grouped into
//!    tasks of about `task_bytes` of text.
//! 2. [`TaskRunner::run`] reads one task's batches from its start position and encodes them on
//!    its cores — the expensive part (MeCab, WordPiece/Unigram). What it writes (atomically:
//!    temp file, fsync, rename) depends on the format ([`PartKind`]):
//!    - **rows** when the builder is [independent](Builder::independent) (Google's streaming
//!      mode: its random numbers are keyed by block number and document, and a block is one
//!      batch; ELECTRA: keyed by the global document index): the task builds its rows, started at
//!      its first block / document, and writes their records' column parts in build order;
//!    - **documents** otherwise (RoBERTa/GPT-2/UER packers carry a partial row from document to
//!      document; the compat modes draw from one random stream over the whole input, and Google's
//!      holds every document): the task writes its encoded documents, and the build runs in
//!      [`reduce`].
//! 3. [`reduce`] opens the output as the local run does (same manifest identity) and feeds it the
//!    parts in task order — rows as they are, documents through the builder — so the row sequence,
//!    and with it the on-disk shuffle and the shards, is the local run's. It resumes as a local
//!    pack does (the shard writer's manifest), and skips rows an earlier reduce consumed.
//!
//! Part files: an 8-byte magic (`WKPROWS1` rows, `WKPDOCS1` documents), the items, then the item
//! count (u64 little-endian) and `WKPEND01`. A rows item is `varint(len)` and the column part of
//! its shuffle record ([`encode_columns`]); a document item is `varint(sentences)`, and per
//! sentence `varint(tokens)` then `varint(id << 1 | word_start)` per token.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::builder::{Builder, FormatConfig};
use super::corpus::{CorpusReader, Position};
use super::encoder::PackEncoder;
use super::run::{finish_output, finish_report, input_size, open_sink, PackReport, Stages};
use super::{PackConfig, RowTarget, Sink};
use crate::error::{Error, Result};
use crate::fsio::{sync_dir, HashingWriter};
use crate::instances::{Document, Sentence, Specials};
use crate::pipeline::pool;
use crate::segment::MecabOptions;
use crate::shards::shuffle::{encode_columns, put_varint};
use crate::shards::{ShardSchema, Value};
use crate::stop::Stop;

const ROWS_MAGIC: &[u8; 8] = b"WKPROWS1";
const DOCS_MAGIC: &[u8; 8] = b"WKPDOCS1";
const END_MAGIC: &[u8; 8] = b"WKPEND01";
/// Documents handed to the builder at a time in [`reduce`].
const REDUCE_DOCS: usize = 1000;

/// What a task writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartKind {
    /// Built rows (Google streaming, ELECTRA).
    Rows,
    /// Encoded documents (the packers, the compat modes).
    Docs,
}

impl PartKind {
    /// The kind of part `format` (with `compat`) gives.
    pub fn of(format: &FormatConfig, compat: bool) -> PartKind {
        match format {
            FormatConfig::Bert(_) | FormatConfig::Electra(_) if !compat => PartKind::Rows,
            _ => PartKind::Docs,
        }
    }

    fn magic(self) -> &'static [u8; 8] {
        match self {
            PartKind::Rows => ROWS_MAGIC,
            PartKind::Docs => DOCS_MAGIC,
        }
    }

    /// The file name of task `index`'s part.
    pub fn file_name(self, index: usize) -> String {
        match self {
            PartKind::Rows => format!("part-{index:06}.rows"),
            PartKind::Docs => format!("part-{index:06}.docs"),
        }
    }
}

/// One task: a run of consecutive batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// The task's number (its part's place in the row sequence).
    pub index: usize,
    /// Where its first batch starts.
    pub start: Position,
    /// Batches it reads.
    pub batches: u64,
    /// The number of its first batch (the Google stream's block number).
    pub first_batch: u64,
    /// Documents before its first batch (ELECTRA's document index).
    pub first_document: u64,
    /// Documents it reads.
    pub documents: u64,
    /// Bytes of text it reads (decompressed).
    pub text_bytes: u64,
    /// Most documents in one of its batches.
    pub max_docs: usize,
    /// Most bytes of text in one of its batches.
    pub max_bytes: usize,
}

/// The tasks of a pack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// What the tasks write.
    pub kind: PartKind,
    /// The tasks, in input order.
    pub tasks: Vec<TaskSpec>,
    /// Batches in all.
    pub batches: u64,
    /// Documents in all.
    pub documents: u64,
    /// Bytes of text in all (decompressed).
    pub text_bytes: u64,
    /// Bytes of the input files.
    pub input_bytes: u64,
}

/// Cuts the input of `cfg` into tasks of about `task_bytes` bytes of text each, reading it once
/// (lines and documents, no encoding). `stop` is asked after every batch.
pub fn plan(cfg: &PackConfig, task_bytes: u64, stop: &Stop<'_>) -> Result<Plan> {
    let (max_docs, max_bytes) = limits_of(cfg, task_bytes);
    let mut reader = CorpusReader::new(cfg.input.files.clone(), cfg.input.layout.clone(), cfg.on_error());
    let mut tasks: Vec<TaskSpec> = Vec::new();
    let (mut batches, mut documents) = (0u64, 0u64);
    let mut open: Option<TaskSpec> = None;
    loop {
        let start = reader.position();
        let before = reader.stats().text_bytes;
        let Some(docs) = reader.next_batch(max_docs, max_bytes)? else { break };
        let bytes = reader.stats().text_bytes - before;
        let t = open.get_or_insert(TaskSpec {
            index: tasks.len(),
            start,
            batches: 0,
            first_batch: batches,
            first_document: documents,
            documents: 0,
            text_bytes: 0,
            max_docs,
            max_bytes,
        });
        t.batches += 1;
        t.documents += docs.len() as u64;
        t.text_bytes += bytes;
        batches += 1;
        documents += docs.len() as u64;
        if t.text_bytes >= task_bytes.max(1) {
            tasks.extend(open.take());
        }
        stop.check()?;
    }
    tasks.extend(open.take());
    Ok(Plan {
        kind: PartKind::of(&cfg.format, cfg.compat),
        tasks,
        batches,
        documents,
        text_bytes: reader.stats().text_bytes,
        input_bytes: input_size(cfg),
    })
}

/// The batches of a plan: Google's streaming blocks exactly as the local run cuts them (its rows
/// depend on them); for the other builders, whose rows depend on the document order alone,
/// batches of at most `batch_bytes` and at most `task_bytes` (so tasks can be smaller than a
/// local batch).
fn limits_of(cfg: &PackConfig, task_bytes: u64) -> (usize, usize) {
    match &cfg.format {
        FormatConfig::Bert(g) if !cfg.compat => (g.block_documents, cfg.block_bytes),
        _ => (usize::MAX, cfg.run.batch_bytes.min(usize::try_from(task_bytes.max(1)).unwrap_or(usize::MAX))),
    }
}

/// What a task did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskReport {
    /// The task's number.
    pub index: usize,
    /// Documents read.
    pub documents: u64,
    /// Sentences read.
    pub sentences: u64,
    /// Tokens of the encoded sentences.
    pub input_tokens: u64,
    /// Bytes of text read (decompressed).
    pub text_bytes: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// JSONL records skipped as malformed.
    pub skipped_bad_records: u64,
    /// Items in the part (rows or documents).
    pub items: u64,
    /// Bytes of the part file.
    pub part_bytes: u64,
    /// sha256 of the part file.
    pub part_sha256: String,
    /// Wall time.
    pub seconds: f64,
    /// Threads used.
    pub threads: usize,
    /// The special ids the task used (a reduce given them needs no encoder).
    pub specials: Option<Specials>,
}

/// Runs tasks of one pack: the encoder is loaded once and serves every task it is given.
pub struct TaskRunner {
    cfg: PackConfig,
    enc: PackEncoder,
    sp: Specials,
    kind: PartKind,
    pool: rayon::ThreadPool,
}

impl TaskRunner {
    /// Loads the encoder of `cfg` (`dicdir`: its MeCab dictionary, resolved by the caller).
    pub fn new(cfg: &PackConfig, dicdir: Option<&Path>) -> Result<TaskRunner> {
        let mecab = MecabOptions::cached(cfg.run.cache_dir.clone());
        let enc = PackEncoder::load(&cfg.tokenizer.kind, &cfg.tokenizer.path, dicdir, &mecab)?;
        let sp = enc.specials(cfg.tokenizer.specials)?;
        Builder::new(&cfg.format, cfg.compat, sp)?;
        Ok(TaskRunner {
            cfg: cfg.clone(),
            enc,
            sp,
            kind: PartKind::of(&cfg.format, cfg.compat),
            pool: pool(cfg.run.threads)?,
        })
    }

    /// Runs `task`, writing its part into `dir` (atomically; a rerun replaces it with the same
    /// bytes).
    pub fn run(&self, task: &TaskSpec, dir: &Path, stop: &Stop<'_>) -> Result<TaskReport> {
        let t0 = Instant::now();
        let cfg = &self.cfg;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut reader =
            CorpusReader::starting_at(cfg.input.files.clone(), cfg.input.layout.clone(), cfg.on_error(), task.start);
        let mut report = PackReport::default();
        let mut stage = Stages { enc: &self.enc, pool: &self.pool, report: &mut report, progress: false };
        let part = PartFile::create(dir, &self.kind.file_name(task.index), self.kind)?;
        let limits = (task.max_docs, task.max_bytes);
        let total = task.text_bytes;
        let written = match self.kind {
            PartKind::Rows => {
                let schema = ShardSchema::preset(cfg.format.name(), self.sp.vocab_size, None)?;
                let mut sink = Sink::fresh(RowsPart { part, schema, scratch: Vec::new() });
                let mut builder =
                    Builder::starting_at(&cfg.format, cfg.compat, self.sp, task.first_batch, task.first_document)?;
                if builder.block_documents().is_some_and(|n| (n, cfg.block_bytes) != limits) {
                    return Err(Error::Config(format!("task {}: its batches are not the Google blocks", task.index)));
                }
                let pool = &self.pool;
                let (b, s) = (&mut builder, &mut sink);
                stage.drive(
                    &mut reader,
                    limits,
                    task.batches,
                    total,
                    &mut |d| {
                        b.consume(d, pool, s)?;
                        Ok(s.rows())
                    },
                    stop,
                )?;
                sink.into_inner().part.finish()?
            }
            PartKind::Docs => {
                let mut part = part;
                let p = &mut part;
                stage.drive(
                    &mut reader,
                    limits,
                    task.batches,
                    total,
                    &mut |docs| {
                        docs.iter().try_for_each(|d| p.put_document(d))?;
                        Ok(0)
                    },
                    stop,
                )?;
                part.finish()?
            }
        };
        if report.documents != task.documents {
            return Err(Error::Config(format!(
                "task {}: read {} documents, the plan has {} (did the input change?)",
                task.index, report.documents, task.documents
            )));
        }
        Ok(TaskReport {
            index: task.index,
            documents: report.documents,
            sentences: report.sentences,
            input_tokens: report.input_tokens,
            text_bytes: reader.stats().text_bytes,
            skipped_invalid_utf8: report.skipped_invalid_utf8,
            skipped_bad_records: report.skipped_bad_records,
            items: written.0,
            part_bytes: written.1,
            part_sha256: written.2,
            seconds: t0.elapsed().as_secs_f64(),
            threads: self.pool.current_num_threads(),
            specials: Some(self.sp),
        })
    }
}

/// A part file being written under a temporary name.
struct PartFile {
    tmp: PathBuf,
    fin: PathBuf,
    dir: PathBuf,
    w: BufWriter<HashingWriter<File>>,
    items: u64,
    scratch: Vec<u8>,
}

impl PartFile {
    fn create(dir: &Path, name: &str, kind: PartKind) -> Result<PartFile> {
        let tmp = dir.join(format!("{name}.tmp"));
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, HashingWriter::new(file));
        w.write_all(kind.magic()).map_err(|e| Error::io(&tmp, e))?;
        Ok(PartFile { fin: dir.join(name), dir: dir.to_path_buf(), tmp, w, items: 0, scratch: Vec::new() })
    }

    fn put(&mut self, item: &[u8]) -> Result<()> {
        self.scratch.clear();
        put_varint(&mut self.scratch, item.len() as u64);
        self.w.write_all(&self.scratch).and_then(|()| self.w.write_all(item)).map_err(|e| Error::io(&self.tmp, e))?;
        self.items += 1;
        Ok(())
    }

    fn put_document(&mut self, doc: &Document) -> Result<()> {
        let mut item = Vec::new();
        put_varint(&mut item, doc.len() as u64);
        for s in doc {
            put_varint(&mut item, s.ids.len() as u64);
            for (&id, &start) in s.ids.iter().zip(&s.word_starts) {
                put_varint(&mut item, (u64::from(id) << 1) | u64::from(start));
            }
        }
        self.put(&item)
    }

    /// Writes the trailer, fsyncs, renames; returns (items, bytes, sha256).
    fn finish(mut self) -> Result<(u64, u64, String)> {
        let tmp = self.tmp.clone();
        self.w
            .write_all(&self.items.to_le_bytes())
            .and_then(|()| self.w.write_all(END_MAGIC))
            .map_err(|e| Error::io(&tmp, e))?;
        let hw = self.w.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
        let (file, bytes, sha) = hw.finish();
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, &self.fin).map_err(|e| Error::io(&self.fin, e))?;
        sync_dir(&self.dir)?;
        Ok((self.items, bytes, sha))
    }
}

/// Rows of a task, written to its part.
struct RowsPart {
    part: PartFile,
    schema: ShardSchema,
    scratch: Vec<u8>,
}

impl RowTarget for RowsPart {
    fn schema(&self) -> &ShardSchema {
        &self.schema
    }

    fn push(&mut self, row: &[Value]) -> Result<()> {
        self.schema
            .check_row(row)
            .map_err(|m| Error::Config(format!("a built row does not fit the shard schema: {m}")))?;
        let mut cols = std::mem::take(&mut self.scratch);
        cols.clear();
        encode_columns(&self.schema, row, &mut cols);
        let r = self.part.put(&cols);
        self.scratch = cols;
        r
    }

    fn push_encoded(&mut self, cols: &[u8]) -> Result<()> {
        self.part.put(cols)
    }
}

/// Reads a part file item by item, checking its framing.
struct PartReader {
    path: PathBuf,
    r: BufReader<std::io::Take<File>>,
    items: u64,
    read: u64,
    offset: u64,
}

impl PartReader {
    fn open(path: &Path, kind: PartKind) -> Result<PartReader> {
        let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
        let bad = |m: &str| Error::shard(path, format!("not a complete {kind:?} part file: {m}"));
        if len < 24 {
            return Err(bad("shorter than its header and trailer"));
        }
        let mut head = [0u8; 8];
        let mut tail = [0u8; 16];
        f.read_exact(&mut head).map_err(|e| Error::io(path, e))?;
        f.seek(SeekFrom::End(-16)).and_then(|_| f.read_exact(&mut tail)).map_err(|e| Error::io(path, e))?;
        if &head != kind.magic() {
            return Err(bad("wrong magic"));
        }
        if &tail[8..] != END_MAGIC {
            return Err(bad("no trailer (cut short?)"));
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&tail[..8]);
        f.seek(SeekFrom::Start(8)).map_err(|e| Error::io(path, e))?;
        let r = BufReader::with_capacity(1 << 20, f.take(len - 24));
        Ok(PartReader { path: path.to_path_buf(), r, items: u64::from_le_bytes(n), read: 0, offset: 8 })
    }

    /// The next item into `buf`; false after the last.
    fn next(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        let at = self.offset;
        let corrupt = |m: &str| Error::shard(&self.path, format!("item {} at byte {at}: {m}", self.read));
        let mut len = 0u64;
        let mut shift = 0;
        loop {
            let mut b = [0u8; 1];
            match self.r.read(&mut b).map_err(|e| Error::io(&self.path, e))? {
                0 if shift == 0 => {
                    if self.read != self.items {
                        return Err(corrupt(&format!("the trailer counts {} items", self.items)));
                    }
                    return Ok(false);
                }
                0 => return Err(corrupt("cut short")),
                _ => {}
            }
            self.offset += 1;
            len |= u64::from(b[0] & 0x7f) << shift;
            if b[0] < 0x80 {
                break;
            }
            shift += 7;
            if shift >= 64 {
                return Err(corrupt("bad length"));
            }
        }
        let len = usize::try_from(len).map_err(|_| corrupt("bad length"))?;
        if len > 1 << 30 {
            return Err(corrupt("an item over 1 GiB"));
        }
        buf.resize(len, 0);
        self.r.read_exact(buf).map_err(|_| corrupt("cut short"))?;
        self.offset += len as u64;
        self.read += 1;
        Ok(true)
    }
}

/// Decodes a document item.
fn decode_document(item: &[u8], path: &Path) -> Result<Document> {
    let corrupt = || Error::shard(path, "a corrupt document item");
    let mut pos = 0;
    let get = |pos: &mut usize| crate::shards::shuffle::get_varint(item, pos).ok_or_else(corrupt);
    let n = get(&mut pos)?;
    let mut doc = Vec::with_capacity(n.min(1 << 16) as usize);
    for _ in 0..n {
        let len = get(&mut pos)?;
        if len > item.len() as u64 {
            return Err(corrupt());
        }
        let mut ids = Vec::with_capacity(len as usize);
        let mut starts = Vec::with_capacity(len as usize);
        for _ in 0..len {
            let v = get(&mut pos)?;
            ids.push(u32::try_from(v >> 1).map_err(|_| corrupt())?);
            starts.push(v & 1 == 1);
        }
        doc.push(Sentence { ids, word_starts: starts });
    }
    if pos != item.len() {
        return Err(corrupt());
    }
    Ok(doc)
}

/// Builds the shards of `cfg` from the parts of its tasks, in task order (`parts`: every task's
/// part file, of `kind`). Resumes an interrupted reduce. The report's input counts are zero (the
/// tasks' reports hold them).
pub fn reduce(
    cfg: &PackConfig,
    dicdir: Option<&Path>,
    kind: PartKind,
    parts: &[PathBuf],
    stop: &Stop<'_>,
) -> Result<PackReport> {
    let mut it = parts.iter().cloned();
    reduce_stream(cfg, dicdir, kind, &mut || Ok(it.next()), true, stop)
}

/// [`reduce`] taking the parts one at a time as they become ready: `next_part` gives the next
/// task's part (waiting for it as long as it must), `None` after the last. The shard writer
/// takes each part's rows while later tasks still run; the gather pass follows the last part.
/// With `gather` false and the shuffle on, the scatter is only sealed
/// ([`ShardOutput::seal`](crate::shards::ShardOutput::seal)): the gather then runs in pieces,
/// [`gather_shards`](crate::shards::gather_shards) on any machine that sees the output, and
/// [`finish_gather`] records them (the report's shard figures come from there).
pub fn reduce_stream(
    cfg: &PackConfig,
    dicdir: Option<&Path>,
    kind: PartKind,
    next_part: &mut dyn FnMut() -> Result<Option<PathBuf>>,
    gather: bool,
    stop: &Stop<'_>,
) -> Result<PackReport> {
    let t0 = Instant::now();
    if kind != PartKind::of(&cfg.format, cfg.compat) {
        return Err(Error::Config(format!("{kind:?} parts cannot make {} shards", cfg.format.name())));
    }
    // The encoder (a MeCab dictionary) is loaded only to find the special ids when not given
    // (the Ray executor passes those of a finished task).
    let sp = match cfg.tokenizer.specials {
        Some(sp) => {
            sp.validate()?;
            sp
        }
        None => {
            let mecab = MecabOptions::cached(cfg.run.cache_dir.clone());
            PackEncoder::load(&cfg.tokenizer.kind, &cfg.tokenizer.path, dicdir, &mecab)?.specials(None)?
        }
    };
    let mut builder = Builder::new(&cfg.format, cfg.compat, sp)?;
    let (pool, mut sink, mut report) = open_sink(cfg, dicdir, &sp)?;
    if sink.out.needs_input() {
        let mut buf = Vec::new();
        while let Some(path) = next_part()? {
            let path = &path;
            let mut r = PartReader::open(path, kind)?;
            match kind {
                PartKind::Rows => {
                    while r.next(&mut buf)? {
                        sink.push_one_encoded(&buf)?;
                    }
                }
                PartKind::Docs => {
                    let mut docs = Vec::with_capacity(REDUCE_DOCS);
                    while r.next(&mut buf)? {
                        docs.push(decode_document(&buf, path)?);
                        if docs.len() == REDUCE_DOCS {
                            builder.consume(std::mem::take(&mut docs), &pool, &mut sink)?;
                        }
                    }
                    builder.consume(docs, &pool, &mut sink)?;
                }
            }
            stop.check()?;
        }
        builder.finish(&mut sink)?;
    }
    if !gather && cfg.output.shuffle.is_some() {
        let m = sink.out.seal()?;
        finish_report(&mut report, cfg, &m, t0);
        return Ok(report);
    }
    finish_output(cfg, sink, &pool, &mut report, t0)?;
    Ok(report)
}

/// Records the shards of a gather run in pieces after [`reduce_stream`] sealed it (`entries`:
/// every piece's, in order) and completes the manifest; the report's output figures.
pub fn finish_gather(cfg: &PackConfig, entries: Vec<crate::shards::ShardEntry>) -> Result<PackReport> {
    let t0 = Instant::now();
    let m = crate::shards::finish_gathered(&cfg.output.dir, entries)?;
    let mut report = PackReport::default();
    finish_report(&mut report, cfg, &m, t0);
    Ok(report)
}
