//! Encoded documents → instances → shard rows, per format, batch by batch.
//!
//! Every builder is deterministic in the input order alone: the Google stream keys its random
//! numbers by `(seed, pass, block, document)`, ELECTRA by `(seed, document index)` (in compat
//! mode one `random.Random(seed)` runs over the documents in order, as izumi-lab's script draws
//! them), the packers (RoBERTa, GPT-2, UER) have no randomness. Work inside a batch runs on the
//! pool in indexed pieces and comes back in order, so rows are the same for any number of threads.

use serde::Deserialize;

use super::{RowTarget, Sink};
use crate::error::{Error, Result};
use crate::instances::electra::{self, ElectraConfig};
use crate::instances::google::{self, GoogleConfig, Stream};
use crate::instances::gpt2::{self, Gpt2Config};
use crate::instances::rng::{PyRandom, StreamRng};
use crate::instances::roberta::{self, RobertaConfig};
use crate::instances::uer::{self, UerConfig};
use crate::instances::{Document, DocumentPacker, Instance, Specials};
use crate::pipeline::map_ordered;
use crate::profile::{self, Stage};
use crate::shards::schema::{Elem, ItemCode};
use crate::shards::shuffle::{encode_columns, put_item, put_varint, zigzag};
use crate::shards::{Row, ShardSchema, Value};

/// The instance format and its settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum FormatConfig {
    /// Google's `create_pretraining_data` (cl-tohoku BERT): pairs, NSP, static masking.
    Bert(GoogleConfig),
    /// RoBERTa full sentences.
    Roberta(RobertaConfig),
    /// izumi-lab ELECTRA A/B chunks.
    Electra(ElectraConfig),
    /// GPT-2 windows.
    Gpt2(Gpt2Config),
    /// UER-py: chunks of one document (by default one input line), padded.
    Uer(UerConfig),
}

impl FormatConfig {
    /// The format's name (the shard schema preset).
    pub fn name(&self) -> &'static str {
        match self {
            FormatConfig::Bert(_) => "bert",
            FormatConfig::Roberta(_) => "roberta",
            FormatConfig::Electra(_) => "electra",
            FormatConfig::Gpt2(_) => "gpt2",
            FormatConfig::Uer(_) => "uer",
        }
    }

    /// The full length of a row (what a fixed-length batch pads to).
    pub fn row_len(&self) -> usize {
        match self {
            FormatConfig::Bert(c) => c.max_seq_length,
            FormatConfig::Roberta(c) => c.max_seq_length,
            FormatConfig::Electra(c) => c.max_seq_length,
            FormatConfig::Gpt2(c) => c.block_size + 1,
            FormatConfig::Uer(c) => c.seq_length,
        }
    }
}

/// (pass, document) units of a Google block handed to the pool at a time.
const UNITS_PER_PIECE: usize = 512;

/// The running state of one format.
enum State {
    /// Google streaming mode, its dupe factor, the next block's number.
    Stream(Stream, usize, u64),
    /// Google compat mode: every document, built at the end.
    Compat(GoogleConfig, Specials, Vec<Document>),
    /// ELECTRA; the next document's index.
    Electra(ElectraConfig, Specials, u64),
    /// ELECTRA compat mode: one `random.Random(seed)` over the documents in order.
    ElectraCompat(ElectraConfig, Specials, Box<PyRandom>),
    /// A streaming packer: RoBERTa, GPT-2 or UER.
    Packer(Box<dyn DocumentPacker>),
}

/// The columns of a format's rows (see `shards/SCHEMA.md`).
#[derive(Debug, Clone, Copy)]
enum RowKind {
    /// bert: ids, segments, word starts, masked positions and ids, NSP label.
    Bert,
    /// electra: ids, segments, word starts.
    Pair,
    /// roberta: ids, word starts.
    Words,
    /// gpt2: ids.
    Ids,
    /// uer: ids and word starts padded to a length with a padding id.
    Padded(usize, u32),
}

/// Builds one format's rows batch by batch.
pub struct Builder {
    state: State,
    kind: RowKind,
}

impl Builder {
    /// A validated builder.
    pub fn new(format: &FormatConfig, compat: bool, sp: Specials) -> Result<Builder> {
        let (state, kind) = match format {
            FormatConfig::Bert(c) if compat => {
                c.validate(&sp)?;
                (State::Compat(c.clone(), sp, Vec::new()), RowKind::Bert)
            }
            FormatConfig::Bert(c) => (State::Stream(Stream::new(c.clone(), sp)?, c.dupe_factor, 0), RowKind::Bert),
            FormatConfig::Electra(c) if compat => {
                c.validate(&sp)?;
                (State::ElectraCompat(c.clone(), sp, Box::new(PyRandom::new(c.seed))), RowKind::Pair)
            }
            FormatConfig::Electra(c) => {
                c.validate(&sp)?;
                (State::Electra(c.clone(), sp, 0), RowKind::Pair)
            }
            FormatConfig::Roberta(c) => (State::Packer(Box::new(roberta::Packer::new(c.clone(), sp)?)), RowKind::Words),
            FormatConfig::Gpt2(c) => (State::Packer(Box::new(gpt2::Packer::new(c.clone(), &sp)?)), RowKind::Ids),
            FormatConfig::Uer(c) => {
                (State::Packer(Box::new(uer::Packer::new(c.clone(), sp)?)), RowKind::Padded(c.seq_length, sp.pad))
            }
        };
        Ok(Builder { state, kind })
    }

