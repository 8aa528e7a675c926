//! SentencePiece Unigram encoding, identical to `SentencePieceProcessor::Encode` on a `.model`.
//!
//! A [`Unigram`] is the immutable model (shared by all threads); each thread encodes through its
//! own [`Worker`], which keeps the buffers. Encoding = [`normalizer`] (text → normalised bytes
//! with a map back to the input) → [`viterbi`] (best pieces) → the reference's output rules:
//! consecutive unknown pieces merge into one, or with byte fallback every byte of an unknown
//! piece becomes its `<0xXX>` piece.
//!
//! Words: a piece that begins with the space mark (U+2581, or `' '` when the model does not
//! escape spaces) starts a new word; with `treat_whitespace_as_suffix` a piece that ends with it
//! ends one. The first piece is always in word 0. This is the whole-word unit of models whose
//! words are pre-segmented with spaces (e.g. Juman++ + SentencePiece).

pub mod model;
pub mod normalizer;
pub mod trie;
pub mod viterbi;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use model::{ModelProto, PieceType};
use normalizer::{Normalized, Normalizer};
use trie::Trie;
use viterbi::{Node, PathPiece, Scorer};

/// The reference's penalty of an unknown character below the lowest piece score.
const UNK_PENALTY: f32 = 10.0;

/// The id of unknown characters in a byte-fallback model without an unknown piece (they always
/// become byte pieces, so it never reaches the output).
const NO_UNK: u32 = u32::MAX;

/// A loaded Unigram model.
#[derive(Debug)]
pub struct Unigram {
    path: PathBuf,
    proto: ModelProto,
    normalizer: Normalizer,
    trie: Trie,
    scores: Vec<f32>,
    /// The unknown piece, or [`NO_UNK`] (byte-fallback models may have none).
    unk_id: u32,
    unk_score: f32,
    /// `<0xXX>` ids, when byte fallback is on.
    byte_ids: Option<Vec<u32>>,
    piece_ids: HashMap<Vec<u8>, u32>,
}

/// An encoded text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Encoding {
    /// Piece ids.
    pub ids: Vec<u32>,
    /// For each piece, the index of the word it belongs to (see the module docs).
    pub words: Vec<u32>,
    /// For each piece, the byte range of the input it came from (as sentencepiece's
    /// `begin`/`end`: byte pieces before the last of a character have an empty range).
    pub offsets: Vec<(usize, usize)>,
}

impl Encoding {
    fn clear(&mut self) {
        self.ids.clear();
        self.words.clear();
        self.offsets.clear();
    }
}

fn byte_piece(b: u8) -> String {
    format!("<0x{b:02X}>")
}

/// Pieces at least this long are refused (the reference's `kMaxPieceSize`).
const MAX_PIECE_BYTES: usize = 8000;

/// With byte fallback the reference turns a piece that is a lone NUL into an UNUSED one.
fn neutralise_nul_pieces(m: &mut ModelProto) {
    if m.trainer.byte_fallback {
        for p in m.pieces.iter_mut().filter(|p| p.piece == [0]) {
            p.kind = PieceType::Unused;
        }
    }
}

/// Checks the vocabulary as sentencepiece 0.2.3 (`InitializePieces` and the model's
/// constructor) does; returns the unknown piece's id (none is allowed with byte fallback).
fn check_pieces(m: &ModelProto) -> Result<Option<u32>, String> {
    if let Some(i) = m.pieces.iter().position(|p| p.piece.len() >= MAX_PIECE_BYTES) {
        return Err(format!("piece {i} is {MAX_PIECE_BYTES} bytes or longer"));
    }
    let (mut normal, mut reserved) = (HashSet::new(), HashSet::new());
    let mut unk = None;
    let mut bytes = HashSet::new();
    let byte_names: HashMap<String, u8> = (0..=255u8).map(|b| (byte_piece(b), b)).collect();
    for (i, p) in m.pieces.iter().enumerate() {
        let shown = String::from_utf8_lossy(&p.piece);
        if p.piece.is_empty() {
            return Err(format!("piece {i} is empty"));
        }
        if p.piece == [0] && p.kind == PieceType::Unused {
            continue;
        }
        if p.piece.contains(&0) {
            return Err(format!("piece {i} {shown:?} contains a NUL character"));
        }
        let is_normal = matches!(p.kind, PieceType::Normal | PieceType::UserDefined | PieceType::Unused);
        if !(if is_normal { &mut normal } else { &mut reserved }).insert(p.piece.as_slice()) {
            return Err(format!("piece {i} {shown:?} is already defined"));
        }
        match p.kind {
            PieceType::Unknown if unk.is_some() => return Err(format!("piece {i}: a second unknown piece")),
            PieceType::Unknown => unk = Some(i as u32),
            PieceType::Byte if !m.trainer.byte_fallback => {
                return Err(format!("byte piece {shown:?} although byte_fallback is false"));
            }
            PieceType::Byte => match byte_names.get(shown.as_ref()) {
                Some(&b) => _ = bytes.insert(b),
                None => return Err(format!("byte piece {shown:?} is invalid")),
            },
            _ => {}
        }
    }
    if unk.is_none() && !m.trainer.byte_fallback {
        return Err("no unknown piece".into());
    }
    if m.trainer.byte_fallback && bytes.len() != 256 {
        return Err(format!("byte_fallback is true but only {} of the 256 byte pieces exist", bytes.len()));
    }
    if let Some(i) = m.pieces.iter().position(|p| !p.score.is_finite()) {
        return Err(format!("piece {i} has a score that is NaN or infinite"));
    }
    if normal.is_empty() {
        return Err("no normal, user-defined or unused piece".into());
    }
    if m.trainer.model_type != 1 {
        return Err(format!(
            "model_type {} is not unigram (1); only unigram models are supported",
            m.trainer.model_type
        ));
    }
    Ok(unk)
}

