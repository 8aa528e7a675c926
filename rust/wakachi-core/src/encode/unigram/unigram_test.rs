//! Behaviour on small hand-made vocabularies. Identity with sentencepiece on real text is tested
//! from Python (`tests/test_unigram.py`, `benches/parity_unigram.py`).

use super::model::{ModelProto, NormalizerSpec, Piece, PieceType, TrainerSpec};
use super::*;

fn model(pieces: &[(&str, f32, PieceType)], byte_fallback: bool) -> Unigram {
    let mut all: Vec<Piece> =
        pieces.iter().map(|&(p, s, k)| Piece { piece: p.as_bytes().to_vec(), score: s, kind: k }).collect();
    if byte_fallback {
        all.extend((0..=255u8).map(|b| Piece { piece: byte_piece(b).into_bytes(), score: 0.0, kind: PieceType::Byte }));
    }
    let proto = ModelProto {
        pieces: all,
        trainer: TrainerSpec { byte_fallback, ..TrainerSpec::default() },
        normalizer: NormalizerSpec::default(),
    };
    Unigram::from_proto(proto, Path::new("t.model")).unwrap()
}

use PieceType::{Normal as N, Unknown as U, UserDefined as D};

fn ids(m: &Unigram, text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    m.worker().encode(text, &mut out);
    out
}

fn full(m: &Unigram, text: &str) -> Encoding {
    let mut out = Encoding::default();
    m.worker().encode_full(text, &mut out);
    out
}

#[test]
fn equal_scores_keep_the_leftmost_last_piece() {
    let m = model(&[("<unk>", 0.0, U), ("▁", -1.0, N), ("a", -1.0, N), ("aa", -2.0, N)], false);
    // ▁ a aa and ▁ aa a both score -4; the kept path ends with the piece that starts first.
    assert_eq!(ids(&m, "aaa"), [1, 2, 3]);
}

#[test]
fn unknown_runs_merge_or_fall_back_to_bytes() {
    let base = [("<unk>", 0.0, U), ("▁", -1.0, N), ("a", -1.0, N)];
    let m = model(&base, false);
    assert_eq!(ids(&m, "a日本a"), [1, 2, 0, 2]);
    let e = full(&m, "a日本a");
    assert_eq!(e.offsets, [(0, 0), (0, 1), (1, 7), (7, 8)]);
    let b = model(&base, true);
    let byte = |x: u8| 3 + u32::from(x);
    assert_eq!(ids(&b, "a日a"), [1, 2, byte(0xE6), byte(0x97), byte(0xA5), 2]);
    let e = full(&b, "a日a");
    assert_eq!(e.offsets[2..5], [(1, 1), (1, 1), (1, 4)]);
    assert_eq!(e.words, [0; 6]);
}

#[test]
fn user_symbols_win_and_words_follow_the_space_mark() {
    let m = model(
        &[("<unk>", 0.0, U), ("▁", -1.0, N), ("a", -1.0, N), ("<s>a", 0.0, D), ("▁a", -0.5, N), ("b", -3.0, N)],
        false,
    );
    assert_eq!(ids(&m, "<s>a"), [1, 3]);
    let e = full(&m, "ab a<s>a b");
    assert_eq!(e.ids, [4, 5, 4, 3, 1, 5]);
    assert_eq!(e.words, [0, 0, 1, 1, 2, 2]);
    assert!(ids(&m, "   ").is_empty() && ids(&m, "").is_empty());
}

#[test]
fn bad_vocabularies_are_errors_naming_the_file() {
    let cases: [&[(&str, f32, PieceType)]; 3] =
        [&[("a", 0.0, N)], &[("<unk>", 0.0, U), ("a", 0.0, N), ("a", 0.0, N)], &[("<unk>", 0.0, U), ("<x>", 0.0, U)]];
    for pieces in cases {
        let proto = ModelProto {
            pieces: pieces.iter().map(|&(p, s, k)| Piece { piece: p.as_bytes().to_vec(), score: s, kind: k }).collect(),
            trainer: TrainerSpec::default(),
            normalizer: NormalizerSpec::default(),
        };
        let e = Unigram::from_proto(proto, Path::new("v.model")).unwrap_err().to_string();
        assert!(e.starts_with("v.model: invalid SentencePiece model"), "{e}");
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let e = Unigram::from_file("/nonexistent/x.model").unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
}
