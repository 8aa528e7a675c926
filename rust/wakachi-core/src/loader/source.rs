//! A shard directory opened for reading: the manifest, every shard memory-mapped and checked
//! against it (size, Arrow magic and footer, schema; sha256 on request) before the first batch,
//! and a shard's columns decoded without copying when it is first needed.
//!
//! A directory whose shards are not on the local disk (an object store, read through a bounded
//! local cache by the Python side) is opened with a [`ShardFetch`]: only the manifest is read up
//! front, and each shard is fetched, mapped and checked when it is first needed; its mapping is
//! released when the reader drops the shard, so the cache may delete the file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int8Type, UInt16Type, UInt8Type};
use arrow_array::{Array, Int8Array, RecordBatch};
use arrow_buffer::{BooleanBuffer, Buffer, OffsetBuffer, ScalarBuffer};
use arrow_ipc::convert::try_fb_to_schema;
use arrow_ipc::reader::{read_footer_length, FileDecoder};
use arrow_schema::DataType;
use memmap2::Mmap;

use crate::error::{Error, Result};
use crate::shards::manifest::Phase;
use crate::shards::{file_sha256, Manifest, ShardSchema};

/// Arrow IPC file magic, at the start (padded to 8) and the end of the file.
const MAGIC: &[u8; 6] = b"ARROW1";

/// Brings the shards of a directory onto the local disk on demand (`Source::open_fetched`).
pub trait ShardFetch: Send + Sync {
    /// Makes shard `index` (file `file` of the manifest) a complete local file and returns its
    /// path; `next` are the shards to be read after it, in order (to fetch ahead).
    fn fetch(&self, index: usize, file: &str, next: &[usize]) -> Result<PathBuf>;
}

/// An opened shard directory.
pub struct Source {
    /// The directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Per shard: the mapped file and where its record batches lie.
    maps: Vec<MappedShard>,
    /// Row offset of each shard in the directory (shard order as listed), plus the total.
    pub row_starts: Vec<u64>,
    /// Where shards come from when they are not mapped at open (`maps` is then empty).
    fetch: Option<Arc<dyn ShardFetch>>,
    /// Check the sha256 of each fetched shard.
    verify_sha256: bool,
}

struct MappedShard {
    path: PathBuf,
    buffer: Buffer,
    blocks: Vec<arrow_ipc::Block>,
    version: arrow_ipc::MetadataVersion,
}

impl Source {
    /// Opens `dir`: reads `manifest.json`, maps every listed shard and checks its size, magic,
    /// footer and schema against the manifest; with `verify_sha256` also its full sha256.
    pub fn open(dir: &Path, verify_sha256: bool) -> Result<Source> {
        let mut source = Source::manifest_only(dir, verify_sha256, None)?;
        let mut maps = Vec::with_capacity(source.manifest.shards.len());
        for i in 0..source.manifest.shards.len() {
            let path = dir.join(&source.manifest.shards[i].file);
            maps.push(source.map_shard(i, &path)?);
        }
        source.maps = maps;
        Ok(source)
    }

    /// Opens `dir`, which holds the manifest only: each shard is fetched (and checked as by
    /// [`Source::open`]) when it is first needed.
    pub fn open_fetched(dir: &Path, verify_sha256: bool, fetch: Arc<dyn ShardFetch>) -> Result<Source> {
        Source::manifest_only(dir, verify_sha256, Some(fetch))
    }

    fn manifest_only(dir: &Path, verify_sha256: bool, fetch: Option<Arc<dyn ShardFetch>>) -> Result<Source> {
        let manifest = Manifest::load(dir)?.ok_or_else(|| {
            Error::shard(
                dir.join(crate::shards::manifest::MANIFEST),
                "missing: not a shard directory written by `wakachi pack`",
            )
        })?;
        if !matches!(manifest.state, Phase::Complete { .. }) {
            return Err(Error::shard(
                dir.join(crate::shards::manifest::MANIFEST),
                "the pack run that writes this directory has not finished (rerun the same `wakachi pack` command to complete it)",
            ));
        }
        if manifest.shards.is_empty() {
            return Err(Error::shard(
                dir.join(crate::shards::manifest::MANIFEST),
                "lists no shards (the input gave no rows)",
            ));
        }
        let mut row_starts = Vec::with_capacity(manifest.shards.len() + 1);
        let mut rows = 0u64;
        for entry in &manifest.shards {
            row_starts.push(rows);
            rows += entry.rows;
        }
        row_starts.push(rows);
        Ok(Source { dir: dir.to_path_buf(), manifest, maps: Vec::new(), row_starts, fetch, verify_sha256 })
    }

