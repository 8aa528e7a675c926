//! Chinese word segmentation identical to Python `jieba` 0.42.1 (`jieba.lcut(text, HMM=hmm)`),
//! with jieba's own dictionary and HMM numbers (`data/jieba/`).
//!
//! The steps are jieba's (`jieba/__init__.py`, `jieba/finalseg/__init__.py`):
//! 1. the text splits into blocks of `re_han_default` characters (U+4E00–U+9FD5, ASCII letters
//!    and digits, `+#&._%-`) and the rest; every other character is a word by itself;
//! 2. a block's best route through the dictionary DAG is found (`calc`), maximising the sum of
//!    `ln(freq) - ln(total)`, ties going to the longer word;
//! 3. without the HMM, consecutive single ASCII letters/digits of the route are joined; with it,
//!    consecutive single characters are joined when the dictionary has that string, and otherwise
//!    handed to `finalseg`: Han runs through the Viterbi search, other runs split by `re_skip`.
//!
//! jieba-rs is not used: its DAG and HMM are private, its embedded emission probabilities are
//! rounded to six decimals, and its dictionary drops a duplicated line that jieba counts.

mod dict;
mod hmm;

use std::path::{Path, PathBuf};

use super::Span;
use crate::error::{Error, Result};
use dict::PrefixDict;
use hmm::{Hmm, Viterbi};

/// How a [`Jieba`] segmenter is built.
#[derive(Debug, Clone, Default)]
pub struct JiebaOptions {
    /// Use the HMM for runs the dictionary does not cover (`HMM=True`, jieba's default).
    pub hmm: bool,
    /// A user dictionary loaded like `jieba.load_userdict` (`word [freq] [tag]` per line).
    pub user_dict: Option<PathBuf>,
}

/// jieba's model: the prefix dictionary and the HMM (immutable; share it across threads).
#[derive(Debug, Clone)]
pub struct Jieba {
    dict: PrefixDict,
    hmm: Hmm,
    use_hmm: bool,
}

/// Per-thread buffers.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The block's characters and their byte offsets in the text.
    chars: Vec<char>,
    offsets: Vec<usize>,
    /// `route[i]`: best log-probability from character `i`, and the end of its first word.
    prob: Vec<f64>,
    end: Vec<usize>,
    viterbi: Viterbi,
}

/// A worker: the model and this thread's buffers.
pub struct JiebaWorker<'s> {
    model: &'s Jieba,
    scratch: Scratch,
}

/// Python's `str.isspace()` (what `str.strip()` removes): Unicode White_Space plus the
/// information separators U+001C–U+001F.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1C}'..='\u{1F}')
}

/// A character of jieba's `re_han_default`.
#[inline]
fn is_han_default(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FD5}' | 'a'..='z' | 'A'..='Z' | '0'..='9' | '+' | '#' | '&' | '.' | '_' | '%' | '-')
}

impl Jieba {
    /// jieba's default dictionary, plus the user dictionary if one is given.
    pub fn open(opts: &JiebaOptions) -> Result<Self> {
        let mut j = Jieba { dict: PrefixDict::default_dict()?, hmm: Hmm::load()?, use_hmm: opts.hmm };
        if let Some(path) = &opts.user_dict {
            j.load_user_dict(path)?;
        }
        Ok(j)
    }

    /// Whether the HMM is used.
    pub fn hmm(&self) -> bool {
        self.use_hmm
    }

