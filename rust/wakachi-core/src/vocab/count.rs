//! Word counts for vocabulary training: what the trainer of HF `tokenizers` collects in `feed`,
//! built from wakachi's segmenters. Memory is one map entry per distinct word, never the words
//! of the corpus.

use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::encode::normalize::{is_bert_control, is_bert_punctuation, is_bert_whitespace, nfkc};
use crate::error::Result;
use crate::lines::{Input, Line, OnError};
use crate::pipeline::{for_each_batch, pool};
use crate::segment::{Segmenter, Span, Worker};
use crate::stop::Stop;

/// How a line becomes training words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordOptions {
    /// NFKC the line before segmenting (cl-tohoku's `NFKC` + `Strip` normaliser; the strip is
    /// implied, as no segmenter yields whitespace).
    pub nfkc: bool,
    /// BERT's pre-processing of each word, as `BertWordPieceTokenizer` applies it to segmented
    /// text (izumi-lab): drop NUL, U+FFFD and control characters, split at whitespace, and make
    /// every punctuation character a word of its own.
    pub bert_split: bool,
}

/// Distinct words and how often each occurs.
#[derive(Debug, Clone, Default)]
pub struct WordCounts {
    map: FxHashMap<Box<str>, u64>,
}

impl WordCounts {
    /// An empty count.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` occurrences of `word` (empty words are not counted).
    pub fn add(&mut self, word: &str, n: u64) {
        if word.is_empty() {
            return;
        }
        match self.map.get_mut(word) {
            Some(c) => *c += n,
            None => {
                self.map.insert(word.into(), n);
            }
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: WordCounts) {
        if self.map.len() < other.map.len() {
            let mine = std::mem::replace(&mut self.map, other.map);
            for (w, n) in mine {
                *self.map.entry(w).or_default() += n;
            }
        } else {
            for (w, n) in other.map {
                *self.map.entry(w).or_default() += n;
            }
        }
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no word was counted.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Total occurrences.
    pub fn total(&self) -> u64 {
        self.map.values().sum()
    }

    /// The count of `word`.
    pub fn get(&self, word: &str) -> u64 {
        self.map.get(word).copied().unwrap_or(0)
    }

    /// Words with their counts, most frequent first, ties in byte order (a fixed order, whatever
    /// the threads or the input order).
    pub fn sorted(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.map.iter().map(|(w, &n)| (&**w, n)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// Counts the words of one input line with `worker`.
    pub fn add_line<'s>(&mut self, line: &str, opts: WordOptions, worker: &mut Worker<'s>, spans: &mut Vec<Span<'s>>) {
        let text = if opts.nfkc { nfkc(line) } else { line.into() };
        worker.segment(&text, spans);
        for s in spans.iter() {
            let word = &text[s.start..s.end];
            if opts.bert_split {
                bert_split(word, |w| self.add(w, 1));
            } else {
                self.add(word, 1);
            }
        }
    }
}

/// BERT's `clean_text` then `BertPreTokenizer` on one word: `f` gets each resulting piece.
pub fn bert_split(word: &str, mut f: impl FnMut(&str)) {
    let mut cur = String::new();
    let flush = |cur: &mut String, f: &mut dyn FnMut(&str)| {
        if !cur.is_empty() {
            f(cur);
            cur.clear();
        }
    };
    for c in word.chars() {
        if c == '\0' || c == '\u{fffd}' || is_bert_control(c) {
            continue;
        }
        if is_bert_whitespace(c) || c.is_whitespace() {
            flush(&mut cur, &mut f);
        } else if is_bert_punctuation(c) {
            flush(&mut cur, &mut f);
            let mut b = [0u8; 4];
            f(c.encode_utf8(&mut b));
        } else {
            cur.push(c);
        }
    }
    flush(&mut cur, &mut f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bert_split_isolates_punctuation_and_drops_controls() {
        let mut out = Vec::new();
        bert_split("a,b\u{200b}c!!\u{3000}d", |w| out.push(w.to_string()));
        assert_eq!(out, ["a", ",", "bc", "!", "!", "d"]);
    }

    #[test]
    fn counts_merge_and_sort() {
        let mut a = WordCounts::new();
        a.add("x", 2);
        a.add("", 5);
        let mut b = WordCounts::new();
        b.add("y", 2);
        b.add("x", 1);
        b.add("z", 9);
        a.merge(b);
        assert_eq!(a.sorted(), [("z", 9), ("x", 3), ("y", 2)]);
        assert_eq!(a.total(), 14);
    }
}

/// Figures of a word count for vocabulary training.
#[derive(Debug, Clone, Default)]
pub struct CountReport {
    /// Input lines.
    pub lines: u64,
    /// Input bytes.
    pub bytes: u64,
    /// Words counted.
    pub words: u64,
    /// Distinct words.
    pub distinct: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_invalid_utf8: u64,
    /// Wall time so far.
    pub seconds: f64,
}

const COUNT_CHUNK_LINES: usize = 2048;

/// Counts the training words of `inputs` (one text per line) on `threads` threads; memory is
/// one batch of lines plus one entry per distinct word. `progress` is called after every batch.
pub fn count_words<'s>(
    seg: &'s Segmenter,
    inputs: Vec<Input>,
    opts: WordOptions,
    threads: usize,
    on_error: OnError,
    stop: &Stop<'_>,
    progress: &mut dyn FnMut(&CountReport),
) -> Result<(WordCounts, CountReport)> {
    let pool = pool(threads)?;
    let t0 = Instant::now();
    let mut report = CountReport::default();
    let mut counts = WordCounts::new();
    let per_chunk = |(w, spans): &mut (Worker<'s>, Vec<Span<'s>>), lines: &[Line]| {
        let mut c = WordCounts::new();
        for line in lines.iter().flatten() {
            c.add_line(line, opts, w, spans);
        }
        c
    };
    let init = || (seg.worker(), Vec::new());
    for_each_batch(inputs, on_error, &pool, COUNT_CHUNK_LINES, init, per_chunk, stop, &mut |parts, read| {
        let part = pool.install(|| {
            parts.into_par_iter().reduce(WordCounts::new, |mut a, b| {
                a.merge(b);
                a
            })
        });
        report.words += part.total();
        counts.merge(part);
        report.lines += read.lines;
        report.bytes = read.bytes;
        report.distinct = counts.len() as u64;
        report.skipped_invalid_utf8 = read.skipped_invalid_utf8;
        report.seconds = t0.elapsed().as_secs_f64();
        progress(&report);
        Ok(())
    })?;
    report.seconds = t0.elapsed().as_secs_f64();
    Ok((counts, report))
}
