//! Unit tests of `split.rs`.

use super::*;

fn zh(text: &str) -> Vec<&str> {
    let mut r = Vec::new();
    Rule::Zh.splitter().split(text, &mut r);
    r.into_iter().map(|r| &text[r]).collect()
}

#[test]
fn zh_rule_cuts_after_runs_and_closers() {
    assert_eq!(zh("他说：“好。”然后走了！？真的 吗"), ["他说：“好。”", "然后走了！？", "真的 吗"]);
    assert_eq!(zh("（完。）"), ["（完。）"]);
    assert_eq!(zh("a?b!c.d"), ["a?b!c.d"]);
    assert!(zh("").is_empty());
}

#[test]
fn limits_strip_python_whitespace() {
    let l = Limits { min_chars: 2, max_chars: 3 };
    assert_eq!(l.judge("\u{1f}\u{3000}ab "), Verdict::Keep("ab"));
    assert_eq!(l.judge(" a "), Verdict::Length);
    assert_eq!(l.judge("abcd"), Verdict::Length);
    assert_eq!(l.judge(" \t"), Verdict::Empty);
}

#[test]
fn rule_names_are_checked() {
    assert!(Rule::new("zh", None).is_ok());
    assert!(Rule::new("cl-tohoku", None).is_err());
    assert!(Rule::new("cl-tohoku", Some(&Segmenter::Char)).is_err());
    assert!(Rule::new("en", None).is_err());
}

/// Needs `WAKACHI_TEST_UNIDIC_LITE` (set by `make test-rust`); fails without it, like `tests/it`.
#[test]
fn kuten_rule_keeps_skipped_whitespace_and_stops_mecab_at_nul() {
    let dicdir = std::env::var_os("WAKACHI_TEST_UNIDIC_LITE")
        .expect("WAKACHI_TEST_UNIDIC_LITE is not set: run the tests through `make test`");
    let cache_dir = std::env::var_os("WAKACHI_CACHE_DIR").map(Into::into);
    let m = crate::segment::Mecab::open(dicdir.as_ref(), &crate::segment::MecabOptions::cached(cache_dir)).unwrap();
    let seg = Segmenter::Mecab(Box::new(m));
    let mut sp = Rule::new("cl-tohoku", Some(&seg)).unwrap().splitter();
    let text = "今日は 晴れ。 明日は雨．\0後。";
    let mut r = Vec::new();
    sp.split(text, &mut r);
    let got: Vec<&str> = r.into_iter().map(|r| &text[r]).collect();
    assert_eq!(got, ["今日は 晴れ。", " 明日は雨．", "\0後。"]);
}

fn run(lines: &str, documents: bool) -> (String, SplitReport) {
    let dir = std::env::temp_dir().join(format!("wakachi-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("in-{documents}.txt"));
    std::fs::write(&path, lines).unwrap();
    let job =
        SplitJob { limits: Limits { min_chars: 3, max_chars: 10 }, documents, threads: 2, on_error: OnError::Strict };
    let mut out = Vec::new();
    let r = split_inputs(&Rule::Zh, vec![Input::File(path)], &job, &mut out, &Stop::never(), &mut |_| {}).unwrap();
    (String::from_utf8(out).unwrap(), r)
}

#[test]
fn documents_end_at_blank_lines_and_file_end() {
    let (out, r) = run("一。二二。\n\n  \n三。\n\n四四。五五五", true);
    assert_eq!(out, "二二。\n\n四四。\n五五五\n\n");
    assert_eq!((r.lines, r.sentences, r.dropped_by_length, r.documents), (6, 3, 2, 2));
    let (out, _) = run("一。二二。\n\n  \n三。\n\n四四。五五五", false);
    assert_eq!(out, "二二。\n四四。\n五五五\n");
}
