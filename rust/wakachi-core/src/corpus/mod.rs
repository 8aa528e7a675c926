//! Corpus preparation as the reference pipelines did it, before any segmentation for training:
//!
//! - [`wiki`]: cl-tohoku's Wikipedia corpus from a CirrusSearch dump (`make_corpus_wiki.py`):
//!   [`clean`] each page, cut it into sentences (cl-tohoku's MeCab 句点 rule from
//!   [`crate::split`]), filter by length and `\displaystyle`;
//! - [`deal`]: cl-tohoku's `merge_split_corpora.py`: documents dealt to N files at random;
//! - [`kuten`]: colorfulscoop's GPT-2 layout: a cut after every `。`, no document breaks.
//!
//! Outputs are written by [`output::AtomicOutput`]: compressed by extension, renamed into place
//! only when complete, so a killed run leaves nothing that looks finished and a rerun restarts
//! cleanly.

pub mod clean;
pub mod deal;
pub mod kuten;
pub mod output;
pub mod wiki;
