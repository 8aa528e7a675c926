//! Unit tests of `dict.rs`.

use super::*;

fn entry(s: &str, f: &str) -> Entry {
    Entry { surface: s.into(), left_id: 1, right_id: 2, cost: -3, feature: f.into() }
}

#[test]
fn homographs_are_reversed_and_fields_quoted() {
    let lex = vec![entry("a", "x"), entry("a", "y"), entry("b,c", "z")];
    let mut out = Vec::new();
    for_each_run_reversed(&lex, |e| write_entry(&mut out, &e.surface, e));
    assert_eq!(String::from_utf8(out).unwrap(), "a,1,2,-3,y\na,1,2,-3,x\n\"b,c\",1,2,-3,z\n");
}

#[test]
fn charinfo_bits_roundtrip() {
    let cats = vec![
        Category { name: "DEFAULT".into(), invoke: false, group: true, length: 0 },
        Category { name: "KATAKANA".into(), invoke: true, group: true, length: 2 },
    ];
    let c = CharInfo::encode(&[1, 0], &cats);
    assert_eq!((c.default_type(), c.type_bits(), c.length(), c.group(), c.invoke()), (1, 3, 2, true, true));
}

#[test]
fn matrix_text_is_mecab_format() {
    let m = Matrix { lsize: 2, rsize: 3, costs: (0..6).collect() };
    let d = MecabDict { lex: vec![], unk: vec![], matrix: m, chars: CharDef { categories: vec![], table: vec![] } };
    let mut s = String::new();
    d.vibrato_matrix().read_to_string(&mut s).unwrap();
    assert_eq!(s, "2 3\n0 0 0\n1 0 1\n0 1 2\n1 1 3\n0 2 4\n1 2 5\n");
}
