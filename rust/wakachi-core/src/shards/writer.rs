//! Rows → one Arrow IPC **file** per shard, written atomically.
//!
//! [`BatchBuilder`] collects a shard's rows column by column; [`write_shard`] writes them as one
//! record batch to `NAME.tmp` in the output directory, fsyncs it, renames it to `NAME` and fsyncs
//! the directory, so a half-written shard is never visible under its final name. The file has no
//! metadata, timestamps or random ids: the same rows give the same bytes.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int8Array, ListArray, RecordBatch, UInt16Array, UInt8Array};
use arrow_buffer::{BooleanBufferBuilder, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
use arrow_schema::{DataType, Field};

use super::schema::{ShardSchema, Value};
use super::shuffle::{get_varint, unzigzag};
use crate::error::{Error, Result};
use crate::fsio::{write_atomic, WrittenFile};

/// One column's rows so far: items (a scalar column has one per row), list offsets, validity.
#[derive(Debug)]
struct ColumnBuf {
    items: Items,
    offsets: Vec<i32>,
    valid: Vec<bool>,
    nulls: usize,
}

impl ColumnBuf {
    fn new(ty: &DataType, list: bool) -> Self {
        ColumnBuf {
            items: Items::new(ty),
            offsets: if list { vec![0] } else { Vec::new() },
            valid: Vec::new(),
            nulls: 0,
        }
    }
}

/// A column's items in the shard's own Arrow type, so the finished buffers become the arrays
/// as they are (no widening to `i32` and narrowing back).
#[derive(Debug)]
enum Items {
    Bool(BooleanBufferBuilder),
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I32(Vec<i32>),
}

/// Calls `$f` with the typed vector of a non-boolean `Items`; `$b` for the boolean one.
macro_rules! each_items {
    ($items:expr, $v:ident => $f:expr, $bb:ident => $b:expr) => {
        match $items {
            Items::Bool($bb) => $b,
            Items::U8($v) => $f,
            Items::I8($v) => $f,
            Items::U16($v) => $f,
            Items::I32($v) => $f,
        }
    };
}

impl Items {
    fn new(ty: &DataType) -> Self {
        match ty {
            DataType::Boolean => Items::Bool(BooleanBufferBuilder::new(0)),
            DataType::UInt8 => Items::U8(Vec::new()),
            DataType::Int8 => Items::I8(Vec::new()),
            DataType::UInt16 => Items::U16(Vec::new()),
            _ => Items::I32(Vec::new()),
        }
    }

    fn len(&self) -> usize {
        each_items!(self, v => v.len(), b => b.len())
    }

    fn truncate(&mut self, n: usize) {
        each_items!(self, v => v.truncate(n), b => b.truncate(n))
    }

    /// Appends values already checked to lie in the column's range.
    fn extend(&mut self, xs: &[i32]) {
        match self {
            Items::Bool(b) => xs.iter().for_each(|&x| b.append(x != 0)),
            Items::U8(v) => v.extend(xs.iter().map(|&x| x as u8)),
            Items::I8(v) => v.extend(xs.iter().map(|&x| x as i8)),
            Items::U16(v) => v.extend(xs.iter().map(|&x| x as u16)),
            Items::I32(v) => v.extend_from_slice(xs),
        }
    }

    fn push(&mut self, x: i32) {
        self.extend(&[x]);
    }

    /// How many items from `from` on equal `x`.
    fn count_from(&self, from: usize, x: i64) -> usize {
        each_items!(self, v => v[from..].iter().filter(|&&y| i64::from(y) == x).count(),
            b => (from..b.len()).filter(|&i| i64::from(b.get_bit(i)) == x).count())
    }

    /// Appends `other`'s items (same type).
    fn append(&mut self, other: Items) -> Result<()> {
        match (self, other) {
            (Items::Bool(a), Items::Bool(mut b)) => a.append_buffer(&b.finish()),
            (Items::U8(a), Items::U8(b)) => a.extend_from_slice(&b),
            (Items::I8(a), Items::I8(b)) => a.extend_from_slice(&b),
            (Items::U16(a), Items::U16(b)) => a.extend_from_slice(&b),
            (Items::I32(a), Items::I32(b)) => a.extend_from_slice(&b),
            _ => return Err(Error::Config("appending a column of another type".into())),
        }
        Ok(())
    }

    /// Decodes `n` items at `pos` (written as `ShardSchema::item_code` says for this column's
    /// type: one byte, two bytes, or varints for `i32`, zig-zag ones unless `unsigned`), each in
    /// `lo..=hi`. `Err(None)`: cut short; `Err(Some(x))`: `x` is out of range.
    fn decode(
        &mut self,
        cols: &[u8],
        pos: &mut usize,
        n: usize,
        unsigned: bool,
        (lo, hi): (i64, i64),
    ) -> std::result::Result<(), Option<i64>> {
        let at = *pos;
        let fixed = |width: usize| {
            let end = n.checked_mul(width).and_then(|b| at.checked_add(b)).ok_or(None)?;
            cols.get(at..end).ok_or(None)
        };
        match self {
            Items::Bool(b) => {
                let bytes = fixed(1)?;
                if let Some(&x) = bytes.iter().find(|&&x| x > 1) {
                    return Err(Some(x.into()));
                }
                // Eight 0/1 bytes to eight bits with one multiply (byte k's low bit lands on
                // bit 56 + k; the other products fall outside those bits, without carries).
                let mut packed = [0u8; 64];
                if n <= 8 * packed.len() {
                    for (c, chunk) in bytes.chunks(8).enumerate() {
                        let mut w = [0u8; 8];
                        w[..chunk.len()].copy_from_slice(chunk);
                        packed[c] = (u64::from_le_bytes(w).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8;
                    }
                    b.append_packed_range(0..n, &packed[..n.div_ceil(8)]);
                } else {
                    b.reserve(n);
                    bytes.iter().for_each(|&x| b.append(x != 0));
                }
                *pos += n;
            }
            Items::U8(v) => {
                let bytes = fixed(1)?;
                if let Some(&x) = bytes.iter().find(|&&x| !(lo..=hi).contains(&i64::from(x))) {
                    return Err(Some(x.into()));
                }
                v.extend_from_slice(bytes);
                *pos += n;
            }
            Items::I8(v) => {
                let bytes = fixed(1)?;
                if let Some(x) = bytes.iter().map(|&x| i64::from(x as i8)).find(|x| !(lo..=hi).contains(x)) {
                    return Err(Some(x));
                }
                v.extend(bytes.iter().map(|&x| x as i8));
                *pos += n;
            }
            Items::U16(v) => {
                let bytes = fixed(2)?;
                let start = v.len();
                v.extend(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])));
                let top = v[start..].iter().fold(0u16, |m, &x| m.max(x));
                if i64::from(top) > hi || lo > 0 {
                    let bad = v[start..].iter().map(|&x| i64::from(x)).find(|x| !(lo..=hi).contains(x));
                    v.truncate(start);
                    if let Some(x) = bad {
                        return Err(Some(x));
                    }
                }
                *pos += 2 * n;
            }
            Items::I32(v) => decode_items(cols, pos, n, unsigned, (lo, hi), v)?,
        }
        Ok(())
    }

    /// The finished items as an array with validity `nulls` (one bit per item).
    fn finish(self, nulls: Option<NullBuffer>) -> Result<ArrayRef> {
        if nulls.as_ref().is_some_and(|n| n.len() != self.len()) {
            return Err(Error::Config("null bits do not match the items".into()));
        }
        Ok(match self {
            Items::Bool(mut b) => Arc::new(BooleanArray::new(b.finish(), nulls)),
            Items::U8(v) => Arc::new(UInt8Array::new(ScalarBuffer::from(v), nulls)),
            Items::I8(v) => Arc::new(Int8Array::new(ScalarBuffer::from(v), nulls)),
            Items::U16(v) => Arc::new(UInt16Array::new(ScalarBuffer::from(v), nulls)),
            Items::I32(v) => Arc::new(Int32Array::new(ScalarBuffer::from(v), nulls)),
        })
    }
}

