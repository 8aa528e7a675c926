//! Unit tests of `normalizer.rs`.

use super::*;

fn spec(dummy: bool, remove: bool, escape: bool) -> NormalizerSpec {
    NormalizerSpec {
        name: "identity".into(),
        precompiled_charsmap: Vec::new(),
        add_dummy_prefix: dummy,
        remove_extra_whitespaces: remove,
        escape_whitespaces: escape,
    }
}

fn run(n: &Normalizer, s: &str) -> (String, Vec<usize>) {
    let mut out = Normalized::default();
    n.normalize(s, &mut out, true);
    (String::from_utf8(out.text).unwrap(), out.to_orig)
}

#[test]
fn spaces_are_collapsed_escaped_and_mapped() {
    let n = Normalizer::new(&spec(true, true, true), false, &[], Path::new("m")).unwrap();
    let (t, map) = run(&n, "  a  b ");
    assert_eq!(t, "▁a▁b");
    assert_eq!(map, [2, 2, 2, 2, 3, 3, 3, 5, 6]);
    assert_eq!(run(&n, "   ").0, "");
    let raw = Normalizer::new(&spec(false, false, false), false, &[], Path::new("m")).unwrap();
    assert_eq!(run(&raw, " a  b ").0, " a  b ");
}

#[test]
fn suffix_mark_and_user_symbols() {
    let sym: &[u8] = b"<sep>";
    let n = Normalizer::new(&spec(true, true, true), true, &[sym], Path::new("m")).unwrap();
    let (t, map) = run(&n, "a <sep>b");
    assert_eq!(t, "a▁<sep>b▁");
    assert_eq!(map.len(), t.len() + 1);
    assert_eq!(*map.last().unwrap(), 8);
}

#[test]
fn broken_charsmap_is_an_error_naming_the_file() {
    let mut s = spec(true, true, true);
    let mut bad_array = vec![0, 4, 0, 0];
    bad_array.extend(std::iter::repeat_n(0xff, 1024));
    bad_array.extend(b"a\0");
    for blob in [vec![100, 0, 0, 0, 1, 2], vec![1, 2, 3], vec![4, 0, 0, 0, 1, 2, 3, 4, 0], bad_array] {
        s.precompiled_charsmap = blob;
        let e = Normalizer::new(&s, false, &[], Path::new("bad.model")).unwrap_err().to_string();
        assert!(e.starts_with("bad.model: normalizer_spec.precompiled_charsmap: "), "{e}");
    }
}
