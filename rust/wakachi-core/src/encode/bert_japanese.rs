//! transformers' `BertJapaneseTokenizer` (`tok(text, add_special_tokens=False)["input_ids"]`):
//! added tokens are cut out of the text first; each remaining piece goes through the word
//! tokenizer (MeCab after NFKC, `BasicTokenizer`, or none), each word through the subword
//! tokenizer (WordPiece or characters). Every token also carries the index of its word.

use std::path::Path;

use rustc_hash::FxHashSet;

use unicode_normalization::UnicodeNormalization;

use super::align::{self, Aligned};
use super::config::{Subword, TokenizerConfig, WordTokenizer};
use super::normalize::{lower, nfkc};
use super::specials::{Piece, Specials};
use super::vocab_file::Vocab;
use super::{basic, char, wordpiece};
use crate::error::{Error, Result};
use crate::segment::{Mecab, MecabOptions, Segmenter, Span, Worker};

/// Token ids and, for each token, the index of the word it came from (0, 1, … in order;
/// an added token such as `[MASK]` is a word of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encoding {
    /// Token ids.
    pub ids: Vec<u32>,
    /// Word index of each token.
    pub word_ids: Vec<u32>,
}

impl Encoding {
    fn clear(&mut self) {
        self.ids.clear();
        self.word_ids.clear();
    }
}

/// An immutable `BertJapaneseTokenizer`, shared by all threads; encode through a [`EncodeWorker`].
pub struct BertJapanese {
    config: TokenizerConfig,
    vocab: Vocab,
    specials: Specials,
    /// Special tokens and `never_split`: not lower-cased by the word tokenizer.
    never_split: FxHashSet<String>,
    unk: u32,
    segmenter: Option<Segmenter>,
}

impl BertJapanese {
    /// Loads `dir` (`tokenizer_config.json` + `vocab.txt`). `dicdir` is the MeCab dictionary that
    /// the config names (see [`TokenizerConfig::mecab_dic`]), resolved by the caller.
    pub fn from_dir(dir: &Path, dicdir: Option<&Path>, mecab: &MecabOptions) -> Result<Self> {
        let config = TokenizerConfig::read(dir)?;
        let vocab = Vocab::read(&dir.join("vocab.txt"))?;
        let segmenter = match (&config.word, dicdir) {
            (WordTokenizer::Mecab, Some(d)) => Some(Segmenter::Mecab(Box::new(Mecab::open(d, mecab)?))),
            _ => None,
        };
        Self::build(config, vocab, segmenter)
    }

    /// A tokenizer from the JSON text of a `tokenizer_config.json` (`origin` names it in errors)
    /// and a `vocab.txt`; `dicdir` as in [`BertJapanese::from_dir`].
    pub fn from_config(
        origin: &Path,
        config_json: &str,
        vocab: &Path,
        dicdir: Option<&Path>,
        mecab: &MecabOptions,
    ) -> Result<Self> {
        let config = TokenizerConfig::parse(origin.to_path_buf(), config_json)?;
        let vocab = Vocab::read(vocab)?;
        let segmenter = match (&config.word, dicdir) {
            (WordTokenizer::Mecab, Some(d)) => Some(Segmenter::Mecab(Box::new(Mecab::open(d, mecab)?))),
            _ => None,
        };
        Self::build(config, vocab, segmenter)
    }

    /// A tokenizer from its parts (`segmenter` is the MeCab segmenter when the config asks for one).
    pub fn build(config: TokenizerConfig, vocab: Vocab, segmenter: Option<Segmenter>) -> Result<Self> {
        if config.word == WordTokenizer::Mecab && !matches!(segmenter, Some(Segmenter::Mecab(_))) {
            return Err(Error::Config(format!("{}: a MeCab dictionary directory is needed", config.path.display())));
        }
        let unk_token = &config.named_specials[0];
        let unk = vocab.id(unk_token).ok_or_else(|| {
            Error::Config(format!("{}: no unknown token {unk_token:?} (unk_token)", vocab.path().display()))
        })?;
        let specials = build_specials(&config, &vocab);
        let never_split = config.never_split.iter().cloned().chain(specials.contents().map(str::to_string)).collect();
        Ok(BertJapanese { config, vocab, specials, never_split, unk, segmenter })
    }

    /// The configuration.
    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The id of the unknown token.
    pub fn unk_id(&self) -> u32 {
        self.unk
    }

    /// The token of `id` (vocabulary entries and added tokens).
    pub fn token(&self, id: u32) -> Option<&str> {
        self.vocab.token(id).or_else(|| self.specials_by_id(id))
    }

    /// The added tokens it cuts out of the text (content, id), longest first.
    pub fn added_tokens(&self) -> Vec<(String, u32)> {
        self.specials.contents().filter_map(|t| self.specials.id(t).map(|id| (t.to_string(), id))).collect()
    }

