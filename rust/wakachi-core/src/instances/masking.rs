//! Static masking as Google's `create_masked_lm_predictions` does it.

use super::rng::Rng;
use super::{Instance, Specials};

/// Settings of Google's static masking.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GoogleMask {
    pub prob: f64,
    pub max_predictions: usize,
    pub whole_word: bool,
    /// Draw the shuffle of the groups lazily: the reference shuffles them all (Fisher–Yates from
    /// the end) and then walks them from the front; lazily, the walk goes from the end and each
    /// step draws only the swap that fixes the group it is about to look at, stopping once
    /// enough tokens are masked. Both walk a uniformly random order of the groups (the lazy one
    /// is the full shuffle's order read backwards), so the masking has the same distribution,
    /// with a fraction of the draws; the draws interleave differently, so only streaming mode
    /// uses it (compat mode must repeat the reference's draws).
    pub lazy: bool,
}

/// Buffers reused from one instance to the next (one set per thread).
#[derive(Default)]
struct Scratch {
    positions: Vec<u32>,
    groups: Vec<(u32, u32)>,
    /// One bit per position: masked.
    chosen: Vec<u64>,
    /// The original id at each masked position.
    orig: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Candidate groups: tokens that are neither `[CLS]` nor `[SEP]` (tested by id, as the
/// reference tests the token string), one group per token, or with `whole_word` a word start
/// and the non-start tokens after it. As in the reference, a non-start token continues the last
/// group even across a `[SEP]` (after front truncation B can begin inside a word), and opens a
/// group when there is none yet. Groups are `(offset, len)` into `positions`: only the last group
/// ever grows, so each group's positions are contiguous there.
fn candidates(
    inst: &Instance,
    sp: &Specials,
    whole_word: bool,
    positions: &mut Vec<u32>,
    groups: &mut Vec<(u32, u32)>,
) {
    positions.clear();
    groups.clear();
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
}

/// Masks `inst` in place and fills its masked positions/ids. Draw order as the reference: one
/// shuffle of the groups, then per chosen token `random() < 0.8` → `[MASK]`, else
/// `random() < 0.5` → kept, else `randint(0, vocab_size - 1)` (with [`GoogleMask::lazy`], the
/// shuffle's draws come one group at a time instead). `num_to_predict` is
/// `min(max_predictions, max(1, round_half_even(len × prob)))`, the length counting the specials.
/// Groups that would overshoot it are skipped, not split. (The reference also skips a group
/// holding an already covered position; groups are disjoint, so that never happens.)
pub(crate) fn google_mask<R: Rng>(inst: &mut Instance, m: GoogleMask, sp: &Specials, rng: &mut R) {
    SCRATCH.with_borrow_mut(|s| mask_with(inst, m, sp, rng, s));
}

fn mask_with<R: Rng>(inst: &mut Instance, m: GoogleMask, sp: &Specials, rng: &mut R, s: &mut Scratch) {
    let n = inst.input_ids.len();
    candidates(inst, sp, m.whole_word, &mut s.positions, &mut s.groups);
    let wanted = (n as f64 * m.prob).round_ties_even().max(1.0) as usize;
    let num = m.max_predictions.min(wanted);
    s.chosen.clear();
    s.chosen.resize(n.div_ceil(64), 0);
    s.orig.resize(n, 0);
    let mut count = 0;
    let Scratch { positions, groups, chosen, orig } = s;
    let mut take = |(off, len): (u32, u32), count: &mut usize, rng: &mut R| {
        if *count + len as usize > num {
            return;
        }
        for &p in &positions[off as usize..(off + len) as usize] {
            let p = p as usize;
            orig[p] = inst.input_ids[p];
            inst.input_ids[p] = replacement(orig[p], sp, rng);
            chosen[p / 64] |= 1 << (p % 64);
        }
        *count += len as usize;
    };
    if m.lazy {
        for i in (0..groups.len()).rev() {
            if count >= num {
                break;
            }
            if i > 0 {
                let j = rng.below(i as u64 + 1) as usize;
                groups.swap(i, j);
            }
            take(groups[i], &mut count, rng);
        }
    } else {
        rng.shuffle(groups);
        for &g in groups.iter() {
            if count >= num {
                break;
            }
            take(g, &mut count, rng);
        }
    }
    let (mut mp, mut mi) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for (w, &bits) in chosen.iter().enumerate() {
        let mut b = bits;
        while b != 0 {
            let p = w * 64 + b.trailing_zeros() as usize;
            mp.push(p as u32);
            mi.push(orig[p]);
            b &= b - 1;
        }
    }
    inst.masked_positions = mp;
    inst.masked_ids = mi;
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
        let (mut pos, mut g) = (Vec::new(), Vec::new());
        candidates(&i, &SP, true, &mut pos, &mut g);
        assert_eq!(pos, [1, 2, 4, 5]);
        assert_eq!(g, [(0, 3), (3, 1)]);
        candidates(&i, &SP, false, &mut pos, &mut g);
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn counts_round_half_even_and_cap() {
        // 30 tokens × 0.15 = 4.5 → 4 (Python's round), 70 × 0.15 = 10.5 → 10.
        for lazy in [false, true] {
            counts_for(lazy);
        }
    }

    fn counts_for(lazy: bool) {
        for (n, want) in [(30usize, 4usize), (70, 10), (5, 1)] {
            let ids: Vec<u32> = (0..n as u32).map(|x| x + 10).collect();
            let mut i = inst(&ids, &vec![true; n]);
            google_mask(
                &mut i,
                GoogleMask { prob: 0.15, max_predictions: 100, whole_word: false, lazy },
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
            GoogleMask { prob: 0.15, max_predictions: 19, whole_word: false, lazy },
            &SP,
            &mut PyRandom::new(3),
        );
        assert_eq!(i.masked_positions.len(), 19);
    }

    /// Both walks pick every group equally often: 10 tokens, masking 3 of them (1 lone word and
    /// a two-token word among 8 groups), 40,000 instances. Each lone token is masked with the
    /// same probability whether the shuffle is drawn in full or lazily (within 6 sigma).
    #[test]
    fn lazy_and_full_walks_choose_alike() {
        use super::super::rng::StreamRng;
        let ids: Vec<u32> = (10..20).collect();
        let starts = [true, true, false, true, true, false, true, true, true, true];
        let runs = 40_000u64;
        let mut freq = [[0u32; 10]; 2];
        for (k, lazy) in [false, true].into_iter().enumerate() {
            for seed in 0..runs {
                let mut i = inst(&ids, &starts);
                let m = GoogleMask { prob: 0.3, max_predictions: 100, whole_word: true, lazy };
                google_mask(&mut i, m, &SP, &mut StreamRng::for_key(&[seed]));
                assert_eq!(i.masked_positions.len(), 3);
                for &p in &i.masked_positions {
                    freq[k][p as usize] += 1;
                }
            }
        }
        for (p, (&a, &b)) in freq[0].iter().zip(&freq[1]).enumerate() {
            let (a, b) = (f64::from(a), f64::from(b));
            let sigma = (a.max(b) * 2.0).sqrt();
            assert!((a - b).abs() < 6.0 * sigma, "position {p}: full {a}, lazy {b}");
        }
        // Whole words move together.
        assert_eq!(freq[1][1], freq[1][2]);
        assert_eq!(freq[1][4], freq[1][5]);
    }
}
