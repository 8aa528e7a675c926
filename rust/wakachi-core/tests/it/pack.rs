//! Pack: every format on KWDLC text gives byte-identical shards for 1 and 3 threads, and a run
//! stopped after a few batches, then rerun, gives the bytes of an uninterrupted run. The tokenizer
//! is a `BertJapaneseTokenizer` directory with the basic word tokenizer and a WordPiece vocabulary
//! of KWDLC's characters (each also as a `##` piece) and its most frequent character pairs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use wakachi_core::pack::{pack, PackConfig};
use wakachi_core::stop::Stop;
use wakachi_core::Error;

fn write_corpus(dir: &Path) -> (PathBuf, PathBuf) {
    let lines = crate::corpus_lines("kwdlc.txt", 900);
    let mut text = String::new();
    for (i, l) in lines.iter().enumerate() {
        text += l;
        text += if i % 4 == 3 { "\n\n" } else { "\n" };
    }
    let corpus = dir.join("corpus.txt");
    std::fs::write(&corpus, &text).unwrap();
    let tok = dir.join("tok");
    std::fs::create_dir_all(&tok).unwrap();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for l in &lines {
        let cs: Vec<char> = l.chars().collect();
        for w in cs.windows(2) {
            *counts.entry(w.iter().collect()).or_default() += 1;
        }
    }
    let mut pairs: Vec<(String, usize)> = counts.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    chars.sort();
    chars.dedup();
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map(String::from).to_vec();
    vocab.extend(pairs.into_iter().take(300).map(|p| p.0));
    vocab.extend(chars.iter().map(|c| c.to_string()));
    vocab.extend(chars.iter().map(|c| format!("##{c}")));
    std::fs::write(tok.join("vocab.txt"), vocab.join("\n") + "\n").unwrap();
    let cfg = r#"{"tokenizer_class":"BertJapaneseTokenizer","word_tokenizer_type":"basic","do_lower_case":false}"#;
    std::fs::write(tok.join("tokenizer_config.json"), cfg).unwrap();
    (corpus, tok)
}

fn formats() -> Vec<(&'static str, serde_json::Value, bool)> {
    use serde_json::json;
    let google = json!({"bert": {"max_seq_length": 64, "short_seq_prob": 0.1, "masked_lm_prob": 0.15,
        "max_predictions_per_seq": 9, "do_whole_word_mask": true, "dupe_factor": 2, "seed": 7, "block_documents": 50}});
    vec![
        ("bert", google.clone(), true),
        ("compat", google, false),
        ("roberta", json!({"roberta": {"max_seq_length": 64, "cross_documents": true, "doc_separator": true}}), false),
        (
            "electra",
            json!({"electra": {"max_seq_length": 64, "short_seq_prob": 0.05, "short_min_length": 5, "seed": 3}}),
            true,
        ),
        ("gpt2", json!({"gpt2": {"block_size": 63, "separator": null}}), false),
        (
            "uer",
            json!({"uer": {"seq_length": 64, "full_sentences": false, "docs_buffer_size": 10, "empty_tail": true}}),
            false,
        ),
    ]
}

fn config(
    corpus: &Path,
    tok: &Path,
    out: &Path,
    format: &serde_json::Value,
    compat: bool,
    shuffle: bool,
    threads: usize,
) -> PackConfig {
    let json = serde_json::json!({
        "tokenizer": {"kind": "bert_japanese", "path": tok, "specials": null},
        "input": {"files": [corpus], "layout": "lines", "errors": "strict"},
        "format": format,
        "compat": compat,
        "block_bytes": 1 << 20,
        "output": {"dir": out, "rows_per_shard": 97, "shuffle": if shuffle { serde_json::json!({"seed": 5, "memory_budget": 4096}) } else { serde_json::Value::Null }, "overwrite": false},
        "run": {"threads": threads, "batch_bytes": 8192, "progress": false, "cache_dir": null},
    });
    PackConfig::from_json(&json.to_string()).unwrap()
}

fn shard_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "arrow"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn threads_and_resume_give_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, tok) = write_corpus(tmp.path());
    for (name, format, shuffle) in formats() {
        let compat = name == "compat";
        let one = tmp.path().join(format!("{name}-1"));
        let r1 = pack(&config(&corpus, &tok, &one, &format, compat, shuffle, 1), None, &Stop::never()).unwrap();
        assert!(r1.instances > 20 && r1.shards >= 2, "{name}: {r1:?}");
        let three = tmp.path().join(format!("{name}-3"));
        pack(&config(&corpus, &tok, &three, &format, compat, shuffle, 3), None, &Stop::never()).unwrap();
        assert!(shard_bytes(&one) == shard_bytes(&three), "{name}: 1 and 3 threads differ");
        // Stop after 6 batches, then run again.
        let resumed = tmp.path().join(format!("{name}-r"));
        let batches = AtomicUsize::new(0);
        let sixth = || batches.fetch_add(1, Ordering::Relaxed) + 1 == 6;
        let e = pack(&config(&corpus, &tok, &resumed, &format, compat, shuffle, 2), None, &Stop::when(&sixth));
        assert!(matches!(e, Err(Error::Interrupted)), "{name}: {e:?}");
        let r = pack(&config(&corpus, &tok, &resumed, &format, compat, shuffle, 2), None, &Stop::never()).unwrap();
        if compat {
            // compat reads the whole input before its first row: a stop after 6 batches leaves none.
            assert_eq!(r.resumed_rows, 0, "{name}");
        } else {
            assert!(r.resumed_rows > 0, "{name}: nothing to resume");
        }
        assert!(shard_bytes(&one) == shard_bytes(&resumed), "{name}: resumed run differs");
    }
}

