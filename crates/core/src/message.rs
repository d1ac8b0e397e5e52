//! The Courier message: its fields, its packed encoding and its id.
//!
//! This is the unit a Mailbox dispatches on the origin chain and delivers on the destination; the
//! encoding here must match `contracts/src/libs/Message.sol` byte for byte (docs/protocol.md,
//! "Message"), which `vectors/message.json` checks on both sides.

use alloy_primitives::{Address, B256, Bytes, keccak256};

use crate::error::{Error, Result};

/// Length of the fixed part of an encoded message (everything but the body).
pub const HEADER_LEN: usize = 85;

/// The message version this build writes and reads.
pub const VERSION: u8 = 1;

// Offsets of the header fields (docs/protocol.md).
const NONCE: usize = 1;
const ORIGIN: usize = 5;
const SENDER: usize = 13;
const DESTINATION: usize = 45;
const RECIPIENT: usize = 53;

/// A cross-chain message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Message {
    /// Format version, currently [`VERSION`].
    pub version: u8,
    /// Index of the message in the origin Mailbox's Merkle tree.
    pub nonce: u32,
    /// Domain (chain id) of the sending chain.
    pub origin: u64,
    /// Sending contract, left-padded to 32 bytes.
    pub sender: B256,
    /// Domain (chain id) of the receiving chain.
    pub destination: u64,
    /// Receiving contract, left-padded to 32 bytes.
    pub recipient: B256,
    /// Application payload.
    pub body: Bytes,
}

impl Message {
    /// A message of the current [`VERSION`] between two EVM contracts.
    pub fn new(
        nonce: u32,
        origin: u64,
        sender: Address,
        destination: u64,
        recipient: Address,
        body: impl Into<Bytes>,
    ) -> Self {
        Self {
            version: VERSION,
            nonce,
            origin,
            sender: address_to_bytes32(sender),
            destination,
            recipient: address_to_bytes32(recipient),
            body: body.into(),
        }
    }

    /// The packed encoding: header fields big-endian, then the body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.body.len());
        out.push(self.version);
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.origin.to_be_bytes());
        out.extend_from_slice(self.sender.as_slice());
        out.extend_from_slice(&self.destination.to_be_bytes());
        out.extend_from_slice(self.recipient.as_slice());
        out.extend_from_slice(&self.body);
        out
    }

    /// Decodes a packed message.
    ///
    /// Refuses input shorter than [`HEADER_LEN`] and versions other than [`VERSION`]: a later
    /// version may lay its header out differently, so reading it as this one would be a guess.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let Some((header, body)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(Error::MessageTooShort {
                len: bytes.len(),
                header: HEADER_LEN,
            });
        };
        let version = header[0];
        if version != VERSION {
            return Err(Error::UnsupportedVersion {
                found: version,
                expected: VERSION,
            });
        }
        Ok(Self {
            version,
            nonce: u32::from_be_bytes(array(header, NONCE)),
            origin: u64::from_be_bytes(array(header, ORIGIN)),
            sender: B256::new(array(header, SENDER)),
            destination: u64::from_be_bytes(array(header, DESTINATION)),
            recipient: B256::new(array(header, RECIPIENT)),
            body: Bytes::copy_from_slice(body),
        })
    }

    /// The message id: `keccak256(encode())`, also its leaf in the origin tree.
    pub fn id(&self) -> B256 {
        keccak256(self.encode())
    }

    /// The sender as an EVM address; an error if its top 12 bytes are not zero.
    pub fn sender_address(&self) -> Result<Address> {
        bytes32_to_address(self.sender, "sender")
    }

    /// The recipient as an EVM address; an error if its top 12 bytes are not zero (the destination
    /// Mailbox refuses such a message, see docs/protocol.md).
    pub fn recipient_address(&self) -> Result<Address> {
        bytes32_to_address(self.recipient, "recipient")
    }
}

/// Left-pads an EVM address to 32 bytes, as `bytes32(uint256(uint160(addr)))` does.
pub fn address_to_bytes32(address: Address) -> B256 {
    address.into_word()
}

