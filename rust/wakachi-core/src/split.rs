//! Sentence splitting: one input line (a paragraph or a document) → sentences, one per output
//! line, with blank lines between documents.
//!
//! Two rules:
//! - **cl-tohoku** (`Rule::Kuten`), the rule cl-tohoku/bert-japanese uses to build its Wikipedia
//!   corpus: segment the line with MeCab and cut after every token whose feature string contains
//!   both `記号` and `句点` (a substring test on the whole feature string, as the reference does);
//!   the rest of the line, if not empty, is a last sentence. Sentences are slices of the input, so
//!   whitespace MeCab skipped between tokens stays in them. Like MeCab's C API, the segmenter
//!   sees the line only up to its first NUL character.
//! - **zh** (`Rule::Zh`): cut after a run of `。！？` together with any closing quotes and
//!   brackets that follow (`”’」』）》】〉〕〗〙〛］｝｣` and ASCII `"')]}`); the rest is a last
//!   sentence. ASCII `!`/`?`/`.` are not sentence ends: in technical Chinese text they mostly
//!   occur in code, options and URLs (`$?`, `"!"`, `?q=`).
//!
//! Every sentence is then stripped of leading and trailing whitespace (Python's `str.strip()`
//! set) and kept if non-empty and within the length limits, counted in characters (Unicode
//! scalar values, Python's `len`). A document is a run of input lines up to a blank (or
//! whitespace-only) line or the end of an input file; a blank line is written after each
//! document that kept at least one sentence.

use std::io::Write;
use std::ops::Range;
use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::lines::{Input, Line, OnError};
use crate::pipeline::{for_each_batch, pool, write_error, CHUNK_LINES};
use crate::segment::{Segmenter, Span, Worker};
use crate::stop::Stop;

/// How lines are cut into sentences.
pub enum Rule<'s> {
    /// cl-tohoku's rule: cut after MeCab tokens whose features contain `記号` and `句点`.
    Kuten(&'s Segmenter),
    /// Cut after `。！？` and the closing quotes/brackets that follow.
    Zh,
}

impl<'s> Rule<'s> {
    /// The rule named `name` (`cl-tohoku` or `zh`); `cl-tohoku` needs a MeCab segmenter, `zh`
    /// takes none.
    pub fn new(name: &str, seg: Option<&'s Segmenter>) -> Result<Self> {
        match (name, seg) {
            ("cl-tohoku", Some(s)) if s.has_features() => Ok(Rule::Kuten(s)),
            ("cl-tohoku", _) => {
                Err(Error::Config("rule cl-tohoku needs a MeCab segmenter (features name 句点)".into()))
            }
            ("zh", None) => Ok(Rule::Zh),
            ("zh", Some(_)) => Err(Error::Config("rule zh takes no segmenter".into())),
            _ => Err(Error::Config(format!("unknown sentence rule {name:?}: use cl-tohoku or zh"))),
        }
    }

    /// A splitter for the calling thread.
    pub fn splitter(&self) -> Splitter<'s> {
        match self {
            Rule::Kuten(seg) => Splitter::Kuten(Box::new(seg.worker()), Vec::new()),
            Rule::Zh => Splitter::Zh,
        }
    }
}

/// Per-thread splitting state.
pub enum Splitter<'s> {
    /// A MeCab worker and its span buffer.
    Kuten(Box<Worker<'s>>, Vec<Span<'s>>),
    /// No state.
    Zh,
}

impl Splitter<'_> {
    /// Fills `out` with the byte ranges of the raw sentences of `text` (before stripping and
    /// filtering); together they cover `text` exactly.
    pub fn split(&mut self, text: &str, out: &mut Vec<Range<usize>>) {
        out.clear();
        let cuts = match self {
            Splitter::Kuten(w, spans) => {
                let visible = text.find('\0').map_or(text, |nul| &text[..nul]);
                w.segment(visible, spans);
                cut_ranges(spans.iter().filter(|s| is_kuten(s.feature.as_str())).map(|s| s.end), out)
            }
            Splitter::Zh => cut_ranges(zh_ends(text), out),
        };
        if cuts < text.len() {
            out.push(cuts..text.len());
        }
    }
}

