//! Times the ways of reading a compiled dictionary cache file: `dict_load CACHE_FILE`.
use std::io::Read;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("a cache file");
    let skip = b"wakachi mecab cache 1\n".len() + 1;
    for round in 0..2 {
        if round == 0 || std::env::var("MMAP_FIRST").is_ok() {
            let t = Instant::now();
            let f = std::fs::File::open(&path).unwrap();
            let m = unsafe { memmap2::Mmap::map(&f) }.unwrap();
            let d = vibrato::Dictionary::read(&m[skip..]).unwrap();
            println!("round {round}: first mmap + decode {:.3} s", t.elapsed().as_secs_f64());
            drop(d);
        }
        let t = Instant::now();
        let mut r = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path).unwrap());
        let mut head = vec![0u8; skip];
        r.read_exact(&mut head).unwrap();
        let d = vibrato::Dictionary::read(r).unwrap();
        println!("round {round}: BufReader  {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        drop(d);
        println!("round {round}: drop       {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let bytes = std::fs::read(&path).unwrap();
        let t1 = t.elapsed().as_secs_f64();
        let d = vibrato::Dictionary::read(&bytes[skip..]).unwrap();
        println!("round {round}: fs::read {t1:.3} s + decode from slice {:.3} s", t.elapsed().as_secs_f64() - t1);
        drop(d);
        drop(bytes);
        let t = Instant::now();
        let f = std::fs::File::open(&path).unwrap();
        let m = unsafe { memmap2::Mmap::map(&f) }.unwrap();
        let d = vibrato::Dictionary::read(&m[skip..]).unwrap();
        println!("round {round}: mmap + decode {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let tok = vibrato::Tokenizer::new(d);
        println!("round {round}: Tokenizer::new {:.3} s", t.elapsed().as_secs_f64());
        drop(tok);
    }
}
