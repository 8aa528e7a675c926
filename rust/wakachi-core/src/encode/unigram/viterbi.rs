//! The best segmentation of a normalised text, as sentencepiece 0.2.3's `EncodeOptimized`
//! (`src/unigram_model.cc`).
//!
//! Positions are UTF-8 byte offsets. For every end position only the best path ending there is
//! kept. Start positions are visited left to right, one character at a time; from each, every
//! vocabulary piece that starts there (found by walking the trie) offers `best[start] + score` to
//! `best[end]`, and a character that no one-character piece covers offers the unknown piece with
//! `min score − 10`. An offer replaces the kept path only if strictly greater, so among equal
//! totals the path whose last piece starts leftmost wins — and from the same start, the shorter
//! piece. All arithmetic is single precision, as in the reference, so which of two segmentations
//! with equal real-number scores wins (`很好.....真的`) depends on the rounding of every partial
//! sum; this is reproduced, including the reference's rebasing of all open totals to 0 when the
//! running total passes ±100000 (very long lines).

use super::normalizer::one_char_len;
use super::trie::Trie;

/// The best path ending at one position.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    score: f32,
    /// Start of the last piece, or -1 while no path ends here.
    start: i32,
    id: u32,
}

const EMPTY: Node = Node { score: 0.0, start: -1, id: 0 };

/// One piece of the best path: `text[start..end]` is vocabulary entry `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathPiece {
    /// Byte offset in the normalised text.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
    /// Vocabulary id (the unknown id for unknown characters).
    pub id: u32,
}

/// Running totals beyond ±this are rebased to 0 (the reference's `kScoreResetThreshold`).
const RESET_THRESHOLD: f32 = 100_000.0;

/// What the search needs from the model.
pub struct Scorer<'m> {
    /// NORMAL and USER_DEFINED pieces → id.
    pub trie: &'m Trie,
    /// Score of each id (user-defined pieces: `0.1 × (bytes − 1)`).
    pub scores: &'m [f32],
    /// The id given to unknown characters.
    pub unk_id: u32,
    /// Offer of an unknown character.
    pub unk_score: f32,
}

impl Scorer<'_> {
    /// Fills `path` with the best segmentation of `text`, left to right; `best` is scratch.
    pub fn best_path(&self, text: &[u8], best: &mut Vec<Node>, path: &mut Vec<PathPiece>) {
        path.clear();
        let size = text.len();
        if size == 0 {
            return;
        }
        best.clear();
        best.resize(size + 1, EMPTY);
        let (mut start, mut frontier) = (0, 0);
        while start < size {
            let mblen = one_char_len(text[start]).min(size - start);
            let mut here = best[start].score;
            if !(-RESET_THRESHOLD..=RESET_THRESHOLD).contains(&here) {
                rebase(best, start, frontier, here);
                here = 0.0;
            }
            let has_single = self.offer_pieces(text, start, mblen, here, best, &mut frontier);
            if !has_single {
                frontier = frontier.max(start + mblen);
                let cand = self.unk_score + here;
                let node = &mut best[start + mblen];
                if node.start == -1 || cand > node.score {
                    *node = Node { score: cand, start: start as i32, id: self.unk_id };
                }
            }
            start += mblen;
        }
        self.backtrack(best, path);
    }

    /// Offers every piece starting at `start`; returns whether one of them is one character long.
    #[inline(always)]
    fn offer_pieces(
        &self,
        text: &[u8],
        start: usize,
        mblen: usize,
        here: f32,
        best: &mut [Node],
        frontier: &mut usize,
    ) -> bool {
        let mut has_single = false;
        let mut node = 0;
        for (k, &c) in text[start..].iter().enumerate() {
            let Some(next) = self.trie.step(node, c) else { break };
            node = next;
            let Some(id) = self.trie.value(node) else { continue };
            let end = start + k + 1;
            // Ids in the trie index `scores` (both built from the same pieces at load time).
            *frontier = (*frontier).max(end);
            let cand = self.scores[id as usize] + here;
            let target = &mut best[end];
            if target.start == -1 || cand > target.score {
                *target = Node { score: cand, start: start as i32, id };
            }
            has_single |= end - start == mblen;
        }
        has_single
    }

    fn backtrack(&self, best: &[Node], path: &mut Vec<PathPiece>) {
        let mut end = best.len() - 1;
        while end > 0 {
            let n = best[end];
            // Every character boundary is reached (by a piece or the unknown offer), and
            // starts are earlier positions, so `start` is in 0..end.
            let start = n.start.max(0) as usize;
            path.push(PathPiece { start, end, id: n.id });
            end = start;
        }
        path.reverse();
    }
}

/// Subtracts `offset` from the total at `start` and from every reached position after it up to
/// `frontier` (the furthest end offered so far), as the reference does.
fn rebase(best: &mut [Node], start: usize, frontier: usize, offset: f32) {
    for (i, n) in best.iter_mut().enumerate().take(frontier + 1).skip(start) {
        if i == start || n.start != -1 {
            n.score -= offset;
        }
    }
}
