//! Model inputs the way transformers' slow (Python) tokenizers build them for a `cls_sep`
//! tokenizer such as `BertJapaneseTokenizer` (`tok(texts, pairs, truncation=…, max_length=…,
//! padding=…)`): truncation (`PythonBackend.truncate_sequences`, Python slice semantics
//! included), `[CLS] a [SEP] (b [SEP])`, BERT-style token type ids, the special-tokens mask, then
//! padding (`PreTrainedTokenizerBase._pad`). Rows are encoded in parallel; the result is flat
//! arrays with row starts, plus each token's word index, sequence index and character offsets.

use super::bert_japanese::{BertJapanese, EncodeWorker, Encoding};
use crate::error::Result;
use crate::pipeline::{self, map_ordered};

/// transformers' `TruncationStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// `do_not_truncate`.
    None,
    /// `longest_first`.
    LongestFirst,
    /// `only_first`.
    OnlyFirst,
    /// `only_second`.
    OnlySecond,
}

/// transformers' `PaddingStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// `do_not_pad`.
    None,
    /// `longest`: to the longest row of the batch.
    Longest,
    /// `max_length`.
    MaxLength,
}

/// How to build the rows (the resolved arguments of a tokenizer call).
#[derive(Debug, Clone)]
pub struct InputsOptions {
    /// `add_special_tokens`.
    pub add_special_tokens: bool,
    /// `cls_token_id`.
    pub cls: u32,
    /// `sep_token_id`.
    pub sep: u32,
    /// Truncation strategy.
    pub truncation: Truncation,
    /// `max_length` (truncation and `max_length` padding).
    pub max_length: Option<usize>,
    /// `truncation_side == "left"`.
    pub truncate_left: bool,
    /// Padding strategy.
    pub padding: Padding,
    /// `pad_to_multiple_of`.
    pub pad_to_multiple_of: Option<usize>,
    /// `padding_side == "left"`.
    pub pad_left: bool,
    /// `pad_token_id`.
    pub pad_id: u32,
    /// `pad_token_type_id`.
    pub pad_type_id: u32,
    /// Compute character offsets.
    pub offsets: bool,
    /// Keep added tokens in the text whole (not `split_special_tokens`).
    pub cut_added: bool,
    /// Fill `type_ids`.
    pub type_ids: bool,
    /// Fill `special_mask`.
    pub special_mask: bool,
    /// Fill `attention`.
    pub attention: bool,
}

/// The rows, flat: row `i` is `starts[i]..starts[i + 1]` of the padded arrays (`input_ids`,
/// `type_ids`, `special_mask`, `attention`; the last three only when asked for) and
/// `token_starts[i]..token_starts[i + 1]` of the per-token arrays without padding (`word_ids`,
/// `sequence_ids`, `offsets`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelInputs {
    /// Row starts in the padded arrays (rows + 1 entries).
    pub starts: Vec<usize>,
    /// Row starts in the unpadded arrays (rows + 1 entries).
    pub token_starts: Vec<usize>,
    /// Each row's length before padding.
    pub lengths: Vec<usize>,
    /// Whether each row holds two sequences (`[CLS] a [SEP] b [SEP]`).
    pub pairs: Vec<bool>,
    /// Token ids.
    pub input_ids: Vec<i64>,
    /// BERT-style token type ids (padding: `pad_type_id`).
    pub type_ids: Vec<i64>,
    /// 1 for special tokens and padding.
    pub special_mask: Vec<i64>,
    /// 1 for tokens, 0 for padding.
    pub attention: Vec<i64>,
    /// Word index of each token in its sequence; -1 for special tokens (no padding).
    pub word_ids: Vec<i64>,
    /// 0 or 1 (which sequence); -1 for special tokens (no padding).
    pub sequence_ids: Vec<i64>,
    /// Character `[start, end)` of each token in its text, two entries per token (0, 0 for special
    /// tokens; no padding); empty unless offsets were asked for.
    pub offsets: Vec<i64>,
    /// Some pair was truncated with `longest_first` (transformers logs a warning then).
    pub longest_first_pair_truncated: bool,
}

/// One encoded text.
#[derive(Debug, Clone, Default)]
struct Seq {
    enc: Encoding,
    offsets: Vec<(usize, usize)>,
}

impl Seq {
    fn len(&self) -> usize {
        self.enc.ids.len()
    }

