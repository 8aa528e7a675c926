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

/// A background checkpoint records the state as of its call (rows pushed after it lie past the
/// recorded lengths and a restore cuts them off), and its failure is reported by the next one.
#[test]
fn background_checkpoints_record_their_point_and_report_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let ident = ShuffleIdentity { seed: 9, bucket_bytes: 1 << 20, max_buckets: 4, checkpoint_rows: 3 };
    let mut sc = Scatter::fresh(tmp.path(), ident.clone()).unwrap();
    for _ in 0..3 {
        sc.push_encoded(b"abc").unwrap();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    sc.checkpoint_in_background(Box::new(move |phase| tx.send(phase).map_err(|e| Error::Config(e.to_string()))))
        .unwrap();
    sc.push_encoded(b"defg").unwrap();
    sc.wait().unwrap();
    let Phase::Scatter { input_rows, level, buckets } = rx.recv().unwrap() else { panic!("not a scatter phase") };
    assert_eq!(input_rows, 3);
    sc.checkpoint_in_background(Box::new(|_| Err(Error::Config("disk full".into())))).unwrap();
    let e = sc.checkpoint(Box::new(|_| Ok(()))).unwrap_err().to_string();
    assert!(e.contains("disk full"), "{e}");
    drop(sc);
    // Restored at the first checkpoint: the fourth row is gone, the first three read back.
    let back = Scatter::restore(tmp.path(), ident, input_rows, level, &buckets).unwrap();
    assert_eq!(back.input_rows(), 3);
    drop(back);
    let path = bucket_path(&tmp.path().join(SHUFFLE_DIR), level, 0);
    let data = read_bucket(&path, buckets[0].bytes).unwrap();
    assert_eq!(record_ranges(&data).unwrap().len(), 3);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), buckets[0].bytes);
}
