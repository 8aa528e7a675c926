//! Threads, and the one loop that streams lines through them. This is the only module that owns
//! threads: a local rayon pool of an explicit size; work is cut into indexed chunks and results
//! are put back in input order, so output is identical for 1 or N threads. The stages' streaming
//! runs (`segment::segment_inputs`, `encode::encode_inputs`, `vocab::count_words`,
//! `split::split_inputs`) are [`for_each_batch`] with their own per-chunk work and sink.

use std::io::Write;
use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::lines::{Input, Line, LineReader, OnError};
use crate::stop::Stop;

/// A local thread pool of `threads` threads (0 = all cores).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))
}

/// Most lines read before a batch is processed.
pub(crate) const BATCH_LINES: usize = 1 << 16;
/// About the most bytes read before a batch is processed.
pub(crate) const BATCH_BYTES: usize = 8 << 20;

/// What a batch of [`for_each_batch`] read.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchRead {
    /// Lines in this batch.
    pub lines: u64,
    /// Bytes read so far, all batches.
    pub bytes: u64,
    /// Lines skipped as invalid UTF-8 so far.
    pub skipped_invalid_utf8: u64,
}

/// The streaming loop: reads `inputs` a batch at a time (at most 65,536 lines or about 8 MB),
/// runs `per_chunk` on `chunk_lines`-line chunks of it in parallel with one `init()` state per
/// thread, and hands the chunks' results to `sink` in input order; asks `stop` after every batch.
/// Memory is one batch of lines and its results.
#[allow(clippy::too_many_arguments)]
pub fn for_each_batch<S, R, I, F>(
    inputs: Vec<Input>,
    on_error: OnError,
    pool: &rayon::ThreadPool,
    chunk_lines: usize,
    init: I,
    per_chunk: F,
    stop: &Stop<'_>,
    sink: &mut dyn FnMut(Vec<R>, BatchRead) -> Result<()>,
) -> Result<()>
where
    R: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, &[Line]) -> R + Sync + Send,
{
    let mut reader = LineReader::new(inputs, on_error);
    let mut batch: Vec<Line> = Vec::new();
    while reader.next_batch_until(&mut batch, BATCH_LINES, BATCH_BYTES, stop)? {
        let results: Vec<R> =
            pool.install(|| batch.par_chunks(chunk_lines).map_init(&init, |s, lines| per_chunk(s, lines)).collect());
        let read = BatchRead { lines: batch.len() as u64, bytes: reader.bytes, skipped_invalid_utf8: reader.skipped };
        sink(results, read)?;
        batch.clear();
        stop.check()?;
    }
    Ok(())
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

/// Lines one thread takes at a time in a line-to-line run.
pub(crate) const CHUNK_LINES: usize = 512;

/// A line-to-line run: `per_line` appends one line's output to a buffer and returns how many
/// items it wrote (one `init()` state per thread); the output is written in input order (a
/// skipped line counts as blank). `progress` is called after every batch.
pub fn line_to_line<S, I, F>(
    inputs: Vec<Input>,
    job: &LineJob,
    out: &mut dyn Write,
    init: I,
    per_line: F,
    stop: &Stop<'_>,
    progress: &mut dyn FnMut(&LineReport),
) -> Result<LineReport>
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, &str, &mut Vec<u8>) -> u64 + Sync + Send,
{
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    let mut report = LineReport::default();
    let per_chunk = |state: &mut S, lines: &[Line]| {
        let mut buf = Vec::new();
        let items: u64 = lines.iter().map(|l| per_line(state, l.as_deref().unwrap_or(""), &mut buf)).sum();
        (buf, items)
    };
    for_each_batch(inputs, job.on_error, &pool, CHUNK_LINES, init, per_chunk, stop, &mut |chunks, read| {
        for (buf, items) in chunks {
            out.write_all(&buf).map_err(write_error)?;
            report.items += items;
        }
        report.lines += read.lines;
        report.bytes = read.bytes;
        report.skipped_invalid_utf8 = read.skipped_invalid_utf8;
        report.seconds = t0.elapsed().as_secs_f64();
        progress(&report);
        Ok(())
    })?;
    out.flush().map_err(write_error)?;
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
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

/// An error writing the output: a closed pipe is [`Error::BrokenPipe`] (not a failure of ours).
pub(crate) fn write_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::BrokenPipe
    } else {
        Error::io("<output>", e)
    }
}
