//! Unit tests of `model.rs`.

use super::*;

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(num: u64, payload: &[u8], out: &mut Vec<u8>) {
    varint(num << 3 | 2, out);
    varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

fn piece(p: &str, score: f32, kind: u64) -> Vec<u8> {
    let mut b = Vec::new();
    bytes_field(1, p.as_bytes(), &mut b);
    varint(2 << 3 | 5, &mut b);
    b.extend_from_slice(&score.to_le_bytes());
    varint(3 << 3, &mut b);
    varint(kind, &mut b);
    b
}

fn sample() -> Vec<u8> {
    let mut m = Vec::new();
    bytes_field(1, &piece("<unk>", 0.0, 2), &mut m);
    bytes_field(1, &piece("▁a", -1.5, 1), &mut m);
    let mut t = Vec::new();
    varint(35 << 3, &mut t);
    varint(1, &mut t);
    bytes_field(2, &t, &mut m);
    let mut n = Vec::new();
    bytes_field(1, b"identity", &mut n);
    varint(3 << 3, &mut n);
    varint(0, &mut n);
    bytes_field(3, &n, &mut m);
    m
}

#[test]
fn parses_fields_and_defaults() {
    let m = ModelProto::parse(&sample(), Path::new("x.model")).unwrap();
    assert_eq!(m.pieces.len(), 2);
    assert_eq!(m.pieces[0].kind, PieceType::Unknown);
    assert_eq!(m.pieces[1].piece, "▁a".as_bytes());
    assert_eq!(m.pieces[1].score, -1.5);
    assert!(m.trainer.byte_fallback);
    assert_eq!(m.trainer.model_type, 1);
    assert_eq!(m.normalizer.name, "identity");
    assert!(!m.normalizer.add_dummy_prefix);
    assert!(m.normalizer.remove_extra_whitespaces && m.normalizer.escape_whitespaces);
}

#[test]
fn every_truncation_is_an_error_naming_the_file() {
    let full = sample();
    for n in 1..full.len() {
        // A cut may fall between two top-level fields, which is a valid (smaller) message.
        if let Err(e) = ModelProto::parse(&full[..n], Path::new("cut.model")) {
            assert!(e.to_string().starts_with("cut.model: "), "{e}");
        }
    }
    let e = ModelProto::parse(&full[..5], Path::new("cut.model")).unwrap_err();
    assert!(matches!(e, Error::Dictionary { .. }), "{e}");
    assert!(ModelProto::parse(b"", Path::new("e.model")).is_err());
}

#[test]
fn huge_length_is_rejected_without_allocating() {
    let mut m = Vec::new();
    varint(1 << 3 | 2, &mut m);
    varint(u64::MAX >> 1, &mut m);
    let e = ModelProto::parse(&m, Path::new("big.model")).unwrap_err().to_string();
    assert!(e.contains("runs past the end"), "{e}");
}
