//! Unit tests of `pack/corpus.rs`.

use super::*;
use std::io::Write;

fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read_all(files: Vec<PathBuf>, layout: Layout, on_error: OnError) -> Result<(Vec<RawDocument>, ReadStats)> {
    let mut r = CorpusReader::new(files, layout, on_error);
    let mut out = Vec::new();
    while let Some(b) = r.next_batch(2, 1 << 20)? {
        out.extend(b);
    }
    Ok((out, r.stats().clone()))
}

#[test]
fn layouts_and_compression() {
    let d = tempfile::tempdir().unwrap();
    let text = b"a b\r\n  c\n\n\n \nd\n";
    let plain = file(d.path(), "x.txt", text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text).unwrap();
    let gz = file(d.path(), "x.txt.gz", &gz.finish().unwrap());
    let zst = file(d.path(), "x.txt.zst", &zstd::encode_all(&text[..], 3).unwrap());
    let want = vec![vec!["a b".to_string(), "c".into()], vec!["d".into()]];
    for f in [plain.clone(), gz, zst] {
        assert_eq!(read_all(vec![f], Layout::Lines, OnError::Strict).unwrap().0, want);
    }
    let docs = read_all(vec![plain.clone()], Layout::Docs, OnError::Strict).unwrap().0;
    assert_eq!(docs.len(), 6);
    assert_eq!(docs[2], vec![String::new()]);
    // A new file starts a new document.
    let two = read_all(vec![plain.clone(), plain], Layout::Lines, OnError::Strict).unwrap().0;
    assert_eq!(two.len(), 4);
}

#[test]
fn bad_lines_name_file_and_line_or_are_counted() {
    let d = tempfile::tempdir().unwrap();
    let f = file(d.path(), "bad.txt", b"ok\n\xff\xfe\nfine\n");
    let e = read_all(vec![f.clone()], Layout::Lines, OnError::Strict).unwrap_err().to_string();
    assert!(e.contains("bad.txt:2"), "{e}");
    let (docs, stats) = read_all(vec![f], Layout::Lines, OnError::Skip).unwrap();
    assert_eq!((docs, stats.skipped_invalid_utf8), (vec![vec!["ok".to_string(), "fine".into()]], 1));
    let j = file(d.path(), "x.jsonl", b"{\"text\": \"s1\\n\\ns2\"}\n\n{\"body\": 1}\n[1]\n{\"text\": \"\"}\n");
    let e = read_all(vec![j.clone()], Layout::Jsonl("text".into()), OnError::Strict).unwrap_err().to_string();
    assert!(e.contains("x.jsonl:3") && e.contains("no field"), "{e}");
    let (docs, stats) = read_all(vec![j], Layout::Jsonl("text".into()), OnError::Skip).unwrap();
    assert_eq!(docs, vec![vec!["s1".to_string(), "s2".into()], vec![]]);
    assert_eq!(stats.skipped_bad_records, 2);
}

#[test]
fn missing_file_is_named() {
    let e = read_all(vec!["/nonexistent/corpus.txt".into()], Layout::Lines, OnError::Strict).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/corpus.txt"));
}
