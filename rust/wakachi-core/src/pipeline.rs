//! Wiring stages over many cores. This is the only module that owns threads: a local rayon pool
//! of an explicit size; work is cut into indexed chunks and results are put back in input order,
//! so output is identical for 1 or N threads.

use std::io::Write;
use std::time::Instant;

use rayon::prelude::*;

use crate::encode::{BertJapanese, Encoding};
use crate::error::{Error, Result};
use crate::lines::{Input, Line, LineReader, OnError};
use crate::segment::{write_line, Segmenter, Span};
use crate::vocab::{WordCounts, WordOptions};

/// A local thread pool of `threads` threads (0 = all cores).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))
}

/// Segments every text, in parallel, results in input order.
pub fn segment_many<'s, T: AsRef<str> + Sync>(seg: &'s Segmenter, texts: &[T], pool: &rayon::ThreadPool) -> Vec<Vec<Span<'s>>> {
    pool.install(|| {
        texts
            .par_iter()
            .with_min_len(64)
            .map_init(
                || seg.worker(),
                |w, t| {
                    let mut out = Vec::new();
                    w.segment(t.as_ref(), &mut out);
                    out
                },
            )
            .collect()
    })
}

/// Settings of a `wakachi segment` run.
#[derive(Debug, Clone)]
pub struct SegmentJob {
    /// Write MeCab's `surface\tfeature … EOS` format instead of space-separated words.
    pub features: bool,
    /// Threads (0 = all cores).
    pub threads: usize,
    /// What to do with invalid UTF-8.
    pub on_error: OnError,
}

/// Figures of a finished (or running) segmentation.
#[derive(Debug, Clone, Default)]
pub struct SegmentReport {
    /// Input lines.
    pub lines: u64,
    /// Input bytes.
    pub bytes: u64,
    /// Words written.
    pub words: u64,
    /// Lines skipped as invalid UTF-8 (written as blank lines).
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

const BATCH_LINES: usize = 1 << 16;
const BATCH_BYTES: usize = 8 << 20;
const CHUNK_LINES: usize = 512;

/// Segments `inputs` into `out`, one output line (or `EOS` block) per input line.
/// `progress` is called after every batch.
pub fn segment_inputs(
    seg: &Segmenter,
    inputs: Vec<Input>,
    job: &SegmentJob,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&SegmentReport),
) -> Result<SegmentReport> {
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    let mut reader = LineReader::new(inputs, job.on_error);
    let mut report = SegmentReport::default();
    let mut batch: Vec<Line> = Vec::new();
    while reader.next_batch(&mut batch, BATCH_LINES, BATCH_BYTES)? {
        let chunks: Vec<(Vec<u8>, u64)> = pool.install(|| {
            batch
                .par_chunks(CHUNK_LINES)
                .map_init(
                    || (seg.worker(), Vec::new()),
                    |(w, spans), lines| {
                        let mut buf = Vec::new();
                        let mut words = 0;
                        for line in lines {
                            let text = line.as_deref().unwrap_or("");
                            w.segment(text, spans);
                            words += spans.len() as u64;
                            write_line(text, spans, job.features, &mut buf);
                        }
                        (buf, words)
                    },
                )
                .collect()
        });
        for (buf, words) in chunks {
            out.write_all(&buf).map_err(write_error)?;
            report.words += words;
        }
        report.lines += batch.len() as u64;
        report.bytes = reader.bytes;
        report.skipped_invalid_utf8 = reader.skipped;
        report.seconds = t0.elapsed().as_secs_f64();
        progress(&report);
        batch.clear();
    }
    out.flush().map_err(write_error)?;
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

/// Encodes every text, in parallel, results in input order.
pub fn encode_many<T: AsRef<str> + Sync>(tok: &BertJapanese, texts: &[T], pool: &rayon::ThreadPool) -> Vec<Encoding> {
    pool.install(|| {
        texts
            .par_iter()
            .with_min_len(64)
            .map_init(
                || tok.worker(),
                |w, t| {
                    let mut out = Encoding::default();
                    w.encode(t.as_ref(), &mut out);
                    out
                },
            )
            .collect()
    })
}

/// Settings of a `wakachi encode` run.
#[derive(Debug, Clone)]
pub struct EncodeJob {
    /// Threads (0 = all cores).
    pub threads: usize,
    /// What to do with invalid UTF-8.
    pub on_error: OnError,
}

/// Figures of a finished (or running) encoding.
#[derive(Debug, Clone, Default)]
pub struct EncodeReport {
    /// Input lines.
    pub lines: u64,
    /// Input bytes.
    pub bytes: u64,
    /// Token ids written.
    pub tokens: u64,
    /// Lines skipped as invalid UTF-8 (written as blank lines).
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

/// Encodes `inputs` into `out`: per input line, one line of space-separated ids (no special
/// tokens added). `progress` is called after every batch.
pub fn encode_inputs(
    tok: &BertJapanese,
    inputs: Vec<Input>,
    job: &EncodeJob,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&EncodeReport),
) -> Result<EncodeReport> {
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    let mut reader = LineReader::new(inputs, job.on_error);
    let mut report = EncodeReport::default();
    let mut batch: Vec<Line> = Vec::new();
    while reader.next_batch(&mut batch, BATCH_LINES, BATCH_BYTES)? {
        let chunks: Vec<(Vec<u8>, u64)> = pool.install(|| {
            batch
                .par_chunks(CHUNK_LINES)
                .map_init(|| (tok.worker(), Vec::new()), |(w, ids), lines| encode_chunk(w, ids, lines))
                .collect()
        });
        for (buf, tokens) in chunks {
            out.write_all(&buf).map_err(write_error)?;
            report.tokens += tokens;
        }
        report.lines += batch.len() as u64;
        report.bytes = reader.bytes;
        report.skipped_invalid_utf8 = reader.skipped;
        report.seconds = t0.elapsed().as_secs_f64();
        progress(&report);
        batch.clear();
    }
    out.flush().map_err(write_error)?;
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

fn encode_chunk(w: &mut crate::encode::EncodeWorker<'_>, ids: &mut Vec<u32>, lines: &[Line]) -> (Vec<u8>, u64) {
    let mut buf = Vec::new();
    let mut tokens = 0;
    for line in lines {
        w.encode_ids(line.as_deref().unwrap_or(""), ids);
        tokens += ids.len() as u64;
        write_ids(ids, &mut buf);
    }
    (buf, tokens)
}

/// Writes ids separated by single spaces and a newline.
pub fn write_ids(ids: &[u32], out: &mut Vec<u8>) {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let mut n = *id;
        let mut digits = [0u8; 10];
        let mut k = digits.len();
        loop {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[k..]);
    }
    out.push(b'\n');
}

/// Applies `f` to every item in parallel with one `init()` state per worker thread (e.g. an
/// encoder's worker); results in input order.
pub fn map_ordered<T, S, R, I, F>(items: &[T], pool: &rayon::ThreadPool, init: I, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, &T) -> R + Sync + Send,
{
    pool.install(|| items.par_iter().with_min_len(64).map_init(init, f).collect())
}

/// Runs `a`, `b` and `c` at the same time on the pool (one after the other with one thread) and
/// returns their results; the stages of a streaming run overlap this way.
pub fn join3<A, B, C, RA, RB, RC>(pool: &rayon::ThreadPool, a: A, b: B, c: C) -> (RA, RB, RC)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    C: FnOnce() -> RC + Send,
    RA: Send,
    RB: Send,
    RC: Send,
{
    pool.install(|| {
        let (ra, (rb, rc)) = rayon::join(a, || rayon::join(b, c));
        (ra, rb, rc)
    })
}

pub(crate) fn write_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::BrokenPipe
    } else {
        Error::io("<output>", e)
    }
}

