//! Unit tests of `electra.rs`.

use super::*;

const SP: Specials = Specials { vocab_size: 100, cls: 1, sep: 2, mask: 4, pad: 3 };

fn s(n: u32) -> Sentence {
    Sentence { ids: (10..10 + n).collect(), word_starts: vec![true; n as usize] }
}

#[test]
fn b_is_the_continuation_and_may_be_empty() {
    let cfg = ElectraConfig { max_seq_length: 16, short_seq_prob: 0.0, short_min_length: 5, seed: 1 };
    let out = compat(&[vec![s(4)], vec![s(3), s(3), s(20)]], &cfg, &SP).unwrap();
    assert_eq!(out[0].input_ids, [1, 10, 11, 12, 13, 2, 2]);
    assert_eq!(out[0].segment_ids, [0, 0, 0, 0, 0, 0, 1]);
    assert!(out.iter().all(|i| i.input_ids.len() <= 16 && i.next_sentence_label.is_none()));
    // The second document's 26 tokens reach the 13-token target only with its last sentence.
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].input_ids.len(), 16);
    assert_eq!(stream(&[vec![s(4)]], 0, &cfg, &SP).unwrap()[0], out[0]);
}