/// The EVM address held in a left-padded `bytes32`; `field` names the value in the error returned
/// when its top 12 bytes are not zero.
pub fn bytes32_to_address(value: B256, field: &'static str) -> Result<Address> {
    let (top, low) = value.split_at(12);
    if top.iter().any(|&b| b != 0) {
        return Err(Error::NotAnAddress { field, value });
    }
    Ok(Address::from_slice(low))
}

/// `N` bytes of `header` from `at`; the offsets are constants within [`HEADER_LEN`].
fn array<const N: usize>(header: &[u8; HEADER_LEN], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&header[at..at + N]);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use alloy_primitives::{address, b256, hex};

    use super::*;

    fn sample() -> Message {
        Message::new(
            7,
            11_297_108_109,
            address!("0x1000000000000000000000000000000000000001"),
            56,
            address!("0x2000000000000000000000000000000000000002"),
            b"hi".to_vec(),
        )
    }

    #[test]
    fn encoding_layout() {
        let encoded = sample().encode();
        assert_eq!(encoded.len(), HEADER_LEN + 2);
        // version ‖ nonce ‖ origin (11297108109 = 0x2a15c308d, above 2^32)
        assert_eq!(
            hex::encode(&encoded[..13]),
            concat!("01", "00000007", "00000002a15c308d")
        );
        assert_eq!(&encoded[13..25], &[0u8; 12]);
        assert_eq!(encoded[13 + 12], 0x10);
        assert_eq!(encoded[13 + 31], 0x01);
        assert_eq!(&encoded[45..53], &56u64.to_be_bytes());
        assert_eq!(encoded[53 + 12], 0x20);
        assert_eq!(&encoded[HEADER_LEN..], b"hi");
    }

    #[test]
    fn round_trip_and_id() {
        let message = sample();
        let encoded = message.encode();
        assert_eq!(Message::decode(&encoded).unwrap(), message);
        assert_eq!(message.id(), keccak256(&encoded));
    }

    #[test]
    fn empty_body_round_trips() {
        let message = Message {
            body: Bytes::new(),
            ..sample()
        };
        let encoded = message.encode();
        assert_eq!(encoded.len(), HEADER_LEN);
        assert_eq!(Message::decode(&encoded).unwrap(), message);
    }

    #[test]
    fn too_short_names_the_length() {
        let encoded = sample().encode();
        let err = Message::decode(&encoded[..84]).unwrap_err();
        assert_eq!(
            err,
            Error::MessageTooShort {
                len: 84,
                header: HEADER_LEN
            }
        );
        assert_eq!(
            err.to_string(),
            "message too short: 84 bytes, the header alone is 85 bytes"
        );
        assert_eq!(
            Message::decode(&[]).unwrap_err(),
            Error::MessageTooShort {
                len: 0,
                header: HEADER_LEN
            }
        );
    }

    #[test]
    fn unknown_version_refused() {
        let mut encoded = sample().encode();
        encoded[0] = 2;
        assert_eq!(
            Message::decode(&encoded).unwrap_err(),
            Error::UnsupportedVersion {
                found: 2,
                expected: VERSION
            }
        );
    }

    #[test]
    fn address_helpers() {
        let message = sample();
        assert_eq!(
            message.recipient_address().unwrap(),
            address!("0x2000000000000000000000000000000000000002")
        );
        assert_eq!(
            message.sender_address().unwrap(),
            address!("0x1000000000000000000000000000000000000001")
        );
        let wide = b256!("0x0000000000000000000000010000000000000000000000000000000000000002");
        let bad = Message {
            recipient: wide,
            ..message
        };
        assert_eq!(
            bad.recipient_address().unwrap_err(),
            Error::NotAnAddress {
                field: "recipient",
                value: wide
            }
        );
        let addr = address!("0xffffffffffffffffffffffffffffffffffffffff");
        assert_eq!(
            bytes32_to_address(address_to_bytes32(addr), "x").unwrap(),
            addr
        );
    }
}
