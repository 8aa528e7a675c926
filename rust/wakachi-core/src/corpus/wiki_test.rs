//! Unit tests of `wiki.rs`.

use super::*;
use crate::segment::Segmenter;

#[test]
fn records_read_as_python_json_reads_them() {
    let r: Record = serde_json::from_str(r#"{"index": null}"#).unwrap();
    assert!(r.index);
    let r: Record =
        serde_json::from_str(r#"{"title": "a", "title": null, "te\u0078t": "b", "x": [1, {"y": 2}]}"#).unwrap();
    assert_eq!((r.index, r.title, r.text), (false, Some(Value::Null), Some(Value::String("b".into()))));
    assert!(serde_json::from_str::<Record>(r#"["index"]"#).is_err());
    assert!(serde_json::from_str::<Record>(r#""index""#).is_err());
}

/// Needs `WAKACHI_TEST_UNIDIC_LITE` (set by `make test-rust`); skipped without it.
#[test]
fn pages_to_sentences_with_errors_named() {
    let Some(dicdir) = std::env::var_os("WAKACHI_TEST_UNIDIC_LITE") else {
        eprintln!("WAKACHI_TEST_UNIDIC_LITE not set: skipped");
        return;
    };
    let cache_dir = std::env::var_os("WAKACHI_CACHE_DIR").map(Into::into);
    let m = crate::segment::Mecab::open(dicdir.as_ref(), &crate::segment::MecabOptions::cached(cache_dir)).unwrap();
    let seg = Segmenter::Mecab(Box::new(m));
    let rule = Rule::new("cl-tohoku", Some(&seg)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump.json");
    let pages = [
        r#"{"index": {"_id": "1"}}"#,
        r#"{"title": "東京", "text": "地理 > 東京 東京[1]は日本の首都である。短い。{{x}}人口は多い \\displaystyle x です。 ^ 注"}"#,
        r#"{"index": {"_id": "2"}}"#,
        r#"{"title": null, "text": "何も残らない。"}"#,
        "",
        r#"{"title": "t", "text": "ＡＢＣは全角の英字である。"}"#,
    ];
    std::fs::write(&dump, pages.join("\n")).unwrap();
    let job = WikiJob { limits: Limits { min_chars: 10, max_chars: 1000 }, threads: 2, on_error: OnError::Strict };
    let mut out = Vec::new();
    let r = wikipedia(&rule, vec![dump.clone()], &job, &mut out, &mut |_| false).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "東京は日本の首都である。\n\nABCは全角の英字である。\n\n");
    assert_eq!((r.index_lines, r.pages, r.pages_kept, r.sentences), (2, 3, 2, 2));
    assert_eq!((r.dropped_by_length, r.dropped_displaystyle), (2, 1));

    std::fs::write(&dump, format!("{}\n{{\"title\": \"t\"}}\n", pages[1])).unwrap();
    let e = wikipedia(&rule, vec![dump.clone()], &job, &mut Vec::new(), &mut |_| false).unwrap_err();
    assert!(e.to_string().ends_with("dump.json:2: no \"text\" field"), "{e}");
    let skip = WikiJob { on_error: OnError::Skip, ..job };
    let r = wikipedia(&rule, vec![dump], &skip, &mut Vec::new(), &mut |_| false).unwrap();
    assert_eq!((r.skipped_bad_records, r.sentences), (1, 1));
}