    /// Keeps tokens `lo..hi` (clamped).
    fn keep(&mut self, lo: usize, hi: usize) {
        let hi = hi.min(self.len());
        let lo = lo.min(hi);
        self.enc.ids.truncate(hi);
        self.enc.word_ids.truncate(hi);
        self.enc.ids.drain(..lo);
        self.enc.word_ids.drain(..lo);
        if !self.offsets.is_empty() {
            self.offsets.truncate(hi);
            self.offsets.drain(..lo);
        }
    }

    /// Python's `s[:-k]` (k > 0) or, from the left, `s[k:]`.
    fn cut(&mut self, k: usize, left: bool) {
        if left {
            self.keep(k, usize::MAX);
        } else {
            let n = self.len();
            self.keep(0, n.saturating_sub(k));
        }
    }
}

/// `PythonBackend.truncate_sequences` (without the overflowing tokens). Returns whether the pair
/// survives (left truncation of an empty second sequence with `longest_first` drops it, as the
/// Python code does) and whether `longest_first` truncated a pair.
fn truncate(a: &mut Seq, b: &mut Option<Seq>, remove: usize, how: Truncation, left: bool) -> (bool, bool) {
    let mut drop_pair = false;
    let mut longest_pair = false;
    match (how, b.as_mut()) {
        (Truncation::OnlyFirst, _) | (Truncation::LongestFirst, None) => a.cut(remove, left),
        (Truncation::LongestFirst, Some(p)) => {
            longest_pair = true;
            let (la, lb) = (a.len(), p.len());
            let first = la.abs_diff(lb).min(remove);
            let second = remove - first;
            let (from_a, from_b) = if la > lb {
                (first + second / 2, second - second / 2)
            } else {
                (second / 2, first + second - second / 2)
            };
            if left {
                a.cut(from_a, true);
                if lb == 0 {
                    drop_pair = true;
                } else {
                    p.cut(from_b, true);
                }
            } else {
                if from_a > 0 {
                    a.cut(from_a, false);
                }
                if lb > 0 && from_b > 0 {
                    p.cut(from_b, false);
                }
            }
        }
        (Truncation::OnlySecond, Some(p)) if p.len() > 0 => p.cut(remove, left),
        _ => {}
    }
    if drop_pair {
        *b = None;
    }
    (b.is_some(), longest_pair)
}

/// Builds the model inputs of `firsts` (and `seconds[i]` as the pair of `firsts[i]`; `seconds`
/// may be shorter, missing entries are no pair) on `threads` threads (0: all cores; a single
/// text or one thread runs on the calling thread).
pub fn model_inputs<T: AsRef<str> + Sync>(
    tok: &BertJapanese,
    firsts: &[T],
    seconds: &[Option<T>],
    opts: &InputsOptions,
    threads: usize,
) -> Result<ModelInputs> {
    let texts: Vec<&str> = firsts
        .iter()
        .map(AsRef::as_ref)
        .chain(seconds.iter().take(firsts.len()).filter_map(|s| s.as_ref().map(AsRef::as_ref)))
        .collect();
    let encode = |w: &mut EncodeWorker<'_>, t: &&str| {
        let mut s = Seq::default();
        if opts.offsets {
            w.encode_with_offsets(t, opts.cut_added, &mut s.enc, &mut s.offsets);
        } else {
            w.encode_cut(t, opts.cut_added, &mut s.enc);
        }
        Some(s)
    };
    let mut seqs: Vec<Option<Seq>> = if texts.len() <= 1 || threads == 1 {
        let mut w = tok.worker();
        texts.iter().map(|t| encode(&mut w, t)).collect()
    } else {
        map_ordered(&texts, &pipeline::pool(threads)?, || tok.worker(), encode)
    };
    let (head, tail) = seqs.split_at_mut(firsts.len());
    let mut tail = tail.iter_mut();
    let mut rows = Vec::with_capacity(firsts.len());
    for (i, a) in head.iter_mut().enumerate() {
        let a = a.take().unwrap_or_default();
        let b = match seconds.get(i) {
            Some(Some(_)) => tail.next().and_then(Option::take),
            _ => None,
        };
        rows.push((a, b));
    }
    Ok(assemble(rows, opts))
}

