//! Unit tests of `inputs.rs` (truncation and padding as transformers' Python code does them).

use super::*;

fn seq(n: u32, base: u32) -> Seq {
    Seq { enc: Encoding { ids: (base..base + n).collect(), word_ids: (0..n).collect() }, offsets: Vec::new() }
}

fn opts() -> InputsOptions {
    InputsOptions {
        add_special_tokens: true,
        cls: 2,
        sep: 3,
        truncation: Truncation::LongestFirst,
        max_length: Some(8),
        truncate_left: false,
        padding: Padding::None,
        pad_to_multiple_of: None,
        pad_left: false,
        pad_id: 0,
        pad_type_id: 0,
        offsets: false,
        cut_added: true,
        type_ids: true,
        special_mask: true,
        attention: true,
    }
}

fn row(m: &ModelInputs, i: usize) -> Vec<i64> {
    m.input_ids[m.starts[i]..m.starts[i + 1]].to_vec()
}

#[test]
fn longest_first_pair() {
    // 6 + 3 + 3 specials = 12 > 8: remove 4; first 3 from the longer, then 1 from the second.
    let m = assemble(vec![(seq(6, 10), Some(seq(3, 20)))], &opts());
    assert_eq!(row(&m, 0), [2, 10, 11, 12, 3, 20, 21, 3]);
    assert_eq!(m.type_ids, [0, 0, 0, 0, 0, 1, 1, 1]);
    assert_eq!(m.word_ids, [-1, 0, 1, 2, -1, 0, 1, -1]);
    assert_eq!(m.sequence_ids, [-1, 0, 0, 0, -1, 1, 1, -1]);
    assert!(m.longest_first_pair_truncated);
}

#[test]
fn left_truncation_drops_an_empty_pair() {
    let o = InputsOptions { truncate_left: true, ..opts() };
    let m = assemble(vec![(seq(10, 10), Some(seq(0, 20)))], &o);
    // The empty second sequence becomes None, as in transformers: one [SEP] only.
    assert_eq!(row(&m, 0), [2, 15, 16, 17, 18, 19, 3]);
    assert_eq!(m.pairs, [false]);
}

#[test]
fn only_first_and_second() {
    let o = InputsOptions { truncation: Truncation::OnlySecond, ..opts() };
    let m = assemble(vec![(seq(6, 10), Some(seq(3, 20))), (seq(1, 10), None)], &o);
    assert_eq!(row(&m, 0), [2, 10, 11, 12, 13, 14, 15, 3, 3]);
    let o = InputsOptions { truncation: Truncation::OnlyFirst, ..opts() };
    let m = assemble(vec![(seq(2, 10), Some(seq(9, 20)))], &o);
    assert_eq!(row(&m, 0)[..3], [2, 3, 20]);
}

#[test]
fn padding_longest_multiple_and_left() {
    let o = InputsOptions {
        padding: Padding::Longest,
        pad_to_multiple_of: Some(4),
        pad_left: true,
        truncation: Truncation::None,
        ..opts()
    };
    let m = assemble(vec![(seq(3, 10), None), (seq(1, 10), None)], &o);
    assert_eq!(m.lengths, [5, 3]);
    assert_eq!(row(&m, 0), [0, 0, 0, 2, 10, 11, 12, 3]);
    assert_eq!(row(&m, 1), [0, 0, 0, 0, 0, 2, 10, 3]);
    assert_eq!(m.attention[8..], [0, 0, 0, 0, 0, 1, 1, 1]);
    assert_eq!(m.special_mask[8..], [1, 1, 1, 1, 1, 1, 0, 1]);
}
