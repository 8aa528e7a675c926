//! `wakachi corpus kuten`: colorfulscoop's gpt2-small-ja corpus layout (`src/get_jawiki.sh` of
//! colorfulscoop/gpt-ja): optionally drop every line containing a string (theirs: `grep -v doc`,
//! meant for WikiExtractor's `<doc …>` lines but dropping any line with "doc" in it), cut after
//! every `。` (`perl -wlp -e 's/。/。\n/g'`) and drop empty lines (`perl -wln -e '/^$/ or print'`):
//! one "sentence" a line, no document breaks. Lines end at `\n`; anything else (a `\r`,
//! whitespace-only pieces) is kept as their byte-level tools keep it. A line that is not UTF-8
//! stops the run naming file and line, or with [`OnError::Skip`] is left out and counted.
//! Sequential and streaming: it is bound by reading and writing.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::lines::OnError;
use crate::pack::corpus::open;
use crate::pipeline::write_error;

/// Settings of a `wakachi corpus kuten` run.
#[derive(Debug, Clone)]
pub struct KutenJob {
    /// Drop input lines containing this string (colorfulscoop: `doc`).
    pub drop_containing: Option<String>,
    /// What to do with a line that is not UTF-8.
    pub on_error: OnError,
}

/// Figures of a finished (or running) run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct KutenReport {
    /// Input lines.
    pub lines: u64,
    /// Bytes of input after decompression.
    #[serde(rename = "bytes")]
    pub text_bytes: u64,
    /// Bytes taken from the input files (compressed size).
    pub file_bytes: u64,
    /// Input lines dropped for containing `drop_containing`.
    pub dropped_lines: u64,
    /// Lines written.
    pub sentences: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

/// Writes the non-empty pieces of `line` cut after every `。`, one a line; returns how many.
pub fn cut_after_kuten(line: &str, out: &mut Vec<u8>) -> u64 {
    let mut n = 0;
    for piece in line.split_inclusive('。').filter(|p| !p.is_empty()) {
        out.extend_from_slice(piece.as_bytes());
        out.push(b'\n');
        n += 1;
    }
    n
}

/// Runs the layout over `inputs` into `out`; `progress` is called about every 8 MB, and when it
/// returns true the run stops with [`Error::Interrupted`].
pub fn kuten(
    inputs: &[PathBuf],
    job: &KutenJob,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&KutenReport) -> bool,
) -> Result<KutenReport> {
    let t0 = Instant::now();
    let compressed = Arc::new(AtomicU64::new(0));
    let mut r = KutenReport::default();
    let (mut raw, mut buf) = (Vec::new(), Vec::with_capacity(1 << 20));
    let mut next_report = 8 << 20;
    for path in inputs {
        let mut reader = open(path, compressed.clone())?;
        let mut line_no = 0u64;
        loop {
            raw.clear();
            let n = reader.read_until(b'\n', &mut raw).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            r.lines += 1;
            r.text_bytes += n as u64;
            let bytes = raw.strip_suffix(b"\n").unwrap_or(&raw);
            let line = match std::str::from_utf8(bytes) {
                Ok(l) => l,
                Err(_) if job.on_error == OnError::Skip => {
                    r.skipped_invalid_utf8 += 1;
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
            if job.drop_containing.as_deref().is_some_and(|d| line.contains(d)) {
                r.dropped_lines += 1;
                continue;
            }
            r.sentences += cut_after_kuten(line, &mut buf);
            if buf.len() >= 1 << 20 {
                out.write_all(&buf).map_err(write_error)?;
                buf.clear();
            }
            if r.text_bytes >= next_report {
                next_report += 8 << 20;
                r.file_bytes = compressed.load(Ordering::Relaxed);
                r.seconds = t0.elapsed().as_secs_f64();
                if progress(&r) {
                    return Err(Error::Interrupted);
                }
            }
        }
    }
    out.write_all(&buf).map_err(write_error)?;
    out.flush().map_err(write_error)?;
    r.file_bytes = compressed.load(Ordering::Relaxed);
    r.seconds = t0.elapsed().as_secs_f64();
    Ok(r)
}

#[cfg(test)]
#[path = "kuten_test.rs"]
mod tests;
