use std::path::Path;

use wakachi_core::segment::mecab::{binary, source, Engine, Mecab, MecabOptions};
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
    for (file, keep) in [
        ("sys.dic", 1000),
        ("sys.dic", 50),
        ("matrix.bin", 3),
        ("matrix.bin", 9999),
        ("char.bin", 100),
        ("unk.dic", 200),
    ] {
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
    // Must not panic: either an error naming the dictionary, or one that loads and still segments
    // every text into in-bounds, non-empty spans.
    match Mecab::open(tmp.path(), &MecabOptions::default()) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("sys.dic") || msg.contains(&tmp.path().display().to_string()), "{msg}");
        }
        Ok(m) => {
            let seg = Segmenter::Mecab(Box::new(m));
            let mut w = seg.worker();
            let mut spans = Vec::new();
            for text in ["吾輩は猫である。名前はまだ無い。", "東京都に住んでいます", "abc 123 ＡＢＣ"]
            {
                w.segment(text, &mut spans);
                assert!(!spans.is_empty(), "{text}");
                assert!(spans.iter().all(|s| s.start < s.end && s.end <= text.len()), "{text}: {spans:?}");
            }
        }
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
    let opts = MecabOptions::cached(Some(tmp.path().to_path_buf()));
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

/// A small MeCab source dicdir written the way real releases are: EUC-JP, comments, blank lines
/// and trailing comments in char.def, a dicrc; `eol` is "\n" or "\r\n". The lexicon is written
/// through encoding_rs's (WHATWG) encoder, so ～－∥￠￡￢ become the JIS X 0208 bytes that
/// MeCab's iconv reads as 〜−‖¢£¬.
fn write_mini_source(dir: &Path, eol: &str) {
    let euc = |s: &str| encoding_rs::EUC_JP.encode(&s.replace('\n', eol)).0.into_owned();
    let lex = "波,1,1,100,名詞,一般,*,*,*,*,波,ナミ,ナミ\n～,2,2,100,記号,一般,*,*,*,*,～,カラ,カラ\n\
               信ずる,1,1,100,動詞,自立,*,*,サ変・－ズル,基本形,信ずる,シンズル,シンズル\n\
               ∥,2,2,100,記号,一般,*,*,*,*,∥,∥,∥\n\"￠,￡\",2,2,100,記号,一般,*,*,*,*,￢,*,*\n";
    let chars = "#\n#  Japanese character category map\n#\n\nDEFAULT 0 1 0  # DEFAULT is mandatory\n\
                 SPACE   0 1 0\nKANJI   0 0 2\tEXTRA COLUMNS ARE IGNORED\nSYMBOL  1 1 0\n\n\
                 # ranges\n0x0020 SPACE  # DO NOT REMOVE THIS LINE\n0x00D0 SPACE\n\
                 0x4E00..0x9FA5 KANJI  # CJK Unified Ideographs\n0x3000..0x303F SYMBOL\t# CJK symbols\n\
                 0x2010..0x2312 SYMBOL\n0x00A0..0x00FF SYMBOL\n";
    let unk = "DEFAULT,0,0,100,記号,一般,*,*,*,*,*\nSPACE,0,0,100,記号,空白,*,*,*,*,*\n\
               KANJI,1,1,500,名詞,一般,*,*,*,*,*\nSYMBOL,2,2,200,記号,一般,*,*,*,*,*\n";
    let matrix: String = std::iter::once("3 3\n".to_string())
        .chain((0..9).map(|i| format!("{} {} {}\n", i % 3, i / 3, (i * 7) % 5 - 2)))
        .collect();
    for (name, text) in [("lex.csv", lex), ("char.def", chars), ("unk.def", unk), ("matrix.def", &matrix)] {
        std::fs::write(dir.join(name), euc(text)).expect("write");
    }
    std::fs::write(dir.join("dicrc"), euc(";\n; Configuration file\n;\ncost-factor = 800\nmax-grouping-size = 0\n"))
        .expect("write");
}

