//! `wakachi corpus deal`: documents dealt to N files at random, as cl-tohoku's
//! `merge_split_corpora.py` does.
//!
//! Every input line is whitespace-normalised (Python's `" ".join(line.strip().split())`) and
//! written to the current file; a line that is empty after that (a document break) is written
//! too, and then the next file is drawn with `randrange(N)` from CPython's `random.Random(seed)`.
//! The first file is drawn as cl-tohoku draws it, `randint(1, N)`; the draw `N` (which makes their
//! script fail with an `IndexError`) deals to the first file. Lines end at `\n`, `\r\n` or a
//! lone `\r` (Python's universal newlines, as their text-mode reads do). Inputs are plain,
//! `.gz`, `.zst` or `.xz`; outputs `PREFIX{i:02}.txt` (1-based) plus the compression's suffix.
//!
//! One difference from their script: a file that does not end with a blank line gets one, so a
//! document never continues from one input file into the next (their script would join the two).
//! With seed 0 and inputs ending in blank lines (as `make_corpus_wiki.py`'s output does), the
//! output is byte-identical to theirs.
//!
//! Input is read a batch at a time; the batch's lines are appended to per-file buffers, which
//! are compressed and written on all cores (one file per thread) while the next batch is read.
//! Outputs are written under partial names and renamed once all are complete.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::output::{AtomicOutput, Compression};
use crate::encode::normalize::py_split;
use crate::error::{Error, Result};
use crate::instances::rng::{PyRandom, Rng};
use crate::lines::OnError;
use crate::pack::corpus::open;
use crate::pipeline::{pool, BATCH_BYTES};

/// Settings of a `wakachi corpus deal` run.
#[derive(Debug, Clone)]
pub struct DealJob {
    /// Output files.
    pub num_files: usize,
    /// Seed of `random.Random` (cl-tohoku: 0).
    pub seed: u64,
    /// Compression of the outputs.
    pub compression: Compression,
    /// Output name prefix (cl-tohoku: `corpus_`).
    pub prefix: String,
    /// Threads (0 = all cores).
    pub threads: usize,
    /// What to do with a line that is not UTF-8 (a skipped line is left out).
    pub on_error: OnError,
}

/// Figures of a finished (or running) deal.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DealReport {
    /// Lines written (after splitting at lone `\r`).
    pub lines: u64,
    /// Bytes of input after decompression.
    #[serde(rename = "bytes")]
    pub text_bytes: u64,
    /// Bytes taken from the input files (compressed size).
    pub file_bytes: u64,
    /// Document breaks (blank lines) written, including those added at the end of a file.
    pub documents: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// Lines written to each output file.
    pub lines_per_file: Vec<u64>,
    /// The output files.
    pub outputs: Vec<PathBuf>,
    /// Wall time so far.
    pub seconds: f64,
}

/// The output file names of a deal into `dir`.
pub fn output_paths(dir: &Path, job: &DealJob) -> Vec<PathBuf> {
    (1..=job.num_files).map(|i| dir.join(format!("{}{i:02}.txt{}", job.prefix, job.compression.suffix()))).collect()
}

/// The logical lines of one physical line (its `\n` and a `\r` before it removed): split at
/// lone `\r`.
fn logical_lines(mut line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line = line.strip_suffix(b"\n").unwrap_or(line);
    line = line.strip_suffix(b"\r").unwrap_or(line);
    line.split(|&b| b == b'\r')
}

/// Deals the documents of `inputs` into `num_files` files in `dir` (created if missing).
/// `progress` is called after every flush; when it returns true the run stops with
/// [`Error::Interrupted`] (and the partial files are removed).
pub fn deal(
    inputs: &[PathBuf],
    dir: &Path,
    job: &DealJob,
    progress: &mut dyn FnMut(&DealReport) -> bool,
) -> Result<DealReport> {
    if job.num_files == 0 {
        return Err(Error::Config("--num-files must be at least 1".into()));
    }
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let paths = output_paths(dir, job);
    let mut outs = paths.iter().map(|p| AtomicOutput::create(p, 1)).collect::<Result<Vec<_>>>()?;
    let n = job.num_files as u64;
    let mut rng = PyRandom::new(job.seed);
    let mut index = (rng.randint(1, n) % n) as usize;
    let mut report = DealReport { lines_per_file: vec![0; job.num_files], outputs: paths, ..Default::default() };
    let compressed = Arc::new(AtomicU64::new(0));
    let mut bufs: Vec<Vec<u8>> = vec![Vec::new(); job.num_files];
    let mut held = 0usize;
    let mut norm = String::new();
    for path in inputs {
        let mut reader = open(path, compressed.clone())?;
        let (mut line_no, mut last_blank, mut any) = (0u64, true, false);
        let mut raw = Vec::new();
        loop {
            raw.clear();
            let got = reader.read_until(b'\n', &mut raw).map_err(|e| Error::io(path, e))?;
            if got == 0 {
                break;
            }
            line_no += 1;
            report.text_bytes += got as u64;
            for part in logical_lines(&raw) {
                let text = match std::str::from_utf8(part) {
                    Ok(t) => t,
                    Err(_) if job.on_error == OnError::Skip => {
                        report.skipped_invalid_utf8 += 1;
                        continue;
                    }
                    Err(e) => {
                        return Err(Error::InvalidUtf8 {
                            source_name: path.display().to_string(),
                            line: line_no,
                            offset: e.valid_up_to(),
                        })
                    }
                };
                norm.clear();
                for (k, w) in py_split(text).enumerate() {
                    if k > 0 {
                        norm.push(' ');
                    }
                    norm.push_str(w);
                }
                let buf = &mut bufs[index];
                buf.extend_from_slice(norm.as_bytes());
                buf.push(b'\n');
                held += norm.len() + 1;
                report.lines += 1;
                report.lines_per_file[index] += 1;
                any = true;
                last_blank = norm.is_empty();
                if last_blank {
                    report.documents += 1;
                    index = rng.below(n) as usize;
                }
            }
            if held >= BATCH_BYTES {
                flush(&pool, &mut outs, &mut bufs)?;
                held = 0;
                report.file_bytes = compressed.load(Ordering::Relaxed);
                report.seconds = t0.elapsed().as_secs_f64();
                if progress(&report) {
                    return Err(Error::Interrupted);
                }
            }
        }
        if any && !last_blank {
            bufs[index].push(b'\n');
            report.lines += 1;
            report.lines_per_file[index] += 1;
            report.documents += 1;
            index = rng.below(n) as usize;
        }
    }
    flush(&pool, &mut outs, &mut bufs)?;
    pool.install(|| outs.into_par_iter().try_for_each(AtomicOutput::finish))?;
    report.file_bytes = compressed.load(Ordering::Relaxed);
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes (compressing) each file's buffered lines, one file per thread, and empties the buffers.
fn flush(pool: &rayon::ThreadPool, outs: &mut [AtomicOutput], bufs: &mut [Vec<u8>]) -> Result<()> {
    pool.install(|| {
        outs.par_iter_mut().zip(bufs.par_iter_mut()).try_for_each(|(o, b)| {
            o.write_bytes(b)?;
            b.clear();
            Ok(())
        })
    })
}

#[cfg(test)]
#[path = "deal_test.rs"]
mod tests;
