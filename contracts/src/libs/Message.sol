// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title Message
/// @notice The Courier message codec: one packed encoding shared by the Mailbox, every verifier and the
/// off-chain agents (see docs/protocol.md). The id of a message is the keccak256 of its encoding.
/// @dev Layout: version (1) | nonce (4) | origin (8) | sender (32) | destination (8) | recipient (32) | body.
library Message {
    /// @notice The message format version this code reads and writes.
    uint8 internal constant VERSION = 1;
    /// @notice Length of the fixed part before the body.
    uint256 internal constant HEADER_LEN = 85;

    /// @notice Thrown when a message is shorter than its fixed header.
    /// @param length The length that was given.
    error MessageTooShort(uint256 length);

    /// @notice Encodes a message.
    function encode(
        uint32 nonce_,
        uint64 origin_,
        bytes32 sender_,
        uint64 destination_,
        bytes32 recipient_,
        bytes calldata body_
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, nonce_, origin_, sender_, destination_, recipient_, body_);
    }

    /// @notice Reverts unless `m` is long enough to hold the header.
    function checkLength(bytes calldata m) internal pure {
        if (m.length < HEADER_LEN) revert MessageTooShort(m.length);
    }

    /// @notice The id of an encoded message.
    function id(bytes calldata m) internal pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, m.offset, m.length)
            digest := keccak256(ptr, m.length)
        }
    }

    // The readers below assume checkLength(m) passed; they read fixed offsets from calldata.

    /// @notice The format version.
    function version(bytes calldata m) internal pure returns (uint8 v) {
        assembly ("memory-safe") {
            v := shr(248, calldataload(m.offset))
        }
    }

    /// @notice The nonce, which is also the leaf index in the origin's Merkle tree.
    function nonce(bytes calldata m) internal pure returns (uint32 n) {
        assembly ("memory-safe") {
            n := shr(224, calldataload(add(m.offset, 1)))
        }
    }

    /// @notice The origin domain (chain id).
    function origin(bytes calldata m) internal pure returns (uint64 o) {
        assembly ("memory-safe") {
            o := shr(192, calldataload(add(m.offset, 5)))
        }
    }

    /// @notice The sender on the origin chain, as bytes32.
    function sender(bytes calldata m) internal pure returns (bytes32 s) {
        assembly ("memory-safe") {
            s := calldataload(add(m.offset, 13))
        }
    }

    /// @notice The destination domain (chain id).
    function destination(bytes calldata m) internal pure returns (uint64 d) {
        assembly ("memory-safe") {
            d := shr(192, calldataload(add(m.offset, 45)))
        }
    }

    /// @notice The recipient on the destination chain, as bytes32.
    function recipient(bytes calldata m) internal pure returns (bytes32 r) {
        assembly ("memory-safe") {
            r := calldataload(add(m.offset, 53))
        }
    }

    /// @notice The application payload.
    function body(bytes calldata m) internal pure returns (bytes calldata) {
        return m[HEADER_LEN:];
    }

    /// @notice Left-pads an address into the bytes32 form used in messages.
    function toBytes32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
