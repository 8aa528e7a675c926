//! Shards: resume after a simulated crash gives the bytes of an uninterrupted run (with and
//! without the on-disk shuffle), settings drift and corrupt shards are clear errors, the shuffle
//! is a seeded permutation. Rows come from the gold-segmented KWDLC text.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use wakachi_core::shards::{self, OutputConfig, ShardOutput, ShardSchema, ShuffleConfig, Value};
use wakachi_core::Error;

const ROWS_PER_SHARD: u64 = 100;

/// bert-format rows from KWDLC's gold words: `[CLS] chars [SEP]`, word starts from the gold
/// segmentation, every 7th position "masked", an NSP label (null on every third row).
fn kwdlc_rows(n: usize) -> (Vec<Vec<Value>>, u32) {
    let lines = crate::corpus_lines("kwdlc.seg.txt", n);
    let mut vocab: HashMap<char, i32> = HashMap::new();
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (mut ids, mut starts) = (vec![2], vec![1]);
        for word in line.split(' ') {
            for (k, c) in word.chars().enumerate() {
                let next = vocab.len() as i32 + 5;
                ids.push(*vocab.entry(c).or_insert(next));
                starts.push(i32::from(k == 0));
            }
        }
        ids.push(3);
        starts.push(1);
        let positions: Vec<i32> = (1..ids.len() as i32 - 1).step_by(7).collect();
        let masked: Vec<i32> = positions.iter().map(|&p| ids[p as usize]).collect();
        let nsp = if i % 3 == 0 { Value::Null } else { Value::Int((i % 2) as i64) };
        let segs = vec![0; ids.len()];
        rows.push(vec![
            Value::List(ids),
            Value::List(segs),
            Value::List(starts),
            Value::List(positions),
            Value::List(masked),
            nsp,
        ]);
    }
    (rows, vocab.len() as u32 + 5)
}

fn config(dir: &Path, vocab: u32, shuffle: Option<ShuffleConfig>) -> OutputConfig {
    OutputConfig {
        dir: dir.to_path_buf(),
        schema: ShardSchema::preset("bert", vocab, Some(0)).unwrap(),
        rows_per_shard: ROWS_PER_SHARD,
        shuffle,
        settings: serde_json::json!({"format": "bert", "max_seq_len": 512}),
        tokenizer: "kwdlc-chars".into(),
        inputs: vec![],
        overwrite: false,
    }
}

/// A small budget so the shuffle splits its buckets several times.
fn small_shuffle(seed: u64) -> ShuffleConfig {
    ShuffleConfig { max_buckets: 16, ..ShuffleConfig::new(seed, 16 << 10) }
}

fn run(cfg: OutputConfig, rows: &[Vec<Value>]) -> shards::Manifest {
    let mut out = ShardOutput::open(cfg).unwrap();
    for r in rows {
        out.push(r).unwrap();
    }
    out.finish().unwrap()
}

/// Every file of a finished directory, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p: PathBuf| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

/// Pushes rows until `shards` shards are complete plus `extra` rows, then drops the output
/// without finishing (a crash), and leaves a half-written temp shard and an unlisted shard.
fn crash_direct(dir: &Path, vocab: u32, rows: &[Vec<Value>], shards: u64, extra: usize) {
    let mut out = ShardOutput::open(config(dir, vocab, None)).unwrap();
    let n = (shards * ROWS_PER_SHARD) as usize + extra;
    rows[..n].iter().for_each(|r| out.push(r).unwrap());
    drop(out);
    std::fs::write(dir.join(format!("shard-{shards:05}.arrow.tmp")), b"ARROW1\0\0half").unwrap();
    std::fs::write(dir.join(format!("shard-{shards:05}.arrow")), b"renamed before the manifest").unwrap();
}

#[test]
fn resumed_direct_run_is_byte_identical() {
    let (rows, vocab) = kwdlc_rows(1_050);
    let a = tempfile::tempdir().unwrap();
    let m = run(config(a.path(), vocab, None), &rows);
    assert_eq!(m.shards.len(), 11);
    assert_eq!(m.totals.rows, 1_050);
    assert_eq!(m.shards[10].rows, 50);

    let b = tempfile::tempdir().unwrap();
    crash_direct(b.path(), vocab, &rows, 4, 37);
    let mut out = ShardOutput::open(config(b.path(), vocab, None)).unwrap();
    assert_eq!(out.input_rows_done(), 400);
    assert!(!b.path().join("shard-00004.arrow.tmp").exists());
    for r in &rows[400..] {
        out.push(r).unwrap();
    }
    out.finish().unwrap();
    assert_eq!(files(a.path()), files(b.path()));
    // Running the finished command again changes nothing.
    let out = ShardOutput::open(config(b.path(), vocab, None)).unwrap();
    assert!(!out.needs_input());
    out.finish().unwrap();
    assert_eq!(files(a.path()), files(b.path()));
}

