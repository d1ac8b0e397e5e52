//! A small seeded random number generator (SplitMix64) for the scenarios' random choices: the same
//! seed gives the same choices, so a failing run can be repeated with `--seed`. Not for anything
//! that needs unpredictability.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and good enough to pick delays.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A seed from the clock, for runs that were not given one.
    pub fn fresh_seed() -> u64 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Mixed once so that seeds taken close together still differ in every bit.
        Self::new((nanos as u64) ^ u64::from(std::process::id())).next_u64()
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..=max` (the tiny modulo bias does not matter here).
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(n) => self.next_u64() % n,
            None => self.next_u64(),
        }
    }

    /// A duration in `0..=max`, to the millisecond.
    pub fn duration(&mut self, max: Duration) -> Duration {
        let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.up_to(max_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_choices_and_within_bounds() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let xs: Vec<u64> = (0..100).map(|_| a.up_to(1500)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.up_to(1500)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x <= 1500));
        // Not constant: the choices spread over the range.
        assert!(xs.iter().any(|&x| x < 500) && xs.iter().any(|&x| x > 1000));
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
        let d = Rng::new(3).duration(Duration::from_millis(1500));
        assert!(d <= Duration::from_millis(1500));
        assert_eq!(Rng::new(9).up_to(0), 0);
    }
}