/// Figures of a word count for vocabulary training.
#[derive(Debug, Clone, Default)]
pub struct CountReport {
    /// Input lines.
    pub lines: u64,
    /// Input bytes.
    pub bytes: u64,
    /// Words counted.
    pub words: u64,
    /// Distinct words.
    pub distinct: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

const COUNT_CHUNK_LINES: usize = 2048;

/// Counts the training words of `inputs` (one text per line) on `threads` threads; memory is
/// one batch of lines plus one entry per distinct word. `progress` is called after every batch.
pub fn count_words(
    seg: &Segmenter,
    inputs: Vec<Input>,
    opts: WordOptions,
    threads: usize,
    on_error: OnError,
    progress: &mut dyn FnMut(&CountReport),
) -> Result<(WordCounts, CountReport)> {
    let pool = pool(threads)?;
    let t0 = Instant::now();
    let mut reader = LineReader::new(inputs, on_error);
    let mut report = CountReport::default();
    let mut counts = WordCounts::new();
    let mut batch: Vec<Line> = Vec::new();
    while reader.next_batch(&mut batch, BATCH_LINES, BATCH_BYTES)? {
        let part = pool.install(|| {
            batch
                .par_chunks(COUNT_CHUNK_LINES)
                .map_init(
                    || (seg.worker(), Vec::new()),
                    |(w, spans), lines| {
                        let mut c = WordCounts::new();
                        for line in lines.iter().flatten() {
                            c.add_line(line, opts, w, spans);
                        }
                        c
                    },
                )
                .reduce(WordCounts::new, |mut a, b| {
                    a.merge(b);
                    a
                })
        });
        report.words += part.total();
        counts.merge(part);
        report.lines += batch.len() as u64;
        report.bytes = reader.bytes;
        report.distinct = counts.len() as u64;
        report.skipped_invalid_utf8 = reader.skipped;
        report.seconds = t0.elapsed().as_secs_f64();
        progress(&report);
        batch.clear();
    }
    report.seconds = t0.elapsed().as_secs_f64();
    Ok((counts, report))
}
