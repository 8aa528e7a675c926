//! Unit tests of `gpt2.rs`.

use super::super::Sentence;
use super::*;

const SP: Specials = Specials { vocab_size: 100, cls: 4, sep: 5, mask: 0, pad: 0 };

#[test]
fn windows_overlap_by_one_and_drop_the_rest() {
    let docs: Vec<Document> = vec![
        vec![Sentence { ids: (10..17).collect(), word_starts: vec![true; 7] }],
        vec![Sentence { ids: (20..24).collect(), word_starts: vec![false; 4] }],
    ];
    let cfg = Gpt2Config { block_size: 3, separator: None };
    let rows: Vec<Vec<u32>> = pack(&docs, &cfg, &SP).unwrap().into_iter().map(|i| i.input_ids).collect();
    assert_eq!(rows, [vec![10, 11, 12, 13], vec![13, 14, 15, 16], vec![16, 20, 21, 22]]);
    let cfg = Gpt2Config { block_size: 3, separator: Some(3) };
    let rows: Vec<Vec<u32>> = pack(&docs, &cfg, &SP).unwrap().into_iter().map(|i| i.input_ids).collect();
    assert_eq!(rows[2], [16, 3, 20, 21]);
}
