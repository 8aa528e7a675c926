//! Unit tests of `encode/sentencepiece.rs` on a hand-made model. Identity with transformers and
//! sentencepiece on real text is tested from Python (`tests/test_encode_sentencepiece.py`).

use super::super::unigram::model::{ModelProto, NormalizerSpec, Piece as P, TrainerSpec};
use super::*;

fn model() -> Unigram {
    let pieces = [
        ("<pad>", 0.0, PieceType::Control),
        ("<unk>", 0.0, PieceType::Unknown),
        ("[CLS]", 0.0, PieceType::Control),
        ("▁", -1.0, PieceType::Normal),
        ("a", -1.0, PieceType::Normal),
        ("\"", -1.0, PieceType::Normal),
        ("e", -1.0, PieceType::Normal),
        ("é", -1.0, PieceType::Normal),
    ];
    let proto = ModelProto {
        pieces: pieces.iter().map(|&(p, s, k)| P { piece: p.as_bytes().to_vec(), score: s, kind: k }).collect(),
        trainer: TrainerSpec::default(),
        normalizer: NormalizerSpec::default(),
    };
    Unigram::from_proto(proto, Path::new("t.model")).unwrap()
}

fn tok(flavour: Flavour, specials: &[(&str, u32)]) -> SentencePiece {
    let mut t = SentencePiece { model: model(), flavour, specials: Specials::default(), extra: Vec::new() };
    specials.iter().for_each(|&(c, id)| t.add(c, id));
    t
}

fn enc(t: &SentencePiece, text: &str) -> (Vec<u32>, Vec<u32>) {
    let mut e = Encoding::default();
    t.worker().encode(text, &mut e);
    (e.ids, e.word_ids)
}

#[test]
fn albert_quotes_accents_case_unknown_and_specials() {
    let albert = tok(Flavour::Albert { lower_case: true, keep_accents: false }, &[("[CLS]", 2), ("[MASK]", 8)]);
    // ``a'' → "a"; É → e (accent stripped after NFKD, then lower-cased); x is unknown → id 1.
    assert_eq!(enc(&albert, "``a''").0, [3, 5, 4, 5]);
    assert_eq!(enc(&albert, "É").0, [3, 6]);
    assert_eq!(enc(&albert, "ax").0, [3, 4, 1]);
    let (ids, words) = enc(&albert, "a[MASK]a a");
    assert_eq!(ids, [3, 4, 8, 3, 4, 3, 4]);
    assert_eq!(words, [0, 0, 1, 2, 2, 3, 3]);
    assert_eq!(albert.token(8).as_deref(), Some("[MASK]"));
    let keep = tok(Flavour::Albert { lower_case: false, keep_accents: true }, &[]);
    assert_eq!(enc(&keep, "é").0, [3, 7]);
    // A bare model neither cuts specials out nor remaps the unknown id.
    let plain = tok(Flavour::Plain, &[("[CLS]", 2)]);
    assert_eq!(enc(&plain, "ax").0, [3, 4, 1]);
}

#[test]
fn directories_that_are_not_supported_say_why() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("tokenizer_config.json");
    std::fs::write(&cfg, r#"{"tokenizer_class":"T5Tokenizer"}"#).unwrap();
    let e = SentencePiece::from_dir(d.path()).unwrap_err().to_string();
    assert!(e.contains("tokenizer_class T5Tokenizer is not supported") && !e.contains("Some("), "{e}");
    std::fs::write(&cfg, r#"{"tokenizer_class":"AlbertTokenizer"}"#).unwrap();
    let e = SentencePiece::from_dir(d.path()).unwrap_err().to_string();
    assert!(e.contains("spiece.model"), "{e}");
    std::fs::write(&cfg, "{\n\"tokenizer_class\": ").unwrap();
    let e = SentencePiece::from_dir(d.path()).unwrap_err().to_string();
    assert!(e.contains("tokenizer_config.json:2"), "{e}");
}
