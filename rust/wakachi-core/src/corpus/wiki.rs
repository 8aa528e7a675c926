//! `wakachi corpus wikipedia`: a CirrusSearch dump (one JSON record a line, Elasticsearch bulk
//! headers `{"index": …}` between them) to one sentence a line with a blank line after each page
//! that kept a sentence — cl-tohoku's `make_corpus_wiki.py`:
//!
//! - a record with an `index` key is skipped; otherwise its `title` and `text` are used (a `null`
//!   title skips the breadcrumb step, as `title=None` does);
//! - the text is cleaned ([`clean`]), cut into sentences by the rule given (cl-tohoku's MeCab
//!   句点 rule), each sentence stripped and kept if `min ≤ len ≤ max` characters and free of
//!   `\displaystyle`, in that order.
//!
//! Blank lines are ignored. A line that is not UTF-8, not a JSON object, or lacks a string
//! `text` / a string-or-null `title` stops the run naming file and line, or with
//! [`OnError::Skip`] is skipped and counted. Lines are read a batch at a time (the next batch is
//! read and decompressed, and the previous one written, while the current one is processed on
//! every core); output is in input order and the same for any number of threads.

use std::fmt;
use std::io::{BufRead, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::clean::{clean, has_displaystyle};
use crate::error::{Error, Result};
use crate::lines::OnError;
use crate::pack::corpus::open;
use crate::pipeline::{join3, pool, write_error, BATCH_BYTES, BATCH_LINES};
use crate::split::{Limits, Rule, Splitter, Verdict};

/// Settings of a `wakachi corpus wikipedia` run.
#[derive(Debug, Clone)]
pub struct WikiJob {
    /// Sentence length limits (cl-tohoku: 10 and 1000 by default, 200 in its README's run).
    pub limits: Limits,
    /// Threads (0 = all cores).
    pub threads: usize,
    /// What to do with bad lines.
    pub on_error: OnError,
}

/// Figures of a finished (or running) run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WikiReport {
    /// Input lines read.
    pub lines: u64,
    /// Bytes of input after decompression.
    #[serde(rename = "bytes")]
    pub text_bytes: u64,
    /// Bytes taken from the input files (compressed size).
    pub file_bytes: u64,
    /// Bulk-header lines (records with an `index` key) skipped.
    pub index_lines: u64,
    /// Pages (records with a title and text) processed.
    pub pages: u64,
    /// Pages that kept at least one sentence.
    pub pages_kept: u64,
    /// Sentences written.
    pub sentences: u64,
    /// Sentences dropped by the length limits.
    pub dropped_by_length: u64,
    /// Sentences dropped for holding `\displaystyle`.
    pub dropped_displaystyle: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// Lines skipped as malformed records.
    pub skipped_bad_records: u64,
    /// Wall time so far.
    pub seconds: f64,
}

/// The fields of a CirrusSearch line that matter: whether it has an `index` key, and its `title`
/// and `text` values (`None` when absent; JSON `null` is `Some(Value::Null)`). A key given twice
/// keeps its last value, as Python's `json` does.
#[derive(Debug, Default)]
pub struct Record {
    /// The record has an `index` key (a bulk header).
    pub index: bool,
    /// `title`, if present.
    pub title: Option<Value>,
    /// `text`, if present.
    pub text: Option<Value>,
}

