//! wakachi's lattice against vibrato's on every line of some files: identical words and
//! features, and the segmentation time of each (one thread, dictionary loaded beforehand).
//!
//! `engines DICDIR CACHE_DIR [--rounds N] FILE...`
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use wakachi_core::segment::mecab::{Engine, Mecab, MecabOptions, MecabWorker};
use wakachi_core::segment::Span;

/// As the extension runs: large blocks on huge pages.
#[global_allocator]
static ALLOC: wakachi_core::alloc::HugePageAlloc = wakachi_core::alloc::HugePageAlloc;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = match args.iter().position(|a| a == "--rounds") {
        Some(i) => {
            let n = args.get(i + 1).ok_or("--rounds N")?.parse()?;
            args.drain(i..i + 2);
            n
        }
        None => 3,
    };
    let only = match args.iter().position(|a| a == "--only") {
        Some(i) => {
            let v = args.get(i + 1).ok_or("--only lattice|vibrato")?.clone();
            args.drain(i..i + 2);
            Some(v)
        }
        None => None,
    };
    if args.len() < 3 {
        eprintln!("usage: engines DICDIR CACHE_DIR [--rounds N] FILE...");
        return Ok(());
    }
    let (dicdir, cache) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let mut lines = Vec::new();
    for f in &args[2..] {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
        lines.extend(text.lines().map(str::to_string));
    }
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let open = |engine| {
        let t = Instant::now();
        let m = Mecab::open(&dicdir, &MecabOptions { cache_dir: Some(cache.clone()), engine: Some(engine) });
        (m, t.elapsed().as_secs_f64())
    };
    let (lat, lat_load) = open(Engine::Lattice);
    let (vib, vib_load) = open(Engine::Vibrato);
    let (lat, vib) = (lat?, vib?);
    println!(
        "load: lattice {lat_load:.3} s (cached {}), vibrato {vib_load:.3} s (cached {})",
        lat.report.from_cache, vib.report.from_cache
    );
    let (mut wl, mut wv) = (lat.worker(), vib.worker());
    let (mut a, mut b): (Vec<Span>, Vec<Span>) = (Vec::new(), Vec::new());
    let mut differ = 0usize;
    let mut words = 0usize;
    if let Some(only) = only {
        let w = if only == "lattice" { &mut wl } else { &mut wv };
        for round in 0..rounds {
            let (t, n) = time(w, &lines, &mut a);
            println!("{only} round {round}: {t:.3} s, {n} words, {:.2} MB/s", bytes as f64 / 1e6 / t);
        }
        return Ok(());
    }
    for line in &lines {
        a.clear();
        b.clear();
        wl.segment(line, &mut a);
        wv.segment(line, &mut b);
        words += b.len();
        if a != b {
            differ += 1;
            if differ <= 5 {
                let show = |s: &[Span]| s.iter().map(|s| &line[s.start..s.end]).collect::<Vec<_>>().join(" ");
                println!("DIFFER: {line}\n  lattice: {}\n  vibrato: {}", show(&a), show(&b));
            }
        }
    }
    println!("{} lines, {words} words, {bytes} bytes: {differ} lines differ", lines.len());
    for round in 0..rounds {
        let (tl, _) = time(&mut wl, &lines, &mut a);
        let (tv, _) = time(&mut wv, &lines, &mut b);
        let mb = bytes as f64 / 1e6;
        println!(
            "round {round}: lattice {tl:.3} s ({:.2} MB/s), vibrato {tv:.3} s ({:.2} MB/s): {:.2}x",
            mb / tl,
            mb / tv,
            tv / tl
        );
    }
    if differ > 0 {
        return Err(format!("{differ} lines differ").into());
    }
    Ok(())
}

fn time<'m>(w: &mut MecabWorker<'m>, lines: &[String], out: &mut Vec<Span<'m>>) -> (f64, usize) {
    let t = Instant::now();
    let mut n = 0;
    for line in lines {
        out.clear();
        w.segment(line, out);
        n += out.len();
    }
    (t.elapsed().as_secs_f64(), n)
}