/// The score a piece offers: its own, or for a user-defined symbol `0.1 × (bytes − 1)` computed
/// in double precision and stored as `f32`, as the reference.
fn piece_score(p: &model::Piece) -> f32 {
    match p.kind {
        PieceType::UserDefined => (0.1 * (p.piece.len() as f64 - 1.0)) as f32,
        _ => p.score,
    }
}

impl Unigram {
    /// Loads a `.model` file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::from_proto(ModelProto::read(path)?, path)
    }

    /// Loads a serialised model; `path` names it in errors.
    pub fn from_bytes(buf: &[u8], path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::from_proto(ModelProto::parse(buf, path)?, path)
    }

    /// Builds the encoder of a parsed model.
    pub fn from_proto(mut proto: ModelProto, path: &Path) -> Result<Self> {
        neutralise_nul_pieces(&mut proto);
        let unk_id =
            check_pieces(&proto).map_err(|m| Error::dict(path, format!("invalid SentencePiece model: {m}")))?;
        let min_score =
            proto.pieces.iter().filter(|p| p.kind == PieceType::Normal).map(|p| p.score).fold(f32::MAX, f32::min);
        let scores = proto.pieces.iter().map(piece_score).collect();
        let in_trie = |k| matches!(k, PieceType::Normal | PieceType::UserDefined);
        let keys: Vec<(&[u8], u32)> = proto
            .pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| in_trie(p.kind))
            .map(|(i, p)| (p.piece.as_slice(), i as u32))
            .collect();
        let user: Vec<&[u8]> =
            proto.pieces.iter().filter(|p| p.kind == PieceType::UserDefined).map(|p| p.piece.as_slice()).collect();
        let normalizer = Normalizer::new(&proto.normalizer, proto.trainer.treat_whitespace_as_suffix, &user, path)?;
        let trie = Trie::build(&keys);
        let piece_ids = piece_ids(&proto);
        let byte_ids = proto
            .trainer
            .byte_fallback
            .then(|| (0..=255u8).map(|b| piece_ids.get(byte_piece(b).as_bytes()).copied().unwrap_or(NO_UNK)).collect());
        Ok(Unigram {
            path: path.to_path_buf(),
            normalizer,
            trie,
            scores,
            unk_id: unk_id.unwrap_or(NO_UNK),
            unk_score: min_score - UNK_PENALTY,
            byte_ids,
            piece_ids,
            proto,
        })
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The parsed model.
    pub fn proto(&self) -> &ModelProto {
        &self.proto
    }

    /// Number of pieces.
    pub fn vocab_size(&self) -> usize {
        self.proto.pieces.len()
    }

    /// The piece of `id`.
    pub fn id_to_piece(&self, id: u32) -> Option<&[u8]> {
        self.proto.pieces.get(id as usize).map(|p| p.piece.as_slice())
    }

    /// The id of `piece` (control, unknown and byte pieces first, as the reference), if any.
    pub fn piece_to_id(&self, piece: &[u8]) -> Option<u32> {
        self.piece_ids.get(piece).copied()
    }

    /// The unknown piece's id (byte-fallback models may have none).
    pub fn unk_id(&self) -> Option<u32> {
        (self.unk_id != NO_UNK).then_some(self.unk_id)
    }

    /// The ids of every text, in parallel, in input order.
    pub fn encode_many<T: AsRef<str> + Sync>(&self, texts: &[T], pool: &rayon::ThreadPool) -> Vec<Vec<u32>> {
        crate::pipeline::map_ordered(
            texts,
            pool,
            || self.worker(),
            |w, t| {
                let mut ids = Vec::new();
                w.encode(t.as_ref(), &mut ids);
                ids
            },
        )
    }

    /// The full encoding (ids, words, offsets) of every text, in parallel, in input order.
    pub fn encode_full_many<T: AsRef<str> + Sync>(&self, texts: &[T], pool: &rayon::ThreadPool) -> Vec<Encoding> {
        crate::pipeline::map_ordered(
            texts,
            pool,
            || self.worker(),
            |w, t| {
                let mut e = Encoding::default();
                w.encode_full(t.as_ref(), &mut e);
                e
            },
        )
    }

    /// A worker for the calling thread.
    pub fn worker(&self) -> Worker<'_> {
        Worker { model: self, norm: Normalized::default(), best: Vec::new(), path: Vec::new() }
    }

    fn scorer(&self) -> Scorer<'_> {
        Scorer { trie: &self.trie, scores: &self.scores, unk_id: self.unk_id, unk_score: self.unk_score }
    }
}

