// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title SSZ
/// @notice The pieces of SSZ Merkleization (sha256, 32-byte chunks) that a beacon-chain light client
/// needs: Merkle branches as the consensus specs check them (`is_valid_merkle_branch`), the
/// `hash_tree_root` of a BeaconBlockHeader, of a BLS public key and of a SyncCommittee, and the
/// signing root and domain that a sync committee signs under.
/// @dev Every hash goes through the sha256 precompile (0x02) with the scratch space as buffer, so
/// nothing here allocates memory except `hashTreeRootSyncCommittee` (one word per public key).
library SSZ {
    /// @notice A beacon block header, as in the consensus specs (phase0 onwards).
    struct BeaconBlockHeader {
        uint64 slot;
        uint64 proposerIndex;
        bytes32 parentRoot;
        bytes32 stateRoot;
        bytes32 bodyRoot;
    }

    /// @notice DomainType of sync committee signatures (DOMAIN_SYNC_COMMITTEE, altair).
    bytes4 internal constant DOMAIN_SYNC_COMMITTEE = 0x07000000;

    /// @dev sha256(0^64): the root of two zero chunks.
    bytes32 private constant ZERO_HASH_1 = 0xf5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b;

    /// @notice Thrown when the sha256 precompile call fails (only when the call ran out of gas).
    error Sha256Failed();
    /// @notice Thrown when a BLS public key is not 48 bytes long.
    /// @param length The length given.
    error InvalidPubkeyLength(uint256 length);
    /// @notice Thrown when a sync committee's packed public keys are not a power-of-two count of
    /// 48-byte keys.
    /// @param length The byte length given.
    error InvalidCommitteeLength(uint256 length);
    /// @notice Thrown when a generalized index is zero (no node has index 0).
    error InvalidGeneralizedIndex();

    /// @notice sha256(a ‖ b): an inner node of an SSZ Merkle tree.
    function hashPair(bytes32 a, bytes32 b) internal view returns (bytes32 r) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            ok := staticcall(gas(), 0x02, 0x00, 0x40, 0x00, 0x20)
            r := mload(0x00)
        }
        if (!ok) revert Sha256Failed();
    }

    /// @notice Whether `leaf` sits at `index` of depth `depth` under `root`, `branch` giving the
    /// siblings from the bottom up: the specs' `is_valid_merkle_branch` (generalized index
    /// 2^depth + index).
    /// @dev Stricter than the specs' function: the branch must hold exactly `depth` nodes and the
    /// index must fit in `depth` bits (the specs ignore extra nodes and higher index bits); every
    /// branch the light-client protocol carries has a fixed length, so neither refuses a real one.
    function isValidMerkleBranch(bytes32 leaf, bytes32[] memory branch, uint256 depth, uint256 index, bytes32 root)
        internal
        view
        returns (bool)
    {
        if (branch.length != depth || (depth < 256 && index >> depth != 0)) return false;
        bytes32 value = leaf;
        for (uint256 i; i < depth; ++i) {
            value = (index >> i) & 1 == 1 ? hashPair(branch[i], value) : hashPair(value, branch[i]);
        }
        return value == root;
    }

    /// @notice `isValidMerkleBranch` addressed by generalized index (the specs' light-client
    /// constants are generalized indices, e.g. 54 for `current_sync_committee` before Electra).
    function isValidMerkleBranchAt(bytes32 leaf, bytes32[] memory branch, uint256 gindex, bytes32 root)
        internal
        view
        returns (bool)
    {
        if (gindex == 0) revert InvalidGeneralizedIndex();
        uint256 depth = _log2(gindex);
        return isValidMerkleBranch(leaf, branch, depth, gindex - 2 ** depth, root);
    }

    /// @notice A uint64 as its SSZ chunk: little-endian in the first 8 bytes, then zeros.
    function toChunk(uint64 v) internal pure returns (bytes32) {
        v = ((v & 0xFF00FF00FF00FF00) >> 8) | ((v & 0x00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000) >> 16) | ((v & 0x0000FFFF0000FFFF) << 16);
        v = (v >> 32) | (v << 32);
        return bytes32(uint256(v) << 192);
    }

    /// @notice hash_tree_root of a BeaconBlockHeader: five fields padded to eight chunks.
    function hashTreeRoot(BeaconBlockHeader memory h) internal view returns (bytes32) {
        bytes32 left =
            hashPair(hashPair(toChunk(h.slot), toChunk(h.proposerIndex)), hashPair(h.parentRoot, h.stateRoot));
        bytes32 right = hashPair(hashPair(h.bodyRoot, bytes32(0)), ZERO_HASH_1);
        return hashPair(left, right);
    }

    /// @notice hash_tree_root of a BLS public key, an SSZ Vector[byte, 48]: two chunks, the second
    /// holding bytes 32..47 and 16 zero bytes.
    function hashTreeRootPubkey(bytes memory pubkey) internal view returns (bytes32 r) {
        if (pubkey.length != 48) revert InvalidPubkeyLength(pubkey.length);
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(pubkey, 0x20)
        }
        r = _pubkeyRootAt(ptr);
    }

    /// @notice hash_tree_root of a SyncCommittee {pubkeys: Vector[BLSPubkey, n], aggregate_pubkey}.
    /// @param pubkeys The n public keys packed (48 bytes each, as SSZ serializes them); n must be a
    /// power of two (512 on mainnet, 32 in the minimal preset).
    /// @param aggregatePubkey The committee's aggregate public key (48 bytes).
    function hashTreeRootSyncCommittee(bytes memory pubkeys, bytes memory aggregatePubkey)
        internal
        view
        returns (bytes32)
    {
        uint256 n = pubkeys.length / 48;
        if (n == 0 || n * 48 != pubkeys.length || n & (n - 1) != 0) revert InvalidCommitteeLength(pubkeys.length);
        bytes32[] memory level = new bytes32[](n);
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(pubkeys, 0x20)
        }
        for (uint256 i; i < n; ++i) {
            level[i] = _pubkeyRootAt(ptr + i * 48);
        }
        // Fold the leaves in place, one level at a time.
        for (uint256 width = n; width > 1; width >>= 1) {
            for (uint256 i; i < width; i += 2) {
                level[i >> 1] = hashPair(level[i], level[i + 1]);
            }
        }
        return hashPair(level[0], hashTreeRootPubkey(aggregatePubkey));
    }

    /// @notice The root of ForkData {current_version, genesis_validators_root}
    /// (the specs' `compute_fork_data_root`).
    function forkDataRoot(bytes4 currentVersion, bytes32 genesisValidatorsRoot) internal view returns (bytes32) {
        return hashPair(bytes32(currentVersion), genesisValidatorsRoot);
    }

    /// @notice The specs' `compute_domain`: the domain type followed by the first 28 bytes of the
    /// fork data root.
    function computeDomain(bytes4 domainType, bytes4 forkVersion, bytes32 genesisValidatorsRoot)
        internal
        view
        returns (bytes32)
    {
        return bytes32(domainType) | (forkDataRoot(forkVersion, genesisValidatorsRoot) >> 32);
    }

    /// @notice The root of SigningData {object_root, domain}: what a BLS signature signs
    /// (the specs' `compute_signing_root`).
    function signingRoot(bytes32 objectRoot, bytes32 domain) internal view returns (bytes32) {
        return hashPair(objectRoot, domain);
    }

    /// @dev The root of the 48-byte key at memory `ptr` (bytes 48..63 of the second word masked).
    function _pubkeyRootAt(uint256 ptr) private view returns (bytes32 r) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, mload(ptr))
            mstore(0x20, and(mload(add(ptr, 0x20)), not(sub(shl(128, 1), 1))))
            ok := staticcall(gas(), 0x02, 0x00, 0x40, 0x00, 0x20)
            r := mload(0x00)
        }
        if (!ok) revert Sha256Failed();
    }

    /// @dev floor(log2(x)) for x > 0.
    function _log2(uint256 x) private pure returns (uint256 r) {
        while (x > 1) {
            x >>= 1;
            ++r;
        }
    }
}