    fn specials_by_id(&self, id: u32) -> Option<&str> {
        self.specials.contents().find(|t| self.specials.id(t) == Some(id))
    }

    /// A worker for the calling thread.
    pub fn worker(&self) -> EncodeWorker<'_> {
        EncodeWorker {
            tok: self,
            seg: self.segmenter.as_ref().map(Segmenter::worker),
            spans: Vec::new(),
            words: Vec::new(),
        }
    }
}

/// transformers adds the special tokens after loading: `added_tokens_decoder` keeps its ids; the
/// others take their vocabulary id, or new ids after the vocabulary in the order unk, sep, pad,
/// cls, mask, extra tokens.
fn build_specials(config: &TokenizerConfig, vocab: &Vocab) -> Specials {
    let mut specials = Specials::default();
    let mut next = vocab.len() as u32;
    for t in &config.added_tokens {
        if vocab.id(&t.content).is_none() && specials.id(&t.content).is_none() {
            next += 1;
        }
        specials.add(&t.content, t.id);
    }
    for t in config.named_specials.iter().chain(&config.extra_specials) {
        if t.is_empty() || specials.id(t).is_some() {
            continue;
        }
        let id = vocab.id(t).unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        specials.add(t, id);
    }
    specials
}

/// Per-thread encoding state.
pub struct EncodeWorker<'t> {
    tok: &'t BertJapanese,
    seg: Option<Worker<'t>>,
    spans: Vec<Span<'t>>,
    words: Vec<String>,
}

impl<'t> EncodeWorker<'t> {
    /// Encodes `text`, replacing the contents of `out`.
    pub fn encode(&mut self, text: &str, out: &mut Encoding) {
        self.encode_cut(text, !self.tok.config.split_special_tokens, out);
    }

    /// Encodes `text`; `cut_added` says whether added tokens in the text are kept whole (the
    /// opposite of transformers' `split_special_tokens`, which a call may override).
    pub fn encode_cut(&mut self, text: &str, cut_added: bool, out: &mut Encoding) {
        out.clear();
        let tok = self.tok;
        let mut pieces = Vec::new();
        if !cut_added {
            pieces.push(Piece::Text(text));
        } else {
            tok.specials.split(text, |p| pieces.push(p));
        }
        let mut word = 0u32;
        for p in pieces {
            match p {
                Piece::Token(id) => {
                    out.ids.push(id);
                    out.word_ids.push(word);
                    word += 1;
                }
                Piece::Text(t) => self.encode_text(t, out, &mut word),
            }
        }
    }

    /// The ids of `text`.
    pub fn encode_ids(&mut self, text: &str, out: &mut Vec<u32>) {
        let mut enc = Encoding { ids: std::mem::take(out), word_ids: Vec::new() };
        self.encode(text, &mut enc);
        *out = enc.ids;
    }

    /// Word-tokenizes a text piece and subword-encodes each word.
    fn encode_text(&mut self, text: &str, out: &mut Encoding, word: &mut u32) {
        let tok = self.tok;
        match (&tok.config.word, self.seg.as_mut()) {
            (WordTokenizer::Mecab, Some(seg)) => {
                let text = if tok.config.normalize_text { nfkc(text) } else { text.into() };
                seg.segment(&text, &mut self.spans);
                for i in 0..self.spans.len() {
                    let s = self.spans[i];
                    let surface = &text[s.start..s.end];
                    let w = if tok.config.lower_case && !tok.never_split.contains(surface) {
                        lower(surface)
                    } else {
                        surface.into()
                    };
                    self.subword(&w, out, word);
                }
            }
            (WordTokenizer::Basic, _) => {
                let mut words = std::mem::take(&mut self.words);
                words.clear();
                basic::tokenize(text, tok.config.lower_case, &tok.never_split, &mut words);
                for w in &words {
                    self.subword(w, out, word);
                }
                self.words = words;
            }
            // `build` ensures MeCab has a segmenter, so this is `WordTokenizer::None`.
            _ => self.subword(text, out, word),
        }
    }

    /// Encodes `text` as [`EncodeWorker::encode_cut`] does and gives each token's `[start, end)`
    /// character range in `text` (`offsets`, one per id). Normalization that merges characters
    /// (NFKC `ｶﾞ` → `ガ`) gives the merged token the whole range; one that expands a character
    /// (`㍻` → `平成`) gives every token from it that character's range.
    /// `cut_added` as in [`EncodeWorker::encode_cut`].
    pub fn encode_with_offsets(
        &mut self,
        text: &str,
        cut_added: bool,
        out: &mut Encoding,
        offsets: &mut Vec<(usize, usize)>,
    ) {
        out.clear();
        offsets.clear();
        let tok = self.tok;
        let mut pieces = Vec::new();
        if !cut_added {
            pieces.push((Piece::Text(text), 0, text.len()));
        } else {
            tok.specials.split_at(text, |p, s, e| pieces.push((p, s, e)));
        }
        let mut word = 0u32;
        for (p, start, end) in pieces {
            match p {
                Piece::Token(id) => {
                    out.ids.push(id);
                    out.word_ids.push(word);
                    offsets.push((start, end));
                    word += 1;
                }
                Piece::Text(t) => self.encode_text_aligned(t, start, out, offsets, &mut word),
            }
        }
        align::bytes_to_chars(text, offsets);
    }