#[test]
fn resumed_shuffled_run_is_byte_identical() {
    let (rows, vocab) = kwdlc_rows(1_050);
    let a = tempfile::tempdir().unwrap();
    let m = run(config(a.path(), vocab, Some(small_shuffle(7))), &rows);
    assert_eq!(m.totals.rows, 1_050);
    assert!(!a.path().join(".wakachi-shuffle").exists());

    // Crash in the scatter pass, between checkpoints.
    let b = tempfile::tempdir().unwrap();
    let mut out = ShardOutput::open(config(b.path(), vocab, Some(small_shuffle(7)))).unwrap();
    rows[..537].iter().for_each(|r| out.push(r).unwrap());
    drop(out);
    // Resume, then stop in the gather pass after 3 shards.
    let mut out = ShardOutput::open(config(b.path(), vocab, Some(small_shuffle(7)))).unwrap();
    assert_eq!(out.input_rows_done(), 500);
    let level = match &out.manifest().state {
        shards::manifest::Phase::Scatter { level, .. } => *level,
        p => panic!("{p:?}"),
    };
    assert!(level >= 3, "the buckets were split ({level})");
    rows[500..].iter().for_each(|r| out.push(r).unwrap());
    let mut n = 0;
    out.on_shard(Box::new(move |_| {
        n += 1;
        if n == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }));
    assert!(matches!(out.finish(), Err(Error::Interrupted)));
    std::fs::write(b.path().join("shard-00003.arrow.tmp"), b"half").unwrap();
    // Resume: no input needed any more.
    let out = ShardOutput::open(config(b.path(), vocab, Some(small_shuffle(7)))).unwrap();
    assert!(!out.needs_input());
    assert_eq!(out.manifest().shards.len(), 3);
    out.finish().unwrap();
    assert_eq!(files(a.path()), files(b.path()));
}

/// What a crash leaves that a dropped writer does not: each bucket file cut at an arbitrary byte
/// after its last checkpoint (a torn record) and a half-written `manifest.json.tmp`.
fn tear(dir: &Path, seed: u64) {
    let m = shards::Manifest::load(dir).unwrap().unwrap();
    if let shards::manifest::Phase::Scatter { level, buckets, .. } = &m.state {
        for (i, st) in buckets.iter().enumerate() {
            let p = dir.join(".wakachi-shuffle").join(format!("L{level:02}-{i:05}.bin"));
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            if len > st.bytes {
                let cut = st.bytes + (seed * 7_919 + i as u64 * 104_729) % (len - st.bytes);
                std::fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(cut).unwrap();
            }
        }
    }
    std::fs::write(dir.join("manifest.json.tmp"), b"{\"format_version\": 1, \"ident").unwrap();
}

#[test]
fn torn_writes_at_many_points_resume_to_the_same_bytes() {
    let (rows, vocab) = kwdlc_rows(1_050);
    let a = tempfile::tempdir().unwrap();
    run(config(a.path(), vocab, Some(small_shuffle(7))), &rows);
    let want = files(a.path());
    let mut torn = 0;
    for (k, stop) in [61usize, 137, 311, 499, 537, 777, 1_049].into_iter().enumerate() {
        let b = tempfile::tempdir().unwrap();
        let mut out = ShardOutput::open(config(b.path(), vocab, Some(small_shuffle(7)))).unwrap();
        rows[..stop].iter().for_each(|r| out.push(r).unwrap());
        drop(out);
        let before = files_under(&b.path().join(".wakachi-shuffle"));
        tear(b.path(), k as u64);
        torn += usize::from(before != files_under(&b.path().join(".wakachi-shuffle")));
        let mut out = ShardOutput::open(config(b.path(), vocab, Some(small_shuffle(7)))).unwrap();
        let done = out.input_rows_done() as usize;
        assert!(done <= stop, "crash after {stop} rows: {done} done");
        rows[done..].iter().for_each(|r| out.push(r).unwrap());
        out.finish().unwrap();
        assert!(files(b.path()) == want, "crash after {stop} rows: the resumed run differs");
    }
    assert!(torn >= 4, "only {torn} of the crashes tore a bucket file");
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    if dir.exists() {
        files(dir)
    } else {
        Vec::new()
    }
}

/// The rows of every shard of a directory, in order.
fn all_rows(dir: &Path) -> Vec<Vec<Value>> {
    let m = shards::verify_dir(dir).unwrap();
    m.shards.iter().flat_map(|s| shards::read_shard(&dir.join(&s.file)).unwrap().rows).collect()
}