#[test]
fn euc_jp_sources_decode_as_mecab_iconv_does() {
    // MeCab (mecab-dict-index -f EUC-JP, glibc/libiconv) reads JIS X 0208 0x2141 as U+301C, not
    // U+FF5E, and so on; on Debian's mecab-ipadic this decided 2,029 corpus lines
    // (benches/parity_mecab_source.py).
    let tmp = tempfile::tempdir().expect("tmp");
    write_mini_source(tmp.path(), "\n");
    let d = source::read_dicdir(tmp.path()).expect("reads");
    let got: Vec<(&str, &str)> = d.lex.iter().map(|e| (e.surface.as_str(), e.feature.as_str())).collect();
    assert!(got.contains(&("\u{301C}", "記号,一般,*,*,*,*,\u{301C},カラ,カラ")), "{got:?}");
    assert!(got.contains(&("信ずる", "動詞,自立,*,*,サ変・\u{2212}ズル,基本形,信ずる,シンズル,シンズル")), "{got:?}");
    assert!(got.contains(&("\u{2016}", "記号,一般,*,*,*,*,\u{2016},\u{2016},\u{2016}")), "{got:?}");
    assert!(got.contains(&("\u{A2},\u{A3}", "記号,一般,*,*,*,*,\u{AC},*,*")), "{got:?}");
    let seg = open(tmp.path());
    let mut spans: Vec<Span> = Vec::new();
    let text = "波\u{301C}波";
    seg.worker().segment(text, &mut spans);
    let toks: Vec<(&str, &str)> = spans.iter().map(|s| (&text[s.start..s.end], s.feature.as_str())).collect();
    assert_eq!(toks[1], ("\u{301C}", "記号,一般,*,*,*,*,\u{301C},カラ,カラ"));
}

#[test]
fn source_files_with_crlf_comments_and_dicrc_read_alike() {
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    write_mini_source(a.path(), "\n");
    write_mini_source(b.path(), "\r\n");
    let (x, y) = (source::read_dicdir(a.path()).expect("LF"), source::read_dicdir(b.path()).expect("CRLF"));
    assert_eq!((x.lex, x.unk, x.matrix), (y.lex, y.unk, y.matrix));
    assert_eq!(x.chars, y.chars);
    assert_eq!(x.chars.categories.len(), 4);
    assert_eq!(x.chars.table[0x3000].default_type(), 3); // SYMBOL, from a range with a tab and a comment
                                                         // dicrc's `max-grouping-size = 0` means MeCab's default, not unlimited.
    let m = Mecab::open(b.path(), &MecabOptions::default()).expect("opens");
    assert_eq!(m.report.max_grouping, 24);
}

#[test]
fn bad_source_lines_are_named_errors_never_panics() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_mini_source(tmp.path(), "\n");
    let bad_lines = [
        "",
        "#",
        "x",
        "0x",
        "0x..",
        "0x..0x",
        "0xZZ SPACE",
        "0x0041..0x0040 KANJI",
        "0xFFFF KANJI",
        "0x0041 NOPE",
        "0x0041",
        "0x4E00..0x9FA5 # KANJI",
        "A 0 1",
        "A 2 1 0",
        "A 0 1 99",
        "DEFAULT 0 1 0",
        ",,,,",
        "\"",
        "\"a",
        "\"a\"x,1,1,1,f",
        "a,1,1",
        "a,-1,1,1,f",
        "a,99999,1,1,f",
        "a,1,1,40000,f",
        "a,5,5,1,f",
        ",1,1,1,f",
        "NOPE,0,0,1,f",
        "1 2",
        "1 2 3 4",
        "9 9 9",
        "-1 0 0",
        "0 0 99999",
        "0 0",
        "3 x",
        "\u{FEFF}3 3",
        "max-grouping-size = x",
        "max-grouping-size = -1",
        "\u{1}\u{7F}",
        "\"\"\"\"",
        "0x0020..0x0020 SPACE SPACE",
    ];
    let mut opened = 0;
    for file in ["lex.csv", "char.def", "unk.def", "matrix.def", "dicrc"] {
        let orig = std::fs::read(tmp.path().join(file)).expect("read");
        let text = String::from_utf8_lossy(&orig).into_owned(); // these files' changed lines are ASCII
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            for bad in bad_lines {
                let mut l = lines.clone();
                l[i] = bad;
                std::fs::write(tmp.path().join(file), l.join("\n")).expect("write");
                // Parsing alone for every case (fast); the whole load (dicrc, vibrato's builder)
                // for the dicrc cases and for what parses.
                let res = match source::read_dicdir(tmp.path()) {
                    Ok(_) if file == "dicrc" || bad.is_empty() || i % 4 == 0 => {
                        opened += 1;
                        Mecab::open(tmp.path(), &MecabOptions::default()).map(|_| ())
                    }
                    r => r.map(|_| ()),
                };
                match res {
                    Ok(()) => {}
                    Err(Error::Malformed { path, line, .. }) => {
                        assert!(
                            path.ends_with(file) && (1..=lines.len()).contains(&(line as usize)),
                            "{file}:{}: {bad:?} gave {}:{line}",
                            i + 1,
                            path.display()
                        )
                    }
                    Err(e @ Error::Dictionary { .. }) => {
                        assert!(e.to_string().contains(&tmp.path().display().to_string()), "{e}")
                    }
                    Err(e) => panic!("{file}:{}: {bad:?}: unexpected error kind {e}", i + 1),
                }
            }
        }
        std::fs::write(tmp.path().join(file), &orig).expect("restore");
    }
    assert!(opened > 50, "{opened}");
    // Bytes that are neither UTF-8 nor EUC-JP name their line.
    let mut lex = std::fs::read(tmp.path().join("lex.csv")).expect("read");
    lex.extend_from_slice(b"\xA1\xC1x,1,1,1,\x80\xFF\n");
    std::fs::write(tmp.path().join("lex.csv"), &lex).expect("write");
    match source::read_dicdir(tmp.path()) {
        Err(Error::Malformed { path, line, .. }) => {
            assert!(path.ends_with("lex.csv") && line == 6, "{}:{line}", path.display())
        }
        other => panic!("expected a malformed-line error, got {:?}", other.map(|d| d.lex.len())),
    }
}

