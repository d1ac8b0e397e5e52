// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @notice What kind of proof a verifier reads. The relayer reads `kind()` to know what to build.
enum VerifierKind {
    /// A verifier outside the kinds below; the relayer cannot build its proofs.
    Custom,
    /// k of n validators sign checkpoints of the origin Mailbox.
    Committee,
    /// A light client of the origin chain plus a storage proof of the Mailbox root.
    LightClient,
    /// A bonded claim of the root that matures after a dispute window.
    Optimistic,
    /// m of n sub-verifiers must accept.
    Aggregation,
    /// One verifier per origin domain.
    Routing
}

/// @title IVerifier
/// @notice Decides whether messages really were dispatched on their origin chain. The Mailbox asks
/// the recipient's verifier before every delivery; nothing is delivered without a verifier saying yes.
/// @dev Implementations revert with a reason when a proof is malformed or does not prove the messages,
/// and return true when it does. `verify` is not `view`: a verifier may cache what a proof
/// established (an accepted root) so that later messages are cheaper to prove.
interface IVerifier {
    /// @notice The kind of proof this verifier reads.
    function kind() external view returns (VerifierKind);

    /// @notice Verifies one encoded message.
    /// @param proof The verifier-specific proof (see docs/protocol.md).
    /// @param message The encoded message.
    /// @return True when the message is proven.
    function verify(bytes calldata proof, bytes calldata message) external returns (bool);

    /// @notice Verifies several encoded messages with one proof.
    /// @param proof The verifier-specific proof covering all messages.
    /// @param messages Encoded messages from one origin, in strictly ascending nonce order.
    /// @return True when every message is proven.
    function verifyBatch(bytes calldata proof, bytes[] calldata messages) external returns (bool);
}
