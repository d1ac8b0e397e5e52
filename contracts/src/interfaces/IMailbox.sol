// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "./IVerifier.sol";

/// @title IMailbox
/// @notice One per chain: sends messages (`dispatch`) and delivers verified ones (`process`).
interface IMailbox {
    /// @notice Emitted for every dispatched message, with the full encoding.
    /// @param id The message id (keccak256 of `message`).
    /// @param destination The destination domain.
    /// @param message The encoded message (docs/protocol.md).
    event Dispatch(bytes32 indexed id, uint64 indexed destination, bytes message);

    /// @notice Emitted when a message was delivered to its recipient.
    /// @param id The message id.
    /// @param origin The origin domain.
    /// @param recipient The recipient that handled it.
    /// @param processor The account that submitted the delivery.
    event Process(bytes32 indexed id, uint64 indexed origin, address indexed recipient, address processor);

    /// @notice Emitted by `processBatch` when a recipient reverted; the message stays undelivered and
    /// can be delivered again later.
    /// @param id The message id.
    /// @param reason The recipient's revert data.
    event ProcessFailed(bytes32 indexed id, bytes reason);

    /// @notice Emitted by `commitRoot`.
    /// @param root The tree's root, now in `committedRoot`.
    /// @param count The number of messages it covers.
    event RootCommitted(bytes32 indexed root, uint32 count);

    /// @notice Emitted when the owner changes the default verifier.
    event DefaultVerifierSet(address indexed verifier);

    /// @notice Emitted when deliveries from `origin` (0: from everywhere) are paused or resumed.
    /// @param origin The origin domain, or 0 for the whole Mailbox.
    /// @param paused Whether they are paused now.
    /// @param by Who did it (a guardian or the owner to pause; the owner to resume).
    event PauseSet(uint64 indexed origin, bool paused, address by);

    /// @notice Emitted when the owner adds or removes a guardian.
    event GuardianSet(address indexed account, bool allowed);

    /// @notice The chain id this Mailbox serves.
    function localDomain() external view returns (uint64);

    /// @notice Sends a message; returns its id.
    function dispatch(uint64 destination, bytes32 recipient, bytes calldata body) external returns (bytes32);

    /// @notice Delivers one message after its recipient's verifier accepts `proof`.
    function process(bytes calldata proof, bytes calldata message) external;

    /// @notice Delivers several messages from one origin with one proof, skipping delivered ones.
    /// @return delivered How many messages were delivered by this call.
    function processBatch(bytes calldata proof, bytes[] calldata messages) external returns (uint256 delivered);

    /// @notice Whether the message from `origin` with `nonce` to `recipient` was delivered.
    function delivered(uint64 origin, address recipient, uint32 nonce) external view returns (bool);

    /// @notice The number of messages dispatched (the next nonce).
    function count() external view returns (uint32);

    /// @notice The current root of the dispatched-message tree.
    function root() external view returns (bytes32);

    /// @notice The latest checkpoint: the current root and the index of the last message.
    function latestCheckpoint() external view returns (bytes32 root, uint32 index);

    /// @notice Writes the current root to storage (`committedRoot`), where a storage proof against
    /// this chain's state root can show it to a light-client verifier elsewhere. Anyone may call
    /// it; dispatch itself does not, so that routes that do not need it do not pay for it.
    /// @return root The root written.
    /// @return count The number of messages it covers.
    function commitRoot() external returns (bytes32 root, uint32 count);

    /// @notice The root last written by `commitRoot` (zero before the first call).
    function committedRoot() external view returns (bytes32);

    /// @notice Whether every delivery is paused. Dispatch is never paused: messages wait at their
    /// origin and are delivered after the resume.
    function paused() external view returns (bool);

    /// @notice Whether deliveries from `origin` are paused.
    function routePaused(uint64 origin) external view returns (bool);

    /// @notice The verifier that must accept messages for `recipient`.
    function verifierOf(address recipient) external view returns (IVerifier);
}