    /// Maps shard `i` from `path` and checks it against its manifest entry.
    fn map_shard(&self, i: usize, path: &Path) -> Result<MappedShard> {
        let entry = &self.manifest.shards[i];
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if size != entry.bytes {
            return Err(Error::shard(path, format!("{size} bytes, the manifest says {}", entry.bytes)));
        }
        if self.verify_sha256 {
            let (_, sha) = file_sha256(path)?;
            if sha != entry.sha256 {
                return Err(Error::shard(path, format!("sha256 {sha} is not the manifest's {}", entry.sha256)));
            }
        }
        MappedShard::map(path, &file, &self.manifest.identity.schema)
    }

    /// Whether shards are fetched on demand (then [`Source::load`] uses its `next` hint).
    pub fn fetches(&self) -> bool {
        self.fetch.is_some()
    }

    /// Number of shards.
    pub fn num_shards(&self) -> usize {
        self.row_starts.len() - 1
    }

    /// Rows in shard `i`.
    pub fn shard_rows(&self, i: usize) -> u64 {
        self.row_starts[i + 1] - self.row_starts[i]
    }

    /// Total rows.
    pub fn total_rows(&self) -> u64 {
        self.row_starts[self.num_shards()]
    }

    /// Decodes shard `i` (zero-copy over the mapping) and checks its rows against the manifest.
    /// A fetched directory first fetches and maps it (`next`: the shards read after it); the
    /// mapping then lives as long as the returned data.
    pub fn load(&self, i: usize, next: &[usize]) -> Result<ShardData> {
        let fetched;
        let m = match &self.fetch {
            None => &self.maps[i],
            Some(f) => {
                let path = f.fetch(i, &self.manifest.shards[i].file, next)?;
                fetched = self.map_shard(i, &path)?;
                &fetched
            }
        };
        let batch = m.decode()?;
        let want = self.shard_rows(i);
        if batch.num_rows() as u64 != want {
            return Err(Error::shard(&m.path, format!("{} rows, the manifest says {want}", batch.num_rows())));
        }
        ShardData::new(&m.path, batch, self.manifest.identity.schema.vocab_size)
    }
}

impl MappedShard {
    fn map(path: &Path, file: &File, schema: &ShardSchema) -> Result<MappedShard> {
        let bad = |m: String| Error::shard(path, format!("not a readable Arrow IPC file (truncated or corrupt?): {m}"));
        // SAFETY: the shard is a finished file (written to a temporary name and renamed); a file
        // changed under a running loader is a user error that the footer/row checks report.
        let mmap = unsafe { Mmap::map(file) }.map_err(|e| Error::io(path, e))?;
        let len = mmap.len();
        if len < 18 || &mmap[..6] != MAGIC || &mmap[len - 6..] != MAGIC {
            return Err(bad("no ARROW1 magic at its start and end".into()));
        }
        let owner: Arc<Mmap> = Arc::new(mmap);
        let ptr = NonNull::new(owner.as_ptr() as *mut u8).ok_or_else(|| bad("empty mapping".into()))?;
        // SAFETY: `ptr`/`len` describe the mapping, which `owner` keeps alive for the buffer.
        let buffer = unsafe { Buffer::from_custom_allocation(ptr, len, owner) };
        let mut trailer = [0u8; 10];
        trailer.copy_from_slice(&buffer[len - 10..]);
        let footer_len = read_footer_length(trailer).map_err(|e| bad(e.to_string()))?;
        if footer_len + 10 > len {
            return Err(bad(format!("footer of {footer_len} bytes in a file of {len}")));
        }
        let footer =
            arrow_ipc::root_as_footer(&buffer[len - 10 - footer_len..len - 10]).map_err(|e| bad(e.to_string()))?;
        let fb_schema = footer.schema().ok_or_else(|| bad("footer without a schema".into()))?;
        let file_schema = std::panic::catch_unwind(|| try_fb_to_schema(fb_schema))
            .map_err(|_| bad("unreadable schema".into()))?
            .map_err(|e| bad(e.to_string()))?;
        if file_schema != *schema.arrow_schema() {
            return Err(Error::shard(
                path,
                format!("Arrow schema {file_schema} is not the manifest's {}", schema.arrow_schema()),
            ));
        }
        let blocks: Vec<arrow_ipc::Block> =
            footer.recordBatches().map(|b| b.iter().copied().collect()).unwrap_or_default();
        if blocks.len() != 1 {
            return Err(bad(format!("{} record batches, a shard holds one", blocks.len())));
        }
        for b in &blocks {
            let end = b.offset() as u64 + b.metaDataLength() as u64 + b.bodyLength() as u64;
            if b.offset() < 0 || b.metaDataLength() < 0 || b.bodyLength() < 0 || end > len as u64 {
                return Err(bad("a record batch lies outside the file".into()));
            }
        }
        let version = footer.version();
        Ok(MappedShard { path: path.to_path_buf(), buffer, blocks, version })
    }

