use std::path::Path;

use wakachi_core::segment::mecab::{binary, source, Mecab, MecabOptions};
use wakachi_core::segment::{Segmenter, Span};
use wakachi_core::Error;

use crate::{corpus_lines, dicdir};

fn words(seg: &Segmenter, text: &str) -> Vec<String> {
    let mut spans: Vec<Span> = Vec::new();
    seg.worker().segment(text, &mut spans);
    spans.iter().map(|s| text[s.start..s.end].to_string()).collect()
}

fn open(dir: &Path) -> Segmenter {
    Segmenter::Mecab(Box::new(Mecab::open(dir, &MecabOptions::default()).expect("dictionary opens")))
}

fn copy_dicdir(from: &Path, to: &Path) {
    for f in ["sys.dic", "unk.dic", "matrix.bin", "char.bin", "dicrc"] {
        std::fs::copy(from.join(f), to.join(f)).expect("copy");
    }
}

#[test]
fn ipadic_binary_is_read_completely() {
    let d = binary::read_dicdir(&dicdir("WAKACHI_TEST_IPADIC")).expect("reads");
    // Figures of PyPI ipadic 1.0.0's headers (lexsize, matrix dims, categories, unk tokens).
    assert_eq!(d.lex.len(), 392_126);
    assert_eq!((d.matrix.lsize, d.matrix.rsize), (1316, 1316));
    assert_eq!(d.chars.categories.len(), 11);
    assert_eq!(d.unk.len(), 40);
    assert!(d.lex.windows(2).all(|w| w[0].surface.as_bytes() <= w[1].surface.as_bytes()));
}

