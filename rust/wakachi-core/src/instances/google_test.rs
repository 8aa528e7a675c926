//! Unit tests of `google.rs`.

use super::*;

const SP: Specials = Specials { vocab_size: 1000, cls: 2, sep: 3, mask: 4, pad: 0 };

fn cfg(seq: usize) -> GoogleConfig {
    GoogleConfig {
        max_seq_length: seq,
        short_seq_prob: 0.1,
        masked_lm_prob: 0.15,
        max_predictions_per_seq: 20,
        do_whole_word_mask: true,
        dupe_factor: 2,
        seed: 12345,
        block_documents: 4,
    }
}

fn docs() -> Vec<Document> {
    (0..9u32)
        .map(|d| {
            (0..(d % 4 + 1))
                .map(|s| {
                    let ids: Vec<u32> = (0..(5 + (d * 7 + s * 3) % 17)).map(|t| 10 + d * 50 + s * 20 + t).collect();
                    let starts = ids.iter().map(|&t| t % 3 != 1).collect();
                    Sentence { ids, word_starts: starts }
                })
                .collect()
        })
        .collect()
}

fn check_layout(inst: &Instance, seq: usize) {
    let n = inst.input_ids.len();
    assert!(n <= seq && inst.segment_ids.len() == n && inst.word_starts.len() == n);
    assert_eq!(inst.input_ids[0], SP.cls);
    assert_eq!(inst.input_ids[n - 1], SP.sep);
    let first_b = inst.segment_ids.iter().position(|&s| s == 1).unwrap_or(n);
    assert_eq!(inst.input_ids[first_b - 1], SP.sep);
    assert!(inst.segment_ids[first_b..].iter().all(|&s| s == 1));
    assert!(inst.next_sentence_label.is_some());
    assert!(inst.masked_positions.len() <= 20 && !inst.masked_positions.is_empty());
}

#[test]
fn compat_is_deterministic_and_well_formed() {
    let a = compat(docs(), &cfg(32), &SP).unwrap();
    assert_eq!(a, compat(docs(), &cfg(32), &SP).unwrap());
    assert!(a.len() >= 18);
    a.iter().for_each(|i| check_layout(i, 32));
    let mut other = cfg(32);
    other.seed = 1;
    assert_ne!(a, compat(docs(), &other, &SP).unwrap());
}

#[test]
fn stream_documents_are_independent_of_processing_order() {
    let s = Stream::new(cfg(32), SP).unwrap();
    let all = s.all(docs()).unwrap();
    all.iter().for_each(|i| check_layout(i, 32));
    // Process blocks backwards and documents in reverse, then put them back in order.
    let blocks: Vec<Vec<Document>> = docs().chunks(4).map(|c| s.prepare(c.to_vec()).unwrap()).collect();
    let mut pieces = Vec::new();
    for (b, docs) in blocks.iter().enumerate().rev() {
        for pass in (0..2).rev() {
            for d in (0..docs.len()).rev() {
                let mut out = Vec::new();
                s.document(docs, b as u64, d, pass, &mut out);
                pieces.push(((b, pass, d), out));
            }
        }
    }
    pieces.sort_by_key(|p| p.0);
    let again: Vec<Instance> = pieces.into_iter().flat_map(|p| p.1).collect();
    assert_eq!(all, again);
}

#[test]
fn bad_settings_are_errors() {
    assert!(compat(docs(), &cfg(4), &SP).is_err());
    let mut c = cfg(32);
    c.masked_lm_prob = 1.5;
    assert!(Stream::new(c, SP).is_err());
    assert!(compat(vec![], &cfg(32), &SP).unwrap().is_empty());
}