    fn decode(&self) -> Result<RecordBatch> {
        let bad =
            |m: String| Error::shard(&self.path, format!("not a readable Arrow IPC file (truncated or corrupt?): {m}"));
        let res = std::panic::catch_unwind(|| -> std::result::Result<RecordBatch, String> {
            let footer_len = {
                let len = self.buffer.len();
                let mut trailer = [0u8; 10];
                trailer.copy_from_slice(&self.buffer[len - 10..]);
                read_footer_length(trailer).map_err(|e| e.to_string())?
            };
            let len = self.buffer.len();
            let footer =
                arrow_ipc::root_as_footer(&self.buffer[len - 10 - footer_len..len - 10]).map_err(|e| e.to_string())?;
            let schema =
                try_fb_to_schema(footer.schema().ok_or("footer without a schema")?).map_err(|e| e.to_string())?;
            let decoder = FileDecoder::new(Arc::new(schema), self.version);
            let b = &self.blocks[0];
            let data = self
                .buffer
                .slice_with_length(b.offset() as usize, b.metaDataLength() as usize + b.bodyLength() as usize);
            decoder.read_record_batch(b, &data).map_err(|e| e.to_string())?.ok_or_else(|| "no record batch".to_string())
        });
        match res {
            Ok(r) => r.map_err(bad),
            Err(_) => Err(bad("the Arrow decoder panicked".into())),
        }
    }
}

/// Token ids of a list column, in the shard's width.
#[derive(Clone)]
pub enum Tokens {
    /// `List<UInt16>`.
    U16(OffsetBuffer<i32>, ScalarBuffer<u16>),
    /// `List<Int32>`.
    I32(OffsetBuffer<i32>, ScalarBuffer<i32>),
}

impl Tokens {
    fn range(&self, r: usize) -> (usize, usize) {
        let o = match self {
            Tokens::U16(o, _) | Tokens::I32(o, _) => o,
        };
        (o[r] as usize, o[r + 1] as usize)
    }

    /// Length of row `r`.
    pub fn len(&self, r: usize) -> usize {
        let (s, e) = self.range(r);
        e - s
    }

    /// Appends row `r`'s ids (as u32) to `out`.
    pub fn extend(&self, r: usize, out: &mut Vec<u32>) {
        let (s, e) = self.range(r);
        match self {
            Tokens::U16(_, v) => out.extend(v[s..e].iter().map(|&x| u32::from(x))),
            Tokens::I32(_, v) => out.extend(v[s..e].iter().map(|&x| x as u32)),
        }
    }
}

/// The decoded columns of one shard (views into the mapping).
pub struct ShardData {
    path: PathBuf,
    /// Vocabulary size (ids must lie below it).
    vocab_size: u32,
    /// `input_ids`.
    pub ids: Tokens,
    /// `segment_ids`.
    pub segments: Option<(OffsetBuffer<i32>, ScalarBuffer<u8>)>,
    /// `word_starts`.
    pub starts: Option<(OffsetBuffer<i32>, BooleanBuffer)>,
    /// `masked_positions`.
    pub masked_positions: Option<(OffsetBuffer<i32>, ScalarBuffer<u16>)>,
    /// `masked_ids`.
    pub masked_ids: Option<Tokens>,
    /// `next_sentence_label`.
    pub nsp: Option<Int8Array>,
}

/// One row, gathered.
#[derive(Debug, Default, Clone)]
pub struct RowData {
    /// Token ids.
    pub ids: Vec<u32>,
    /// Segment ids (empty without the column).
    pub segments: Vec<u8>,
    /// Word starts (empty without the column).
    pub starts: Vec<bool>,
    /// Static masks: (position, original id).
    pub masked: Vec<(u32, u32)>,
    /// NSP label, if any.
    pub nsp: Option<i8>,
}

/// A list column's offsets and values.
type ListParts = (OffsetBuffer<i32>, Arc<dyn Array>);

