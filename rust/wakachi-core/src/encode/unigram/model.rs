//! Reading a SentencePiece `.model` file: the `ModelProto` protocol-buffer message
//! (`sentencepiece_model.proto`, proto2), decoded by a small wire-format reader.
//!
//! Only the fields that change encoding are kept. Absent fields take the proto2 defaults of the
//! schema (`add_dummy_prefix`, `remove_extra_whitespaces`, `escape_whitespaces` default to true,
//! `model_type` to UNIGRAM). A repeated occurrence of an optional scalar replaces the earlier one
//! and a repeated sub-message merges into it, as protobuf parsers do. Every length is checked
//! against the bytes left, so a truncated or corrupt file is an error, never a panic or a large
//! allocation.

use std::path::Path;

use crate::error::{Error, Result};

/// `ModelProto.SentencePiece.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceType {
    /// An ordinary piece with a score.
    Normal,
    /// The unknown piece (exactly one per model).
    Unknown,
    /// A control symbol (`<s>`, `</s>`…): never produced from text.
    Control,
    /// A user-defined symbol: always matched as a whole, never normalised.
    UserDefined,
    /// Reserved and never produced.
    Unused,
    /// A byte piece `<0xXX>` (byte fallback).
    Byte,
}

impl PieceType {
    /// Unknown enum numbers are kept as an unknown field by proto2 parsers, so the field keeps its
    /// default (NORMAL).
    fn from_proto(v: u64) -> Self {
        match v {
            2 => PieceType::Unknown,
            3 => PieceType::Control,
            4 => PieceType::UserDefined,
            5 => PieceType::Unused,
            6 => PieceType::Byte,
            _ => PieceType::Normal,
        }
    }
}

/// One vocabulary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// The piece's bytes (UTF-8 in any sane model; kept as bytes because the format does not check).
    pub piece: Vec<u8>,
    /// Its log-probability.
    pub score: f32,
    /// Its type.
    pub kind: PieceType,
}

/// The `TrainerSpec` fields that matter for encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerSpec {
    /// 1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR.
    pub model_type: u64,
    /// Unknown characters become their UTF-8 bytes as `<0xXX>` pieces.
    pub byte_fallback: bool,
    /// The whitespace mark ends a word instead of starting it.
    pub treat_whitespace_as_suffix: bool,
}

/// `NormalizerSpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizerSpec {
    /// The rule's name (`nmt_nfkc`, `nfkc`, `identity`…), informative only.
    pub name: String,
    /// The compiled rule: a double-array trie and the replacement strings.
    pub precompiled_charsmap: Vec<u8>,
    /// Prefix the text with a whitespace mark.
    pub add_dummy_prefix: bool,
    /// Drop leading and trailing spaces and collapse runs of spaces.
    pub remove_extra_whitespaces: bool,
    /// Write spaces as U+2581.
    pub escape_whitespaces: bool,
}

/// The parsed model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelProto {
    /// The vocabulary; a piece's id is its index.
    pub pieces: Vec<Piece>,
    /// Training settings that matter for encoding.
    pub trainer: TrainerSpec,
    /// Normalisation settings.
    pub normalizer: NormalizerSpec,
}

impl Default for TrainerSpec {
    fn default() -> Self {
        TrainerSpec { model_type: 1, byte_fallback: false, treat_whitespace_as_suffix: false }
    }
}

impl Default for NormalizerSpec {
    fn default() -> Self {
        NormalizerSpec {
            name: String::new(),
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
        }
    }
}

/// A field's payload.
enum Value<'a> {
    Varint(u64),
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// A protobuf wire-format reader over a byte slice; errors are messages, given a path by the caller.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(format!("truncated varint at byte {}", self.pos));
            };
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("varint longer than 10 bytes at byte {}", self.pos))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err(format!("field of {n} bytes at byte {} runs past the end ({left} bytes left)", self.pos));
        }
        let s = &self.buf[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    /// The next `(field number, value)`, or `None` at the end.
    fn field(&mut self) -> Result<Option<(u64, Value<'a>)>, String> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let at = self.pos;
        let key = self.varint()?;
        let (num, wire) = (key >> 3, key & 7);
        if num == 0 {
            return Err(format!("field number 0 at byte {at}"));
        }
        let value = match wire {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed64
            }
            2 => {
                let n = self.varint()?;
                Value::Bytes(self.take(n)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(fixed(self.take(4)?))),
            _ => return Err(format!("unsupported wire type {wire} of field {num} at byte {at}")),
        };
        Ok(Some((num, value)))
    }
}

