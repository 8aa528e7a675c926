//! Output files written atomically: compressed by their extension (`.gz`, `.zst`, `.xz`, anything
//! else plain), written under `NAME.partial` beside the final name and renamed to it only once
//! complete and synced. A run that fails drops its partial file; a killed run leaves one that the
//! next run overwrites, so the final name only ever holds a complete output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use lzma_rust2::{XzOptions, XzWriter, XzWriterMt};

use crate::error::{Error, Result};

/// How an output is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (level 6, zlib's default; Python's `gzip.open` uses 9, slower for little gain).
    Gz,
    /// Zstandard (level 3).
    Zst,
    /// xz (preset 6, Python's `lzma` default).
    Xz,
}

impl Compression {
    /// The compression a file name asks for.
    pub fn for_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
            "gz" => Compression::Gz,
            "zst" | "zstd" => Compression::Zst,
            "xz" => Compression::Xz,
            _ => Compression::None,
        }
    }

    /// The compression named `name` (`none`, `gz`, `zst`, `xz`).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "none" | "" => Ok(Compression::None),
            "gz" => Ok(Compression::Gz),
            "zst" => Ok(Compression::Zst),
            "xz" => Ok(Compression::Xz),
            _ => Err(Error::Config(format!("unknown compression {name:?}: use none, gz, zst or xz"))),
        }
    }

    /// The file-name suffix of this compression (`""`, `.gz`, `.zst`, `.xz`).
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gz => ".gz",
            Compression::Zst => ".zst",
            Compression::Xz => ".xz",
        }
    }
}

type Sink = BufWriter<File>;

enum Encoder {
    Plain(Sink),
    Gz(flate2::write::GzEncoder<Sink>),
    Zst(zstd::stream::write::Encoder<'static, Sink>),
    Xz(Box<XzWriter<Sink>>),
    XzMt(Box<XzWriterMt<Sink>>),
}

/// A file being written under its partial name.
pub struct AtomicOutput {
    path: PathBuf,
    partial: PathBuf,
    enc: Option<Encoder>,
}

/// `NAME.partial` beside `path`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

impl AtomicOutput {
    /// Starts writing `path` (compressed by its extension); `xz_threads > 1` compresses xz in
    /// blocks on that many threads.
    pub fn create(path: &Path, xz_threads: usize) -> Result<Self> {
        let partial = partial_path(path);
        let io = |e| Error::io(&partial, e);
        let file = File::create(&partial).map_err(io)?;
        let sink = BufWriter::with_capacity(1 << 20, file);
        let enc = match Compression::for_path(path) {
            Compression::None => Encoder::Plain(sink),
            Compression::Gz => Encoder::Gz(flate2::write::GzEncoder::new(sink, flate2::Compression::new(6))),
            Compression::Zst => Encoder::Zst(zstd::stream::write::Encoder::new(sink, 3).map_err(io)?),
            Compression::Xz if xz_threads > 1 => {
                let mut opts = XzOptions::with_preset(6);
                opts.set_block_size(NonZeroU64::new(24 << 20));
                let workers = u32::try_from(xz_threads).unwrap_or(u32::MAX);
                Encoder::XzMt(Box::new(XzWriterMt::new(sink, opts, workers).map_err(io)?))
            }
            Compression::Xz => Encoder::Xz(Box::new(XzWriter::new(sink, XzOptions::with_preset(6)).map_err(io)?)),
        };
        Ok(AtomicOutput { path: path.to_path_buf(), partial, enc: Some(enc) })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Finishes the stream, syncs it and renames it to its final name.
    pub fn finish(mut self) -> Result<()> {
        let io = |e| Error::io(&self.partial, e);
        let sink = match self.enc.take() {
            Some(Encoder::Plain(s)) => s,
            Some(Encoder::Gz(e)) => e.finish().map_err(io)?,
            Some(Encoder::Zst(e)) => e.finish().map_err(io)?,
            Some(Encoder::Xz(e)) => e.finish().map_err(io)?,
            Some(Encoder::XzMt(e)) => e.finish().map_err(io)?,
            None => return Ok(()),
        };
        let file = sink.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&self.partial, &self.path).map_err(|e| Error::io(&self.path, e))
    }

    fn writer(&mut self) -> std::io::Result<&mut dyn Write> {
        match self.enc.as_mut() {
            Some(Encoder::Plain(w)) => Ok(w),
            Some(Encoder::Gz(w)) => Ok(w),
            Some(Encoder::Zst(w)) => Ok(w),
            Some(Encoder::Xz(w)) => Ok(w.as_mut()),
            Some(Encoder::XzMt(w)) => Ok(w.as_mut()),
            None => Err(std::io::Error::other("output already finished")),
        }
    }

    /// Writes all of `buf`, naming the file on failure.
    pub fn write_bytes(&mut self, buf: &[u8]) -> Result<()> {
        let r = self.writer().and_then(|w| w.write_all(buf));
        r.map_err(|e| Error::io(&self.partial, e))
    }
}

impl Drop for AtomicOutput {
    fn drop(&mut self) {
        if self.enc.take().is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

#[cfg(test)]
#[path = "output_test.rs"]
mod tests;
