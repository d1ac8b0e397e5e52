// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IVerifier, VerifierKind} from "../interfaces/IVerifier.sol";
import {RootCacheVerifier} from "./RootCacheVerifier.sol";

/// @title CommitteeVerifier
/// @notice Accepts a root of an origin Mailbox when k of the origin's n validators signed a checkpoint
/// of it (docs/protocol.md, "Checkpoint signatures"). One committee per origin domain, rotated by the
/// owner; roots accepted under an earlier committee stay accepted.
/// @dev The delivery path reads one storage slot per origin: a commitment to the committee (origin
/// Mailbox, threshold, members). The proof carries the committee itself, which is hashed and compared;
/// for up to a few dozen validators that costs less than reading the members from storage.
contract CommitteeVerifier is RootCacheVerifier, Ownable2Step {
    /// @notice Domain tag of committee checkpoint signatures.
    bytes32 public constant CHECKPOINT_TAG = keccak256("courier.committee.checkpoint.v1");
    /// @notice Largest committee: the signer bitmap has 256 bits and the size is one byte.
    uint256 public constant MAX_VALIDATORS = 255;

    /// @notice Proof mode: a lone message whose checkpoint (at its own index) the committee signed.
    uint8 internal constant MODE_SIGNED_MESSAGE = 0x01;
    /// @notice Proof mode: a signed checkpoint whose root is accepted, then a multiproof.
    uint8 internal constant MODE_SIGNED_ROOT = 0x02;
    /// @dev secp256k1 order / 2: signatures with a larger s are the malleated twin and are refused.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @dev Sentinel for "no bad signature found".
    uint256 private constant NONE = type(uint256).max;

    /// @notice A committee as configured; the delivery path reads only `committeeHash`.
    struct Committee {
        bytes32 originMailbox;
        uint8 threshold;
        address[] validators;
    }

    /// @notice Commitment to each origin's committee: keccak256 of `encodeCommittee(...)`.
    mapping(uint64 origin => bytes32) public committeeHash;
    mapping(uint64 origin => Committee) internal _committees;

    /// @notice Emitted when the committee of an origin is set or rotated.
    event CommitteeSet(
        uint64 indexed origin, bytes32 indexed originMailbox, uint8 threshold, address[] validators, bytes32 commitment
    );

    /// @notice Thrown when a committee has no validators.
    error EmptyCommittee();
    /// @notice Thrown when a committee has more than MAX_VALIDATORS validators.
    error TooManyValidators(uint256 count);
    /// @notice Thrown when the threshold is zero.
    error ThresholdZero();
    /// @notice Thrown when the threshold exceeds the number of validators.
    error ThresholdAboveSize(uint256 threshold, uint256 size);
    /// @notice Thrown when validators are not strictly ascending (which also refuses zero and duplicates).
    error ValidatorsNotAscending(uint256 position, address validator);
    /// @notice Thrown when the origin Mailbox of a committee is zero.
    error ZeroOriginMailbox();
    /// @notice Thrown when no committee is configured for the origin.
    error NoCommittee(uint64 origin);
    /// @notice Thrown when the committee in a proof is not the origin's committee.
    error CommitteeMismatch(uint64 origin, bytes32 expected, bytes32 actual);
    /// @notice Thrown when the signer bitmap names validators beyond the committee's size.
    error SignerOutOfRange(uint256 bitmap, uint256 size);
    /// @notice Thrown when a signature is not the named validator's.
    /// @param validatorIndex The committee position the signature claims.
    error SignatureInvalid(uint256 validatorIndex);
    /// @notice Thrown when a signature is in the malleable (high-s) form or has a bad v.
    error SignatureMalformed(uint256 validatorIndex);
    /// @notice Thrown when fewer validators signed than the threshold.
    error NotEnoughSignatures(uint256 signed, uint256 threshold);
    /// @notice Thrown when a signed-message proof is used for more than one message.
    error SignedMessageProofForBatch(uint256 count);

    /// @param owner_ The account that sets and rotates committees.
    constructor(address owner_) Ownable(owner_) {}

    /// @inheritdoc IVerifier
    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Committee;
    }

    // ------------------------------------------------------------------ configuration

    /// @notice Sets or rotates the committee of `origin`.
    /// @param origin The origin domain.
    /// @param originMailbox The origin chain's Mailbox, as bytes32.
    /// @param threshold How many signatures make a checkpoint valid (k).
    /// @param validators The validators' addresses, strictly ascending (n).
    function setCommittee(uint64 origin, bytes32 originMailbox, uint8 threshold, address[] calldata validators)
        external
        onlyOwner
    {
        uint256 n = validators.length;
        if (originMailbox == bytes32(0)) revert ZeroOriginMailbox();
        if (n == 0) revert EmptyCommittee();
        if (n > MAX_VALIDATORS) revert TooManyValidators(n);
        if (threshold == 0) revert ThresholdZero();
        if (threshold > n) revert ThresholdAboveSize(threshold, n);
        address previous;
        for (uint256 i; i < n; ++i) {
            if (validators[i] <= previous) revert ValidatorsNotAscending(i, validators[i]);
            previous = validators[i];
        }
        bytes32 commitment = keccak256(encodeCommittee(originMailbox, threshold, validators));
        committeeHash[origin] = commitment;
        _committees[origin] = Committee(originMailbox, threshold, validators);
        emit CommitteeSet(origin, originMailbox, threshold, validators, commitment);
    }

    /// @notice The committee encoding that proofs carry and `committeeHash` commits to:
    /// `origin mailbox (32) ‖ k (1) ‖ n (1) ‖ n × address (20)`. (abi.encodePacked would pad the
    /// array elements to 32 bytes, hence the loop.)
    function encodeCommittee(bytes32 originMailbox, uint8 threshold, address[] memory validators)
        public
        pure
        returns (bytes memory out)
    {
        out = abi.encodePacked(originMailbox, threshold, uint8(validators.length));
        for (uint256 i; i < validators.length; ++i) {
            out = bytes.concat(out, bytes20(validators[i]));
        }
    }

    /// @notice The committee of `origin`.
    function committee(uint64 origin)
        external
        view
        returns (bytes32 originMailbox, uint8 threshold, address[] memory validators, bytes32 commitment)
    {
        Committee storage c = _committees[origin];
        return (c.originMailbox, c.threshold, c.validators, committeeHash[origin]);
    }

    /// @notice The digest validators sign for a checkpoint of `originMailbox` on `origin`.
    function checkpointDigest(uint64 origin, bytes32 originMailbox, bytes32 root, uint32 index, bytes32 messageId)
        external
        pure
        returns (bytes32)
    {
        return _digest(origin, originMailbox, root, index, messageId);
    }

    // ------------------------------------------------------------------ accepting roots

    /// @notice Accepts a checkpoint's root without delivering anything, so that messages can later be
    /// proven against it with mode 0x00.
    /// @param committeeAndSignatures The committee (`mailbox ‖ k ‖ n ‖ validators`) then the
    /// signatures (`bitmap ‖ r ‖ s ‖ v …`), as in a proof.
    function acceptCheckpoint(
        uint64 origin,
        bytes32 root,
        uint32 index,
        bytes32 messageId,
        bytes calldata committeeAndSignatures
    ) external {
        if (root == bytes32(0)) revert ZeroRoot();
        uint256 end = _checkSignatures(origin, root, index, messageId, committeeAndSignatures, 0);
        if (end != committeeAndSignatures.length) revert ProofTrailingBytes(committeeAndSignatures.length - end);
        _acceptRoot(origin, root, index);
    }

    /// @inheritdoc RootCacheVerifier
    function _verifyMode(
        uint8 mode,
        bytes calldata proof,
        uint64 origin,
        uint256[] memory indices,
        bytes32[] memory ids
    ) internal override returns (bool) {
        if (mode != MODE_SIGNED_MESSAGE && mode != MODE_SIGNED_ROOT) revert UnknownProofMode(mode);
        if (proof.length < 33) revert ProofTruncated(33, proof.length);
        bytes32 root = bytes32(proof[1:33]);
        if (root == bytes32(0)) revert ZeroRoot();
        if (mode == MODE_SIGNED_MESSAGE) {
            // The checkpoint sits at the message's own index and names it, so the signatures alone
            // prove it; the root is not cached (a lone delivery should not pay for it).
            if (ids.length != 1) revert SignedMessageProofForBatch(ids.length);
            uint256 end = _checkSignatures(origin, root, uint32(indices[0]), ids[0], proof, 33);
            if (end != proof.length) revert ProofTrailingBytes(proof.length - end);
            return true;
        }
        if (proof.length < 69) revert ProofTruncated(69, proof.length);
        uint32 index = uint32(bytes4(proof[33:37]));
        bytes32 messageId = bytes32(proof[37:69]);
        uint256 offset = _checkSignatures(origin, root, index, messageId, proof, 69);
        _acceptRoot(origin, root, index);
        _proveInclusion(root, indices, ids, proof, offset);
        return true;
    }

    /// @dev Checks the committee and signatures that start at `offset` of `data` against the
    /// checkpoint; returns the offset just past the last signature.
    function _checkSignatures(
        uint64 origin,
        bytes32 root,
        uint32 index,
        bytes32 messageId,
        bytes calldata data,
        uint256 offset
    ) internal view returns (uint256) {
        bytes32 expected = committeeHash[origin];
        if (expected == bytes32(0)) revert NoCommittee(origin);

        // The committee: mailbox ‖ k ‖ n ‖ n × address, which must hash to the stored commitment.
        if (data.length < offset + 34) revert ProofTruncated(offset + 34, data.length);
        uint256 committeeEnd = offset + 34 + uint256(uint8(data[offset + 33])) * 20;
        if (data.length < committeeEnd + 32) revert ProofTruncated(committeeEnd + 32, data.length);
        bytes32 actual = _hashCalldata(data, offset, committeeEnd - offset);
        if (actual != expected) revert CommitteeMismatch(origin, expected, actual);

        bytes32 digest = _digest(origin, bytes32(data[offset:offset + 32]), root, index, messageId);
        return _checkSignerList(digest, data, offset + 32, committeeEnd);
    }

    /// @dev Checks `bitmap ‖ signatures` at `listStart` against the committee whose
    /// `k ‖ n ‖ addresses` start at `setOffset` (already matched with the commitment); returns the
    /// offset just past the last signature. The loop is in assembly: it is most of the cost of a lone
    /// delivery.
    function _checkSignerList(bytes32 digest, bytes calldata data, uint256 setOffset, uint256 listStart)
        internal
        view
        returns (uint256 cursor)
    {
        uint256 threshold = uint8(data[setOffset]);
        uint256 size = uint8(data[setOffset + 1]);
        uint256 bitmap = uint256(bytes32(data[listStart:listStart + 32]));
        if (bitmap >> size != 0) revert SignerOutOfRange(bitmap, size);
        cursor = listStart + 32;
        uint256 signed;
        uint256 failed = NONE; // validator index of the first bad signature, if any
        bool malformed;
        assembly ("memory-safe") {
            let ptr := mload(0x40) // ecrecover input: digest ‖ v ‖ r ‖ s
            mstore(ptr, digest)
            let validators := add(add(data.offset, setOffset), 2)
            let dataEnd := add(data.offset, data.length)
            for { let i := 0 } shr(i, bitmap) { i := add(i, 1) } {
                if and(shr(i, bitmap), 1) {
                    let sig := add(data.offset, cursor)
                    if gt(add(sig, 65), dataEnd) {
                        failed := i
                        break
                    }
                    let s := calldataload(add(sig, 32))
                    let v := byte(0, calldataload(add(sig, 64)))
                    if or(gt(s, HALF_ORDER), iszero(or(eq(v, 27), eq(v, 28)))) {
                        failed := i
                        malformed := 1
                        break
                    }
                    mstore(add(ptr, 0x20), v)
                    mstore(add(ptr, 0x40), calldataload(sig))
                    mstore(add(ptr, 0x60), s)
                    mstore(0x00, 0) // ecrecover returns no data on failure
                    pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
                    if iszero(eq(mload(0x00), shr(96, calldataload(add(validators, mul(i, 20)))))) {
                        failed := i
                        break
                    }
                    cursor := add(cursor, 65)
                    signed := add(signed, 1)
                }
            }
        }
        if (failed != NONE) {
            if (malformed) revert SignatureMalformed(failed);
            if (data.length < cursor + 65) revert ProofTruncated(cursor + 65, data.length);
            revert SignatureInvalid(failed);
        }
        if (signed < threshold) revert NotEnoughSignatures(signed, threshold);
    }

    /// @dev docs/protocol.md: keccak256("\x19Ethereum Signed Message:\n32" ‖ keccak256(TAG ‖ origin ‖
    /// mailbox ‖ root ‖ index ‖ messageId)).
    function _digest(uint64 origin_, bytes32 originMailbox, bytes32 root, uint32 index, bytes32 messageId)
        internal
        pure
        returns (bytes32 digest)
    {
        bytes32 tag = CHECKPOINT_TAG;
        assembly ("memory-safe") {
            // tag (32) ‖ origin (8) ‖ mailbox (32) ‖ root (32) ‖ index (4) ‖ id (32) = 140 bytes
            let ptr := mload(0x40)
            mstore(ptr, tag)
            mstore(add(ptr, 0x20), shl(192, origin_))
            mstore(add(ptr, 0x28), originMailbox)
            mstore(add(ptr, 0x48), root)
            mstore(add(ptr, 0x68), shl(224, index))
            mstore(add(ptr, 0x6c), messageId)
            let structHash := keccak256(ptr, 140)
            mstore(0x00, "\x19Ethereum Signed Message:\n32")
            mstore(0x1c, structHash)
            digest := keccak256(0x00, 0x3c)
        }
    }

    function _hashCalldata(bytes calldata data, uint256 offset, uint256 length) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, add(data.offset, offset), length)
            h := keccak256(ptr, length)
        }
    }
}