/// Truncates, adds the special tokens and pads.
fn assemble(rows: Vec<(Seq, Option<Seq>)>, opts: &InputsOptions) -> ModelInputs {
    let mut m = ModelInputs { starts: vec![0], token_starts: vec![0], ..ModelInputs::default() };
    let mut built = Vec::with_capacity(rows.len());
    for (mut a, mut b) in rows {
        let specials = match (opts.add_special_tokens, b.is_some()) {
            (false, _) => 0,
            (true, false) => 2,
            (true, true) => 3,
        };
        let total = a.len() + b.as_ref().map_or(0, Seq::len) + specials;
        if let (Some(max), false) = (opts.max_length, opts.truncation == Truncation::None) {
            if max > 0 && total > max {
                let (_, warned) = truncate(&mut a, &mut b, total - max, opts.truncation, opts.truncate_left);
                m.longest_first_pair_truncated |= warned;
            }
        }
        let specials = match (opts.add_special_tokens, b.is_some()) {
            (false, _) => 0,
            (true, false) => 2,
            (true, true) => 3,
        };
        m.lengths.push(a.len() + b.as_ref().map_or(0, Seq::len) + specials);
        m.pairs.push(b.is_some());
        built.push((a, b));
    }
    let target = match opts.padding {
        Padding::None => None,
        Padding::Longest => Some(m.lengths.iter().copied().max().unwrap_or(0)),
        Padding::MaxLength => opts.max_length,
    };
    let target = match (target, opts.pad_to_multiple_of) {
        (Some(t), Some(p)) if p > 0 && t % p != 0 => Some((t / p + 1) * p),
        (t, _) => t,
    };
    let tokens: usize = m.lengths.iter().sum();
    let padded: usize = m.lengths.iter().map(|&l| target.map_or(l, |t| t.max(l))).sum();
    m.input_ids.reserve_exact(padded);
    for (on, v) in
        [(opts.type_ids, &mut m.type_ids), (opts.special_mask, &mut m.special_mask), (opts.attention, &mut m.attention)]
    {
        if on {
            v.reserve_exact(padded);
        }
    }
    m.word_ids.reserve_exact(tokens);
    m.sequence_ids.reserve_exact(tokens);
    if opts.offsets {
        m.offsets.reserve_exact(2 * tokens);
    }
    let specials = opts.add_special_tokens;
    for (i, (a, b)) in built.iter().enumerate() {
        let pad = target.map_or(0, |t| t.saturating_sub(m.lengths[i]));
        if opts.pad_left {
            push_padding(&mut m, pad, opts);
        }
        if specials {
            push_special(&mut m, opts.cls, 0, opts);
        }
        push_seq(&mut m, a, 0, 0, opts);
        if specials {
            push_special(&mut m, opts.sep, 0, opts);
        }
        if let Some(b) = b {
            push_seq(&mut m, b, 1, i64::from(specials), opts);
            if specials {
                push_special(&mut m, opts.sep, 1, opts);
            }
        }
        if !opts.pad_left {
            push_padding(&mut m, pad, opts);
        }
        m.starts.push(m.input_ids.len());
        m.token_starts.push(m.word_ids.len());
    }
    m
}

/// Appends `n` copies of `value` when `on`.
fn fill(on: bool, v: &mut Vec<i64>, n: usize, value: i64) {
    if on {
        v.resize(v.len() + n, value);
    }
}

fn push_seq(m: &mut ModelInputs, s: &Seq, seq: i64, type_id: i64, opts: &InputsOptions) {
    let n = s.len();
    m.input_ids.extend(s.enc.ids.iter().map(|&i| i64::from(i)));
    fill(opts.type_ids, &mut m.type_ids, n, type_id);
    fill(opts.special_mask, &mut m.special_mask, n, 0);
    fill(opts.attention, &mut m.attention, n, 1);
    m.word_ids.extend(s.enc.word_ids.iter().map(|&w| i64::from(w)));
    m.sequence_ids.resize(m.sequence_ids.len() + n, seq);
    if opts.offsets {
        for &(a, b) in &s.offsets {
            m.offsets.push(a as i64);
            m.offsets.push(b as i64);
        }
    }
}

fn push_special(m: &mut ModelInputs, id: u32, type_id: i64, opts: &InputsOptions) {
    m.input_ids.push(i64::from(id));
    fill(opts.type_ids, &mut m.type_ids, 1, type_id);
    fill(opts.special_mask, &mut m.special_mask, 1, 1);
    fill(opts.attention, &mut m.attention, 1, 1);
    m.word_ids.push(-1);
    m.sequence_ids.push(-1);
    if opts.offsets {
        m.offsets.extend([0, 0]);
    }
}

fn push_padding(m: &mut ModelInputs, n: usize, opts: &InputsOptions) {
    m.input_ids.resize(m.input_ids.len() + n, i64::from(opts.pad_id));
    fill(opts.type_ids, &mut m.type_ids, n, i64::from(opts.pad_type_id));
    fill(opts.special_mask, &mut m.special_mask, n, 1);
    fill(opts.attention, &mut m.attention, n, 0);
}

#[cfg(test)]
#[path = "inputs_test.rs"]
mod tests;