    /// The builder of a run's later part: the Google stream's next block is `block`, ELECTRA's
    /// next document `document` (the other formats carry state from document to document and
    /// must be built from the start: see [`Builder::independent`]).
    pub fn starting_at(
        format: &FormatConfig,
        compat: bool,
        sp: Specials,
        block: u64,
        document: u64,
    ) -> Result<Builder> {
        let mut b = Builder::new(format, compat, sp)?;
        match &mut b.state {
            State::Stream(_, _, next) => *next = block,
            State::Electra(_, _, next) => *next = document,
            _ if block == 0 && document == 0 => {}
            _ => return Err(Error::Config(format!("format {} cannot be built from the middle", format.name()))),
        }
        Ok(b)
    }

    /// True when the rows of a run of batches depend only on the batches and on where they
    /// start (Google's streaming mode, ELECTRA without compat): parts of the input can then be
    /// built apart and their rows concatenated.
    pub fn independent(&self) -> bool {
        matches!(self.state, State::Stream(..) | State::Electra(..))
    }

    /// Documents a batch must hold exactly (the Google stream's block), or `None` for any.
    pub fn block_documents(&self) -> Option<usize> {
        match &self.state {
            State::Stream(s, ..) => Some(s.block_documents()),
            _ => None,
        }
    }

    /// Builds the rows of the next batch of documents (in input order) into `sink`.
    pub fn consume<T: RowTarget>(
        &mut self,
        docs: Vec<Document>,
        pool: &rayon::ThreadPool,
        sink: &mut Sink<T>,
    ) -> Result<()> {
        let kind = self.kind;
        let mut out = Vec::new();
        match &mut self.state {
            State::Stream(s, dupe, block) => {
                stream_block(s, *dupe, *block, docs, pool, sink)?;
                *block += 1;
            }
            State::Compat(_, _, all) => all.extend(docs),
            State::Electra(cfg, sp, next) => {
                let first = *next;
                *next += docs.len() as u64;
                let (cfg, sp) = (&*cfg, &*sp);
                let pieces = map_ordered(&indexed(&docs), pool, Vec::new, |out: &mut Vec<Instance>, &(k, doc)| {
                    out.clear();
                    let mut rng = StreamRng::for_key(&[cfg.seed, first + k as u64]);
                    electra::document(doc, cfg, sp, &mut rng, out);
                    out.iter().map(|i| to_row(kind, i)).collect::<Vec<Row>>()
                });
                return push_all(pieces, sink);
            }
            State::ElectraCompat(cfg, sp, rng) => {
                docs.iter().for_each(|d| electra::document(d, cfg, sp, &mut **rng, &mut out))
            }
            State::Packer(p) => docs.iter().for_each(|d| p.push_document(d, &mut out)),
        }
        out.iter().try_for_each(|i| sink.push(to_row(kind, i)))
    }

    /// Builds what is left: the compat shard (all of it), the packers' last rows.
    pub fn finish<T: RowTarget>(self, sink: &mut Sink<T>) -> Result<()> {
        let mut out = Vec::new();
        match self.state {
            State::Compat(cfg, sp, docs) => out = google::compat(docs, &cfg, &sp)?,
            State::Packer(p) => p.finish(&mut out),
            State::Stream(..) | State::Electra(..) | State::ElectraCompat(..) => {}
        }
        out.iter().try_for_each(|i| sink.push(to_row(self.kind, i)))
    }
}

fn indexed(docs: &[Document]) -> Vec<(usize, &Document)> {
    docs.iter().enumerate().collect()
}

fn push_all<T: RowTarget>(pieces: Vec<Vec<Row>>, sink: &mut Sink<T>) -> Result<()> {
    pieces.into_iter().flatten().try_for_each(|r| sink.push(r))
}

/// One Google block: pass by pass, document by document, in pieces on the pool.
fn stream_block<T: RowTarget>(
    s: &Stream,
    dupe: usize,
    block: u64,
    docs: Vec<Document>,
    pool: &rayon::ThreadPool,
    sink: &mut Sink<T>,
) -> Result<()> {
    let docs = s.prepare(docs)?;
    let schema = sink.schema().clone();
    let n = docs.len();
    let units = n * dupe;
    let mut start = 0;
    while start < units {
        let end = (start + UNITS_PER_PIECE).min(units);
        let piece: Vec<usize> = (start..end).collect();
        let rows = map_ordered(&piece, pool, Vec::new, |out: &mut Vec<Instance>, &u| {
            out.clear();
            profile::time(Stage::Instances, || s.document(&docs, block, u % n, u / n, out));
            profile::time(Stage::Rows, || encode_rows(&schema, RowKind::Bert, out))
        });
        for r in rows {
            sink.push_encoded(
                &r.map_err(|m| Error::Config(format!("a built row does not fit the shard schema: {m}")))?,
            )?;
        }
        start = end;
    }
    Ok(())
}

