//! Encoding many texts at once, and whole inputs line by line (`wakachi encode`).

use std::io::Write;

use super::{AnyTokenizer, AnyWorker, Encoding};
use crate::error::Result;
use crate::lines::Input;
use crate::pipeline::{line_to_line, map_ordered, LineJob, LineReport};
use crate::stop::Stop;

/// Encodes every text, in parallel, results in input order.
pub fn encode_many<T: AsRef<str> + Sync>(tok: &AnyTokenizer, texts: &[T], pool: &rayon::ThreadPool) -> Vec<Encoding> {
    map_ordered(
        texts,
        pool,
        || tok.worker(),
        |w, t| {
            let mut out = Encoding::default();
            w.encode(t.as_ref(), &mut out);
            out
        },
    )
}

/// Encodes `inputs` into `out`: per input line, one line of space-separated ids (no special
/// tokens added). `progress` is called after every batch.
pub fn encode_inputs<'t>(
    tok: &'t AnyTokenizer,
    inputs: Vec<Input>,
    job: &LineJob,
    out: &mut dyn Write,
    stop: &Stop<'_>,
    progress: &mut dyn FnMut(&LineReport),
) -> Result<LineReport> {
    let per_line = |(w, ids): &mut (AnyWorker<'t>, Vec<u32>), text: &str, buf: &mut Vec<u8>| {
        w.encode_ids(text, ids);
        write_ids(ids, buf);
        ids.len() as u64
    };
    line_to_line(inputs, job, out, || (tok.worker(), Vec::new()), per_line, stop, progress)
}

/// Writes ids separated by single spaces and a newline.
pub fn write_ids(ids: &[u32], out: &mut Vec<u8>) {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let mut n = *id;
        let mut digits = [0u8; 10];
        let mut k = digits.len();
        loop {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[k..]);
    }
    out.push(b'\n');
}
