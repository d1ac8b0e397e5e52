// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IMailbox} from "./interfaces/IMailbox.sol";
import {IMessageRecipient, IVerifierSpecifier} from "./interfaces/IMessageRecipient.sol";
import {IVerifier} from "./interfaces/IVerifier.sol";
import {Message} from "./libs/Message.sol";
import {MerkleTree} from "./libs/MerkleTree.sol";

/// @title Mailbox
/// @notice Courier's one contract per chain. Outbound, it numbers each message, appends its id to a
/// Merkle tree whose roots the verifiers of other chains accept, and emits the full message.
/// Inbound, it delivers a message only after the recipient's verifier proves it, and never twice.
/// @dev The Mailbox knows nothing about how a verifier decides: committee signatures, light-client
/// storage proofs, optimistic claims and compositions of them all arrive as an opaque `proof`.
contract Mailbox is IMailbox, Ownable2Step {
    using MerkleTree for MerkleTree.Tree;

    /// @notice Largest body a message may carry. Bigger messages could not be delivered within a
    /// destination block's gas, so they are refused at the source where the sender can still react.
    uint256 public constant MAX_BODY_BYTES = 64 * 1024;

    /// @inheritdoc IMailbox
    uint64 public immutable localDomain;

    /// @notice The verifier for recipients that do not choose one.
    IVerifier public defaultVerifier;

    MerkleTree.Tree internal _tree;

    /// @dev Delivery bitmap: keccak256(origin, recipient, nonce >> 8) => bit (nonce & 255).
    mapping(bytes32 key => uint256 bits) internal _delivered;

    /// @inheritdoc IMailbox
    /// @dev Kept in storage slot COMMITTED_ROOT_SLOT (checked by a test), where light-client
    /// verifiers prove it with `eth_getProof`.
    bytes32 public committedRoot;

    /// @notice The storage slot of `committedRoot`: what a storage proof of the root names.
    uint256 public constant COMMITTED_ROOT_SLOT = 37;

    /// @notice Accounts that may pause deliveries (the owner may too); only the owner resumes.
    mapping(address account => bool) public isGuardian;

    /// @dev Bit 0: every delivery paused. Bits 1 and up: how many routes are paused. A delivery
    /// reads this one slot, and the route's flag only while some route is paused.
    uint256 internal _pauseWord;

    /// @dev Deliveries from this origin domain paused.
    mapping(uint64 origin => bool) internal _routePaused;

    /// @notice Thrown when the destination is this chain or zero.
    error InvalidDestination(uint64 destination);
    /// @notice Thrown when a message or dispatch names the zero recipient or one that is not an address.
    error InvalidRecipient(bytes32 recipient);
    /// @notice Thrown when a body exceeds MAX_BODY_BYTES.
    error BodyTooLarge(uint256 length, uint256 max);
    /// @notice Thrown when a message was encoded with another format version.
    error WrongVersion(uint8 version);
    /// @notice Thrown when a message is addressed to another chain.
    error WrongDestination(uint64 destination, uint64 localDomain);
    /// @notice Thrown by `process` when the message was delivered already.
    error AlreadyDelivered(bytes32 id);
    /// @notice Thrown when the verifier did not accept the proof.
    error NotVerified(address verifier);
    /// @notice Thrown when the recipient has no code, so nothing could handle the message.
    error RecipientNotContract(address recipient);
    /// @notice Thrown when no verifier is configured for the recipient and there is no default.
    error NoVerifier(address recipient);
    /// @notice Thrown when messages of one batch need different verifiers.
    error BatchVerifierMismatch(uint256 position, address expected, address actual);
    /// @notice Thrown when `processBatch` is given no messages.
    error EmptyBatch();
    /// @notice Thrown by `latestCheckpoint` and `commitRoot` before the first dispatch.
    error NoMessages();
    /// @notice Thrown when the local domain given at deployment is zero.
    error InvalidLocalDomain();
    /// @notice Thrown by deliveries while the whole Mailbox is paused.
    error MailboxPaused();
    /// @notice Thrown by deliveries from `origin` while that route is paused.
    error RoutePaused(uint64 origin);
    /// @notice Thrown when someone neither guardian nor owner pauses.
    error NotGuardian(address caller);
    /// @notice Thrown when pausing or resuming origin 0 (not a domain).
    error InvalidOrigin();

    /// @param localDomain_ This chain's id (deploy tooling passes block.chainid).
    /// @param owner_ The account that may change the default verifier.
    /// @param defaultVerifier_ The verifier for recipients that do not choose one; may be zero.
    constructor(uint64 localDomain_, address owner_, IVerifier defaultVerifier_) Ownable(owner_) {
        if (localDomain_ == 0) revert InvalidLocalDomain();
        localDomain = localDomain_;
        defaultVerifier = defaultVerifier_;
        emit DefaultVerifierSet(address(defaultVerifier_));
    }

    // ------------------------------------------------------------------ outbound

    /// @inheritdoc IMailbox
    function dispatch(uint64 destination, bytes32 recipient, bytes calldata body) external returns (bytes32 id) {
        if (destination == 0 || destination == localDomain) revert InvalidDestination(destination);
        if (recipient == bytes32(0)) revert InvalidRecipient(recipient);
        if (body.length > MAX_BODY_BYTES) revert BodyTooLarge(body.length, MAX_BODY_BYTES);

        // The nonce is the leaf index; the tree holds at most 2^32 - 1 leaves, so it fits in uint32.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 nonce = uint32(_tree.count);
        bytes memory message =
            Message.encode(nonce, localDomain, Message.toBytes32(msg.sender), destination, recipient, body);
        id = keccak256(message);
        _tree.insert(id);
        emit Dispatch(id, destination, message);
    }

    /// @inheritdoc IMailbox
    function count() external view returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(_tree.count); // at most 2^32 - 1
    }

    /// @inheritdoc IMailbox
    function root() external view returns (bytes32) {
        return _tree.root();
    }

    /// @inheritdoc IMailbox
    function latestCheckpoint() external view returns (bytes32, uint32) {
        uint256 n = _tree.count;
        if (n == 0) revert NoMessages();
        // forge-lint: disable-next-line(unsafe-typecast)
        return (_tree.root(), uint32(n - 1)); // n <= 2^32 - 1
    }

    /// @inheritdoc IMailbox
    function commitRoot() external returns (bytes32 current, uint32 count_) {
        uint256 n = _tree.count;
        if (n == 0) revert NoMessages();
        current = _tree.root();
        // forge-lint: disable-next-line(unsafe-typecast)
        count_ = uint32(n); // n <= 2^32 - 1
        committedRoot = current;
        emit RootCommitted(current, count_);
    }

    // ------------------------------------------------------------------ inbound

    /// @inheritdoc IMailbox
    function process(bytes calldata proof, bytes calldata message) external {
        (address recipient, bytes32 id) = _checkMessage(message);
        _checkNotPaused(Message.origin(message));
        IVerifier verifier = _verifierOf(recipient);
        (bytes32 key, uint256 bits, uint256 bit) = _deliveryWord(message, recipient);
        if (bits & bit != 0) revert AlreadyDelivered(id);
        if (!verifier.verify(proof, message)) revert NotVerified(address(verifier));

        // Recorded before the call: a re-entrant delivery of the same message sees it delivered.
        _delivered[key] = bits | bit;
        IMessageRecipient(recipient).handle(Message.origin(message), Message.sender(message), Message.body(message));
        emit Process(id, Message.origin(message), recipient, msg.sender);
    }

    /// @inheritdoc IMailbox
    /// @dev All messages must need the same verifier and come from one origin in ascending nonce order
    /// (the verifier checks the latter). Messages delivered already are skipped, so relayers racing
    /// on the same batch do not waste each other's work. A recipient that reverts does not undo the
    /// batch: its message stays undelivered (retryable) and `ProcessFailed` carries the reason.
    function processBatch(bytes calldata proof, bytes[] calldata messages) external returns (uint256 deliveredCount) {
        uint256 n = messages.length;
        if (n == 0) revert EmptyBatch();
        address[] memory recipients = new address[](n);
        bytes32[] memory ids = new bytes32[](n);
        IVerifier verifier;
        // One origin per batch in practice (root-caching verifiers insist): its pause is read once,
        // and any other origin's below, where each message's origin is read anyway.
        uint64 firstOrigin = Message.origin(messages[0]);
        _checkNotPaused(firstOrigin);
        for (uint256 i; i < n; ++i) {
            (address recipient, bytes32 id) = _checkMessage(messages[i]);
            recipients[i] = recipient;
            ids[i] = id;
            // Consecutive messages to the same recipient (the common case) ask for the verifier once.
            if (i == 0 || recipient != recipients[i - 1]) {
                IVerifier v = _verifierOf(recipient);
                if (i == 0) verifier = v;
                else if (v != verifier) revert BatchVerifierMismatch(i, address(verifier), address(v));
            }
        }
        if (!verifier.verifyBatch(proof, messages)) revert NotVerified(address(verifier));

        for (uint256 i; i < n; ++i) {
            bytes calldata message = messages[i];
            address recipient = recipients[i];
            (bytes32 key, uint256 bits, uint256 bit) = _deliveryWord(message, recipient);
            if (bits & bit != 0) continue;
            uint64 origin = Message.origin(message);
            if (origin != firstOrigin) _checkNotPaused(origin);
            _delivered[key] = bits | bit;
            try IMessageRecipient(recipient).handle(origin, Message.sender(message), Message.body(message)) {
                emit Process(ids[i], origin, recipient, msg.sender);
                ++deliveredCount;
            } catch (bytes memory reason) {
                _delivered[key] &= ~bit;
                emit ProcessFailed(ids[i], reason);
            }
        }
    }

    /// @inheritdoc IMailbox
    function delivered(uint64 origin, address recipient, uint32 nonce) external view returns (bool) {
        return _delivered[_deliveryKey(origin, recipient, nonce)] & (uint256(1) << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IMailbox
    function verifierOf(address recipient) external view returns (IVerifier) {
        return _verifierOf(recipient);
    }

    /// @inheritdoc IMailbox
    function paused() external view returns (bool) {
        return _pauseWord & 1 == 1;
    }

    /// @inheritdoc IMailbox
    function routePaused(uint64 origin) external view returns (bool) {
        return _routePaused[origin];
    }

    // ------------------------------------------------------------------ pause

    /// @notice Makes `account` a guardian (or not).
    function setGuardian(address account, bool allowed) external onlyOwner {
        isGuardian[account] = allowed;
        emit GuardianSet(account, allowed);
    }

    /// @notice Pauses every delivery. Guardians and the owner may.
    function pause() external {
        _onlyGuardian();
        _pauseWord |= 1;
        emit PauseSet(0, true, msg.sender);
    }

    /// @notice Resumes deliveries paused by `pause`. Only the owner may.
    function unpause() external onlyOwner {
        _pauseWord &= ~uint256(1);
        emit PauseSet(0, false, msg.sender);
    }

    /// @notice Pauses deliveries from `origin`. Guardians and the owner may.
    function pauseRoute(uint64 origin) external {
        _onlyGuardian();
        if (origin == 0) revert InvalidOrigin();
        if (!_routePaused[origin]) {
            _routePaused[origin] = true;
            _pauseWord += 2;
        }
        emit PauseSet(origin, true, msg.sender);
    }

    /// @notice Resumes deliveries from `origin`. Only the owner may.
    function unpauseRoute(uint64 origin) external onlyOwner {
        if (origin == 0) revert InvalidOrigin();
        if (_routePaused[origin]) {
            _routePaused[origin] = false;
            _pauseWord -= 2;
        }
        emit PauseSet(origin, false, msg.sender);
    }

    // ------------------------------------------------------------------ admin

    /// @notice Sets the verifier for recipients that do not choose one.
    function setDefaultVerifier(IVerifier verifier) external onlyOwner {
        defaultVerifier = verifier;
        emit DefaultVerifierSet(address(verifier));
    }

    // ------------------------------------------------------------------ internals

    function _checkNotPaused(uint64 origin) internal view {
        uint256 word = _pauseWord;
        if (word & 1 == 1) revert MailboxPaused();
        if (word > 1 && _routePaused[origin]) revert RoutePaused(origin);
    }

    function _onlyGuardian() internal view {
        if (!isGuardian[msg.sender] && msg.sender != owner()) revert NotGuardian(msg.sender);
    }

    /// @dev Checks everything about a message that does not need the verifier; returns the
    /// recipient as an address and the message id.
    function _checkMessage(bytes calldata message) internal view returns (address recipient, bytes32 id) {
        Message.checkLength(message);
        uint8 version = Message.version(message);
        if (version != Message.VERSION) revert WrongVersion(version);
        uint64 destination = Message.destination(message);
        if (destination != localDomain) revert WrongDestination(destination, localDomain);
        bytes32 raw = Message.recipient(message);
        if (raw >> 160 != 0 || raw == bytes32(0)) revert InvalidRecipient(raw);
        recipient = address(uint160(uint256(raw)));
        if (recipient.code.length == 0) revert RecipientNotContract(recipient);
        id = Message.id(message);
    }

    function _verifierOf(address recipient) internal view returns (IVerifier verifier) {
        // A recipient without `verifier()` (or with one that reverts) gets the default.
        (bool ok, bytes memory data) = recipient.staticcall(abi.encodeCall(IVerifierSpecifier.verifier, ()));
        if (ok && data.length >= 32) {
            address chosen = abi.decode(data, (address));
            if (chosen != address(0)) return IVerifier(chosen);
        }
        verifier = defaultVerifier;
        if (address(verifier) == address(0)) revert NoVerifier(recipient);
    }

    function _deliveryWord(bytes calldata message, address recipient)
        internal
        view
        returns (bytes32 key, uint256 bits, uint256 bit)
    {
        uint32 nonce = Message.nonce(message);
        key = _deliveryKey(Message.origin(message), recipient, nonce);
        bits = _delivered[key];
        bit = uint256(1) << (nonce & 0xff);
    }

    function _deliveryKey(uint64 origin_, address recipient, uint32 nonce) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, origin_)
            mstore(add(ptr, 0x20), recipient)
            mstore(add(ptr, 0x40), shr(8, nonce))
            key := keccak256(ptr, 0x60)
        }
    }
}
