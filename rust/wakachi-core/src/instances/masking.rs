//! Static masking as Google's `create_masked_lm_predictions` does it.

use super::rng::Rng;
use super::{Instance, Specials};

/// Settings of Google's static masking.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GoogleMask {
    pub prob: f64,
    pub max_predictions: usize,
    pub whole_word: bool,
}

/// Candidate groups: tokens that are neither `[CLS]` nor `[SEP]` (tested by id, as the
/// reference tests the token string), one group per token, or with `whole_word` a word start
/// and the non-start tokens after it. As in the reference, a non-start token continues the last
/// group even across a `[SEP]` (after front truncation B can begin inside a word), and opens a
/// group when there is none yet. Groups are `(offset, len)` into `positions`: only the last group
/// ever grows, so each group's positions are contiguous there.
fn candidates(inst: &Instance, sp: &Specials, whole_word: bool, positions: &mut Vec<u32>) -> Vec<(u32, u32)> {
    let mut groups: Vec<(u32, u32)> = Vec::with_capacity(inst.input_ids.len());
    for (i, (&id, &start)) in inst.input_ids.iter().zip(&inst.word_starts).enumerate() {
        if id == sp.cls || id == sp.sep {
            continue;
        }
        match groups.last_mut() {
            Some(g) if whole_word && !start => g.1 += 1,
            _ => groups.push((positions.len() as u32, 1)),
        }
        positions.push(i as u32);
    }
    groups
}

/// Masks `inst` in place and fills its masked positions/ids. Draw order as the reference: one
/// shuffle of the groups, then per chosen token `random() < 0.8` → `[MASK]`, else
/// `random() < 0.5` → kept, else `randint(0, vocab_size - 1)`. `num_to_predict` is
/// `min(max_predictions, max(1, round_half_even(len × prob)))`, the length counting the specials.
/// Groups that would overshoot it are skipped, not split. (The reference also skips a group
/// holding an already covered position; groups are disjoint, so that never happens.)
pub(crate) fn google_mask<R: Rng>(inst: &mut Instance, m: GoogleMask, sp: &Specials, rng: &mut R) {
    let mut positions = Vec::with_capacity(inst.input_ids.len());
    let mut groups = candidates(inst, sp, m.whole_word, &mut positions);
    rng.shuffle(&mut groups);
    let wanted = (inst.input_ids.len() as f64 * m.prob).round_ties_even().max(1.0) as usize;
    let num = m.max_predictions.min(wanted);
    let mut masked: Vec<(u32, u32)> = Vec::with_capacity(num);
    for &(off, len) in &groups {
        if masked.len() >= num {
            break;
        }
        if masked.len() + len as usize > num {
            continue;
        }
        for &p in &positions[off as usize..(off + len) as usize] {
            let orig = inst.input_ids[p as usize];
            inst.input_ids[p as usize] = replacement(orig, sp, rng);
            masked.push((p, orig));
        }
    }
    masked.sort_unstable_by_key(|&(p, _)| p);
    inst.masked_positions = masked.iter().map(|&(p, _)| p).collect();
    inst.masked_ids = masked.iter().map(|&(_, id)| id).collect();
}

/// 80% `[MASK]`, 10% the original, 10% a uniform id of the whole vocabulary (specials included).
fn replacement<R: Rng>(orig: u32, sp: &Specials, rng: &mut R) -> u32 {
    if rng.random() < 0.8 {
        sp.mask
    } else if rng.random() < 0.5 {
        orig
    } else {
        rng.randint(0, u64::from(sp.vocab_size) - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::super::rng::PyRandom;
    use super::*;

    const SP: Specials = Specials { vocab_size: 100, cls: 2, sep: 3, mask: 4, pad: 0 };

    fn inst(ids: &[u32], starts: &[bool]) -> Instance {
        Instance {
            input_ids: ids.to_vec(),
            word_starts: starts.to_vec(),
            segment_ids: vec![0; ids.len()],
            ..Instance::default()
        }
    }

    #[test]
    fn whole_words_group_continuations_across_sep() {
        let i = inst(&[2, 10, 11, 3, 12, 13, 3], &[true, true, false, true, false, true, true]);
        let mut pos = Vec::new();
        let g = candidates(&i, &SP, true, &mut pos);
        assert_eq!(pos, [1, 2, 4, 5]);
        assert_eq!(g, [(0, 3), (3, 1)]);
        let g = candidates(&i, &SP, false, &mut pos);
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn counts_round_half_even_and_cap() {
        // 30 tokens × 0.15 = 4.5 → 4 (Python's round), 70 × 0.15 = 10.5 → 10.
        for (n, want) in [(30usize, 4usize), (70, 10), (5, 1)] {
            let ids: Vec<u32> = (0..n as u32).map(|x| x + 10).collect();
            let mut i = inst(&ids, &vec![true; n]);
            google_mask(
                &mut i,
                GoogleMask { prob: 0.15, max_predictions: 100, whole_word: false },
                &SP,
                &mut PyRandom::new(3),
            );
            assert_eq!(i.masked_positions.len(), want);
            assert!(i.masked_positions.windows(2).all(|w| w[0] < w[1]));
            for (&p, &id) in i.masked_positions.iter().zip(&i.masked_ids) {
                assert_eq!(id, ids[p as usize]);
            }
        }
        let mut i = inst(&[10; 200], &[true; 200]);
        google_mask(
            &mut i,
            GoogleMask { prob: 0.15, max_predictions: 19, whole_word: false },
            &SP,
            &mut PyRandom::new(3),
        );
        assert_eq!(i.masked_positions.len(), 19);
    }
}
