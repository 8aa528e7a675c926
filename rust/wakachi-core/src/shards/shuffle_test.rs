//! Unit tests of `shuffle.rs`.

use super::*;

#[test]
fn varints_and_zigzag_roundtrip() {
    for x in [0i64, 1, -1, 63, -64, 300, -300, i32::MAX.into(), i32::MIN.into()] {
        let mut b = Vec::new();
        put_varint(&mut b, zigzag(x));
        let mut p = 0;
        assert_eq!(unzigzag(get_varint(&b, &mut p).unwrap()), x);
        assert_eq!(p, b.len());
    }
    assert_eq!(get_varint(&[0x80, 0x80], &mut 0), None);
}

#[test]
fn rows_roundtrip_and_truncation_is_detected() {
    let s = ShardSchema::preset("bert", 70_000, None).unwrap();
    let row = vec![
        Value::List(vec![2, 69_999, 3]),
        Value::List(vec![0, 1, 1]),
        Value::List(vec![1, 0, 1]),
        Value::List(vec![1]),
        Value::List(vec![12]),
        Value::Int(-1),
    ];
    let mut out = Vec::new();
    encode_row(&s, 12_345, &row, &mut out);
    let r = record_ranges(&out).unwrap();
    assert_eq!(decode_row(&s, &out[r[0].0..r[0].1]), Some((12_345, row)));
    assert!(record_ranges(&out[..out.len() - 1]).is_none());
    assert!(decode_row(&s, &out[r[0].0..r[0].1 - 1]).is_none());
}

#[test]
fn bucket_shuffle_is_a_seeded_permutation() {
    let mut a: Vec<u32> = (0..1000).collect();
    let mut b = a.clone();
    shuffle_in_bucket(&mut a, 7, 3, 5);
    shuffle_in_bucket(&mut b, 7, 3, 5);
    assert_eq!(a, b);
    assert_ne!(a, (0..1000).collect::<Vec<_>>());
    let mut c = a.clone();
    c.sort_unstable();
    assert_eq!(c, (0..1000).collect::<Vec<_>>());
    let mut d: Vec<u32> = (0..1000).collect();
    shuffle_in_bucket(&mut d, 8, 3, 5);
    assert_ne!(a, d);
}

#[test]
fn buckets_refine_by_one_bit_per_level() {
    for i in 0..500u64 {
        let b3 = bucket_of(42, i, 3);
        assert_eq!(bucket_of(42, i, 4) / 2, b3);
        assert_eq!(bucket_of(42, i, 0), 0);
    }
    let counts = (0..8000u64).fold([0usize; 8], |mut c, i| {
        c[bucket_of(1, i, 3)] += 1;
        c
    });
    assert!(counts.iter().all(|&c| (800..1200).contains(&c)), "{counts:?}");
}

#[test]
fn short_varints_match_the_general_encoder() {
    let edges = [0u32, 1, 127, 128, 255, 16_383, 16_384, 65_535, (1 << 21) - 1, 1 << 21, u32::MAX];
    for x in edges.into_iter().chain((0..5000).map(|k| k * 419)) {
        let (mut a, mut b) = (vec![7u8], vec![7u8]);
        put_varint_u32(&mut a, x);
        put_varint(&mut b, x.into());
        assert_eq!(a, b, "{x}");
    }
}
