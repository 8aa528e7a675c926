//! What a shard holds: its columns, their Arrow types, and the row values the writer accepts.
//!
//! An instance format (bert, roberta, …) declares its columns as [`ColumnSpec`]s; the token-id
//! element type is decided once from the vocabulary size ([`TokenWidth`]). `SCHEMA.md` beside
//! this file lists the columns of each format.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Element type of a column (of its items, for a list column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Elem {
    /// A token id: `UInt16` when the vocabulary has fewer than 65,536 entries, else `Int32`;
    /// always in `0..vocab_size`.
    Token,
    /// `Boolean` (0 or 1 in a [`Value`]).
    Bool,
    /// `UInt8`.
    UInt8,
    /// `Int8`.
    Int8,
    /// `UInt16`.
    UInt16,
    /// `Int32`.
    Int32,
}

impl Elem {
    fn parse(s: &str) -> Option<Elem> {
        Some(match s {
            "token" => Elem::Token,
            "bool" => Elem::Bool,
            "uint8" => Elem::UInt8,
            "int8" => Elem::Int8,
            "uint16" => Elem::UInt16,
            "int32" => Elem::Int32,
            _ => return None,
        })
    }

    /// True when values are never negative (bucket files store them without zig-zag).
    pub(crate) fn unsigned(self) -> bool {
        !matches!(self, Elem::Int8 | Elem::Int32)
    }
}

/// How a list item is written in a shuffle bucket record: one byte (booleans, `uint8`, `int8` as
/// its two's complement), two bytes little-endian (`uint16`, tokens of a vocabulary under 65,536),
/// a varint (larger token ids), a zig-zag varint (`int32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemCode {
    Byte,
    Two,
    Varint,
    Zigzag,
}

/// Width of token ids, decided once from the vocabulary size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenWidth {
    /// `UInt16` (vocabulary size < 65,536).
    UInt16,
    /// `Int32`.
    Int32,
}

impl TokenWidth {
    /// `UInt16` for a vocabulary of fewer than 65,536 entries, else `Int32`.
    pub fn for_vocab(vocab_size: u32) -> TokenWidth {
        if vocab_size < 65_536 {
            TokenWidth::UInt16
        } else {
            TokenWidth::Int32
        }
    }
}

/// One column: a name, an element type, scalar or list, and whether it may be null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// Column name.
    pub name: String,
    /// Element type.
    pub elem: Elem,
    /// A list of `elem` per row (else one `elem` per row).
    pub list: bool,
    /// Rows may hold a null here.
    pub nullable: bool,
}

impl ColumnSpec {
    /// A column from a type string: `token`, `bool`, `uint8`, `int8`, `uint16`, `int32`, each
    /// optionally as `list<…>`, and a trailing `?` for nullable (`list<token>`, `int8?`).
    pub fn parse(name: &str, ty: &str) -> Result<ColumnSpec> {
        let bad = || Error::Config(format!("column {name}: unknown type {ty:?} (e.g. list<token>, list<bool>, int8?)"));
        let (ty, nullable) = match ty.strip_suffix('?') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let (inner, list) = match ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let elem = Elem::parse(inner).ok_or_else(bad)?;
        Ok(ColumnSpec { name: name.to_string(), elem, list, nullable })
    }

    /// The type string [`ColumnSpec::parse`] reads.
    pub fn type_string(&self) -> String {
        let e = serde_json::to_value(self.elem).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let t = if self.list { format!("list<{e}>") } else { e };
        if self.nullable {
            t + "?"
        } else {
            t
        }
    }
}

/// A row's value in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Null (only in a nullable column).
    Null,
    /// A scalar.
    Int(i64),
    /// A list (booleans as 0/1).
    List(Vec<i32>),
}

/// One row: a value per column, in the schema's column order.
pub type Row = Vec<Value>;

/// The columns of a shard set, the vocabulary size, and which column counts as tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSchema {
    /// Columns in order.
    pub columns: Vec<ColumnSpec>,
    /// Vocabulary size: token ids are in `0..vocab_size`.
    pub vocab_size: u32,
    /// Arrow type of token ids (derived from `vocab_size`).
    pub token_width: TokenWidth,
    /// The list column whose length counts as tokens in the manifest's totals.
    pub tokens_column: Option<String>,
    /// The padding id in `tokens_column` (counted apart as padding), if the format pads.
    pub pad_id: Option<u32>,
}

impl ShardSchema {
    /// A schema of `columns` for a vocabulary of `vocab_size`; names must be unique.
    pub fn new(columns: Vec<ColumnSpec>, vocab_size: u32) -> Result<ShardSchema> {
        if columns.is_empty() {
            return Err(Error::Config("a shard schema needs at least one column".into()));
        }
        if vocab_size == 0 {
            return Err(Error::Config("vocab_size must be > 0".into()));
        }
        for (i, c) in columns.iter().enumerate() {
            if c.name.is_empty() || columns[..i].iter().any(|d| d.name == c.name) {
                return Err(Error::Config(format!("column name {:?} is empty or repeated", c.name)));
            }
        }
        let token_width = TokenWidth::for_vocab(vocab_size);
        Ok(ShardSchema { columns, vocab_size, token_width, tokens_column: None, pad_id: None })
    }

