//! Unit tests of `writer.rs`.

use super::*;

/// Boolean lists decode to the same bits by the packed path (up to 512 items) and the
/// per-item one (longer lists), at every length and offset within a byte.
#[test]
fn boolean_lists_pack_bit_for_bit() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for n in (0..40).chain([511, 512, 513, 1000]) {
        let bytes: Vec<u8> = (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 2) as u8
            })
            .collect();
        let mut items = Items::Bool(BooleanBufferBuilder::new(0));
        items.push(1); // so the list starts off a byte boundary
        let mut pos = 0;
        items.decode(&bytes, &mut pos, n, true, (0, 1)).unwrap();
        assert_eq!(pos, n);
        let Items::Bool(mut b) = items else { unreachable!() };
        let bits = b.finish();
        let want: Vec<bool> = std::iter::once(true).chain(bytes.iter().map(|&x| x == 1)).collect();
        assert_eq!(bits.iter().collect::<Vec<_>>(), want, "n = {n}");
    }
    let mut items = Items::Bool(BooleanBufferBuilder::new(0));
    assert_eq!(items.decode(&[0, 1, 2], &mut 0, 3, true, (0, 1)), Err(Some(2)));
}

/// Rows of every item type, written as bucket records and decoded into a shard, give the
/// batch that pushing the rows directly gives; a token id past the vocabulary in a record is
/// refused, and nothing of the refused row stays.
#[test]
fn records_decode_to_the_rows_for_every_type() {
    use super::super::schema::ColumnSpec;
    use super::super::shuffle::encode_columns;
    let types = ["list<token>", "list<bool>", "list<uint8>", "list<int8>", "list<uint16>", "list<int32>?", "int8?"];
    for vocab in [30_000u32, 70_000] {
        let columns = types.iter().enumerate().map(|(k, t)| ColumnSpec::parse(&format!("c{k}"), t).unwrap()).collect();
        let schema = Arc::new(ShardSchema::new(columns, vocab).unwrap());
        let rows = [
            vec![
                Value::List(vec![0, 127, 128, 16_384, vocab as i32 - 1]),
                Value::List(vec![1, 0, 1, 1, 0, 0, 0, 0, 1]),
                Value::List(vec![0, 127, 128, 255]),
                Value::List(vec![-128, -1, 0, 127]),
                Value::List(vec![0, 255, 256, 65_535]),
                Value::List(vec![i32::MIN, -1, 0, 1, i32::MAX]),
                Value::Int(-7),
            ],
            vec![
                Value::List(vec![]),
                Value::List(vec![0]),
                Value::List(vec![]),
                Value::List(vec![5]),
                Value::List(vec![]),
                Value::Null,
                Value::Null,
            ],
        ];
        let (mut direct, mut decoded) = (BatchBuilder::new(schema.clone()), BatchBuilder::new(schema.clone()));
        for row in &rows {
            schema.check_row(row).unwrap();
            direct.push(row).unwrap();
            let mut cols = Vec::new();
            encode_columns(&schema, row, &mut cols);
            decoded.push_encoded(&cols).unwrap();
        }
        let mut bad = rows[0].clone();
        bad[0] = Value::List(vec![1, vocab as i32]);
        let mut cols = Vec::new();
        encode_columns(&schema, &bad, &mut cols);
        let err = decoded.push_encoded(&cols).unwrap_err();
        assert!(err.contains("c0") && err.contains(&vocab.to_string()), "{err}");
        assert!(decoded.push_encoded(&cols[..cols.len() - 1]).is_err());
        assert_eq!(decoded.take_batch().unwrap(), direct.take_batch().unwrap(), "vocab {vocab}");
    }
}
