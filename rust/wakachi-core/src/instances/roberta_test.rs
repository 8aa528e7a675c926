//! Unit tests of `roberta.rs`.

use super::*;

const SP: Specials = Specials { vocab_size: 100, cls: 0, sep: 2, mask: 4, pad: 1 };

fn s(a: u32, n: u32) -> Sentence {
    Sentence { ids: (a..a + n).collect(), word_starts: vec![true; n as usize] }
}

#[test]
fn packs_sentences_with_document_separators() {
    let cfg = RobertaConfig { max_seq_length: 10, cross_documents: true, doc_separator: true };
    let docs = vec![vec![s(10, 3), s(20, 2)], vec![s(30, 2), s(40, 4)], vec![s(50, 20)]];
    let rows: Vec<Vec<u32>> = pack(&docs, &cfg, &SP).unwrap().into_iter().map(|i| i.input_ids).collect();
    assert_eq!(rows[0], [0, 10, 11, 12, 20, 21, 2, 30, 31, 2]);
    assert_eq!(rows[1], [0, 40, 41, 42, 43, 2]);
    let mut want = vec![0];
    want.extend(50..58);
    want.push(2);
    assert_eq!(rows[2], want);
    assert_eq!(rows.len(), 5);
    let per_doc = RobertaConfig { cross_documents: false, ..cfg };
    assert_eq!(pack(&docs, &per_doc, &SP).unwrap().len(), 5);
    assert_eq!(pack(&docs[..2], &per_doc, &SP).unwrap().len(), 2);
}
