//! Unit tests of `output.rs`.

use super::*;

#[test]
fn round_trips_and_drops_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let text = "吾輩は猫である。\n\n名前はまだ無い。\n".repeat(1000);
    for (name, threads) in [("a.txt", 1), ("a.txt.gz", 1), ("a.txt.zst", 1), ("a.txt.xz", 1), ("b.txt.xz", 3)] {
        let p = dir.path().join(name);
        let mut o = AtomicOutput::create(&p, threads).unwrap();
        o.write_bytes(text.as_bytes()).unwrap();
        assert!(partial_path(&p).exists() && !p.exists());
        o.finish().unwrap();
        assert!(!partial_path(&p).exists());
        let mut back = String::new();
        std::io::Read::read_to_string(&mut crate::pack::corpus::open(&p, Default::default()).unwrap(), &mut back)
            .unwrap();
        assert_eq!(back, text, "{name}");
    }
    let p = dir.path().join("c.txt.gz");
    drop(AtomicOutput::create(&p, 1).unwrap());
    assert!(!p.exists() && !partial_path(&p).exists());
}