/// `s` comes from `take(N)`, so it holds exactly `N` bytes.
fn fixed<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    a
}

fn want_varint(v: Value<'_>, what: &str) -> Result<u64, String> {
    match v {
        Value::Varint(x) => Ok(x),
        _ => Err(format!("{what}: expected a varint")),
    }
}

fn want_bytes<'a>(v: Value<'a>, what: &str) -> Result<&'a [u8], String> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(format!("{what}: expected a length-delimited field")),
    }
}

fn want_f32(v: Value<'_>, what: &str) -> Result<f32, String> {
    match v {
        Value::Fixed32(x) => Ok(f32::from_bits(x)),
        _ => Err(format!("{what}: expected a 32-bit float")),
    }
}

fn parse_piece(buf: &[u8]) -> Result<Piece, String> {
    let mut p = Piece { piece: Vec::new(), score: 0.0, kind: PieceType::Normal };
    let mut r = Reader::new(buf);
    while let Some((num, v)) = r.field()? {
        match num {
            1 => p.piece = want_bytes(v, "piece")?.to_vec(),
            2 => p.score = want_f32(v, "piece score")?,
            3 => p.kind = PieceType::from_proto(want_varint(v, "piece type")?),
            _ => {}
        }
    }
    Ok(p)
}

fn parse_trainer(buf: &[u8], t: &mut TrainerSpec) -> Result<(), String> {
    let mut r = Reader::new(buf);
    while let Some((num, v)) = r.field()? {
        match num {
            3 => t.model_type = want_varint(v, "trainer_spec.model_type")?,
            24 => t.treat_whitespace_as_suffix = want_varint(v, "trainer_spec.treat_whitespace_as_suffix")? != 0,
            35 => t.byte_fallback = want_varint(v, "trainer_spec.byte_fallback")? != 0,
            _ => {}
        }
    }
    Ok(())
}

fn parse_normalizer(buf: &[u8], n: &mut NormalizerSpec) -> Result<(), String> {
    let mut r = Reader::new(buf);
    while let Some((num, v)) = r.field()? {
        match num {
            1 => n.name = String::from_utf8_lossy(want_bytes(v, "normalizer_spec.name")?).into_owned(),
            2 => n.precompiled_charsmap = want_bytes(v, "normalizer_spec.precompiled_charsmap")?.to_vec(),
            3 => n.add_dummy_prefix = want_varint(v, "normalizer_spec.add_dummy_prefix")? != 0,
            4 => n.remove_extra_whitespaces = want_varint(v, "normalizer_spec.remove_extra_whitespaces")? != 0,
            5 => n.escape_whitespaces = want_varint(v, "normalizer_spec.escape_whitespaces")? != 0,
            _ => {}
        }
    }
    Ok(())
}

impl ModelProto {
    /// Parses a serialised `ModelProto`; errors are `Error::Dictionary` naming `path`.
    pub fn parse(buf: &[u8], path: &Path) -> Result<Self> {
        Self::parse_inner(buf).map_err(|m| Error::dict(path, format!("not a valid SentencePiece model: {m}")))
    }

    fn parse_inner(buf: &[u8]) -> Result<Self, String> {
        let mut m =
            ModelProto { pieces: Vec::new(), trainer: TrainerSpec::default(), normalizer: NormalizerSpec::default() };
        let mut r = Reader::new(buf);
        while let Some((num, v)) = r.field()? {
            match num {
                1 => {
                    let at = m.pieces.len();
                    m.pieces.push(parse_piece(want_bytes(v, "pieces")?).map_err(|e| format!("piece {at}: {e}"))?);
                }
                2 => parse_trainer(want_bytes(v, "trainer_spec")?, &mut m.trainer)?,
                3 => parse_normalizer(want_bytes(v, "normalizer_spec")?, &mut m.normalizer)?,
                _ => {}
            }
        }
        if m.pieces.is_empty() {
            return Err("no pieces".into());
        }
        Ok(m)
    }

    /// Reads and parses the file at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let buf = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&buf, path)
    }
}

#[cfg(test)]
#[path = "model_test.rs"]
mod tests;
