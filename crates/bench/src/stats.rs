//! Order statistics of a handful of samples: nearest-rank percentiles, so that every reported
//! figure is a latency that really was measured (no interpolation between two samples).

/// The `p`-th percentile (0 < p ≤ 100) of `samples` by the nearest-rank method: the smallest
/// sample that at least `p` % of the samples are less than or equal to. `None` when there are no
/// samples.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    // rank = ⌈p/100 · n⌉, 1-based; p > 0 keeps it at least 1.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The arithmetic mean; `None` when there are no samples.
pub fn mean(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    Some(samples.iter().sum::<f64>() / samples.len() as f64)
}

/// p50 and p95 of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many samples.
    pub samples: usize,
    /// The median (nearest rank).
    pub p50: f64,
    /// The 95th percentile (nearest rank).
    pub p95: f64,
}

impl Summary {
    /// The summary of `samples`; `None` when there are none.
    pub fn of(samples: &[f64]) -> Option<Self> {
        Some(Self {
            samples: samples.len(),
            p50: percentile(samples, 50.0)?,
            p95: percentile(samples, 95.0)?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_real_samples() {
        let samples: Vec<f64> = (1..=30).rev().map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), Some(15.0));
        // ⌈0.95 · 30⌉ = 29th smallest.
        assert_eq!(percentile(&samples, 95.0), Some(29.0));
        assert_eq!(percentile(&samples, 100.0), Some(30.0));
        assert_eq!(percentile(&[7.0], 50.0), Some(7.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[1.0, 2.0], 50.0), Some(1.0));
        assert_eq!(percentile(&[1.0, 2.0], 95.0), Some(2.0));
    }

    #[test]
    fn nothing_to_summarise_is_none() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0], 0.0), None);
        assert_eq!(percentile(&[1.0], 101.0), None);
        assert_eq!(mean(&[]), None);
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn summary_orders_its_percentiles() {
        let s = Summary::of(&[900.0, 1100.0, 950.0, 2000.0]).unwrap();
        assert_eq!(s.samples, 4);
        assert_eq!(s.p50, 950.0);
        assert_eq!(s.p95, 2000.0);
        assert!(s.p50 <= s.p95);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
    }
}
