//! Stage 2: words → vocabulary ids.

pub mod unigram;