#[test]
fn shuffle_is_a_seeded_permutation() {
    let (rows, vocab) = kwdlc_rows(1_050);
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    run(config(dirs[0].path(), vocab, Some(small_shuffle(7))), &rows);
    run(config(dirs[1].path(), vocab, Some(small_shuffle(8))), &rows);
    run(config(dirs[2].path(), vocab, None), &rows);
    let (s7, s8, plain) = (all_rows(dirs[0].path()), all_rows(dirs[1].path()), all_rows(dirs[2].path()));
    assert_eq!(plain, rows);
    assert_ne!(s7, rows);
    assert_ne!(s7, s8);
    let key = |v: &Vec<Vec<Value>>| {
        let mut k: Vec<String> = v.iter().map(|r| format!("{r:?}")).collect();
        k.sort();
        k
    };
    assert_eq!(key(&s7), key(&rows));
    assert_eq!(key(&s8), key(&rows));
    // Rows from the first tenth of the input are spread over the whole output.
    let first: std::collections::HashSet<String> = rows[..105].iter().map(|r| format!("{r:?}")).collect();
    let pos: Vec<usize> =
        s7.iter().enumerate().filter(|(_, r)| first.contains(&format!("{r:?}"))).map(|(i, _)| i).collect();
    assert!(pos.iter().any(|&p| p > 700) && pos.iter().any(|&p| p < 300), "{pos:?}");
}

#[test]
fn other_settings_are_refused_unless_overwrite() {
    let (rows, vocab) = kwdlc_rows(250);
    let d = tempfile::tempdir().unwrap();
    run(config(d.path(), vocab, None), &rows);
    let mut cfg = config(d.path(), vocab, None);
    cfg.settings = serde_json::json!({"format": "bert", "max_seq_len": 128});
    let err = ShardOutput::open(cfg.clone()).err().unwrap();
    assert!(matches!(&err, Error::Config(m) if m.contains("settings") && m.contains("overwrite")), "{err}");
    cfg.rows_per_shard = 50;
    cfg.overwrite = true;
    let m = run(cfg, &rows);
    assert_eq!(m.shards.len(), 5);
    assert!(!d.path().join("shard-00005.arrow").exists());
}

#[test]
fn corrupt_shards_are_errors_naming_the_file() {
    let (rows, vocab) = kwdlc_rows(250);
    let d = tempfile::tempdir().unwrap();
    run(config(d.path(), vocab, None), &rows);
    let shard = d.path().join("shard-00001.arrow");
    let bytes = std::fs::read(&shard).unwrap();
    // Truncated: the manifest check, the bare reader, and a resume all name the file.
    std::fs::write(&shard, &bytes[..bytes.len() / 2]).unwrap();
    let e = shards::read_shard(&shard).unwrap_err().to_string();
    assert!(e.contains("shard-00001.arrow") && e.contains("truncated"), "{e}");
    let e = shards::read_rows(&shard, None).unwrap_err().to_string();
    assert!(e.contains("shard-00001.arrow") && e.contains("Arrow IPC"), "{e}");
    let e = ShardOutput::open(config(d.path(), vocab, None)).err().unwrap().to_string();
    assert!(e.contains("shard-00001.arrow"), "{e}");
    // Same size, one byte changed in the data: the sha256 catches it.
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x40;
    std::fs::write(&shard, &flipped).unwrap();
    let e = shards::read_shard(&shard).unwrap_err().to_string();
    assert!(e.contains("shard-00001.arrow") && e.contains("sha256"), "{e}");
    // Every prefix of a shard read without its manifest is an error, never a panic.
    for cut in (0..bytes.len()).step_by(97) {
        std::fs::write(&shard, &bytes[..cut]).unwrap();
        assert!(shards::read_rows(&shard, None).is_err(), "cut at {cut}");
    }
}

#[test]
fn token_columns_are_uint16_or_int32_by_vocab_size() {
    let (rows, vocab) = kwdlc_rows(120);
    for (size, ty) in [(vocab, "UInt16"), (70_000, "Int32")] {
        let d = tempfile::tempdir().unwrap();
        let m = run(config(d.path(), size, None), &rows);
        let (schema, _) = shards::reader::read_batches(&d.path().join(&m.shards[0].file)).unwrap();
        let input_ids = format!("{:?}", schema.field_with_name("input_ids").unwrap().data_type());
        assert!(input_ids.contains(ty), "{input_ids}");
        let seg = format!("{:?}", schema.field_with_name("segment_ids").unwrap().data_type());
        assert!(seg.contains("UInt8"), "{seg}");
    }
}

#[test]
fn manifest_records_totals_and_hashes() {
    let (rows, vocab) = kwdlc_rows(250);
    let d = tempfile::tempdir().unwrap();
    let m = run(config(d.path(), vocab, None), &rows);
    let tokens: usize = rows.iter().map(|r| if let Value::List(x) = &r[0] { x.len() } else { 0 }).sum();
    assert_eq!(m.totals.tokens, tokens as u64);
    assert_eq!(m.totals.padding, 0);
    assert_eq!(m.totals.padding_share, Some(0.0));
    for s in &m.shards {
        let (size, sha) = shards::file_sha256(&d.path().join(&s.file)).unwrap();
        assert_eq!((size, sha.as_str()), (s.bytes, s.sha256.as_str()));
    }
    assert_eq!(shards::Manifest::load(d.path()).unwrap().unwrap(), m);
}
