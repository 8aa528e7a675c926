//! Cases checked against Python's `re` running cl-tohoku's patterns (expected values produced by
//! CPython 3.11); `tests/test_corpus.py` compares many more, random ones included.

use super::*;

fn case(text: &str, title: Option<&str>, want: &str) {
    assert_eq!(clean(text, title), want, "text {text:?} title {title:?}");
}

#[test]
fn footnotes_and_yo_marks() {
    case("東京[1]は日本の首都[23]である[a]。", None, "東京は日本の首都である[a]。");
    case("東京[１２]は[要出典]首都[要検証 – ノート]。[要]]", None, "東京は首都。");
}

#[test]
fn templates_single_pass() {
    case("a{{b}}c{{{d}}}e{{f}g}}h{{i{{j}}k}}l{x}}m{{}}n", None, "ace{{f}g}}h{{ik}}l{x}}m{{}}n");
}

#[test]
fn breadcrumb_needs_a_prefix_and_the_raw_title() {
    case("地理 > 日本 > 東京都 東京都は日本の首都。", Some("東京都"), "東京都は日本の首都。");
    case("東京都 > 東京都 本文", Some("東京都"), "本文");
    case("C++ > C++ (言語) 本文", Some("C++ (言語)"), "本文");
    case("", Some("題"), "");
}

#[test]
fn caret_tail_needs_a_character_after_it() {
    case("本文。 ^ 注釈 ^ 2", None, "本文。");
    case("本文。 ^ ", None, "本文。 ^");
}

#[test]
fn annotations_in_alternative_order() {
    case("a[リンク切れ]b[どこ?]c[x] y?]d[?]e[??]f[要出典?]g", None, "abcdfg");
}

#[test]
fn nfkc_printable_whitespace() {
    case("ＡＢＣ\u{3000}全角\t\n改行\u{200b}ゼロ幅\u{2028} 行", None, "ABC 全角改行ゼロ幅 行");
    case("  多い   空白  ", None, "多い 空白");
}

#[test]
fn unclosed_brackets_stay_linear() {
    let s = "[要x".repeat(50_000) + &"[a".repeat(50_000) + &"{{".repeat(50_000);
    let t = std::time::Instant::now();
    let out = clean(&s, None);
    assert_eq!(out.len(), s.len());
    assert!(t.elapsed().as_secs_f64() < 5.0);
}

#[test]
fn displaystyle_is_literal() {
    assert!(has_displaystyle(r"式 {\displaystyle x^2} は"));
    assert!(!has_displaystyle("displaystyle"));
}