impl ShardData {
    fn new(path: &Path, batch: RecordBatch, vocab_size: u32) -> Result<ShardData> {
        let bad = |c: &str, m: &str| Error::shard(path, format!("column {c}: {m}"));
        let col = |name: &str| batch.column_by_name(name).cloned();
        let list = |name: &str| -> Result<Option<ListParts>> {
            let Some(a) = col(name) else { return Ok(None) };
            let l = a.as_list_opt::<i32>().ok_or_else(|| bad(name, "not a list column"))?;
            if l.null_count() > 0 {
                return Err(bad(name, "null rows"));
            }
            Ok(Some((l.offsets().clone(), l.values().clone())))
        };
        let tokens = |name: &str| -> Result<Option<Tokens>> {
            let Some((o, v)) = list(name)? else { return Ok(None) };
            Ok(Some(match v.data_type() {
                DataType::UInt16 => Tokens::U16(o, v.as_primitive::<UInt16Type>().values().clone()),
                DataType::Int32 => Tokens::I32(o, v.as_primitive::<Int32Type>().values().clone()),
                t => return Err(bad(name, &format!("token type {t}"))),
            }))
        };
        let ids = tokens("input_ids")?.ok_or_else(|| bad("input_ids", "missing"))?;
        let segments = match list("segment_ids")? {
            Some((o, v)) if *v.data_type() == DataType::UInt8 => {
                Some((o, v.as_primitive::<UInt8Type>().values().clone()))
            }
            Some(_) => return Err(bad("segment_ids", "not uint8")),
            None => None,
        };
        let starts = match list("word_starts")? {
            Some((o, v)) if *v.data_type() == DataType::Boolean => Some((o, v.as_boolean().values().clone())),
            Some(_) => return Err(bad("word_starts", "not bool")),
            None => None,
        };
        let masked_positions = match list("masked_positions")? {
            Some((o, v)) if *v.data_type() == DataType::UInt16 => {
                Some((o, v.as_primitive::<UInt16Type>().values().clone()))
            }
            Some(_) => return Err(bad("masked_positions", "not uint16")),
            None => None,
        };
        let masked_ids = tokens("masked_ids")?;
        let nsp = match col("next_sentence_label") {
            Some(a) => {
                Some(a.as_primitive_opt::<Int8Type>().ok_or_else(|| bad("next_sentence_label", "not int8"))?.clone())
            }
            None => None,
        };
        Ok(ShardData { path: path.to_path_buf(), vocab_size, ids, segments, starts, masked_positions, masked_ids, nsp })
    }

    /// Gathers row `r` into `out` (cleared first), checking ids against the vocabulary and the
    /// per-token columns' lengths against `input_ids`.
    pub fn row(&self, r: usize, out: &mut RowData) -> Result<()> {
        let bad = |m: String| Error::shard(&self.path, format!("row {r}: {m}"));
        out.ids.clear();
        out.segments.clear();
        out.starts.clear();
        out.masked.clear();
        self.ids.extend(r, &mut out.ids);
        if let Some(&id) = out.ids.iter().find(|&&id| id >= self.vocab_size) {
            return Err(bad(format!("token id {id} outside the vocabulary of {}", self.vocab_size)));
        }
        let n = out.ids.len();
        if let Some((o, v)) = &self.segments {
            let (s, e) = (o[r] as usize, o[r + 1] as usize);
            out.segments.extend_from_slice(&v[s..e]);
            if out.segments.len() != n {
                return Err(bad(format!("{} segment ids for {n} tokens", out.segments.len())));
            }
        }
        if let Some((o, v)) = &self.starts {
            let (s, e) = (o[r] as usize, o[r + 1] as usize);
            out.starts.extend((s..e).map(|i| v.value(i)));
            if out.starts.len() != n {
                return Err(bad(format!("{} word starts for {n} tokens", out.starts.len())));
            }
        }
        if let (Some((o, p)), Some(ids)) = (&self.masked_positions, &self.masked_ids) {
            let (s, e) = (o[r] as usize, o[r + 1] as usize);
            let mut orig = Vec::with_capacity(e - s);
            ids.extend(r, &mut orig);
            if orig.len() != e - s {
                return Err(bad(format!("{} masked positions, {} masked ids", e - s, orig.len())));
            }
            for (&pos, &id) in p[s..e].iter().zip(&orig) {
                if pos as usize >= n || id >= self.vocab_size {
                    return Err(bad(format!("masked position {pos} / id {id} outside the row or vocabulary")));
                }
                out.masked.push((u32::from(pos), id));
            }
        }
        out.nsp = match &self.nsp {
            Some(a) if a.is_valid(r) => Some(a.value(r)),
            _ => None,
        };
        Ok(())
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        match &self.ids {
            Tokens::U16(o, _) | Tokens::I32(o, _) => o.len() - 1,
        }
    }
}
