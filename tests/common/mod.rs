//! Helpers shared by the integration tests.

/// A small deterministic generator (xorshift), so every seed is reproducible.
pub struct Rng(pub u64);

impl Rng {
    /// Seeded from any number (0 included).
    pub fn seeded(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
