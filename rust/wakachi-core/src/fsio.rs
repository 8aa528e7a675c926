//! File helpers shared by the stages that write durable output (shards, manifests, shuffle
//! buckets): atomic writes (temp name, fsync, rename, fsync of the directory) and sha256 while
//! writing or reading.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A shard written under its final name.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Bytes.
    pub bytes: u64,
    /// sha256 of the bytes, lowercase hex.
    pub sha256: String,
}

/// Writes `dir/name` through `fill` into `dir/name.tmp`, fsyncs it, renames it to `name` and
/// fsyncs `dir`. Returns the size and sha256 of what was written.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<WrittenFile> {
    let tmp = dir.join(format!("{name}.tmp"));
    let fin = dir.join(name);
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, HashingWriter::new(file));
    fill(&mut w).map_err(|e| Error::io(&tmp, e))?;
    let hw = w.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
    let (file, bytes, sha256) = hw.finish();
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, &fin).map_err(|e| Error::io(&fin, e))?;
    sync_dir(dir)?;
    Ok(WrittenFile { bytes, sha256 })
}

/// fsyncs a directory so a rename in it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}

/// A writer that hashes (sha256) and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Sha256::new(), bytes: 0 }
    }

    /// The inner writer, the byte count and the sha256 (hex).
    pub fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The size and sha256 (hex) of a file, read streaming in 1 MiB blocks.
pub fn file_sha256(path: &Path) -> Result<(u64, String)> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, e)),
        };
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&h.finalize())))
}