    /// A worker for the calling thread.
    pub fn worker(&self) -> JiebaWorker<'_> {
        JiebaWorker { model: self, scratch: Scratch::default() }
    }

    /// `Tokenizer.load_userdict(path)`: each line is stripped of ASCII whitespace and leading
    /// BOMs; blank lines are skipped; a word without a frequency gets `suggest_freq`'s.
    pub fn load_user_dict(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut scratch = Scratch::default();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let malformed = |msg: String| Error::Malformed { path: path.to_path_buf(), line: i as u64 + 1, msg };
            let line = std::str::from_utf8(raw.trim_ascii())
                .map_err(|e| malformed(format!("not valid UTF-8 (byte offset {})", e.valid_up_to())))?
                .trim_start_matches('\u{FEFF}');
            if line.is_empty() {
                continue;
            }
            let (word, freq) = dict::split_user_line(line);
            let freq = match freq {
                Some(f) => f.parse().map_err(|_| malformed(format!("frequency {f} is too large")))?,
                None => self.suggest_freq(word, &mut scratch),
            };
            self.dict.add_word(word, freq);
        }
        Ok(())
    }

    /// `Tokenizer.suggest_freq(word, tune=False)`: a frequency high enough for `word` to be cut
    /// whole, computed from its no-HMM segmentation exactly as jieba does (in doubles).
    fn suggest_freq(&self, word: &str, scratch: &mut Scratch) -> u64 {
        let ftotal = self.dict.total as f64;
        let mut freq = 1.0f64;
        self.cut(word, false, true, scratch, |s, e| freq *= self.dict.get_or(&word[s..e], 1) as f64 / ftotal);
        // `int()` truncates; the product is in [0, 1], so the result fits.
        ((freq * ftotal) as u64 + 1).max(self.dict.get_or(word, 1))
    }

    /// `Tokenizer.cut(text, HMM=hmm)`: calls `word(start, end)` (byte offsets) for each word.
    /// Whitespace characters (each one a word in jieba) are passed only with `keep_space`.
    pub fn cut(&self, text: &str, hmm: bool, keep_space: bool, sc: &mut Scratch, mut word: impl FnMut(usize, usize)) {
        sc.chars.clear();
        sc.offsets.clear();
        for (i, c) in text.char_indices() {
            if is_han_default(c) {
                sc.chars.push(c);
                sc.offsets.push(i);
                continue;
            }
            self.flush_block(text, i, hmm, sc, &mut word);
            // Outside blocks every character is a word (`\r\n` is one in jieba, but blank either way).
            if keep_space || !py_isspace(c) {
                word(i, i + c.len_utf8());
            }
        }
        self.flush_block(text, text.len(), hmm, sc, &mut word);
    }

    /// Segments the block collected in `sc` (ending at byte `end`) and empties it.
    fn flush_block(&self, text: &str, end: usize, hmm: bool, sc: &mut Scratch, word: &mut impl FnMut(usize, usize)) {
        if sc.chars.is_empty() {
            return;
        }
        sc.offsets.push(end);
        self.calc(sc);
        if hmm {
            self.cut_dag(text, sc, word);
        } else {
            self.cut_dag_no_hmm(sc, word);
        }
        sc.chars.clear();
        sc.offsets.clear();
    }

    /// `get_DAG` + `calc`: the best route through the block's dictionary words. The DAG is
    /// walked directly from the trie, from the last character back.
    fn calc(&self, sc: &mut Scratch) {
        let (chars, d) = (&sc.chars, &self.dict);
        let n = chars.len();
        sc.prob.clear();
        sc.prob.resize(n + 1, 0.0);
        sc.end.clear();
        sc.end.resize(n + 1, 0);
        for idx in (0..n).rev() {
            let mut best: Option<(f64, usize)> = None;
            let mut node = 0;
            for (x, &c) in chars.iter().enumerate().skip(idx) {
                let Some(next) = d.child(node, c) else { break };
                node = next;
                if d.freq_of(node) > 0 {
                    let p = d.log_freq_of(node) - d.log_total + sc.prob[x + 1];
                    // Python's max over (prob, x): the higher prob, on a tie the longer word.
                    if !matches!(best, Some((bp, _)) if p < bp) {
                        best = Some((p, x + 1));
                    }
                }
            }
            // No word starts here: the character alone, with frequency 1 (`FREQ.get(..) or 1`).
            let (p, e) = best.unwrap_or((0.0 - d.log_total + sc.prob[idx + 1], idx + 1));
            sc.prob[idx] = p;
            sc.end[idx] = e;
        }
    }

    /// `__cut_DAG_NO_HMM`: the route's words, with runs of single ASCII letters/digits joined.
    fn cut_dag_no_hmm(&self, sc: &Scratch, word: &mut impl FnMut(usize, usize)) {
        let (n, off) = (sc.chars.len(), &sc.offsets);
        let (mut x, mut run) = (0, None);
        while x < n {
            let y = sc.end[x];
            if y - x == 1 && sc.chars[x].is_ascii_alphanumeric() {
                run.get_or_insert(x);
            } else {
                if let Some(r) = run.take() {
                    word(off[r], off[x]);
                }
                word(off[x], off[y]);
            }
            x = y;
        }
        if let Some(r) = run {
            word(off[r], off[n]);
        }
    }

    /// `__cut_DAG`: the route's words, with runs of single characters handed to `flush_run`.
    fn cut_dag(&self, text: &str, sc: &mut Scratch, word: &mut impl FnMut(usize, usize)) {
        let n = sc.chars.len();
        let (mut x, mut run) = (0, None);
        while x < n {
            let y = sc.end[x];
            if y - x == 1 {
                run.get_or_insert(x);
            } else {
                if let Some(r) = run.take() {
                    self.flush_run(text, sc, r, x, word);
                }
                word(sc.offsets[x], sc.offsets[y]);
            }
            x = y;
        }
        if let Some(r) = run {
            self.flush_run(text, sc, r, n, word);
        }
    }

    /// A run `a..b` of single-character route steps: one character stays one; a run the
    /// dictionary has (with a positive frequency) is cut into characters; any other goes to
    /// `finalseg.cut`.
    fn flush_run(&self, text: &str, sc: &mut Scratch, a: usize, b: usize, word: &mut impl FnMut(usize, usize)) {
        let off = &sc.offsets;
        let known =
            b - a > 1 && self.dict.find(sc.chars[a..b].iter().copied()).is_some_and(|n| self.dict.freq_of(n) > 0);
        if b - a == 1 || known {
            (a..b).for_each(|i| word(off[i], off[i + 1]));
        } else {
            self.finalseg(text, sc, a, b, word);
        }
    }

    /// `finalseg.cut` over characters `a..b` of the block: Han runs through the HMM (a word
    /// given frequency 0 comes out as characters), other runs split by `re_skip`.
    fn finalseg(&self, text: &str, sc: &mut Scratch, a: usize, b: usize, word: &mut impl FnMut(usize, usize)) {
        let is_han = |c: char| (hmm::HAN_FIRST..=hmm::HAN_LAST).contains(&c);
        let mut i = a;
        while i < b {
            let han = is_han(sc.chars[i]);
            let j = (i..b).find(|&k| is_han(sc.chars[k]) != han).unwrap_or(b);
            let (chars, off, d) = (&sc.chars, &sc.offsets, &self.dict);
            if !han {
                let base = off[i];
                hmm::skip_split(&text.as_bytes()[base..off[j]], |s, e| word(base + s, base + e));
            } else if j - i == 1 {
                word(off[i], off[j]);
            } else {
                self.hmm.cut(&chars[i..j], &mut sc.viterbi, |s, e| {
                    let (s, e) = (i + s, i + e);
                    if e - s > 1 && d.is_force_split(chars[s..e].iter().copied()) {
                        (s..e).for_each(|k| word(off[k], off[k + 1]));
                    } else {
                        word(off[s], off[e]);
                    }
                });
            }
            i = j;
        }
    }
}

impl<'s> JiebaWorker<'s> {
    /// Segments `text` into `out` (cleared first); whitespace words are dropped.
    pub fn segment(&mut self, text: &str, out: &mut Vec<Span<'s>>) {
        out.clear();
        let m = self.model;
        m.cut(text, m.use_hmm, false, &mut self.scratch, |start, end| {
            out.push(Span { start, end, feature: super::Feature::NONE })
        });
    }
}

#[cfg(test)]
#[path = "jieba/jieba_test.rs"]
mod tests;