    /// Counts `column`'s items as tokens in the totals, `pad_id` apart as padding.
    pub fn with_tokens(mut self, column: &str, pad_id: Option<u32>) -> Result<ShardSchema> {
        match self.columns.iter().find(|c| c.name == column) {
            Some(c) if c.list => {}
            _ => return Err(Error::Config(format!("tokens column {column:?} is not a list column of the schema"))),
        }
        self.tokens_column = Some(column.to_string());
        self.pad_id = pad_id;
        Ok(self)
    }

    /// The columns of an instance format (`bert`, `roberta`, `electra`, `gpt2`, `uer`), see
    /// `SCHEMA.md`; `input_ids` counts as tokens, `pad_id` as padding where the format pads.
    pub fn preset(format: &str, vocab_size: u32, pad_id: Option<u32>) -> Result<ShardSchema> {
        let cols: &[(&str, &str)] = match format {
            "bert" => &[
                ("input_ids", "list<token>"),
                ("segment_ids", "list<uint8>"),
                ("word_starts", "list<bool>"),
                ("masked_positions", "list<uint16>"),
                ("masked_ids", "list<token>"),
                ("next_sentence_label", "int8?"),
            ],
            "roberta" => &[("input_ids", "list<token>"), ("word_starts", "list<bool>")],
            "electra" => &[("input_ids", "list<token>"), ("segment_ids", "list<uint8>"), ("word_starts", "list<bool>")],
            "gpt2" => &[("input_ids", "list<token>")],
            "uer" => &[("input_ids", "list<token>"), ("word_starts", "list<bool>")],
            _ => {
                return Err(Error::Config(format!(
                    "unknown instance format {format:?} (bert, roberta, electra, gpt2, uer)"
                )))
            }
        };
        let columns = cols.iter().map(|(n, t)| ColumnSpec::parse(n, t)).collect::<Result<Vec<_>>>()?;
        ShardSchema::new(columns, vocab_size)?.with_tokens("input_ids", pad_id)
    }

    /// Index of the tokens column.
    pub(crate) fn tokens_index(&self) -> Option<usize> {
        let name = self.tokens_column.as_deref()?;
        self.columns.iter().position(|c| c.name == name)
    }

    /// The Arrow type of items of `elem`.
    pub fn arrow_elem(&self, elem: Elem) -> DataType {
        match elem {
            Elem::Token => match self.token_width {
                TokenWidth::UInt16 => DataType::UInt16,
                TokenWidth::Int32 => DataType::Int32,
            },
            Elem::Bool => DataType::Boolean,
            Elem::UInt8 => DataType::UInt8,
            Elem::Int8 => DataType::Int8,
            Elem::UInt16 => DataType::UInt16,
            Elem::Int32 => DataType::Int32,
        }
    }

    /// How list items of `elem` are written in a shuffle bucket record (`shuffle.rs`).
    pub(crate) fn item_code(&self, elem: Elem) -> ItemCode {
        match self.arrow_elem(elem) {
            DataType::Boolean | DataType::UInt8 | DataType::Int8 => ItemCode::Byte,
            DataType::UInt16 => ItemCode::Two,
            _ if elem.unsigned() => ItemCode::Varint,
            _ => ItemCode::Zigzag,
        }
    }

    /// The Arrow schema of a shard (no metadata, so files are byte-deterministic).
    pub fn arrow_schema(&self) -> Arc<Schema> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                let e = self.arrow_elem(c.elem);
                let ty = if c.list { DataType::List(Arc::new(Field::new_list_field(e, true))) } else { e };
                Field::new(&c.name, ty, c.nullable)
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// Checks that `row` has a value of the right shape and range for every column.
    pub fn check_row(&self, row: &[Value]) -> std::result::Result<(), String> {
        if row.len() != self.columns.len() {
            return Err(format!("{} values for {} columns", row.len(), self.columns.len()));
        }
        for (c, v) in self.columns.iter().zip(row) {
            self.check_value(c, v).map_err(|m| format!("column {}: {m}", c.name))?;
        }
        Ok(())
    }

    fn check_value(&self, c: &ColumnSpec, v: &Value) -> std::result::Result<(), String> {
        match (v, c.list) {
            (Value::Null, _) if c.nullable => Ok(()),
            (Value::Null, _) => Err("null in a column that is not nullable".into()),
            (Value::Int(x), false) => self.check_item(c.elem, *x),
            (Value::List(xs), true) => xs.iter().try_for_each(|&x| self.check_item(c.elem, x.into())),
            (Value::Int(_), true) => Err("a scalar where a list is expected".into()),
            (Value::List(_), false) => Err("a list where a scalar is expected".into()),
        }
    }

    fn check_item(&self, elem: Elem, x: i64) -> std::result::Result<(), String> {
        let (lo, hi) = self.item_range(elem);
        if (lo..=hi).contains(&x) {
            Ok(())
        } else {
            Err(format!("value {x} outside {lo}..={hi}"))
        }
    }

    /// The values an item of `elem` may take.
    pub(crate) fn item_range(&self, elem: Elem) -> (i64, i64) {
        match elem {
            Elem::Token => (0, i64::from(self.vocab_size) - 1),
            Elem::Bool => (0, 1),
            Elem::UInt8 => (0, 255),
            Elem::Int8 => (-128, 127),
            Elem::UInt16 => (0, 65_535),
            Elem::Int32 => (i32::MIN.into(), i32::MAX.into()),
        }
    }
}

#[cfg(test)]
#[path = "schema_test.rs"]
mod tests;
