//! Wiring stages over many cores. This is the only module that owns threads: a local rayon pool
//! of an explicit size; work is cut into indexed chunks and results are put back in input order,
//! so output is identical for 1 or N threads.

use std::io::Write;
use std::time::Instant;

use rayon::prelude::*;

use crate::encode::{AnyTokenizer, AnyWorker, Encoding};
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
pub fn segment_many<'s, T: AsRef<str> + Sync>(
    seg: &'s Segmenter,
    texts: &[T],
    pool: &rayon::ThreadPool,
) -> Vec<Vec<Span<'s>>> {
    map_ordered(
        texts,
        pool,
        || seg.worker(),
        |w, t| {
            let mut out = Vec::new();
            w.segment(t.as_ref(), &mut out);
            out
        },
    )
}

/// Encodes every text, in parallel, results in input order.
pub fn encode_many<T: AsRef<str> + Sync>(tok: &AnyTokenizer, texts: &[T], pool: &rayon::ThreadPool) -> Vec<Encoding> {
    map_ordered(
        texts,
        pool,
        || tok.worker(),
        |w, t| {
            let mut out = Encoding::default();
            w.encode(t.as_ref(), &mut out);
            out
        },
    )
}

/// Settings of a line-to-line run (`wakachi segment`, `wakachi encode`).
#[derive(Debug, Clone)]
pub struct LineJob {
    /// Threads (0 = all cores).
    pub threads: usize,
    /// What to do with invalid UTF-8.
    pub on_error: OnError,
}

/// Figures of a finished (or running) line-to-line run.
#[derive(Debug, Clone, Default)]
pub struct LineReport {
    /// Input lines.
    pub lines: u64,
    /// Input bytes.
    pub bytes: u64,
    /// Items written (words, token ids).
    pub items: u64,
    /// Lines skipped as invalid UTF-8 (written as blank lines).
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

/// Most lines read before a batch is processed.
pub(crate) const BATCH_LINES: usize = 1 << 16;
/// About the most bytes read before a batch is processed.
pub(crate) const BATCH_BYTES: usize = 8 << 20;
/// Lines one thread takes at a time.
pub(crate) const CHUNK_LINES: usize = 512;

/// Segments `inputs` into `out`, one output line (or, with `features`, one MeCab `EOS` block) per
/// input line. `progress` is called after every batch.
pub fn segment_inputs<'s>(
    seg: &'s Segmenter,
    inputs: Vec<Input>,
    job: &LineJob,
    features: bool,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&LineReport),
) -> Result<LineReport> {
    let per_line = |(w, spans): &mut (crate::segment::Worker<'s>, Vec<Span<'s>>), text: &str, buf: &mut Vec<u8>| {
        w.segment(text, spans);
        write_line(text, spans, features, buf);
        spans.len() as u64
    };
    stream_lines(inputs, job, out, || (seg.worker(), Vec::new()), per_line, progress)
}

/// Encodes `inputs` into `out`: per input line, one line of space-separated ids (no special
/// tokens added). `progress` is called after every batch.
pub fn encode_inputs<'t>(
    tok: &'t AnyTokenizer,
    inputs: Vec<Input>,
    job: &LineJob,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&LineReport),
) -> Result<LineReport> {
    let per_line = |(w, ids): &mut (AnyWorker<'t>, Vec<u32>), text: &str, buf: &mut Vec<u8>| {
        w.encode_ids(text, ids);
        write_ids(ids, buf);
        ids.len() as u64
    };
    stream_lines(inputs, job, out, || (tok.worker(), Vec::new()), per_line, progress)
}

/// The line-to-line loop: reads batches of lines, runs `per_line` (which appends one line's
/// output to a buffer and returns how many items it wrote) on 512-line chunks in parallel with one
/// `init()` state per thread, and writes the chunks in input order.
fn stream_lines<S, I, F>(
    inputs: Vec<Input>,
    job: &LineJob,
    out: &mut dyn Write,
    init: I,
    per_line: F,
    progress: &mut dyn FnMut(&LineReport),
) -> Result<LineReport>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, &str, &mut Vec<u8>) -> u64 + Sync + Send,
{
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    let mut reader = LineReader::new(inputs, job.on_error);
    let mut report = LineReport::default();
    let mut batch: Vec<Line> = Vec::new();
    while reader.next_batch(&mut batch, BATCH_LINES, BATCH_BYTES)? {
        let chunks: Vec<(Vec<u8>, u64)> = pool.install(|| {
            batch
                .par_chunks(CHUNK_LINES)
                .map_init(&init, |state, lines| {
                    let mut buf = Vec::new();
                    let items = lines.iter().map(|l| per_line(state, l.as_deref().unwrap_or(""), &mut buf)).sum();
                    (buf, items)
                })
                .collect()
        });
        for (buf, items) in chunks {
            out.write_all(&buf).map_err(write_error)?;
            report.items += items;
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
