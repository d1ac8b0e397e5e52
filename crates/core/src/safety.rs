//! Safety rails: verifier configurations that work but that no one should run, refused where they
//! are set up (`courier config validate`, the deploy tooling) with a sentence saying why.
//!
//! - a committee whose threshold is one: any single key, stolen or careless, delivers anything;
//! - a committee held by a single key holder (every member the same address): k of n is then one;
//! - an optimistic dispute window below the floor: watchers need time to see a false claim;
//! - an application whose only verifier is a single signer, directly or through compositions that
//!   can be satisfied by single signers alone.

use std::{collections::BTreeSet, time::Duration};

use alloy_primitives::Address;

/// The shortest dispute window accepted outside a devnet: watchers must be able to see a claim,
/// check it against the origin from more than one endpoint and get a veto mined, through a
/// congested block or two, with room to spare.
pub const MIN_DISPUTE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Why a configuration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsafe {
    /// A committee's threshold is one.
    #[error("threshold 1 of {size}: any single key could deliver anything; use at least 2")]
    ThresholdOfOne {
        /// The committee's size.
        size: usize,
    },
    /// Every member of a committee is the same key holder.
    #[error(
        "the committee has {size} members but only {distinct} distinct key holder(s); a committee needs at least 2"
    )]
    SingleKeyHolder {
        /// Members listed.
        size: usize,
        /// Distinct addresses among them.
        distinct: usize,
    },
    /// A threshold larger than the committee (it could never deliver).
    #[error("threshold {threshold} of {size}: more signatures than members")]
    ThresholdAboveSize {
        /// The threshold.
        threshold: usize,
        /// The committee's size.
        size: usize,
    },
    /// A dispute window below the floor.
    #[error(
        "dispute window {window:?} is below the floor of {floor:?}: watchers need time to veto a false claim"
    )]
    WindowBelowFloor {
        /// The window.
        window: Duration,
        /// The floor.
        floor: Duration,
    },
    /// An optimistic verifier no one watches.
    #[error("no watcher: nobody could veto a false claim during the window")]
    NoWatcher,
    /// An application one signature can satisfy.
    #[error("its verifier {verifier:?} can be satisfied by a single signer alone")]
    SingleSigner {
        /// The verifier's name.
        verifier: String,
    },
}

/// Checks a committee (`threshold` of `validators`).
pub fn check_committee(threshold: usize, validators: &[Address]) -> Vec<Unsafe> {
    let size = validators.len();
    let distinct = validators.iter().collect::<BTreeSet<_>>().len();
    let mut problems = Vec::new();
    if threshold > size {
        problems.push(Unsafe::ThresholdAboveSize { threshold, size });
    }
    if threshold <= 1 {
        problems.push(Unsafe::ThresholdOfOne { size });
    }
    if distinct < 2 {
        problems.push(Unsafe::SingleKeyHolder { size, distinct });
    }
    problems
}

/// Checks an optimistic verifier's window and watchers against `floor`.
pub fn check_optimistic(window: Duration, watchers: usize, floor: Duration) -> Vec<Unsafe> {
    let mut problems = Vec::new();
    if window < floor {
        problems.push(Unsafe::WindowBelowFloor { window, floor });
    }
    if watchers == 0 {
        problems.push(Unsafe::NoWatcher);
    }
    problems
}

/// A verifier as far as "can one signer satisfy it" goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// k of the listed signers (a committee).
    Signers {
        /// Signatures needed.
        threshold: usize,
        /// The signers.
        signers: Vec<Address>,
    },
    /// Not a signature scheme (a light client of the origin's consensus, an optimistic verifier
    /// with watchers).
    Consensus,
    /// `required` of the parts.
    AtLeast {
        /// How many parts must accept.
        required: usize,
        /// The parts.
        parts: Vec<Trust>,
    },
}

impl Trust {
    /// Whether one key holder alone can make it accept.
    pub fn single_signer(&self) -> bool {
        match self {
            Self::Signers { threshold, signers } => {
                *threshold <= 1 || signers.iter().collect::<BTreeSet<_>>().len() <= 1
            }
            Self::Consensus => false,
            Self::AtLeast { required, parts } => {
                // If `required` parts can be single-signer parts, one key holder may hold them
                // all (nothing here knows who holds which key): refused, conservatively.
                let singles = parts.iter().filter(|p| p.single_signer()).count();
                *required == 0 || singles >= *required
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(n: u8) -> Vec<Address> {
        (1..=n).map(Address::with_last_byte).collect()
    }

    #[test]
    fn committees_of_one_signature_are_refused() {
        assert!(check_committee(3, &addrs(5)).is_empty());
        assert!(check_committee(2, &addrs(2)).is_empty());
        assert_eq!(
            check_committee(1, &addrs(5)),
            vec![Unsafe::ThresholdOfOne { size: 5 }]
        );
        let same = vec![Address::with_last_byte(7); 3];
        assert_eq!(
            check_committee(2, &same),
            vec![Unsafe::SingleKeyHolder {
                size: 3,
                distinct: 1
            }]
        );
        assert_eq!(
            check_committee(4, &addrs(3)),
            vec![Unsafe::ThresholdAboveSize {
                threshold: 4,
                size: 3
            }]
        );
        assert!(
            Unsafe::ThresholdOfOne { size: 5 }
                .to_string()
                .contains("any single key")
        );
    }

    #[test]
    fn windows_below_the_floor_and_unwatched_routes_are_refused() {
        assert!(check_optimistic(MIN_DISPUTE_WINDOW, 1, MIN_DISPUTE_WINDOW).is_empty());
        assert_eq!(
            check_optimistic(Duration::from_secs(30), 0, MIN_DISPUTE_WINDOW),
            vec![
                Unsafe::WindowBelowFloor {
                    window: Duration::from_secs(30),
                    floor: MIN_DISPUTE_WINDOW
                },
                Unsafe::NoWatcher
            ]
        );
    }

    #[test]
    fn single_signers_are_seen_through_compositions() {
        let one = Trust::Signers {
            threshold: 1,
            signers: addrs(3),
        };
        let good = Trust::Signers {
            threshold: 2,
            signers: addrs(3),
        };
        assert!(one.single_signer());
        assert!(!good.single_signer());
        assert!(!Trust::Consensus.single_signer());
        // 1 of (single signer, committee): the single signer alone suffices.
        assert!(
            Trust::AtLeast {
                required: 1,
                parts: vec![one.clone(), good.clone()]
            }
            .single_signer()
        );
        // 2 of (single signer, committee): the committee must agree too.
        assert!(
            !Trust::AtLeast {
                required: 2,
                parts: vec![one.clone(), good]
            }
            .single_signer()
        );
        // 2 of (single signer, single signer): possibly one key holder for both.
        assert!(
            Trust::AtLeast {
                required: 2,
                parts: vec![one.clone(), one]
            }
            .single_signer()
        );
    }
}