#[test]
fn decompiled_sources_read_back_identical_in_utf8_and_euc_jp() {
    let d = binary::read_dicdir(&dicdir("WAKACHI_TEST_IPADIC")).expect("reads");
    let tmp = tempfile::tempdir().expect("tmp");
    source::write_dicdir(&d, tmp.path()).expect("writes");
    let back = source::read_dicdir(tmp.path()).expect("reads back");
    assert_eq!(back.lex, d.lex);
    assert_eq!(back.unk, d.unk);
    assert_eq!(back.matrix, d.matrix);
    assert_eq!(back.chars, d.chars);

    // The same lexicon in EUC-JP, as MeCab source releases ship it. Lines whose characters
    // EUC-JP cannot hold (or maps differently, like U+301C) are left out of both sides.
    let utf8 = std::fs::read_to_string(tmp.path().join("lex.csv")).expect("lex");
    let kept: String = utf8
        .lines()
        .filter(|l| {
            let (e, _, bad) = encoding_rs::EUC_JP.encode(l);
            !bad && encoding_rs::EUC_JP.decode_without_bom_handling(&e).0 == *l
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(kept.len() > utf8.len() * 9 / 10);
    std::fs::write(tmp.path().join("lex.csv"), &kept).expect("write");
    let want = source::read_dicdir(tmp.path()).expect("reads UTF-8").lex;
    std::fs::write(tmp.path().join("lex.csv"), encoding_rs::EUC_JP.encode(&kept).0).expect("write");
    let back = source::read_dicdir(tmp.path()).expect("reads EUC-JP");
    assert_eq!(back.lex, want);
}

#[test]
fn source_and_binary_segment_alike() {
    let bin = dicdir("WAKACHI_TEST_IPADIC");
    let tmp = tempfile::tempdir().expect("tmp");
    source::write_dicdir(&binary::read_dicdir(&bin).expect("reads"), tmp.path()).expect("writes");
    let (a, b) = (open(&bin), open(tmp.path()));
    for line in corpus_lines("kwdlc.txt", 300) {
        assert_eq!(words(&a, &line), words(&b, &line), "{line}");
    }
}

#[test]
fn mecab_quirks_are_reproduced() {
    let seg = open(&dicdir("WAKACHI_TEST_UNIDIC_LITE"));
    // MeCab (fugashi 1.5.2) outputs for these strings; tests/test_mecab.py checks them against fugashi.
    assert_eq!(words(&seg, "\u{FFFF}\u{FFFF}"), ["\u{FFFF}", "\u{FFFF}"]);
    assert_eq!(words(&seg, "  先頭と末尾  "), ["先頭", "と", "末尾"]);
    let grouped: Vec<usize> = words(&seg, &"ア".repeat(30)).iter().map(|w| w.chars().count()).collect();
    assert_eq!(grouped.iter().sum::<usize>(), 30);
    assert!(grouped.iter().all(|&n| n <= 25), "grouping is capped at 24 characters after the first");
    assert!(words(&seg, "").is_empty());
}

fn open_err(dir: &Path) -> String {
    match Mecab::open(dir, &MecabOptions::default()) {
        Err(e @ Error::Dictionary { .. }) => e.to_string(),
        Err(e) => panic!("wrong error kind: {e}"),
        Ok(_) => panic!("a corrupt dictionary opened"),
    }
}

#[test]
fn truncated_or_corrupt_files_are_named() {
    let src = dicdir("WAKACHI_TEST_IPADIC");
    for (file, keep) in [("sys.dic", 1000), ("sys.dic", 50), ("matrix.bin", 3), ("matrix.bin", 9999), ("char.bin", 100), ("unk.dic", 200)] {
        let tmp = tempfile::tempdir().expect("tmp");
        copy_dicdir(&src, tmp.path());
        let data = std::fs::read(src.join(file)).expect("read");
        std::fs::write(tmp.path().join(file), &data[..keep]).expect("truncate");
        let msg = open_err(tmp.path());
        assert!(msg.contains(file), "{file} truncated to {keep}: {msg}");
    }
}

#[test]
fn absurd_header_sizes_do_not_allocate() {
    let src = dicdir("WAKACHI_TEST_IPADIC");
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dicdir(&src, tmp.path());
    // matrix.bin claiming 65535 x 65535 (8 GiB) in a 3.4 MB file.
    let mut m = std::fs::read(src.join("matrix.bin")).expect("read");
    m[..4].copy_from_slice(&[0xFF; 4]);
    std::fs::write(tmp.path().join("matrix.bin"), &m).expect("write");
    assert!(open_err(tmp.path()).contains("matrix.bin"));
    // sys.dic whose section sizes overflow.
    copy_dicdir(&src, tmp.path());
    let mut s = std::fs::read(src.join("sys.dic")).expect("read");
    s[24..28].copy_from_slice(&[0xFF; 4]);
    std::fs::write(tmp.path().join("sys.dic"), &s).expect("write");
    assert!(open_err(tmp.path()).contains("sys.dic"));
}

#[test]
fn scrambled_double_array_is_an_error_or_harmless() {
    let src = dicdir("WAKACHI_TEST_IPADIC");
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dicdir(&src, tmp.path());
    let mut s = std::fs::read(src.join("sys.dic")).expect("read");
    // Overwrite a stretch of the double array and of the token table with a pattern.
    for (i, b) in s[5_000..200_000].iter_mut().enumerate() {
        *b = (i * 131 % 251) as u8;
    }
    std::fs::write(tmp.path().join("sys.dic"), &s).expect("write");
    // Must not panic; either a named error or a dictionary that loads.
    if let Err(e) = Mecab::open(tmp.path(), &MecabOptions::default()) {
        assert!(e.to_string().contains("sys.dic") || e.to_string().contains(&tmp.path().display().to_string()), "{e}");
    }
}

#[test]
fn missing_files_and_dirs_are_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert!(open_err(tmp.path()).contains("not a MeCab dictionary"));
    copy_dicdir(&dicdir("WAKACHI_TEST_IPADIC"), tmp.path());
    std::fs::remove_file(tmp.path().join("char.bin")).expect("rm");
    assert!(open_err(tmp.path()).contains("char.bin"));
    assert!(open_err(&tmp.path().join("nope")).contains("not a directory"));
}

#[test]
fn cache_is_written_then_used() {
    let tmp = tempfile::tempdir().expect("tmp");
    let opts = MecabOptions { cache_dir: Some(tmp.path().to_path_buf()) };
    let dir = dicdir("WAKACHI_TEST_IPADIC");
    let cold = Mecab::open(&dir, &opts).expect("cold");
    assert!(!cold.report.from_cache);
    let warm = Mecab::open(&dir, &opts).expect("warm");
    assert!(warm.report.from_cache);
    assert_eq!(cold.report.cache_file, warm.report.cache_file);
    // A corrupt cache entry is rebuilt, with a warning.
    let cache = warm.report.cache_file.clone().expect("cache file");
    std::fs::write(&cache, b"garbage").expect("write");
    let rebuilt = Mecab::open(&dir, &opts).expect("rebuilt");
    assert!(!rebuilt.report.from_cache && rebuilt.report.warning.is_some());
    let (a, b) = (Segmenter::Mecab(Box::new(cold)), Segmenter::Mecab(Box::new(rebuilt)));
    for line in corpus_lines("jglue_questions.txt", 100) {
        assert_eq!(words(&a, &line), words(&b, &line));
    }
}