/// The distributed pack (`pack::dist`): the input planned into tasks of ~3 KB, every task run (one
/// of them twice, as Ray reruns a task whose worker died, and the tasks in reverse order, as
/// nodes finish them in any order), the parts reduced (for bert, the shuffle sealed and gathered
/// in pieces of two shards, the pieces written last to first) — the shards equal the local
/// pack's, for every format, from a plain and from a gzip input (whose tasks decompress from the
/// start).
#[test]
fn planned_tasks_and_reduce_give_the_local_bytes() {
    use wakachi_core::pack::dist::{finish_gather, plan, reduce, reduce_stream, PartKind, TaskRunner};
    use wakachi_core::shards::gather_shards;
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, tok) = write_corpus(tmp.path());
    let gz = tmp.path().join("corpus.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &std::fs::read(&corpus).unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for input in [&corpus, &gz] {
        for (name, format, shuffle) in formats() {
            let compat = name == "compat";
            let local = tmp.path().join(format!("{name}-local"));
            let _ = std::fs::remove_dir_all(&local);
            pack(&config(input, &tok, &local, &format, compat, shuffle, 2), None, &Stop::never()).unwrap();
            let out = tmp.path().join(format!("{name}-dist"));
            let _ = std::fs::remove_dir_all(&out);
            let cfg = config(input, &tok, &out, &format, compat, shuffle, 1);
            let p = plan(&cfg, 3000, &Stop::never()).unwrap();
            assert!(p.tasks.len() >= 4, "{name}: {} tasks", p.tasks.len());
            let want_kind = if matches!(name, "bert" | "electra") { PartKind::Rows } else { PartKind::Docs };
            assert_eq!(p.kind, want_kind, "{name}");
            let work = tmp.path().join(format!("{name}-work"));
            let runner = TaskRunner::new(&cfg, None).unwrap();
            let mut docs = 0;
            for t in p.tasks.iter().rev() {
                docs += runner.run(t, &work, &Stop::never()).unwrap().documents;
            }
            assert_eq!(docs, p.documents, "{name}");
            let again = runner.run(&p.tasks[1], &work, &Stop::never()).unwrap();
            let parts: Vec<PathBuf> = p.tasks.iter().map(|t| work.join(p.kind.file_name(t.index))).collect();
            let first = std::fs::read(&parts[1]).unwrap();
            assert_eq!(again.part_bytes, first.len() as u64, "{name}: a rerun wrote other bytes");
            let r = if name == "bert" {
                // the gather in pieces of 2 shards, run last to first, then recorded
                let mut it = parts.iter().cloned();
                let sealed = reduce_stream(&cfg, None, p.kind, &mut || Ok(it.next()), false, &Stop::never()).unwrap();
                assert_eq!(sealed.shards, 0, "{name}: sealed, nothing gathered yet");
                let m = wakachi_core::shards::Manifest::load(&out).unwrap().unwrap();
                let total = m.state.input_rows().div_ceil(m.identity.rows_per_shard);
                assert!(total >= 4, "{name}: {total} shards");
                let starts: Vec<u64> = (0..total).step_by(2).collect();
                let mut pieces: Vec<Vec<_>> =
                    starts.iter().rev().map(|&j| gather_shards(&out, j, 2.min(total - j)).unwrap()).collect();
                pieces.reverse();
                let entries: Vec<_> = pieces.into_iter().flatten().collect();
                finish_gather(&cfg, entries).unwrap()
            } else {
                reduce(&cfg, None, p.kind, &parts, &Stop::never()).unwrap()
            };
            assert!(r.instances > 20, "{name}: {r:?}");
            assert!(!out.join(".wakachi-shuffle").exists(), "{name}: the shuffle's files are left");
            assert!(
                shard_bytes(&local) == shard_bytes(&out),
                "{name} ({}): differs from the local pack",
                input.display()
            );
            let m = |d: &Path| std::fs::read(d.join("manifest.json")).unwrap();
            if input == &corpus {
                // the manifest names the output directory nowhere: equal too
                assert!(m(&local) == m(&out), "{name}: manifests differ");
            }
            // A part cut short is refused, naming the file.
            std::fs::write(&parts[0], &std::fs::read(&parts[0]).unwrap()[..20]).unwrap();
            let out2 = tmp.path().join(format!("{name}-dist2"));
            let e =
                reduce(&config(input, &tok, &out2, &format, compat, shuffle, 1), None, p.kind, &parts, &Stop::never())
                    .unwrap_err()
                    .to_string();
            assert!(e.contains(&parts[0].display().to_string()), "{name}: {e}");
        }
    }
}
