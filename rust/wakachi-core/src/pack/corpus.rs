//! Reading corpora for `pack`: plain, `.gz`, `.zst` or `.xz` files (decompressed as a stream,
//! chosen by the file name), in one of three layouts, as batches of raw documents.
//!
//! - [`Layout::Lines`]: one sentence a line, a blank (or whitespace-only) line between documents
//!   (Google's and cl-tohoku's input); a new file also starts a new document.
//! - [`Layout::Docs`]: one document a line (its only sentence); a blank line is an empty
//!   document (UER's corpus format, where it gives `[CLS] [SEP]`).
//! - [`Layout::Jsonl`]: one JSON object a line, the document's text in a named string field;
//!   its lines are the sentences (blank ones dropped); blank lines between records are ignored.
//!
//! Lines end at `\n` (a `\r` before it is dropped) and are trimmed of white space. A line that is
//! not UTF-8, or a record that is not a JSON object with that string field, stops the run with an
//! error naming the file and line, or with [`OnError::Skip`] is left out and counted. Nothing is
//! read ahead beyond the batch asked for, so memory is one batch whatever the corpus size.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::lines::OnError;

/// How documents and sentences are laid out in the input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum Layout {
    /// A sentence a line, blank lines between documents.
    Lines,
    /// A document a line.
    Docs,
    /// JSON lines, the text in this field; its lines are the sentences.
    Jsonl(String),
}

/// One document as read: its sentences (trimmed, non-empty except in [`Layout::Docs`]).
pub type RawDocument = Vec<String>;

/// Counts of what was read.
#[derive(Debug, Clone, Default)]
pub struct ReadStats {
    /// Input lines read.
    pub lines: u64,
    /// Bytes of text after decompression.
    pub text_bytes: u64,
    /// Lines skipped as invalid UTF-8 (with [`OnError::Skip`]).
    pub skipped_invalid_utf8: u64,
    /// JSONL records skipped as malformed (with [`OnError::Skip`]).
    pub skipped_bad_records: u64,
}

/// A reader counting the (compressed) bytes taken from a file, for progress and ETA.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path`, decompressing by its extension (`.gz`, `.zst`, `.xz`; anything else is text).
pub fn open(path: &Path, count: Arc<AtomicU64>) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let raw = BufReader::with_capacity(1 << 16, Counting { inner: file, count });
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let reader: Box<dyn Read + Send> = match ext {
        "gz" => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        "zst" | "zstd" => Box::new(zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| Error::io(path, e))?),
        "xz" => Box::new(lzma_rust2::XzReader::new(raw, true)),
        _ => return Ok(Box::new(raw)),
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, reader)))
}

/// Where a reader stands between two documents: the file it reads (or opens next), the bytes of
/// its text already read (after decompression) and the lines already read. A reader started at a
/// position ([`CorpusReader::starting_at`]) reads what the reader that recorded it reads next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Position {
    /// Index of the file in the reader's list.
    pub file: usize,
    /// Bytes of its text (decompressed) before the position.
    pub offset: u64,
    /// Its lines before the position.
    pub line: u64,
}

/// The file being read: its path, reader, lines and text bytes read so far.
struct Current {
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    offset: u64,
}

/// Reads documents from files in order, in batches.
pub struct CorpusReader {
    files: Vec<PathBuf>,
    /// Index of the current file (or the next to open).
    next_file: usize,
    /// Where the first file opened starts (a reader started mid-file).
    start: Option<Position>,
    current: Option<Current>,
    layout: Layout,
    on_error: OnError,
    /// The document being read (layout `lines`).
    pending: RawDocument,
    buf: Vec<u8>,
    stats: ReadStats,
    compressed: Arc<AtomicU64>,
}

