//! Unit tests of `vocab_file.rs`.

use super::*;

fn parse(b: &[u8]) -> Result<Vocab> {
    Vocab::parse(Path::new("v.txt"), b)
}

#[test]
fn ids_are_line_indices() {
    let v = parse(b"[UNK]\r\n##a\rb\n\nc").unwrap();
    assert_eq!(v.len(), 5);
    assert_eq!(v.id("b"), Some(2));
    assert_eq!(v.id(""), Some(3));
    assert_eq!(v.id("c"), Some(4));
    assert_eq!(v.longest_continuation("a"), Some((1, 1)));
    assert_eq!(v.char_id('b'), Some(2));
}

#[test]
fn errors_name_file_and_line() {
    let e = parse(b"a\nb\na\n").unwrap_err().to_string();
    assert!(e.contains("v.txt:3") && e.contains("duplicate"), "{e}");
    let e = parse(b"a\n\xff\n").unwrap_err().to_string();
    assert!(e.contains("v.txt:2") && e.contains("UTF-8"), "{e}");
    assert!(parse(b"").unwrap_err().to_string().contains("empty"));
}