/// Pushes `start..end` for each cut position; returns where the remainder starts.
fn cut_ranges(ends: impl Iterator<Item = usize>, out: &mut Vec<Range<usize>>) -> usize {
    let mut start = 0;
    for end in ends {
        out.push(start..end);
        start = end;
    }
    start
}

/// cl-tohoku's test: `"記号" in info and "句点" in info`, where `info` is MeCab's output line
/// after the surface. For ipadic that line is the raw feature string. unidic-lite's dicrc prints
/// other fields instead (pron, lForm, lemma, POS joined by `-`, cType, cForm, aType; for unknown
/// words the surface three times and the POS); on every one of its 756,264 lexicon entries the
/// test gives the same answer on both strings, and the unknown-word classes whose POS holds
/// 記号 (SYMBOL, DEFAULT) cannot contain the kanji 句点. `tests/test_split.py` checks it against
/// MeCab's own output.
fn is_kuten(feature: &str) -> bool {
    feature.contains("記号") && feature.contains("句点")
}

fn is_zh_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

fn is_closer(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | '》' | '】' | '〉' | '〕' | '〗' | '〙' | '〛' | '］' | '｝' | '｣')
        || matches!(c, '"' | '\'' | ')' | ']' | '}')
}

/// Byte offsets just after each run of sentence ends (and closers following them).
fn zh_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        chars.by_ref().find(|&(_, c)| is_zh_end(c))?;
        while chars.next_if(|&(_, c)| is_zh_end(c) || is_closer(c)).is_some() {}
        Some(chars.peek().map_or(text.len(), |&(i, _)| i))
    })
}

/// Python's `str.isspace()`: Rust's White_Space plus the separators U+001C–U+001F.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Whether `line` ends a document (it is empty or whitespace only).
pub fn is_blank(line: &str) -> bool {
    line.chars().all(is_py_space)
}

/// Length limits on stripped sentences, in characters.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Shortest kept sentence (cl-tohoku: 10).
    pub min_chars: usize,
    /// Longest kept sentence (cl-tohoku: 200 in its README, 1000 by default).
    pub max_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { min_chars: 0, max_chars: usize::MAX }
    }
}

/// What became of one raw sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'t> {
    /// Kept: the stripped sentence.
    Keep(&'t str),
    /// Empty after stripping (never written: it would read as a document break).
    Empty,
    /// Outside the length limits.
    Length,
}

impl Limits {
    /// Strips `raw` and checks it against the limits.
    pub fn judge<'t>(&self, raw: &'t str) -> Verdict<'t> {
        let s = raw.trim_matches(is_py_space);
        if s.is_empty() {
            return Verdict::Empty;
        }
        let n = s.chars().count();
        if n < self.min_chars || n > self.max_chars {
            Verdict::Length
        } else {
            Verdict::Keep(s)
        }
    }
}

/// Splits `text` and appends the kept (stripped) sentences to `out`; returns how many were
/// dropped by the length limits.
pub fn sentences<'t>(
    sp: &mut Splitter<'_>,
    text: &'t str,
    limits: &Limits,
    ranges: &mut Vec<Range<usize>>,
    out: &mut Vec<&'t str>,
) -> u64 {
    sp.split(text, ranges);
    let mut dropped = 0;
    for r in ranges.iter() {
        match limits.judge(&text[r.clone()]) {
            Verdict::Keep(s) => out.push(s),
            Verdict::Length => dropped += 1,
            Verdict::Empty => {}
        }
    }
    dropped
}

/// The kept sentences of every text, in parallel, in input order.
pub fn sentences_many<T: AsRef<str> + Sync>(
    rule: &Rule<'_>,
    texts: &[T],
    limits: &Limits,
    pool: &rayon::ThreadPool,
) -> Vec<Vec<String>> {
    pool.install(|| {
        texts
            .par_iter()
            .with_min_len(64)
            .map_init(
                || (rule.splitter(), Vec::new()),
                |(sp, ranges), t| {
                    let mut kept = Vec::new();
                    sentences(sp, t.as_ref(), limits, ranges, &mut kept);
                    kept.into_iter().map(str::to_string).collect()
                },
            )
            .collect()
    })
}

