//! Unit tests of `darts.rs`.

use super::*;

#[test]
fn finds_every_key_and_nothing_else() {
    let keys: Vec<Vec<u32>> = vec![vec![1], vec![1, 2], vec![1, 2, 3], vec![2], vec![5, 300], vec![9], vec![9, 1]];
    let values: Vec<u32> = (0..keys.len() as u32).map(|i| 1000 + i).collect();
    let units = build(&keys, &values).expect("builds");
    let da = DoubleArray::new(&units);
    for (k, v) in keys.iter().zip(&values) {
        let unit = da.walk(k).expect("walks");
        assert_eq!(da.value(unit), Some(*v));
    }
    assert_eq!(da.walk(&[3]), None);
    assert_eq!(da.walk(&[5]).map(|u| da.value(u)), Some(None));
    assert_eq!(da.walk(&[1, 2, 3, 4]), None);
    // Code 0 (a character in no key) ends a walk, also where a key ends and longer ones go on.
    assert_eq!(da.walk(&[1, 0]), None);
    assert_eq!(da.walk(&[9, 0, 1]), None);
    assert!(build(&[vec![1], vec![1]], &[0, 1]).is_err());
    assert!(build(&[vec![], vec![1]], &[0, 1]).is_err());
    assert!(build(&[vec![1, 2], vec![1]], &[0, 1]).is_err());
    // A corrupt array never panics.
    for junk in [[u64::MAX, 7, 1 << 40, 3], [0, 0, 0, 0], [1 << 63 | 9, 1, 2, 3]] {
        let bad = DoubleArray::new(&junk);
        let _ = bad.walk(&[1, 2, 3]).and_then(|u| bad.value(u));
    }
}
