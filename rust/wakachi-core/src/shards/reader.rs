//! Reading shards back, with validation: a truncated or corrupt shard is an error naming the file
//! (and the row where one is at fault), never a panic.

use std::io::Cursor;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int8Type, UInt16Type, UInt8Type};
use arrow_array::{Array, RecordBatch};
use arrow_ipc::reader::FileReader;
use arrow_schema::{DataType, SchemaRef};

use super::manifest::{verify_shard, Manifest, MANIFEST};
use super::schema::{Row, ShardSchema, Value};
use crate::error::{Error, Result};

/// The rows of one shard.
#[derive(Debug, Clone)]
pub struct ShardRows {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, values in column order.
    pub rows: Vec<Row>,
}

/// Reads the record batches of an Arrow IPC file. arrow-rs validates the file's structure and
/// array data; a panic inside it on a malformed file is turned into an error as a last defence.
pub fn read_batches(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |m: String| Error::shard(path, format!("not a readable Arrow IPC file (truncated or corrupt?): {m}"));
    let read = std::panic::catch_unwind(move || -> std::result::Result<_, String> {
        let reader = FileReader::try_new(Cursor::new(bytes), None).map_err(|e| e.to_string())?;
        let schema = reader.schema();
        let batches = reader.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
        Ok((schema, batches))
    });
    match read {
        Ok(r) => r.map_err(bad),
        Err(_) => Err(bad("the Arrow reader panicked".into())),
    }
}

/// Reads a shard's rows. With `expect`, the file's Arrow schema must be that of `expect` and every
/// row must pass [`ShardSchema::check_row`].
pub fn read_rows(path: &Path, expect: Option<&ShardSchema>) -> Result<ShardRows> {
    let (schema, batches) = read_batches(path)?;
    if let Some(s) = expect {
        if *schema != *s.arrow_schema() {
            return Err(Error::shard(
                path,
                format!("Arrow schema {schema} is not the manifest's {}", s.arrow_schema()),
            ));
        }
    }
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows = Vec::new();
    for batch in &batches {
        let first = rows.len();
        let mut cols = Vec::with_capacity(batch.num_columns());
        for (name, array) in columns.iter().zip(batch.columns()) {
            cols.push(column_values(array.as_ref()).map_err(|m| Error::shard(path, format!("column {name}: {m}")))?);
        }
        for r in 0..batch.num_rows() {
            rows.push(cols.iter_mut().map(|c| std::mem::replace(&mut c[r], Value::Null)).collect::<Row>());
        }
        if let Some(s) = expect {
            for (i, row) in rows[first..].iter().enumerate() {
                s.check_row(row).map_err(|m| Error::shard(path, format!("row {}: {m}", first + i)))?;
            }
        }
    }
    Ok(ShardRows { columns, rows })
}

/// A column's values, one per row.
fn column_values(array: &dyn Array) -> std::result::Result<Vec<Value>, String> {
    if let DataType::List(_) = array.data_type() {
        let list = array.as_list_opt::<i32>().ok_or("not a list array")?;
        let items = scalars(list.values().as_ref())?;
        let offsets = list.value_offsets();
        return (0..list.len())
            .map(|r| {
                if list.is_null(r) {
                    return Ok(Value::Null);
                }
                let (s, e) = (offsets[r] as usize, offsets[r + 1] as usize);
                items
                    .get(s..e)
                    .map(|xs| Value::List(xs.to_vec()))
                    .ok_or_else(|| format!("row {r}: offsets outside the values"))
            })
            .collect();
    }
    let items = scalars(array)?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(r, x)| if array.is_null(r) { Value::Null } else { Value::Int(x.into()) })
        .collect())
}

/// The items of a flat array as i32 (nulls as 0).
fn scalars(array: &dyn Array) -> std::result::Result<Vec<i32>, String> {
    Ok(match array.data_type() {
        DataType::Boolean => array.as_boolean().values().iter().map(i32::from).collect(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().values().iter().map(|&x| x.into()).collect(),
        DataType::Int8 => array.as_primitive::<Int8Type>().values().iter().map(|&x| x.into()).collect(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().values().iter().map(|&x| x.into()).collect(),
        DataType::Int32 => array.as_primitive::<Int32Type>().values().to_vec(),
        t => return Err(format!("unsupported type {t}")),
    })
}

/// The manifest of the directory holding `shard` and the entry listing it, if any.
fn manifest_entry(shard: &Path) -> Result<Option<(Manifest, usize)>> {
    let dir = shard.parent().unwrap_or(Path::new("."));
    let Some(m) = Manifest::load(dir)? else { return Ok(None) };
    let name = shard.file_name().and_then(|n| n.to_str()).unwrap_or("");
    Ok(m.shards.iter().position(|s| s.file == name).map(|i| (m, i)))
}

/// Reads shard `i` of `m` (in `dir`): size, sha256, schema, row count and every row's values.
fn read_listed(dir: &Path, m: &Manifest, i: usize) -> Result<ShardRows> {
    let path = verify_shard(dir, &m.shards[i])?;
    let rows = read_rows(&path, Some(&m.identity.schema))?;
    if rows.rows.len() as u64 != m.shards[i].rows {
        return Err(Error::shard(&path, format!("{} rows, the manifest says {}", rows.rows.len(), m.shards[i].rows)));
    }
    Ok(rows)
}

/// Reads a shard, first verifying its size and sha256 against the `manifest.json` beside it
/// when that lists it (and then its schema, row count and values too).
pub fn read_shard(shard: &Path) -> Result<ShardRows> {
    match manifest_entry(shard)? {
        Some((m, i)) => read_listed(shard.parent().unwrap_or(Path::new(".")), &m, i),
        None => read_rows(shard, None),
    }
}

/// Verifies every shard a directory's manifest lists. Returns the manifest.
pub fn verify_dir(dir: &Path) -> Result<Manifest> {
    let m = Manifest::load(dir)?.ok_or_else(|| Error::shard(dir.join(MANIFEST), "missing"))?;
    for i in 0..m.shards.len() {
        read_listed(dir, &m, i)?;
    }
    Ok(m)
}
