//! A small deterministic pseudo-random number generator (SplitMix64).
//!
//! The generator must give the same bytes for the same seed on every
//! machine and with every version of every dependency, so it carries its
//! own generator instead of depending on `rand`. Each phase of generation
//! takes its own stream ([`Rng::stream`]), so that a change in one phase
//! does not shift the numbers another phase draws.
//!
//! Imports: nothing.

/// SplitMix64 (Steele, Lea and Flood, 2014): 64 bits of state, passes
/// BigCrush, and is what `rand` uses to seed its other generators.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// An independent stream for one phase: the seed mixed with the phase's
    /// tag.
    pub fn stream(seed: u64, tag: &str) -> Rng {
        // FNV-1a of the tag, so that streams do not depend on call order.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in tag.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let mut rng = Rng::new(seed ^ hash);
        // Decorrelate seeds that differ in a few bits.
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), by Lemire's multiply-shift
    /// (the bias is below 2^-32 for the sizes used here).
    pub fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        let product = u128::from(self.next_u64()) * u128::from(n64);
        usize::try_from(product >> 64).unwrap_or(0)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u32) -> bool {
        self.below(100) < usize::try_from(percent).unwrap_or(usize::MAX)
    }

    /// A uniform number in `[-1, 1)`.
    pub fn signed_unit(&mut self) -> f64 {
        // 53 random bits make every double in [0, 1) equally likely.
        #[expect(
            clippy::cast_precision_loss,
            reason = "53 bits fit a double's mantissa exactly"
        )]
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit * 2.0 - 1.0
    }

    /// One element of `items`, or `None` when it is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // The first outputs of SplitMix64 seeded with 0 (reference values).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn below_stays_below() {
        let mut rng = Rng::new(7);
        for n in 1..50 {
            for _ in 0..20 {
                assert!(rng.below(n) < n);
            }
        }
        assert_eq!(rng.below(0), 0);
    }
}
