//! Unit tests of `kuten.rs`.

use super::*;

#[test]
fn cuts_after_every_kuten_and_drops_doc_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.txt");
    std::fs::write(&p, "<doc id=\"1\">\n吾輩は猫。名前は無い。\n\n 。。 \r\nまだ\n</doc>\nend。").unwrap();
    let job = KutenJob { drop_containing: Some("doc".into()), on_error: OnError::Strict };
    let mut out = Vec::new();
    let r = kuten(&[p], &job, &mut out, &mut |_| false).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "吾輩は猫。\n名前は無い。\n 。\n。\n \r\nまだ\nend。\n");
    assert_eq!((r.lines, r.dropped_lines, r.sentences), (7, 2, 7));
}
