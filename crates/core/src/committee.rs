//! A committee of validators: the origin Mailbox it watches, a threshold and an ascending list of
//! addresses, and the commitment (`committee_hash`) a `CommitteeVerifier` stores instead of them
//! (docs/protocol.md, "Committee").
//!
//! A [`Committee`] can only be built through [`Committee::new`], so every value of the type holds
//! the invariants the contract relies on: a nonzero origin Mailbox, `1 ≤ k ≤ n ≤ 255`, addresses
//! nonzero and strictly ascending (hence distinct).
//!
//! The origin Mailbox is part of the committee: a proof carries [`Committee::encode`], the
//! verifier checks it against [`Committee::commitment`], and the Mailbox in the checkpoint digest
//! is the one in that verified encoding.

use alloy_primitives::{Address, B256, keccak256};

use crate::error::{Error, Result};

/// Most validators a committee may have (`n` is one byte on the wire).
pub const MAX_VALIDATORS: usize = 255;

/// Length of the fixed part of [`Committee::encode`]: `origin_mailbox (32) ‖ k (1) ‖ n (1)`.
pub const ENCODED_HEADER_LEN: usize = 32 + 1 + 1;

/// A validated committee.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Committee {
    origin_mailbox: B256,
    threshold: u8,
    validators: Vec<Address>,
}

impl Committee {
    /// Validates and builds a committee; errors name the rule broken and the offending entry.
    ///
    /// The rules are checked in the order `CommitteeVerifier.setCommittee` checks them.
    pub fn new(origin_mailbox: B256, threshold: u8, validators: Vec<Address>) -> Result<Self> {
        if origin_mailbox == B256::ZERO {
            return Err(Error::ZeroOriginMailbox);
        }
        let size = validators.len();
        if size == 0 {
            return Err(Error::EmptyCommittee);
        }
        if size > MAX_VALIDATORS {
            return Err(Error::TooManyValidators { size });
        }
        if threshold == 0 {
            return Err(Error::ZeroThreshold);
        }
        if usize::from(threshold) > size {
            return Err(Error::ThresholdAboveSize { threshold, size });
        }
        if validators[0] == Address::ZERO {
            return Err(Error::ZeroValidator { index: 0 });
        }
        for (index, pair) in validators.windows(2).enumerate() {
            if pair[1] <= pair[0] {
                return Err(Error::ValidatorsNotAscending {
                    index: index + 1,
                    address: pair[1],
                    previous: pair[0],
                });
            }
        }
        Ok(Self {
            origin_mailbox,
            threshold,
            validators,
        })
    }

    /// The origin Mailbox whose checkpoints this committee signs, left-padded to 32 bytes.
    pub const fn origin_mailbox(&self) -> B256 {
        self.origin_mailbox
    }

    /// The number of signatures needed, `k`.
    pub const fn threshold(&self) -> u8 {
        self.threshold
    }

    /// The validators, strictly ascending.
    pub fn validators(&self) -> &[Address] {
        &self.validators
    }

    /// The number of validators, `n` (1 to 255).
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Always false: a committee has at least one validator.
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// The position of `address` in the committee, if it is a member.
    pub fn position(&self, address: &Address) -> Option<usize> {
        self.validators.binary_search(address).ok()
    }

