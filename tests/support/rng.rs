//! The one pseudo-random generator of the test suite: SplitMix64, small and
//! deterministic, so that a failure reproduces from its seed.

/// SplitMix64 (Steele, Lea and Flood). The state is any `u64`: the seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// An index into a collection of `len` items: uniform in `0..len` (0
    /// when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap()
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(u64::try_from(hi - lo + 1).unwrap())).unwrap()
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, which must not be empty.
    #[expect(clippy::indexing_slicing, reason = "the index is below the length")]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// One to `max` distinct items, in random order.
    pub fn some_up_to<T: Clone>(&mut self, items: &[T], max: u64) -> Vec<T> {
        let n = 1 + usize::try_from(self.below(max)).unwrap();
        self.some(items, n)
    }

    /// `n` distinct items (all of them if there are fewer), in random order.
    pub fn some<T: Clone>(&mut self, items: &[T], n: usize) -> Vec<T> {
        let mut pool: Vec<T> = items.to_vec();
        let mut out = Vec::new();
        while out.len() < n && !pool.is_empty() {
            let idx = self.index(pool.len());
            out.push(pool.remove(idx));
        }
        out
    }
}
