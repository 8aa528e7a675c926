//! Unit tests of `uer.rs`.

use super::*;

const SP: Specials = Specials { vocab_size: 100, cls: 2, sep: 3, mask: 4, pad: 0 };

fn doc(a: u32, n: u32) -> Document {
    vec![Sentence { ids: (a..a + n).collect(), word_starts: vec![true; n as usize] }]
}

#[test]
fn chunks_lines_and_buffers() {
    let cfg = UerConfig { seq_length: 4, full_sentences: false, docs_buffer_size: 2, empty_tail: false };
    let docs = vec![doc(10, 3), doc(20, 2), doc(30, 0)];
    let rows: Vec<Vec<u32>> = pack(&docs, &cfg, &SP).unwrap().into_iter().map(|i| i.input_ids).collect();
    assert_eq!(rows, [vec![2, 10, 11, 12], vec![3], vec![2, 20, 21, 3], vec![2, 3]]);
    let feb = UerConfig { empty_tail: true, ..cfg.clone() };
    assert_eq!(pack(&docs, &feb, &SP).unwrap().len(), 5);
    let full = UerConfig { full_sentences: true, ..cfg };
    let rows: Vec<Vec<u32>> = pack(&docs, &full, &SP).unwrap().into_iter().map(|i| i.input_ids).collect();
    assert_eq!(rows, [vec![2, 10, 11, 12], vec![3, 2, 20, 21], vec![3], vec![2, 3]]);
}