/// Settings of a `wakachi split` run.
#[derive(Debug, Clone)]
pub struct SplitJob {
    /// Length limits.
    pub limits: Limits,
    /// Write a blank line after each document that kept a sentence.
    pub documents: bool,
    /// Threads (0 = all cores).
    pub threads: usize,
    /// What to do with invalid UTF-8 (a skipped line yields nothing and ends no document).
    pub on_error: OnError,
}

/// Figures of a finished (or running) split.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SplitReport {
    /// Input lines.
    pub lines: u64,
    /// Input bytes.
    pub bytes: u64,
    /// Sentences written.
    pub sentences: u64,
    /// Sentences dropped by the length limits.
    pub dropped_by_length: u64,
    /// Documents that kept at least one sentence.
    pub documents: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

/// The output of a run of lines: sentences, and where in them document breaks fall.
#[derive(Default)]
struct Chunk {
    buf: Vec<u8>,
    breaks: Vec<usize>,
    sentences: u64,
    dropped: u64,
}

fn split_chunk(sp: &mut Splitter<'_>, lines: &[Line], limits: &Limits) -> Chunk {
    let (mut chunk, mut ranges, mut kept) = (Chunk::default(), Vec::new(), Vec::new());
    for line in lines.iter().flatten() {
        if is_blank(line) {
            chunk.breaks.push(chunk.buf.len());
            continue;
        }
        kept.clear();
        chunk.dropped += sentences(sp, line, limits, &mut ranges, &mut kept);
        chunk.sentences += kept.len() as u64;
        for s in &kept {
            chunk.buf.extend_from_slice(s.as_bytes());
            chunk.buf.push(b'\n');
        }
    }
    chunk
}

/// Writes chunks in order, closing documents; `open` says whether the current document has
/// kept a sentence.
struct DocWriter<'o> {
    out: &'o mut dyn Write,
    documents: bool,
    open: bool,
    closed: u64,
}

impl DocWriter<'_> {
    fn write(&mut self, c: &Chunk) -> Result<()> {
        let mut at = 0;
        for &b in &c.breaks {
            self.body(&c.buf[at..b])?;
            self.close()?;
            at = b;
        }
        self.body(&c.buf[at..])
    }

    fn body(&mut self, bytes: &[u8]) -> Result<()> {
        self.open |= !bytes.is_empty();
        self.out.write_all(bytes).map_err(write_error)
    }

    fn close(&mut self) -> Result<()> {
        if self.open {
            self.closed += 1;
            if self.documents {
                self.out.write_all(b"\n").map_err(write_error)?;
            }
        }
        self.open = false;
        Ok(())
    }
}

/// Splits `inputs` into `out`, one sentence per line; each input file ends a document.
/// `progress` is called after every batch.
pub fn split_inputs(
    rule: &Rule<'_>,
    inputs: Vec<Input>,
    job: &SplitJob,
    out: &mut dyn Write,
    stop: &Stop<'_>,
    progress: &mut dyn FnMut(&SplitReport),
) -> Result<SplitReport> {
    let pool = pool(job.threads)?;
    let t0 = Instant::now();
    let mut report = SplitReport::default();
    let mut w = DocWriter { out, documents: job.documents, open: false, closed: 0 };
    for input in inputs {
        let (bytes0, skipped0) = (report.bytes, report.skipped_invalid_utf8);
        let per_chunk = |sp: &mut Splitter<'_>, lines: &[Line]| split_chunk(sp, lines, &job.limits);
        for_each_batch(
            vec![input],
            job.on_error,
            &pool,
            CHUNK_LINES,
            || rule.splitter(),
            per_chunk,
            stop,
            &mut |chunks, read| {
                for c in &chunks {
                    w.write(c)?;
                    report.sentences += c.sentences;
                    report.dropped_by_length += c.dropped;
                }
                report.lines += read.lines;
                report.bytes = bytes0 + read.bytes;
                report.skipped_invalid_utf8 = skipped0 + read.skipped_invalid_utf8;
                report.documents = w.closed;
                report.seconds = t0.elapsed().as_secs_f64();
                progress(&report);
                Ok(())
            },
        )?;
        w.close()?;
    }
    w.out.flush().map_err(write_error)?;
    report.documents = w.closed;
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
#[path = "split_test.rs"]
mod tests;