/// Rows encoded for the shard writer: their records' columns parts back to back, and where each
/// ends.
#[derive(Debug, Default)]
pub struct EncodedRows {
    /// The columns parts.
    pub bytes: Vec<u8>,
    /// End offset of each row in `bytes`.
    pub ends: Vec<usize>,
}

/// Checks and encodes the rows of `instances` (on a worker thread; the writer only appends them).
fn encode_rows(
    schema: &ShardSchema,
    kind: RowKind,
    instances: &[Instance],
) -> std::result::Result<EncodedRows, String> {
    let mut out = EncodedRows::default();
    if let RowKind::Bert = kind {
        for i in instances {
            encode_bert(schema, i, &mut out.bytes)?;
            out.ends.push(out.bytes.len());
        }
        return Ok(out);
    }
    for i in instances {
        let row = to_row(kind, i);
        schema.check_row(&row)?;
        encode_columns(schema, &row, &mut out.bytes);
        out.ends.push(out.bytes.len());
    }
    Ok(out)
}

/// What `encode_columns(to_row(Bert, i))` gives after `check_row`, without the row in between:
/// the columns of `shards/SCHEMA.md`'s bert preset (token ids below `vocab_size`, masked
/// positions below 65,536, the label in `int8`).
fn encode_bert(schema: &ShardSchema, i: &Instance, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    let top = schema.vocab_size.saturating_sub(1);
    let token = schema.item_code(Elem::Token);
    out.reserve(4 * (i.input_ids.len() + i.masked_ids.len()) + 2 * i.input_ids.len() + 16);
    list(out, "input_ids", i.input_ids.iter().copied(), top, token)?;
    list(out, "segment_ids", i.segment_ids.iter().map(|&x| u32::from(x)), 255, ItemCode::Byte)?;
    list(out, "word_starts", i.word_starts.iter().map(|&x| u32::from(x)), 1, ItemCode::Byte)?;
    list(out, "masked_positions", i.masked_positions.iter().copied(), 65_535, ItemCode::Two)?;
    list(out, "masked_ids", i.masked_ids.iter().copied(), top, token)?;
    match i.next_sentence_label {
        None => put_varint(out, 0),
        Some(l) if l <= 127 => put_varint(out, zigzag(l.into()) + 1),
        Some(l) => return Err(format!("column next_sentence_label: value {l} outside -128..=127")),
    }
    Ok(())
}

/// A list column of a record: its length plus one, then the items written as `code` says, each
/// checked against `max`.
fn list(
    out: &mut Vec<u8>,
    name: &str,
    xs: impl ExactSizeIterator<Item = u32>,
    max: u32,
    code: ItemCode,
) -> std::result::Result<(), String> {
    put_varint(out, xs.len() as u64 + 1);
    for x in xs {
        if x > max {
            return Err(format!("column {name}: value {x} outside 0..={max}"));
        }
        put_item(out, code, x);
    }
    Ok(())
}

fn to_row(kind: RowKind, i: &Instance) -> Row {
    match kind {
        RowKind::Bert => vec![
            ids(&i.input_ids),
            bytes(&i.segment_ids),
            bools(&i.word_starts),
            ids(&i.masked_positions),
            ids(&i.masked_ids),
            i.next_sentence_label.map_or(Value::Null, |l| Value::Int(l.into())),
        ],
        RowKind::Pair => vec![ids(&i.input_ids), bytes(&i.segment_ids), bools(&i.word_starts)],
        RowKind::Words => vec![ids(&i.input_ids), bools(&i.word_starts)],
        RowKind::Ids => vec![ids(&i.input_ids)],
        RowKind::Padded(len, pad) => {
            let mut input = i.input_ids.clone();
            let mut starts = i.word_starts.clone();
            input.resize(len.max(input.len()), pad);
            starts.resize(input.len(), false);
            vec![ids(&input), bools(&starts)]
        }
    }
}

fn ids(xs: &[u32]) -> Value {
    Value::List(xs.iter().map(|&x| x as i32).collect())
}

fn bools(xs: &[bool]) -> Value {
    Value::List(xs.iter().map(|&x| i32::from(x)).collect())
}

fn bytes(xs: &[u8]) -> Value {
    Value::List(xs.iter().map(|&x| i32::from(x)).collect())
}

#[cfg(test)]
#[path = "builder_test.rs"]
mod tests;
