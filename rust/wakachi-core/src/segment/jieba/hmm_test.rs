//! Unit tests of `hmm.rs`.

use super::*;

fn skip(s: &str) -> Vec<&str> {
    let mut v = Vec::new();
    skip_split(s.as_bytes(), |a, b| v.push(&s[a..b]));
    v
}

#[test]
fn skip_split_is_re_skip() {
    assert_eq!(skip("mini-HOWTO"), ["mini", "-", "HOWTO"]);
    assert_eq!(skip("1.5.3%x"), ["1.5", ".", "3%", "x"]);
    assert_eq!(skip("C++"), ["C", "++"]);
    assert_eq!(skip("--a."), ["--", "a", "."]);
    assert_eq!(skip("12.5%"), ["12.5%"]);
}

#[test]
fn model_numbers_are_jiebas() {
    let h = Hmm::load().unwrap();
    assert_eq!(h.start[B], -0.26268660809250016);
    assert_eq!(h.trans[B][E], -0.51082562376599);
    assert_eq!(h.trans[B][B], MIN_FLOAT);
    assert_eq!(h.emit('一')[B], -3.6544978750449433);
}