    /// The committee as a proof carries it and `CommitteeVerifier.encodeCommittee` builds it:
    /// `origin_mailbox (32) ‖ k (1) ‖ n (1) ‖ n × address (20)`, 34 + 20n bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ENCODED_HEADER_LEN + 20 * self.validators.len());
        out.extend_from_slice(self.origin_mailbox.as_slice());
        out.push(self.threshold);
        // `new` bounds the length by 255.
        out.push(self.validators.len() as u8);
        for validator in &self.validators {
            out.extend_from_slice(validator.as_slice());
        }
        out
    }

    /// The commitment a verifier stores (`committeeHash`): `keccak256(encode())`.
    pub fn commitment(&self) -> B256 {
        keccak256(self.encode())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn addr(n: u8) -> Address {
        Address::with_last_byte(n)
    }

    fn mailbox() -> B256 {
        B256::with_last_byte(0xaa)
    }

    #[test]
    fn valid_committee_encodes() {
        let committee = Committee::new(mailbox(), 2, vec![addr(1), addr(2), addr(3)]).unwrap();
        assert_eq!(committee.origin_mailbox(), mailbox());
        let encoded = committee.encode();
        assert_eq!(encoded.len(), ENCODED_HEADER_LEN + 60);
        assert_eq!(&encoded[..32], mailbox().as_slice());
        assert_eq!(&encoded[32..34], &[2, 3]);
        assert_eq!(encoded[34 + 19], 1);
        assert_eq!(encoded[34 + 20 + 19], 2);
        assert_eq!(encoded[34 + 40 + 19], 3);
        assert_eq!(committee.commitment(), keccak256(&encoded));
        assert_eq!(committee.position(&addr(3)), Some(2));
        assert_eq!(committee.position(&addr(4)), None);
    }

    #[test]
    fn commitment_binds_the_origin_mailbox() {
        let validators = vec![addr(1), addr(2)];
        let a = Committee::new(mailbox(), 1, validators.clone()).unwrap();
        let b = Committee::new(B256::with_last_byte(0xab), 1, validators).unwrap();
        assert_eq!(a.encode()[32..], b.encode()[32..]);
        assert_ne!(a.commitment(), b.commitment());
    }

    #[test]
    fn zero_origin_mailbox_refused() {
        let err = Committee::new(B256::ZERO, 1, vec![addr(1)]).unwrap_err();
        assert_eq!(err, Error::ZeroOriginMailbox);
        assert_eq!(err.to_string(), "committee origin Mailbox is zero");
        // Checked first, as the contract does.
        assert_eq!(
            Committee::new(B256::ZERO, 0, vec![]).unwrap_err(),
            Error::ZeroOriginMailbox
        );
    }

    #[test]
    fn threshold_bounds() {
        assert_eq!(
            Committee::new(mailbox(), 1, vec![]).unwrap_err(),
            Error::EmptyCommittee
        );
        assert_eq!(
            Committee::new(mailbox(), 0, vec![addr(1)]).unwrap_err(),
            Error::ZeroThreshold
        );
        assert_eq!(
            Committee::new(mailbox(), 3, vec![addr(1), addr(2)]).unwrap_err(),
            Error::ThresholdAboveSize {
                threshold: 3,
                size: 2
            }
        );
        assert!(Committee::new(mailbox(), 2, vec![addr(1), addr(2)]).is_ok());
    }

    #[test]
    fn size_bound() {
        let many: Vec<Address> = (1..=256u32)
            .map(|i| Address::left_padding_from(&i.to_be_bytes()))
            .collect();
        assert_eq!(
            Committee::new(mailbox(), 1, many.clone()).unwrap_err(),
            Error::TooManyValidators { size: 256 }
        );
        let committee = Committee::new(mailbox(), 255, many[..255].to_vec()).unwrap();
        let encoded = committee.encode();
        assert_eq!(encoded[33], 255);
        assert_eq!(encoded.len(), ENCODED_HEADER_LEN + 255 * 20);
    }

    #[test]
    fn order_and_zero() {
        assert_eq!(
            Committee::new(mailbox(), 1, vec![Address::ZERO, addr(1)]).unwrap_err(),
            Error::ZeroValidator { index: 0 }
        );
        assert_eq!(
            Committee::new(mailbox(), 1, vec![addr(1), addr(3), addr(2)]).unwrap_err(),
            Error::ValidatorsNotAscending {
                index: 2,
                address: addr(2),
                previous: addr(3)
            }
        );
        let duplicate = Committee::new(mailbox(), 1, vec![addr(1), addr(1)]).unwrap_err();
        assert_eq!(
            duplicate,
            Error::ValidatorsNotAscending {
                index: 1,
                address: addr(1),
                previous: addr(1)
            }
        );
        assert!(duplicate.to_string().contains("validator 1"));
    }
}