/// Piece → id, where reserved pieces (control, unknown, byte) shadow the others.
fn piece_ids(m: &ModelProto) -> HashMap<Vec<u8>, u32> {
    let mut ids = HashMap::with_capacity(m.pieces.len());
    let reserved = |k| matches!(k, PieceType::Control | PieceType::Unknown | PieceType::Byte);
    for pass in [false, true] {
        for (i, p) in m.pieces.iter().enumerate().filter(|(_, p)| reserved(p.kind) == pass && p.piece != [0]) {
            ids.insert(p.piece.clone(), i as u32);
        }
    }
    ids
}

/// Per-thread encoding state.
pub struct Worker<'m> {
    model: &'m Unigram,
    norm: Normalized,
    best: Vec<Node>,
    path: Vec<PathPiece>,
}

impl Worker<'_> {
    /// The ids of `text`, replacing the contents of `ids`.
    pub fn encode(&mut self, text: &str, ids: &mut Vec<u32>) {
        ids.clear();
        self.segment(text, false);
        let m = self.model;
        let mut prev_unk = false;
        for p in &self.path {
            let is_unk = p.id == m.unk_id;
            match (&m.byte_ids, is_unk) {
                (Some(bytes), true) => {
                    ids.extend(self.norm.text[p.start..p.end].iter().map(|&b| bytes[usize::from(b)]))
                }
                (None, true) if prev_unk => {}
                _ => ids.push(p.id),
            }
            prev_unk = is_unk;
        }
    }

    /// Ids, word indices and input offsets of `text`, replacing the contents of `out`.
    pub fn encode_full(&mut self, text: &str, out: &mut Encoding) {
        out.clear();
        self.segment(text, true);
        let m = self.model;
        let space = m.normalizer.space();
        let suffix = m.normalizer.whitespace_as_suffix();
        let (mut prev_unk, mut prev_ends_space, mut word) = (false, false, 0u32);
        for (k, p) in self.path.iter().enumerate() {
            let piece = &self.norm.text[p.start..p.end];
            let is_unk = p.id == m.unk_id;
            let (begin, end) = (self.norm.to_orig[p.start], self.norm.to_orig[p.end]);
            if prev_unk && is_unk && m.byte_ids.is_none() {
                if let Some(last) = out.offsets.last_mut() {
                    last.1 = end;
                }
                prev_ends_space = piece.ends_with(space);
                continue;
            }
            let starts_word = if suffix { prev_ends_space } else { piece.starts_with(space) };
            if k > 0 && starts_word {
                word += 1;
            }
            match (&m.byte_ids, is_unk) {
                (Some(bytes), true) => {
                    for (i, &b) in piece.iter().enumerate() {
                        out.ids.push(bytes[usize::from(b)]);
                        out.words.push(word);
                        out.offsets.push((begin, if i + 1 == piece.len() { end } else { begin }));
                    }
                }
                _ => {
                    out.ids.push(p.id);
                    out.words.push(word);
                    out.offsets.push((begin, end));
                }
            }
            prev_unk = is_unk;
            prev_ends_space = piece.ends_with(space);
        }
    }

    /// The normalised text of the last encoded input.
    pub fn normalized(&self) -> &[u8] {
        &self.norm.text
    }

    fn segment(&mut self, text: &str, map: bool) {
        self.model.normalizer.normalize(text, &mut self.norm, map);
        self.model.scorer().best_path(&self.norm.text, &mut self.best, &mut self.path);
    }
}

#[cfg(test)]
#[path = "unigram_test.rs"]
mod tests;