/// Both engines on one dictionary, compiled once into the test target's scratch directory.
fn engines(var: &str) -> (Segmenter, Segmenter) {
    let cache = Some(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mecab-cache"));
    let open = |engine| {
        let m = Mecab::open(&dicdir(var), &MecabOptions { cache_dir: cache.clone(), engine: Some(engine) });
        Segmenter::Mecab(Box::new(m.expect("dictionary opens")))
    };
    (open(Engine::Lattice), open(Engine::Vibrato))
}

fn spans(seg: &Segmenter, text: &str) -> Vec<(String, String)> {
    let mut out: Vec<Span> = Vec::new();
    seg.worker().segment(text, &mut out);
    out.iter().map(|s| (text[s.start..s.end].to_string(), s.feature.as_str().to_string())).collect()
}

#[test]
fn lattice_segments_as_vibrato_does() {
    // benches/parity_mecab.py checks the lattice against MeCab itself on every corpus line, and
    // examples/engines.rs against vibrato (188,795 lines, both dictionaries, words and features).
    for var in ["WAKACHI_TEST_UNIDIC_LITE", "WAKACHI_TEST_IPADIC"] {
        let (lattice, vibrato) = engines(var);
        let mut lines = Vec::new();
        for file in ["kwdlc.txt", "ja_debian.txt", "aozora_ja.txt", "jglue_questions.txt", "ud_ja_gsd.txt"] {
            lines.extend(corpus_lines(file, 400));
        }
        // What MeCab treats specially: spaces, U+FFFF, NUL, characters above U+FFFF, long
        // unknown runs, a long line.
        for s in ["  先頭と末尾  ", "\u{FFFF}\u{FFFF}ア", "a\0b\0\0漢字", "絵文字😀😀テスト🈁", "ｱｲｳｴｵ"]
        {
            lines.push(s.to_string());
        }
        lines.push("ア".repeat(60));
        lines.push(lines[..300].concat());
        for line in &lines {
            assert_eq!(spans(&lattice, line), spans(&vibrato, line), "{var}: {line}");
        }
    }
}

#[test]
fn damaged_compiled_dictionary_is_rebuilt() {
    let tmp = tempfile::tempdir().expect("tmp");
    let opts = MecabOptions { cache_dir: Some(tmp.path().to_path_buf()), engine: Some(Engine::Lattice) };
    let dir = dicdir("WAKACHI_TEST_IPADIC");
    let cold = Mecab::open(&dir, &opts).expect("cold");
    let cache = cold.report.cache_file.clone().expect("cache file");
    let good = std::fs::read(&cache).expect("read");
    let cold = Segmenter::Mecab(Box::new(cold));
    // Cut short, a section offset pointing past the end, a context id beyond the matrix.
    let mut past = good.clone();
    past[32 + 8 * 12..32 + 8 * 13].copy_from_slice(&(good.len() as u64).to_le_bytes());
    let words_at = u64::from_le_bytes(good[32 + 8 * 14..32 + 8 * 15].try_into().expect("8 bytes")) as usize;
    let mut ids = good.clone();
    ids[words_at..words_at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    for bad in [good[..good.len() / 2].to_vec(), past, ids] {
        std::fs::write(&cache, &bad).expect("write");
        let m = Mecab::open(&dir, &opts).expect("rebuilt");
        assert!(!m.report.from_cache, "a damaged file was used");
        assert!(m.report.warning.as_deref().is_some_and(|w| w.contains("unreadable cache entry")));
        let m = Segmenter::Mecab(Box::new(m));
        for line in corpus_lines("kwdlc.txt", 50) {
            assert_eq!(words(&m, &line), words(&cold, &line));
        }
    }
}
