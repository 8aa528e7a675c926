//! Reading text inputs line by line: files or stdin, LF or CRLF, with invalid UTF-8 reported by
//! file and line or skipped and counted.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::stop::Stop;

/// A text input.
#[derive(Debug, Clone)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    /// The files in `paths`, or standard input when there are none.
    pub fn from_paths(paths: Vec<PathBuf>) -> Vec<Input> {
        if paths.is_empty() {
            vec![Input::Stdin]
        } else {
            paths.into_iter().map(Input::File).collect()
        }
    }

    /// Bytes in the files among `inputs` (for an ETA); `None` when that is unknown or zero.
    pub fn total_bytes(inputs: &[Input]) -> Option<u64> {
        let sum = inputs
            .iter()
            .filter_map(|i| match i {
                Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                Input::Stdin => None,
            })
            .sum();
        Some(sum).filter(|&n| n > 0)
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// What to do with a line that is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Stop with an error naming the file and line.
    Strict,
    /// Replace the line by an empty one (so output stays line-aligned) and count it.
    Skip,
}

/// One input line, or the position of an undecodable one that was skipped.
pub type Line = Option<String>;

/// Reads the inputs one after the other, yielding lines in batches.
pub struct LineReader {
    inputs: std::vec::IntoIter<Input>,
    current: Option<(String, Box<dyn BufRead + Send>, u64)>,
    on_error: OnError,
    /// Lines that were not valid UTF-8 and were skipped.
    pub skipped: u64,
    /// Bytes read so far.
    pub bytes: u64,
    buf: Vec<u8>,
}

impl LineReader {
    /// A reader over `inputs` in order.
    pub fn new(inputs: Vec<Input>, on_error: OnError) -> Self {
        LineReader { inputs: inputs.into_iter(), current: None, on_error, skipped: 0, bytes: 0, buf: Vec::new() }
    }

    fn open(input: &Input) -> Result<Box<dyn BufRead + Send>> {
        let r: Box<dyn Read + Send> = match input {
            Input::Stdin => Box::new(SignalAware(std::io::stdin())),
            Input::File(p) => Box::new(std::fs::File::open(p).map_err(|e| Error::io(p, e))?),
        };
        Ok(Box::new(BufReader::with_capacity(1 << 20, r)))
    }

    /// Appends up to `max_lines` lines or about `max_bytes` bytes to `batch`; returns false at
    /// the end of all inputs.
    pub fn next_batch(&mut self, batch: &mut Vec<Line>, max_lines: usize, max_bytes: usize) -> Result<bool> {
        self.next_batch_until(batch, max_lines, max_bytes, &Stop::never())
    }

    /// [`Self::next_batch`], asking `stop` whenever a signal interrupts a read of standard input
    /// (so Ctrl-C ends a run that waits for input): [`Error::Interrupted`] when it says so.
    pub fn next_batch_until(
        &mut self,
        batch: &mut Vec<Line>,
        max_lines: usize,
        max_bytes: usize,
        stop: &Stop<'_>,
    ) -> Result<bool> {
        let mut taken = 0;
        while batch.len() < max_lines && taken < max_bytes {
            if self.current.is_none() {
                match self.inputs.next() {
                    Some(i) => self.current = Some((i.name(), Self::open(&i)?, 0)),
                    None => return Ok(!batch.is_empty()),
                }
            }
            let Some((name, reader, line_no)) = self.current.as_mut() else { continue };
            self.buf.clear();
            // read_until keeps what it read before an error in `buf`, so a retry continues the line.
            let n = loop {
                match reader.read_until(b'\n', &mut self.buf) {
                    Ok(_) => break self.buf.len(),
                    Err(e) if is_signal(&e) => stop.check()?,
                    Err(e) => return Err(Error::io(name.as_str(), e)),
                }
            };
            if n == 0 {
                self.current = None;
                continue;
            }
            *line_no += 1;
            taken += n;
            self.bytes += n as u64;
            let mut line = &self.buf[..];
            line = line.strip_suffix(b"\n").unwrap_or(line);
            line = line.strip_suffix(b"\r").unwrap_or(line);
            match std::str::from_utf8(line) {
                Ok(s) => batch.push(Some(s.to_string())),
                Err(e) if self.on_error == OnError::Skip => {
                    let _ = e;
                    self.skipped += 1;
                    batch.push(None);
                }
                Err(e) => {
                    return Err(Error::InvalidUtf8 {
                        source_name: name.clone(),
                        line: *line_no,
                        offset: e.valid_up_to(),
                    })
                }
            }
        }
        Ok(true)
    }
}

/// A read interrupted by a signal, passed up instead of retried (as `read_until` would) so that
/// the reader can ask whether to stop.
#[derive(Debug)]
struct Signalled;

impl std::fmt::Display for Signalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted by a signal")
    }
}

impl std::error::Error for Signalled {}

fn is_signal(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Signalled>())
}

/// Standard input with `EINTR` reported as [`Signalled`].
struct SignalAware<R>(R);

impl<R: Read> Read for SignalAware<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(std::io::Error::other(Signalled)),
            r => r,
        }
    }
}
