//! Segmenting many texts at once, and whole inputs line by line (`wakachi segment`).

use std::io::Write;

use super::{write_line, Segmenter, Span, Worker};
use crate::error::Result;
use crate::lines::Input;
use crate::pipeline::{line_to_line, map_ordered, LineJob, LineReport};
use crate::stop::Stop;

/// Segments every text, in parallel, results in input order.
pub fn segment_many<'s, T: AsRef<str> + Sync>(
    seg: &'s Segmenter,
    texts: &[T],
    pool: &rayon::ThreadPool,
) -> Vec<Vec<Span<'s>>> {
    map_ordered(
        texts,
        pool,
        || seg.worker(),
        |w, t| {
            let mut out = Vec::new();
            w.segment(t.as_ref(), &mut out);
            out
        },
    )
}

/// Segments `inputs` into `out`, one output line (or, with `features`, one MeCab `EOS` block) per
/// input line. `progress` is called after every batch.
pub fn segment_inputs<'s>(
    seg: &'s Segmenter,
    inputs: Vec<Input>,
    job: &LineJob,
    features: bool,
    out: &mut dyn Write,
    stop: &Stop<'_>,
    progress: &mut dyn FnMut(&LineReport),
) -> Result<LineReport> {
    let per_line = |(w, spans): &mut (Worker<'s>, Vec<Span<'s>>), text: &str, buf: &mut Vec<u8>| {
        w.segment(text, spans);
        write_line(text, spans, features, buf);
        spans.len() as u64
    };
    line_to_line(inputs, job, out, || (seg.worker(), Vec::new()), per_line, stop, progress)
}