enum Key {
    Index,
    Title,
    Text,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Key, E> {
                Ok(match v {
                    "index" => Key::Index,
                    "title" => Key::Title,
                    "text" => Key::Text,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Record;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Record, A::Error> {
                let mut r = Record::default();
                while let Some(k) = m.next_key::<Key>()? {
                    match k {
                        Key::Index => {
                            m.next_value::<IgnoredAny>()?;
                            r.index = true;
                        }
                        Key::Title => r.title = Some(m.next_value()?),
                        Key::Text => r.text = Some(m.next_value()?),
                        Key::Other => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

/// What one input line gave.
enum Outcome {
    /// Nothing (a blank line).
    Blank,
    /// A bulk header.
    Index,
    /// A page: its output bytes and counts.
    Page { buf: Vec<u8>, sentences: u64, dropped_len: u64, dropped_disp: u64 },
    /// Not UTF-8 (offset of the first bad byte).
    BadUtf8(usize),
    /// Not a usable record.
    Bad(String),
}

/// The title and text of a record, or what is wrong with it.
fn page_fields(r: &Record) -> std::result::Result<(Option<&str>, &str), String> {
    let title = match &r.title {
        None => return Err("no \"title\" field".into()),
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err("\"title\" is not a string".into()),
    };
    match &r.text {
        None => Err("no \"text\" field".into()),
        Some(Value::String(s)) => Ok((title, s)),
        Some(_) => Err("\"text\" is not a string".into()),
    }
}

/// The sentences of one cleaned page that pass the filters, each followed by `\n`, then a blank
/// line if there was any; appended to `buf`. Returns (kept, dropped by length, dropped by
/// `\displaystyle`).
pub fn page_sentences(
    sp: &mut Splitter<'_>,
    cleaned: &str,
    limits: &Limits,
    ranges: &mut Vec<Range<usize>>,
    buf: &mut Vec<u8>,
) -> (u64, u64, u64) {
    sp.split(cleaned, ranges);
    let (mut kept, mut by_len, mut by_disp) = (0, 0, 0);
    for r in ranges.iter() {
        match limits.judge(&cleaned[r.clone()]) {
            Verdict::Keep(s) if has_displaystyle(s) => by_disp += 1,
            Verdict::Keep(s) => {
                buf.extend_from_slice(s.as_bytes());
                buf.push(b'\n');
                kept += 1;
            }
            Verdict::Length => by_len += 1,
            Verdict::Empty => {}
        }
    }
    if kept > 0 {
        buf.push(b'\n');
    }
    (kept, by_len, by_disp)
}

fn process_line(sp: &mut Splitter<'_>, ranges: &mut Vec<Range<usize>>, line: &[u8], limits: &Limits) -> Outcome {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => return Outcome::BadUtf8(e.valid_up_to()),
    };
    if text.trim().is_empty() {
        return Outcome::Blank;
    }
    let rec: Record = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => match without_lone_surrogates(text).map(|t| serde_json::from_str(&t)) {
            Some(Ok(r)) => r,
            _ => return Outcome::Bad(format!("not a JSON object: {e}")),
        },
    };
    if rec.index {
        return Outcome::Index;
    }
    let (title, body) = match page_fields(&rec) {
        Ok(f) => f,
        Err(msg) => return Outcome::Bad(msg),
    };
    let cleaned = clean(body, title);
    let mut buf = Vec::new();
    let (sentences, dropped_len, dropped_disp) = page_sentences(sp, &cleaned, limits, ranges, &mut buf);
    Outcome::Page { buf, sentences, dropped_len, dropped_disp }
}

/// `line` with every `\uXXXX` escape of a lone surrogate (which Python's `json` accepts and
/// serde_json refuses) replaced by `\uffff`, or `None` if there is none. What Python does next —
/// NFKC leaves the surrogate alone, `isprintable` drops it, a title holding one never matches the
/// text — is what it does with U+FFFF (a noncharacter: unchanged by NFKC, combining class 0, not
/// printable).
fn without_lone_surrogates(line: &str) -> Option<String> {
    let b = line.as_bytes();
    let hex_at = |i: usize| -> Option<u32> {
        let h = b.get(i..i + 4)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    let (mut out, mut copied, mut i) = (String::new(), 0, 0);
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        let lone = match hex_at(i + 2) {
            Some(0xD800..=0xDBFF) => {
                let low = b.get(i + 6..i + 8) == Some(&b"\\u"[..]) && matches!(hex_at(i + 8), Some(0xDC00..=0xDFFF));
                if low {
                    i += 12;
                    continue;
                }
                true
            }
            Some(0xDC00..=0xDFFF) => true,
            _ => false,
        };
        if lone {
            out.push_str(&line[copied..i]);
            out.push_str("\\uffff");
            copied = i + 6;
        }
        i += 6;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&line[copied..]);
    Some(out)
}

/// Input lines of one file with their 1-based numbers.
struct Batch {
    file: usize,
    lines: Vec<(u64, Vec<u8>)>,
}

/// Reads the dump files in order, a batch of lines at a time.
struct Reader {
    paths: Vec<PathBuf>,
    next_file: usize,
    current: Option<(usize, Box<dyn BufRead + Send>, u64)>,
    compressed: Arc<AtomicU64>,
    lines: u64,
    text_bytes: u64,
}

impl Reader {
    fn next_batch(&mut self) -> Result<Option<Batch>> {
        loop {
            if self.current.is_none() {
                let Some(path) = self.paths.get(self.next_file) else { return Ok(None) };
                self.current = Some((self.next_file, open(path, self.compressed.clone())?, 0));
                self.next_file += 1;
            }
            let Some((file, reader, line_no)) = self.current.as_mut() else { continue };
            let mut batch = Batch { file: *file, lines: Vec::new() };
            let mut bytes = 0;
            while batch.lines.len() < BATCH_LINES && bytes < BATCH_BYTES {
                let mut buf = Vec::new();
                let n = reader.read_until(b'\n', &mut buf).map_err(|e| Error::io(&self.paths[*file], e))?;
                if n == 0 {
                    break;
                }
                *line_no += 1;
                bytes += n;
                let end = buf.len() - usize::from(buf.ends_with(b"\n"));
                let end = end - usize::from(buf[..end].ends_with(b"\r"));
                buf.truncate(end);
                batch.lines.push((*line_no, buf));
            }
            self.lines += batch.lines.len() as u64;
            self.text_bytes += bytes as u64;
            if batch.lines.is_empty() {
                self.current = None;
                continue;
            }
            return Ok(Some(batch));
        }
    }
}

/// Runs cl-tohoku's Wikipedia preparation over `inputs` into `out`. `progress` is called after
/// every batch; when it returns true the run stops with [`Error::Interrupted`].
pub fn wikipedia(
    rule: &Rule<'_>,
    inputs: Vec<PathBuf>,
    job: &WikiJob,
    out: &mut (dyn Write + Send),
    progress: &mut dyn FnMut(&WikiReport) -> bool,
) -> Result<WikiReport> {
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    let mut reader =
        Reader { paths: inputs, next_file: 0, current: None, compressed: Arc::default(), lines: 0, text_bytes: 0 };
    let mut report = WikiReport::default();
    let mut current = reader.next_batch()?;
    let mut done: Vec<Outcome> = Vec::new();
    while let Some(batch) = current.take() {
        let (next, written, outcomes) = join3(
            &pool,
            || reader.next_batch(),
            || write_outcomes(&done, out),
            || {
                batch
                    .lines
                    .par_iter()
                    .map_init(
                        || (rule.splitter(), Vec::new()),
                        |(sp, ranges), (_, line)| process_line(sp, ranges, line, &job.limits),
                    )
                    .collect::<Vec<_>>()
            },
        );
        written?;
        tally(&batch, &outcomes, &reader.paths, job.on_error, &mut report)?;
        done = outcomes;
        current = next?;
        report.lines = reader.lines;
        report.text_bytes = reader.text_bytes;
        report.file_bytes = reader.compressed.load(std::sync::atomic::Ordering::Relaxed);
        report.seconds = t0.elapsed().as_secs_f64();
        if progress(&report) {
            return Err(Error::Interrupted);
        }
    }
    write_outcomes(&done, out)?;
    out.flush().map_err(write_error)?;
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

fn write_outcomes(outcomes: &[Outcome], out: &mut (dyn Write + Send)) -> Result<()> {
    for o in outcomes {
        if let Outcome::Page { buf, .. } = o {
            out.write_all(buf).map_err(write_error)?;
        }
    }
    Ok(())
}

/// Counts a processed batch; the first bad line stops the run unless skipping.
fn tally(batch: &Batch, outcomes: &[Outcome], paths: &[PathBuf], on_error: OnError, r: &mut WikiReport) -> Result<()> {
    for ((line_no, _), o) in batch.lines.iter().zip(outcomes) {
        match o {
            Outcome::Blank => {}
            Outcome::Index => r.index_lines += 1,
            Outcome::Page { sentences, dropped_len, dropped_disp, .. } => {
                r.pages += 1;
                r.pages_kept += u64::from(*sentences > 0);
                r.sentences += sentences;
                r.dropped_by_length += dropped_len;
                r.dropped_displaystyle += dropped_disp;
            }
            Outcome::BadUtf8(_) if on_error == OnError::Skip => r.skipped_invalid_utf8 += 1,
            Outcome::Bad(_) if on_error == OnError::Skip => r.skipped_bad_records += 1,
            Outcome::BadUtf8(offset) => {
                return Err(Error::InvalidUtf8 {
                    source_name: paths[batch.file].display().to_string(),
                    line: *line_no,
                    offset: *offset,
                })
            }
            Outcome::Bad(msg) => {
                return Err(Error::Malformed { path: paths[batch.file].clone(), line: *line_no, msg: msg.clone() })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "wiki_test.rs"]
mod tests;
