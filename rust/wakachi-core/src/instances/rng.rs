//! Random numbers for instance building.
//!
//! - [`PyRandom`]: CPython's `random.Random(seed)` bit for bit (MT19937 seeded by
//!   `init_by_array` over the 32-bit limbs of the seed, and the `random()`, `getrandbits`,
//!   `_randbelow`, `randint` and `shuffle` of CPython 3.x's `random.py`). Google's
//!   `create_pretraining_data` draws everything from one such generator, so compat mode uses it.
//! - [`StreamRng`]: a small SplitMix64 stream keyed by a tuple of integers (seed, pass, block,
//!   document…), for outputs that must not depend on what other documents were drawn before.
//!
//! Both implement [`Rng`], the handful of draws the instance algorithms make.

/// The draws the instance algorithms make, with CPython's semantics.
pub trait Rng {
    /// A float in `[0, 1)` (`random.random()`).
    fn random(&mut self) -> f64;

    /// An integer in `[0, n)` for `n ≥ 1` (`random._randbelow`); 0 when `n == 0`.
    fn below(&mut self, n: u64) -> u64;

    /// An integer in `[a, b]` for `a ≤ b` (`random.randint`).
    fn randint(&mut self, a: u64, b: u64) -> u64 {
        a + self.below(b - a + 1)
    }

    /// Shuffles in place (`random.shuffle`: Fisher–Yates from the end, `j = _randbelow(i + 1)`).
    fn shuffle<T>(&mut self, x: &mut [T]) {
        for i in (1..x.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            x.swap(i, j);
        }
    }
}

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// CPython's `random.Random`: a Mersenne Twister (MT19937) with CPython's seeding and draws.
#[derive(Clone)]
pub struct PyRandom {
    mt: Box<[u32; N]>,
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a non-negative integer seed: `init_by_array` over the seed's
    /// 32-bit words, least significant first (one word `0` for seed 0).
    pub fn new(seed: u64) -> Self {
        let (lo, hi) = (seed as u32, (seed >> 32) as u32);
        if hi == 0 {
            Self::from_key(&[lo])
        } else {
            Self::from_key(&[lo, hi])
        }
    }

    fn from_key(key: &[u32]) -> Self {
        let mut r = Self::from_u32(19_650_218);
        let mt = &mut r.mt;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        r
    }

    /// MT19937's `init_genrand`.
    fn from_u32(s: u32) -> Self {
        let mut mt = Box::new([0u32; N]);
        mt[0] = s;
        for i in 1..N {
            mt[i] = 1_812_433_253u32.wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_add(i as u32);
        }
        PyRandom { mt, index: N }
    }

    fn twist(&mut self) {
        let mt = &mut self.mt;
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        for k in 0..N {
            let y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
            mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ mag(y);
        }
        self.index = 0;
    }

    /// The next 32-bit output (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)` for `k ≤ 64`: 32-bit words least significant first, the last one
    /// shifted right to keep its top bits.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        debug_assert!(k <= 64);
        if k == 0 {
            return 0;
        }
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let lo = u64::from(self.next_u32());
        let hi = u64::from(self.next_u32() >> (64 - k));
        lo | (hi << 32)
    }
}

impl Rng for PyRandom {
    fn random(&mut self) -> f64 {
        let a = u64::from(self.next_u32() >> 5);
        let b = u64::from(self.next_u32() >> 6);
        ((a << 26) + b) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }
}

/// A fixed pattern of draws from `random.Random(seed)`, for checking against CPython: `n` times
/// `(random(), randint(0, bound))`, then `shuffle(list(range(n)))`.
pub fn py_random_pattern(seed: u64, n: usize, bound: u64) -> (Vec<f64>, Vec<u64>, Vec<u32>) {
    let mut r = PyRandom::new(seed);
    let (mut floats, mut ints) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        floats.push(r.random());
        ints.push(r.randint(0, bound));
    }
    let mut perm: Vec<u32> = (0..n as u32).collect();
    r.shuffle(&mut perm);
    (floats, ints, perm)
}

/// SplitMix64 (Steele, Lea, Flood 2014) as a stream, keyed by a tuple of integers through its
/// bijective finaliser, so a document's draws depend only on its key.
#[derive(Clone, Debug)]
pub struct StreamRng {
    state: u64,
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl StreamRng {
    /// A stream for `key` (e.g. `[seed, pass, block, document]`): the state is the finaliser
    /// folded over the parts, each step adding the golden-ratio increment so order matters.
    pub fn for_key(key: &[u64]) -> Self {
        let state = key.iter().fold(0x7761_6b61_6368_6921u64, |h, &p| mix(h.wrapping_add(GOLDEN) ^ p));
        StreamRng { state }
    }

    /// The next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }
}

impl Rng for StreamRng {
    fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Rejection on the top `bit_length(n)` bits, unbiased.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.next_u64() >> (64 - k);
            if r < n {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The expected numbers below were printed by CPython 3.11.7 (`.venv/bin/python`), e.g.
    // `r = random.Random(12345); [r.getrandbits(32) for _ in range(3)]`; tests/test_instances.py
    // compares the same draws against `random.Random` at run time.

    #[test]
    fn first_words_match_cpython() {
        let mut r = PyRandom::new(12345);
        let got: Vec<u32> = (0..3).map(|_| r.next_u32()).collect();
        assert_eq!(got, PY_12345_U32);
        let mut r = PyRandom::new(0);
        assert_eq!(r.next_u32(), PY_0_U32);
        let mut r = PyRandom::new(1 << 40 | 7);
        assert_eq!(r.next_u32(), PY_BIG_U32);
    }

    #[test]
    fn random_randint_shuffle_match_cpython() {
        let mut r = PyRandom::new(42);
        assert_eq!(r.random().to_bits(), PY_42_RANDOM.to_bits());
        let ints: Vec<u64> = (0..6).map(|_| r.randint(0, 10)).collect();
        assert_eq!(ints, PY_42_RANDINT);
        let mut xs: Vec<u32> = (0..10).collect();
        r.shuffle(&mut xs);
        assert_eq!(xs, PY_42_SHUFFLE);
        assert_eq!(r.randint(0, 0), 0);
        assert_eq!(r.getrandbits(40), PY_42_BITS40);
        assert_eq!(r.randint(0, 5_000_000_000), PY_42_BIG_RANDINT);
    }

    #[test]
    fn stream_rng_is_keyed() {
        let a: Vec<u64> = (0..4).map(|_| StreamRng::for_key(&[1, 2, 3]).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(StreamRng::for_key(&[1, 2, 3]).next_u64(), StreamRng::for_key(&[1, 3, 2]).next_u64());
        let mut r = StreamRng::for_key(&[9]);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[r.below(7) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (9_000..11_000).contains(&c)), "{counts:?}");
        assert!((0..1000).map(|_| r.random()).all(|x| (0.0..1.0).contains(&x)));
    }

    const PY_12345_U32: [u32; 3] = [1_789_368_711, 3_146_859_322, 43_676_229];
    const PY_0_U32: u32 = 3_626_764_237;
    const PY_BIG_U32: u32 = 2_635_837_658;
    const PY_42_RANDOM: f64 = 0.639_426_798_457_883_7;
    const PY_42_RANDINT: [u64; 6] = [0, 4, 3, 3, 2, 1];
    const PY_42_SHUFFLE: [u32; 10] = [3, 2, 4, 9, 5, 7, 0, 6, 1, 8];
    const PY_42_BITS40: u64 = 716_039_851_953;
    const PY_42_BIG_RANDINT: u64 = 1_801_823_908;
}
