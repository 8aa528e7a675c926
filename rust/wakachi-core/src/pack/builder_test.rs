//! Unit tests of `builder.rs`.

use super::*;

fn inst(ids: Vec<u32>, nsl: Option<u8>) -> Instance {
    let n = ids.len();
    Instance {
        segment_ids: (0..n).map(|k| u8::from(k > n / 2)).collect(),
        word_starts: (0..n).map(|k| k % 3 != 1).collect(),
        masked_positions: vec![1, 3],
        masked_ids: vec![ids[1], ids[3]],
        input_ids: ids,
        next_sentence_label: nsl,
    }
}

#[test]
fn bert_rows_encode_as_the_generic_path_does() {
    // 70,000 entries: int32 tokens (varints); 65,535: a uint16 vocabulary (two bytes an id).
    for (vocab, ids, nsl) in [
        (70_000, vec![2, 5, 69_999, 300, 3], Some(1)),
        (70_000, vec![2, 16_384, 127, 128, 3, 40_000, 3], Some(0)),
        (70_000, vec![2, 7, 8, 9, 3], None),
        (65_535, vec![2, 5, 65_534, 300, 3], Some(1)),
        (65_535, vec![2, 16_384, 127, 128, 3, 256, 3], None),
    ] {
        let schema = ShardSchema::preset("bert", vocab, None).unwrap();
        let i = inst(ids, nsl);
        let row = to_row(RowKind::Bert, &i);
        schema.check_row(&row).unwrap();
        let mut generic = Vec::new();
        encode_columns(&schema, &row, &mut generic);
        let fast = encode_rows(&schema, RowKind::Bert, std::slice::from_ref(&i)).unwrap();
        assert_eq!(fast.bytes, generic);
        assert_eq!(fast.ends, vec![generic.len()]);
    }
}

#[test]
fn bert_rows_out_of_range_are_errors() {
    let schema = ShardSchema::preset("bert", 1000, None).unwrap();
    let err = encode_rows(&schema, RowKind::Bert, &[inst(vec![2, 5, 1000, 6, 3], Some(0))]).unwrap_err();
    assert!(err.contains("input_ids") && err.contains("1000"), "{err}");
    assert!(schema.check_row(&to_row(RowKind::Bert, &inst(vec![2, 5, 1000, 6, 3], Some(0)))).is_err());
}
