//! Unit tests of `deal.rs`.

use super::*;

fn job(n: usize, seed: u64, compression: Compression) -> DealJob {
    DealJob { num_files: n, seed, compression, prefix: "corpus_".into(), threads: 2, on_error: OnError::Strict }
}

fn read(p: &Path) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut open(p, Arc::default()).unwrap(), &mut s).unwrap();
    s
}

/// Expected files from `tests/corpus_reference.py::deal_reference` (CPython's `random`).
#[test]
fn deals_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    std::fs::write(&a, "a  b\r\nc\rd\r\r\n  \n\u{3000}e\tf\n").unwrap();
    std::fs::write(&b, "x\n\ny").unwrap();
    for c in [Compression::None, Compression::Gz, Compression::Zst, Compression::Xz] {
        let out = dir.path().join(format!("out{}", c.suffix()));
        let r = deal(&[a.clone(), b.clone()], &out, &job(3, 5, c), &mut |_| false).unwrap();
        let got: Vec<String> = r.outputs.iter().map(|p| read(p)).collect();
        assert_eq!(got, ["a b\nc\nd\n\n", "\nx\n\n", "e f\n\ny\n\n"]);
        assert_eq!(r.lines_per_file, [4, 3, 4]);
        assert_eq!(r.documents, 5);
    }
}

#[test]
fn first_file_as_cl_tohoku_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    std::fs::write(&a, "a\n\n").unwrap();
    for (n, want) in [(8, 7), (64, 50)] {
        let r = deal(
            std::slice::from_ref(&a),
            &dir.path().join(format!("o{n}")),
            &job(n, 0, Compression::None),
            &mut |_| false,
        )
        .unwrap();
        assert_eq!(r.lines_per_file.iter().position(|&k| k > 0), Some(want));
    }
}

#[test]
fn bad_utf8_names_file_and_line_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    std::fs::write(&a, b"ok\n\n\xff\n").unwrap();
    let out = dir.path().join("out");
    let e = deal(std::slice::from_ref(&a), &out, &job(2, 0, Compression::Gz), &mut |_| false).unwrap_err();
    assert!(e.to_string().contains("a.txt:3: invalid UTF-8"), "{e}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    let mut j = job(2, 0, Compression::Gz);
    j.on_error = OnError::Skip;
    let r = deal(&[a], &out, &j, &mut |_| false).unwrap();
    assert_eq!((r.skipped_invalid_utf8, r.lines), (1, 2));
}