/// The rows of one shard, column by column.
#[derive(Debug)]
pub struct BatchBuilder {
    schema: Arc<ShardSchema>,
    cols: Vec<ColumnBuf>,
    rows: u64,
    tokens: u64,
    padding: u64,
    /// Column lengths before the row being decoded (to undo it on an error).
    undo: Vec<[usize; 4]>,
    /// The schema's tokens column.
    tokens_at: Option<usize>,
}

impl BatchBuilder {
    /// An empty shard of `schema`.
    pub fn new(schema: Arc<ShardSchema>) -> Self {
        let cols = schema.columns.iter().map(|c| ColumnBuf::new(&schema.arrow_elem(c.elem), c.list)).collect();
        let tokens_at = schema.tokens_index();
        BatchBuilder { schema, cols, rows: 0, tokens: 0, padding: 0, undo: Vec::new(), tokens_at }
    }

    /// Rows so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Tokens (non-padding items of the tokens column) and padding items so far.
    pub fn token_counts(&self) -> (u64, u64) {
        (self.tokens, self.padding)
    }

    /// Appends a row already checked by [`ShardSchema::check_row`]. Fails only when a list column
    /// would exceed Arrow's 2³¹ items per array.
    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        if let Some(t) = self.schema.tokens_index() {
            if let Some(Value::List(xs)) = row.get(t) {
                let pad = self.schema.pad_id.map(|p| p as i32);
                let padding = pad.map_or(0, |p| xs.iter().filter(|&&x| x == p).count()) as u64;
                self.padding += padding;
                self.tokens += xs.len() as u64 - padding;
            }
        }
        for ((c, buf), v) in self.schema.columns.iter().zip(&mut self.cols).zip(row) {
            buf.valid.push(*v != Value::Null);
            buf.nulls += usize::from(*v == Value::Null);
            match (v, c.list) {
                (Value::List(xs), _) => buf.items.extend(xs),
                // Checked rows hold only Int32-range scalars; nulls take a 0 slot.
                (Value::Int(x), _) => buf.items.push(*x as i32),
                (Value::Null, false) => buf.items.push(0),
                (Value::Null, true) => {}
            }
            if c.list {
                let end = i32::try_from(buf.items.len()).map_err(|_| {
                    Error::Config(format!(
                        "column {}: more than 2^31 items in one shard; use fewer rows per shard",
                        c.name
                    ))
                })?;
                buf.offsets.push(end);
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Appends a row from the columns part of its record (see `shuffle.rs`: per column a varint
    /// head, `0` for null, else the scalar or the list length plus one, then the items), checking
    /// its structure and every value's range as [`ShardSchema::check_row`] does. On an error the
    /// builder is left as it was.
    pub fn push_encoded(&mut self, cols: &[u8]) -> std::result::Result<(), String> {
        let mut undo = std::mem::take(&mut self.undo);
        undo.clear();
        undo.extend(self.cols.iter().map(|b| [b.items.len(), b.offsets.len(), b.valid.len(), b.nulls]));
        let r = self.decode_into(cols);
        if r.is_err() {
            for (b, &[i, o, v, n]) in self.cols.iter_mut().zip(&undo) {
                b.items.truncate(i);
                b.offsets.truncate(o);
                b.valid.truncate(v);
                b.nulls = n;
            }
        }
        self.undo = undo;
        match r {
            Ok((tokens, padding)) => {
                self.tokens += tokens;
                self.padding += padding;
                self.rows += 1;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Decodes `cols` into the column buffers; the row's (tokens, padding) counts.
    fn decode_into(&mut self, cols: &[u8]) -> std::result::Result<(u64, u64), String> {
        let schema = &*self.schema;
        let short = || "a record is cut short".to_string();
        let mut pos = 0;
        let (mut tokens, mut padding) = (0u64, 0u64);
        let tokens_at = self.tokens_at;
        let pad = schema.pad_id.map(i64::from);
        for (k, (c, buf)) in schema.columns.iter().zip(&mut self.cols).enumerate() {
            let (lo, hi) = schema.item_range(c.elem);
            let unsigned = c.elem.unsigned();
            let outside = |x: i64| format!("column {}: value {x} outside {lo}..={hi}", c.name);
            let head = get_varint(cols, &mut pos).ok_or_else(short)?;
            match (head, c.list) {
                (0, _) if !c.nullable => {
                    return Err(format!("column {}: null in a column that is not nullable", c.name))
                }
                (0, list) => {
                    buf.valid.push(false);
                    buf.nulls += 1;
                    if !list {
                        buf.items.push(0);
                    }
                }
                (h, false) => {
                    let x = item(h - 1, unsigned);
                    if !(lo..=hi).contains(&x) {
                        return Err(outside(x));
                    }
                    buf.items.push(x as i32);
                    buf.valid.push(true);
                }
                (h, true) => {
                    let n = usize::try_from(h - 1).ok().filter(|&n| n <= cols.len() - pos).ok_or_else(short)?;
                    let before = buf.items.len();
                    match buf.items.decode(cols, &mut pos, n, unsigned, (lo, hi)) {
                        Ok(()) => {}
                        Err(None) => return Err(short()),
                        Err(Some(x)) => return Err(outside(x)),
                    }
                    if tokens_at == Some(k) {
                        let p = pad.map_or(0, |p| buf.items.count_from(before, p));
                        padding += p as u64;
                        tokens += (n - p) as u64;
                    }
                    buf.valid.push(true);
                }
            }
            if c.list {
                let end = i32::try_from(buf.items.len()).map_err(|_| {
                    format!("column {}: more than 2^31 items in one shard; use fewer rows per shard", c.name)
                })?;
                buf.offsets.push(end);
            }
        }
        if pos != cols.len() {
            return Err("trailing bytes after the last column".into());
        }
        Ok((tokens, padding))
    }

    /// Appends the rows of `other` (same schema) after these.
    pub fn append(&mut self, other: BatchBuilder) -> Result<()> {
        for ((c, buf), o) in self.schema.columns.iter().zip(&mut self.cols).zip(other.cols) {
            if c.list {
                let base = *buf.offsets.last().unwrap_or(&0);
                let end = i64::from(base) + i64::from(*o.offsets.last().unwrap_or(&0));
                if end > i64::from(i32::MAX) {
                    return Err(Error::Config(format!(
                        "column {}: more than 2^31 items in one shard; use fewer rows per shard",
                        c.name
                    )));
                }
                buf.offsets.extend(o.offsets.iter().skip(1).map(|&x| x + base));
            }
            buf.items.append(o.items)?;
            buf.valid.extend_from_slice(&o.valid);
            buf.nulls += o.nulls;
        }
        self.rows += other.rows;
        self.tokens += other.tokens;
        self.padding += other.padding;
        Ok(())
    }

    /// The rows as one Arrow record batch; the builder is left empty.
    pub fn take_batch(&mut self) -> Result<RecordBatch> {
        let arrow = self.schema.arrow_schema();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.cols.len());
        for (i, c) in self.schema.columns.iter().enumerate() {
            let ty = self.schema.arrow_elem(c.elem);
            let buf = std::mem::replace(&mut self.cols[i], ColumnBuf::new(&ty, c.list));
            let nulls = (buf.nulls > 0).then(|| NullBuffer::from(buf.valid));
            let array: ArrayRef = if c.list {
                let items = buf.items.finish(None)?;
                let field = Arc::new(Field::new_list_field(items.data_type().clone(), true));
                let offsets = OffsetBuffer::new(ScalarBuffer::from(buf.offsets));
                Arc::new(
                    ListArray::try_new(field, offsets, items, nulls)
                        .map_err(|e| Error::Config(format!("column {}: {e}", c.name)))?,
                )
            } else {
                buf.items.finish(nulls)?
            };
            arrays.push(array);
        }
        self.rows = 0;
        self.tokens = 0;
        self.padding = 0;
        RecordBatch::try_new(arrow, arrays).map_err(|e| Error::Config(format!("shard batch: {e}")))
    }
}

/// An item's value from its varint: as is for unsigned types, zig-zag decoded for signed ones
/// (a value beyond `i64` maps to `i64::MAX`, out of every range).
#[inline]
fn item(u: u64, unsigned: bool) -> i64 {
    if unsigned {
        i64::try_from(u).unwrap_or(i64::MAX)
    } else {
        unzigzag(u)
    }
}

/// Decodes `n` varint items at `pos` into `out`, each in `lo..=hi`. `Err(None)`: cut short;
/// `Err(Some(x))`: `x` is out of range.
#[inline]
fn decode_items(
    cols: &[u8],
    pos: &mut usize,
    n: usize,
    unsigned: bool,
    (lo, hi): (i64, i64),
    out: &mut Vec<i32>,
) -> std::result::Result<(), Option<i64>> {
    out.reserve(n);
    let mut p = *pos;
    for _ in 0..n {
        let b = *cols.get(p).ok_or(None)?;
        let u = if b < 0x80 {
            p += 1;
            u64::from(b)
        } else {
            get_varint(cols, &mut p).ok_or(None)?
        };
        let x = item(u, unsigned);
        if x < lo || x > hi {
            return Err(Some(x));
        }
        out.push(x as i32);
    }
    *pos = p;
    Ok(())
}

/// Writes `batch` as an Arrow IPC file `dir/name`, atomically.
pub fn write_shard(dir: &Path, name: &str, batch: &RecordBatch) -> Result<WrittenFile> {
    write_atomic(dir, name, |w| {
        let arrow_err = |e: arrow_schema::ArrowError| std::io::Error::other(e.to_string());
        let opts = IpcWriteOptions::default();
        let mut fw = FileWriter::try_new_with_options(w, &batch.schema(), opts).map_err(arrow_err)?;
        fw.write(batch).map_err(arrow_err)?;
        fw.finish().map_err(arrow_err)
    })
}

#[cfg(test)]
#[path = "writer_test.rs"]
mod tests;