    /// [`EncodeWorker::encode_text`] with byte offsets (`text` starts at byte `base`).
    fn encode_text_aligned(
        &mut self,
        text: &str,
        base: usize,
        out: &mut Encoding,
        offsets: &mut Vec<(usize, usize)>,
        word: &mut u32,
    ) {
        let tok = self.tok;
        let original = Aligned::new(text, base);
        match (&tok.config.word, self.seg.as_mut()) {
            (WordTokenizer::Mecab, Some(seg)) => {
                let norm = if tok.config.normalize_text { nfkc(text) } else { text.into() };
                let aligned = original.transform(&norm, |s, o| o.extend(s.nfkc()));
                seg.segment(&norm, &mut self.spans);
                for i in 0..self.spans.len() {
                    let s = self.spans[i];
                    let surface = &norm[s.start..s.end];
                    let w = aligned.slice(s.start, s.end);
                    let w = if tok.config.lower_case && !tok.never_split.contains(surface) {
                        w.lower(&lower(surface))
                    } else {
                        w
                    };
                    self.subword_aligned(&w, out, offsets, word);
                }
            }
            (WordTokenizer::Basic, _) => {
                let mut words = std::mem::take(&mut self.words);
                words.clear();
                basic::tokenize(text, tok.config.lower_case, &tok.never_split, &mut words);
                let mut aligned = Vec::with_capacity(words.len());
                basic::tokenize_aligned(&original, tok.config.lower_case, &tok.never_split, &mut aligned);
                let same = aligned.len() == words.len() && aligned.iter().zip(&words).all(|(a, w)| a.text == *w);
                for (k, w) in words.iter().enumerate() {
                    if same {
                        self.subword_aligned(&aligned[k], out, offsets, word);
                    } else {
                        self.subword_aligned(&Aligned::coarse(w, original.range()), out, offsets, word);
                    }
                }
                self.words = words;
            }
            _ => self.subword_aligned(&original, out, offsets, word),
        }
    }

    /// [`EncodeWorker::subword`] with the byte range of each token.
    fn subword_aligned(&mut self, w: &Aligned, out: &mut Encoding, offsets: &mut Vec<(usize, usize)>, word: &mut u32) {
        let tok = self.tok;
        let before = out.ids.len();
        let wide = |(s, e): (u32, u32)| (s as usize, e as usize);
        match tok.config.subword {
            Subword::WordPiece => {
                let mut spans = Vec::new();
                wordpiece::encode_word_spans(&tok.vocab, tok.unk, &w.text, &mut out.ids, Some(&mut spans));
                offsets.extend(spans.iter().map(|&(s, e)| wide(w.span(s, e))));
            }
            Subword::Character => {
                char::encode_word(&tok.vocab, tok.unk, true, &w.text, &mut out.ids);
                let n = w.transform(&nfkc(&w.text), |s, o| o.extend(s.nfkc()));
                offsets.extend(n.text.char_indices().map(|(i, c)| wide(n.span(i, i + c.len_utf8()))));
            }
            Subword::None => {
                out.ids.push(tok.specials.id(&w.text).or_else(|| tok.vocab.id(&w.text)).unwrap_or(tok.unk));
                offsets.push(wide(w.range()));
            }
        }
        if out.ids.len() > before {
            out.word_ids.resize(out.ids.len(), *word);
            *word += 1;
        }
    }

    /// Appends the subword ids of one word; the word gets an index if it yields any token.
    fn subword(&mut self, w: &str, out: &mut Encoding, word: &mut u32) {
        let tok = self.tok;
        let before = out.ids.len();
        match tok.config.subword {
            Subword::WordPiece => wordpiece::encode_word(&tok.vocab, tok.unk, w, &mut out.ids),
            Subword::Character => char::encode_word(&tok.vocab, tok.unk, true, w, &mut out.ids),
            Subword::None => out.ids.push(tok.specials.id(w).or_else(|| tok.vocab.id(w)).unwrap_or(tok.unk)),
        }
        if out.ids.len() > before {
            out.word_ids.resize(out.ids.len(), *word);
            *word += 1;
        }
    }
}

#[cfg(test)]
#[path = "bert_japanese_test.rs"]
mod tests;
