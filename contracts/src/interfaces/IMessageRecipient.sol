// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title IMessageRecipient
/// @notice Implemented by applications that receive messages. The Mailbox calls `handle` once per
/// verified message, after recording the delivery.
interface IMessageRecipient {
    /// @notice Handles a verified message.
    /// @param origin The origin domain (chain id).
    /// @param sender The sending contract on the origin chain, as bytes32.
    /// @param body The application payload.
    function handle(uint64 origin, bytes32 sender, bytes calldata body) external;
}

/// @title IVerifierSpecifier
/// @notice Optionally implemented by recipients that choose their own verifier. A recipient that does
/// not implement it, or returns the zero address, is verified by the Mailbox's default verifier.
interface IVerifierSpecifier {
    /// @notice The verifier that must accept messages for this recipient.
    function verifier() external view returns (address);
}
