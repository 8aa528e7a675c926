//! Vocabulary training: word counts from any segmenter ([`count`]), the WordPiece trainer of HF
//! `tokenizers` reproduced deterministically ([`wordpiece`]), and the initial alphabet cl-tohoku
//! derives from a MeCab lexicon ([`alphabet`]).

pub mod alphabet;
pub mod count;
pub mod wordpiece;

pub use count::{count_words, CountReport, WordCounts, WordOptions};
pub use wordpiece::{train_wordpiece, WordPieceSettings};

use crate::error::Result;
use crate::lines::{Input, OnError};
use crate::progress::Progress;
use crate::segment::Segmenter;
use crate::stop::Stop;

/// A vocabulary trained on files and the run's figures.
#[derive(Debug, Clone)]
pub struct TrainedVocab {
    /// The tokens in id order.
    pub vocab: Vec<String>,
    /// The word count's figures.
    pub count: CountReport,
    /// Seconds the trainer took after counting.
    pub train_seconds: f64,
}

/// `wakachi vocab wordpiece`: counts the words of `inputs` (one text per line) with `seg` on
/// `threads` threads, with a progress line on stderr when `progress`, then trains a WordPiece
/// vocabulary on them. The settings are checked before any input is read.
#[allow(clippy::too_many_arguments)]
pub fn train_wordpiece_files(
    seg: &Segmenter,
    inputs: Vec<Input>,
    opts: WordOptions,
    settings: &WordPieceSettings,
    threads: usize,
    on_error: OnError,
    progress: bool,
    stop: &Stop<'_>,
) -> Result<TrainedVocab> {
    settings.check()?;
    let mut bar = Progress::new("count words", Input::total_bytes(&inputs), progress);
    let (counts, count) =
        count_words(seg, inputs, opts, threads, on_error, stop, &mut |r| bar.update(r.bytes, r.lines, "lines"))?;
    bar.finish();
    let t = std::time::Instant::now();
    let vocab = train_wordpiece(&counts, settings)?;
    Ok(TrainedVocab { vocab, count, train_seconds: t.elapsed().as_secs_f64() })
}
