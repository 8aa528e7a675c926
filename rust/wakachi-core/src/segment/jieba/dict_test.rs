//! Unit tests of `dict.rs`.

use super::*;

#[test]
fn user_lines_split_like_re_userdict() {
    assert_eq!(split_user_line("云计算 5 n"), ("云计算", Some("5")));
    assert_eq!(split_user_line("云计算 5"), ("云计算", Some("5")));
    assert_eq!(split_user_line("云计算 n"), ("云计算", None));
    assert_eq!(split_user_line("云计算"), ("云计算", None));
    assert_eq!(split_user_line("New York 12 ns"), ("New York", Some("12")));
    assert_eq!(split_user_line("a 1 2 x"), ("a 1", Some("2")));
    assert_eq!(split_user_line("x 3 NZ"), ("x 3 NZ", None));
    assert_eq!(split_user_line("hello world"), ("hello", None));
    assert_eq!(split_user_line(" 5"), (" 5", None));
}

#[test]
fn default_dict_has_prefixes_and_total() {
    let d = PrefixDict::default_dict().unwrap();
    assert!(d.get_or("中国", 0) > 0);
    // `B超` is listed twice with frequency 3; jieba adds both to the total.
    assert_eq!(d.get_or("B超", 0), 3);
    assert_eq!(d.get_or("不存在的词语", 7), 7);
    assert!(d.find("中华人民共和".chars()).is_some());
    assert_eq!(d.total, 60_101_967);
}