impl CorpusReader {
    /// A reader over `files` in order.
    pub fn new(files: Vec<PathBuf>, layout: Layout, on_error: OnError) -> Self {
        CorpusReader {
            files,
            next_file: 0,
            start: None,
            current: None,
            layout,
            on_error,
            pending: Vec::new(),
            buf: Vec::new(),
            stats: ReadStats::default(),
            compressed: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A reader over `files` that starts at `pos` (recorded by [`CorpusReader::position`] on a
    /// reader over the same files): a plain file is read from that byte on, a compressed one is
    /// decompressed from its start and the first `pos.offset` bytes dropped.
    pub fn starting_at(files: Vec<PathBuf>, layout: Layout, on_error: OnError, pos: Position) -> Self {
        let mut r = CorpusReader::new(files, layout, on_error);
        r.next_file = pos.file;
        r.start = Some(pos);
        r
    }

    /// Where the reader stands; between two batches that is between two documents, where a
    /// reader [started](CorpusReader::starting_at) there goes on the same way.
    pub fn position(&self) -> Position {
        match &self.current {
            Some(c) => Position { file: self.next_file, offset: c.offset, line: c.line },
            None => Position { file: self.next_file, offset: 0, line: 0 },
        }
    }

    /// What was read so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Bytes taken from the files so far (compressed size for compressed files).
    pub fn file_bytes(&self) -> u64 {
        self.compressed.load(Ordering::Relaxed)
    }

    /// Up to `max_docs` documents, stopping early once their text reaches `max_bytes`; `None` at
    /// the end of the input.
    pub fn next_batch(&mut self, max_docs: usize, max_bytes: usize) -> Result<Option<Vec<RawDocument>>> {
        let mut docs = Vec::new();
        let mut bytes = 0usize;
        while docs.len() < max_docs.max(1) && bytes < max_bytes {
            match self.next_document()? {
                Some(d) => {
                    bytes += d.iter().map(String::len).sum::<usize>() + 1;
                    docs.push(d);
                }
                None => break,
            }
        }
        Ok((!docs.is_empty()).then_some(docs))
    }

    /// The next document, or `None` at the end of the input.
    fn next_document(&mut self) -> Result<Option<RawDocument>> {
        loop {
            let Some(line) = self.next_line()? else {
                return Ok(None);
            };
            let text = match line {
                Line::Text(t) => t,
                Line::Skipped => continue,
                Line::EndOfFile => {
                    if !self.pending.is_empty() {
                        return Ok(Some(std::mem::take(&mut self.pending)));
                    }
                    continue;
                }
            };
            match &self.layout {
                Layout::Lines if text.is_empty() => {
                    if !self.pending.is_empty() {
                        return Ok(Some(std::mem::take(&mut self.pending)));
                    }
                }
                Layout::Lines => self.pending.push(text),
                Layout::Docs => return Ok(Some(vec![text])),
                Layout::Jsonl(_) if text.is_empty() => {}
                Layout::Jsonl(field) => match record_text(&text, field) {
                    Ok(t) => return Ok(Some(sentences(&t))),
                    Err(msg) if self.on_error == OnError::Skip => {
                        let _ = msg;
                        self.stats.skipped_bad_records += 1;
                    }
                    Err(msg) => {
                        let (path, line) = self.line_position();
                        return Err(Error::Malformed { path, line, msg });
                    }
                },
            }
        }
    }

    fn line_position(&self) -> (PathBuf, u64) {
        self.current.as_ref().map(|c| (c.path.clone(), c.line)).unwrap_or_default()
    }

    /// Opens the next file (at the start position if the reader has one for it).
    fn open_next(&mut self) -> Result<Option<Current>> {
        let Some(path) = self.files.get(self.next_file).cloned() else { return Ok(None) };
        let start = self.start.take().filter(|p| p.file == self.next_file).unwrap_or_default();
        let mut cur = Current { reader: open(&path, self.compressed.clone())?, path, line: start.line, offset: 0 };
        if start.offset > 0 {
            skip_to(&mut cur, start.offset, &self.compressed)?;
        }
        Ok(Some(cur))
    }

    /// The next line (trimmed), the end of a file, or `None` after the last file.
    fn next_line(&mut self) -> Result<Option<Line>> {
        if self.current.is_none() {
            let Some(cur) = self.open_next()? else { return Ok(None) };
            self.current = Some(cur);
        }
        let Some(Current { path, reader, line: line_no, offset }) = self.current.as_mut() else { return Ok(None) };
        self.buf.clear();
        let n = reader.read_until(b'\n', &mut self.buf).map_err(|e| Error::io(path.as_path(), e))?;
        if n == 0 {
            self.current = None;
            self.next_file += 1;
            return Ok(Some(Line::EndOfFile));
        }
        *offset += n as u64;
        *line_no += 1;
        self.stats.lines += 1;
        self.stats.text_bytes += n as u64;
        let mut bytes = &self.buf[..];
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Some(Line::Text(s.trim().to_string()))),
            Err(_) if self.on_error == OnError::Skip => {
                self.stats.skipped_invalid_utf8 += 1;
                Ok(Some(Line::Skipped))
            }
            Err(e) => Err(Error::InvalidUtf8 {
                source_name: path.display().to_string(),
                line: *line_no,
                offset: e.valid_up_to(),
            }),
        }
    }
}

/// Moves a freshly opened file to text byte `offset`: a seek for a plain file, else reading and
/// dropping that many decompressed bytes.
fn skip_to(cur: &mut Current, offset: u64, count: &Arc<AtomicU64>) -> Result<()> {
    let path = cur.path.clone();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "gz" | "zst" | "zstd" | "xz") {
        let mut file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        file.seek(SeekFrom::Start(offset)).map_err(|e| Error::io(&path, e))?;
        cur.reader = Box::new(BufReader::with_capacity(1 << 16, Counting { inner: file, count: count.clone() }));
    } else {
        let copied = std::io::copy(&mut (&mut cur.reader).take(offset), &mut std::io::sink())
            .map_err(|e| Error::io(&path, e))?;
        if copied < offset {
            return Err(Error::Malformed {
                path,
                line: cur.line,
                msg: format!("{copied} bytes of text, a task starts at byte {offset} (the file changed?)"),
            });
        }
    }
    cur.offset = offset;
    Ok(())
}

enum Line {
    Text(String),
    Skipped,
    EndOfFile,
}

/// The string `field` of a JSON object line.
fn record_text(line: &str, field: &str) -> std::result::Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not a JSON record: {e}"))?;
    match v.get(field) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("field {field:?} is not a string")),
        None if v.is_object() => Err(format!("no field {field:?}")),
        None => Err("not a JSON object".into()),
    }
}

/// The non-blank lines of a text, trimmed.
fn sentences(text: &str) -> RawDocument {
    text.lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
#[path = "corpus_test.rs"]
mod tests;
