//! The xorshift generator of the randomised tests (test builds only):
//! reproducible from a seed, fast, and good enough to pick encodings and
//! states.

/// A xorshift64 generator.
pub(crate) struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// The next 32 random bits.
    pub fn next(&mut self) -> u32 {
        (self.next64() >> 16) as u32
    }
}
