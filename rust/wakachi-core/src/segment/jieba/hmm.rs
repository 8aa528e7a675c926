//! jieba's `finalseg`: the BMES hidden Markov model that splits runs of characters the dictionary
//! route left as single characters. The numbers are jieba 0.42.1's own (`data/jieba/hmm.txt`,
//! written with full precision), and the Viterbi search adds them in jieba's order and breaks
//! ties as its `max` over `(prob, state)` tuples does, so the paths are jieba's.

use crate::error::{Error, Result};

const HMM_DATA: &str = include_str!("../../../data/jieba/hmm.txt");
const HMM_NAME: &str = "<jieba 0.42.1 finalseg HMM>";

/// jieba's `MIN_FLOAT`, the log-probability of anything the model has no number for.
const MIN_FLOAT: f64 = -3.14e100;

/// The characters of `finalseg.re_han`; only runs of these go through the HMM.
pub const HAN_FIRST: char = '\u{4E00}';
/// Last character of `finalseg.re_han`.
pub const HAN_LAST: char = '\u{9FD5}';

/// States in jieba's letter order, which is also the order its ties are broken in.
const B: usize = 0;
const E: usize = 1;
const M: usize = 2;
const S: usize = 3;

/// The states each state may follow (`finalseg.PrevStatus`).
const PREV: [[usize; 2]; 4] = [[E, S], [B, M], [M, B], [S, E]];

/// The model: start, transition and emission log-probabilities.
#[derive(Debug, Clone)]
pub struct Hmm {
    start: [f64; 4],
    trans: [[f64; 4]; 4],
    /// Emission row of each character `HAN_FIRST..=HAN_LAST`, by offset.
    emit: Vec<[f64; 4]>,
}

/// Buffers of one Viterbi search, reused between calls.
#[derive(Debug, Default)]
pub struct Viterbi {
    back: Vec<[u8; 4]>,
    path: Vec<u8>,
}

fn bad(line: usize, msg: &str) -> Error {
    Error::dict(HMM_NAME, format!("line {}: {msg}", line + 1))
}

fn probs<'a>(fields: impl Iterator<Item = &'a str>, line: usize) -> Result<[f64; 4]> {
    let mut out = [MIN_FLOAT; 4];
    let mut n = 0;
    for (slot, f) in out.iter_mut().zip(fields) {
        if f != "-" {
            *slot = f.parse().map_err(|_| bad(line, "bad number"))?;
        }
        n += 1;
    }
    if n != 4 {
        return Err(bad(line, "expected 4 numbers"));
    }
    Ok(out)
}

impl Hmm {
    /// Parses the embedded model.
    pub fn load() -> Result<Self> {
        let len = (HAN_LAST as usize) - (HAN_FIRST as usize) + 1;
        let mut hmm = Hmm { start: [MIN_FLOAT; 4], trans: [[MIN_FLOAT; 4]; 4], emit: vec![[MIN_FLOAT; 4]; len] };
        for (i, line) in HMM_DATA.lines().enumerate().filter(|(_, l)| !l.starts_with('#')) {
            let mut f = line.split('\t');
            match (f.next(), f.next()) {
                (Some("start"), Some(first)) => hmm.start = probs(std::iter::once(first).chain(f), i)?,
                (Some("trans"), Some(from)) => {
                    let from = "BEMS".find(from).ok_or_else(|| bad(i, "bad state"))?;
                    hmm.trans[from] = probs(f, i)?;
                }
                (Some("emit"), Some(c)) => {
                    let mut cs = c.chars();
                    let (Some(c), None) = (cs.next(), cs.next()) else { return Err(bad(i, "bad character")) };
                    let row = probs(f, i)?;
                    // finalseg looks up only characters of `re_han`; the others are never used.
                    if (HAN_FIRST..=HAN_LAST).contains(&c) {
                        hmm.emit[c as usize - HAN_FIRST as usize] = row;
                    }
                }
                _ => return Err(bad(i, "unknown line")),
            }
        }
        Ok(hmm)
    }

    #[inline]
    fn emit(&self, c: char) -> &[f64; 4] {
        // Callers pass only characters of HAN_FIRST..=HAN_LAST; anything else has no emission.
        static NONE: [f64; 4] = [MIN_FLOAT; 4];
        (c as usize).checked_sub(HAN_FIRST as usize).and_then(|i| self.emit.get(i)).unwrap_or(&NONE)
    }

    /// `finalseg.__cut` over `chars` (all in `HAN_FIRST..=HAN_LAST`): the words as character
    /// ranges `(start, end)` relative to `chars`.
    pub fn cut(&self, chars: &[char], v: &mut Viterbi, mut word: impl FnMut(usize, usize)) {
        if chars.is_empty() {
            return;
        }
        self.viterbi(chars, v);
        let (mut begin, mut next) = (0, 0);
        for (i, &state) in v.path.iter().enumerate() {
            match state as usize {
                B => begin = i,
                E => {
                    word(begin, i + 1);
                    next = i + 1;
                }
                S => {
                    word(i, i + 1);
                    next = i + 1;
                }
                _ => {}
            }
        }
        if next < chars.len() {
            word(next, chars.len());
        }
    }

    /// `finalseg.viterbi`, leaving the best state path in `v.path`.
    fn viterbi(&self, chars: &[char], v: &mut Viterbi) {
        let n = chars.len();
        v.back.clear();
        v.back.resize(n, [0; 4]);
        let first = self.emit(chars[0]);
        let mut score: [f64; 4] = std::array::from_fn(|y| self.start[y] + first[y]);
        for (t, &c) in chars.iter().enumerate().skip(1) {
            let em = self.emit(c);
            let mut next = [0.0; 4];
            for y in 0..4 {
                let (mut best, mut from) = (f64::NEG_INFINITY, usize::MAX);
                for y0 in PREV[y] {
                    let p = score[y0] + self.trans[y0][y] + em[y];
                    // Python's max over (prob, state): the higher prob, on a tie the later letter.
                    if from == usize::MAX || p > best || (p == best && y0 > from) {
                        (best, from) = (p, y0);
                    }
                }
                next[y] = best;
                v.back[t][y] = from as u8;
            }
            score = next;
        }
        let mut state = if score[S] >= score[E] { S } else { E };
        v.path.clear();
        v.path.resize(n, 0);
        for t in (0..n).rev() {
            v.path[t] = state as u8;
            state = v.back[t][state] as usize;
        }
    }
}

/// `finalseg.re_skip` (`[a-zA-Z0-9]+(?:\.\d+)?%?`) splitting of an ASCII run: the matches and
/// the non-empty gaps between them, in order, as byte ranges of `s`.
pub fn skip_split(s: &[u8], mut piece: impl FnMut(usize, usize)) {
    let (mut pos, mut gap) = (0, 0);
    while pos < s.len() {
        if !s[pos].is_ascii_alphanumeric() {
            pos += 1;
            continue;
        }
        let start = pos;
        while pos < s.len() && s[pos].is_ascii_alphanumeric() {
            pos += 1;
        }
        if pos + 1 < s.len() && s[pos] == b'.' && s[pos + 1].is_ascii_digit() {
            pos += 1;
            while pos < s.len() && s[pos].is_ascii_digit() {
                pos += 1;
            }
        }
        if pos < s.len() && s[pos] == b'%' {
            pos += 1;
        }
        if gap < start {
            piece(gap, start);
        }
        piece(start, pos);
        gap = pos;
    }
    if gap < s.len() {
        piece(gap, s.len());
    }
}

#[cfg(test)]
#[path = "hmm_test.rs"]
mod tests;
