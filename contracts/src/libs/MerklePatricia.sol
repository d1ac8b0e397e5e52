// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title MerklePatricia
/// @notice Verifies Ethereum Merkle-Patricia trie proofs as `eth_getProof` returns them: the
/// account proof against a block's state root and the storage proof against the account's storage
/// root. A light client that trusts a state root (from a verified execution payload header) reads any
/// account and any storage slot of the other chain with these two calls.
/// @dev A proof is the list of RLP-encoded nodes on the path from the root to the key, root first.
/// Each node must hash (keccak256) to the reference its parent holds; a child shorter than 32 bytes
/// is embedded in its parent instead and takes no proof element. Branch nodes have 17 items (16
/// children and a value), extension and leaf nodes two (a hex-prefix encoded path and a child or a
/// value). A key is absent when its path runs into an empty branch child, a leaf holding another key
/// or an extension whose path it leaves: such a proof proves absence. Everything else that does not
/// fit reverts with a named error; no byte outside the proof's nodes is ever interpreted.
library MerklePatricia {
    /// @notice keccak256(rlp("")): the root of an empty trie (an account without storage).
    bytes32 internal constant EMPTY_TRIE_ROOT = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;
    /// @notice keccak256(""): the code hash of an account without code.
    bytes32 internal constant EMPTY_CODE_HASH = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470;

    /// @notice Thrown when the proof's first node does not hash to the root it is checked against.
    error RootMismatch();
    /// @notice Thrown when a proof node does not hash to the reference its parent holds.
    /// @param index Position of the node in the proof.
    error NodeHashMismatch(uint256 index);
    /// @notice Thrown when bytes are not well-formed RLP: an item runs past the item that holds it,
    /// or a node has bytes after its item.
    error MalformedRlp();
    /// @notice Thrown when a node is well-formed RLP but not a trie node: neither 17 nor 2 items, an
    /// invalid hex-prefix path, a child reference that is neither empty, a 32-byte hash nor an
    /// embedded node under 32 bytes, or a list where a value must be.
    /// @param index Position in the proof of the node (or of the node that embeds it).
    error InvalidNode(uint256 index);
    /// @notice Thrown when the proof ends while the key's path still points to a node by hash.
    error ProofTooShort();
    /// @notice Thrown when the key's path ends (found or proven absent) with proof nodes left over.
    /// @param unused Number of proof nodes not used.
    error ProofTooLong(uint256 unused);
    /// @notice Thrown by `verifyAccount` when the proof shows that the account does not exist.
    /// @param account The account proven absent.
    error AccountNotFound(address account);
    /// @notice Thrown when an account leaf is not rlp([nonce, balance, storageRoot, codeHash]) with
    /// integers of at most 32 bytes and 32-byte roots.
    error InvalidAccount();
    /// @notice Thrown when a storage leaf does not hold the RLP encoding of a string of at most 32
    /// bytes.
    error InvalidStorageValue();

    /// @notice Proves an account against a state root.
    /// @param stateRoot The state root of a block.
    /// @param account The account.
    /// @param proof `accountProof` of `eth_getProof`.
    /// @return nonce The account's nonce.
    /// @return balance The account's balance in wei.
    /// @return storageRoot The root of the account's storage trie (`storageHash`).
    /// @return codeHash keccak256 of the account's code.
    function verifyAccount(bytes32 stateRoot, address account, bytes[] memory proof)
        internal
        pure
        returns (uint256 nonce, uint256 balance, bytes32 storageRoot, bytes32 codeHash)
    {
        (bool found, uint256 ptr, uint256 len) = _walk(stateRoot, keccak256(abi.encodePacked(account)), proof);
        if (!found) revert AccountNotFound(account);
        // The leaf holds rlp([nonce, balance, storageRoot, codeHash]).
        if (len == 0) revert InvalidAccount();
        uint256 end = ptr + len;
        (uint256 p, uint256 l, bool isList, uint256 next) = _item(ptr, end);
        if (!isList || next != end) revert InvalidAccount();
        end = p + l;
        (nonce, p) = _uintItem(p, end);
        (balance, p) = _uintItem(p, end);
        (storageRoot, p) = _rootItem(p, end);
        (codeHash, p) = _rootItem(p, end);
        if (p != end) revert InvalidAccount();
    }

    /// @notice Proves the value of a storage slot against an account's storage root.
    /// @param storageRoot The account's storage root (from `verifyAccount`).
    /// @param slot The storage slot (the key before hashing, as `eth_getProof` takes it).
    /// @param proof The slot's `proof` from `eth_getProof`'s `storageProof`.
    /// @return value The slot's value; zero when the proof shows the slot is absent (never written
    /// or cleared).
    function verifyStorage(bytes32 storageRoot, bytes32 slot, bytes[] memory proof)
        internal
        pure
        returns (bytes32 value)
    {
        (bool found, uint256 ptr, uint256 len) = _walk(storageRoot, keccak256(abi.encode(slot)), proof);
        if (!found) return 0;
        // The leaf holds rlp(value with its leading zero bytes removed).
        if (len == 0) revert InvalidStorageValue();
        uint256 end = ptr + len;
        (uint256 p, uint256 l, bool isList, uint256 next) = _item(ptr, end);
        if (isList || next != end || l > 32) revert InvalidStorageValue();
        assembly ("memory-safe") {
            value := shr(shl(3, sub(32, l)), mload(p))
        }
    }

    /// @notice Looks a 32-byte key up in a trie (what a secure trie stores under keccak256 of the
    /// account or slot).
    /// @return found Whether the key is in the trie; false when the proof proves its absence.
    /// @return value The value stored under the key (empty when absent), a copy of the leaf's bytes.
    function get(bytes32 root, bytes32 key, bytes[] memory proof)
        internal
        pure
        returns (bool found, bytes memory value)
    {
        uint256 ptr;
        uint256 len;
        (found, ptr, len) = _walk(root, key, proof);
        value = new bytes(len);
        assembly ("memory-safe") {
            mcopy(add(value, 0x20), ptr, len)
        }
    }

    // ------------------------------------------------------------------ the walk

    // What one node says about the key (see `_step`).
    uint256 private constant ABSENT = 0;
    uint256 private constant FOUND = 1;
    uint256 private constant FOLLOW_HASH = 2;
    uint256 private constant FOLLOW_EMBEDDED = 3;

    /// @dev Follows `key`'s 64 nibbles from the root. When the key is found, returns where its value's
    /// bytes lie in memory (inside a proof node).
    function _walk(bytes32 root, bytes32 key, bytes[] memory proof)
        private
        pure
        returns (bool found, uint256 valuePtr, uint256 valueLen)
    {
        uint256 total = proof.length;
        if (total == 0) {
            // The empty trie has no node to show; its root alone proves every key absent.
            if (root == EMPTY_TRIE_ROOT) return (false, 0, 0);
            revert ProofTooShort();
        }
        uint256[17] memory items; // scratch: the start of each item of the current node
        uint256 used; // proof nodes taken
        uint256 depth; // nibbles of the key consumed
        uint256 ptr; // the current node: [ptr, end)
        uint256 end;
        uint256 kind = FOLLOW_HASH; // how the current node was reached; `root` holds the hash
        while (true) {
            if (kind == FOLLOW_HASH) {
                if (used == total) revert ProofTooShort();
                (ptr, end) = _load(proof[used], root, used);
                ++used;
            }
            // `used - 1` is the proof node being read (an embedded node counts as its parent).
            (kind, ptr, end, depth) = _step(ptr, end, key, depth, items, used - 1);
            if (kind == FOLLOW_HASH) {
                root = bytes32(ptr);
            } else if (kind != FOLLOW_EMBEDDED) {
                break;
            }
        }
        if (used != total) revert ProofTooLong(total - used);
        if (kind == FOUND) (found, valuePtr, valueLen) = (true, ptr, end - ptr);
    }

    /// @dev The bounds of a proof node's bytes, after checking that it hashes to `ref`.
    function _load(bytes memory node, bytes32 ref, uint256 index) private pure returns (uint256 ptr, uint256 end) {
        bytes32 h;
        assembly ("memory-safe") {
            ptr := add(node, 0x20)
            end := add(ptr, mload(node))
            h := keccak256(ptr, mload(node))
        }
        if (h != ref) {
            if (index == 0) revert RootMismatch();
            revert NodeHashMismatch(index);
        }
    }

    /// @dev Reads the node [ptr, end) at key depth `depth`. Returns what comes next:
    /// ABSENT; FOUND with the value's bytes [a, b); FOLLOW_HASH with the child's hash in `a`;
    /// FOLLOW_EMBEDDED with the embedded child's bytes [a, b). `newDepth` counts the nibbles consumed.
    function _step(uint256 ptr, uint256 end, bytes32 key, uint256 depth, uint256[17] memory items, uint256 index)
        private
        pure
        returns (uint256 kind, uint256 a, uint256 b, uint256 newDepth)
    {
        uint256 count;
        {
            (uint256 payload, uint256 len, bool isList, uint256 next) = _item(ptr, end);
            if (next != end) revert MalformedRlp();
            if (!isList) {
                // rlp(""): only the root node of an empty trie is an empty string (an embedded node
                // is always a list, so index 0 here is the root itself).
                if (len == 0 && index == 0 && depth == 0) return (ABSENT, 0, 0, 0);
                revert InvalidNode(index);
            }
            end = payload + len;
            count = _splitList(payload, end, items, index);
        }
        uint256 child;
        if (count == 17) {
            // A 32-byte key never ends at a branch: every key has 64 nibbles, so values sit in leaves.
            if (depth == 64) revert InvalidNode(index);
            child = items[_nibble(key, depth)];
            newDepth = depth + 1;
        } else if (count == 2) {
            bool leaf;
            bool matches;
            (leaf, matches, newDepth) = _path(items[0], items[1], key, depth, index);
            // A leaf of another key, or an extension whose path the key leaves: absent.
            if (!matches) return (ABSENT, 0, 0, depth);
            if (leaf) {
                (a, b) = _leafValue(items[1], end, index);
                return (FOUND, a, b, 64);
            }
            child = items[1];
        } else {
            revert InvalidNode(index);
        }
        (kind, a, b) = _follow(child, end, index);
    }

    /// @dev The bytes [a, b) of a leaf's value: the payload of its second item, which must be a string.
    function _leafValue(uint256 item, uint256 end, uint256 index) private pure returns (uint256 a, uint256 b) {
        (uint256 p, uint256 l, bool isList,) = _item(item, end);
        if (isList) revert InvalidNode(index);
        return (p, p + l);
    }

    /// @dev Reads the child reference at `child` (within [child, end)).
    function _follow(uint256 child, uint256 end, uint256 index)
        private
        pure
        returns (uint256 kind, uint256 a, uint256 b)
    {
        (uint256 p, uint256 l, bool isList, uint256 next) = _item(child, end);
        if (!isList) {
            if (l == 0) return (ABSENT, 0, 0);
            if (l != 32) revert InvalidNode(index);
            assembly ("memory-safe") {
                a := mload(p)
            }
            return (FOLLOW_HASH, a, 0);
        }
        // A node whose encoding is under 32 bytes is embedded in its parent instead of hashed.
        if (next - child >= 32) revert InvalidNode(index);
        return (FOLLOW_EMBEDDED, child, next);
    }

    /// @dev Reads the hex-prefix path of a leaf or extension (the item at `pathItem`, which must end
    /// where the node's second item starts) and whether the key, from nibble `depth` on, matches it:
    /// the whole rest of the key for a leaf, a prefix of the rest for an extension. `depthAfter` is the
    /// depth past the path.
    function _path(uint256 pathItem, uint256 end, bytes32 key, uint256 depth, uint256 index)
        private
        pure
        returns (bool leaf, bool matches, uint256 depthAfter)
    {
        uint256 pathNibbles;
        uint256 p;
        uint256 first;
        {
            (uint256 pp, uint256 l, bool isList, uint256 next) = _item(pathItem, end);
            if (isList || l == 0 || next != end) revert InvalidNode(index);
            assembly ("memory-safe") {
                first := byte(0, mload(pp))
            }
            // flag nibble: 0 extension, even length; 1 extension, odd; 2 leaf, even; 3 leaf, odd.
            if (first >> 4 > 3) revert InvalidNode(index);
            leaf = first >> 4 >= 2;
            if (first & 0x10 == 0) {
                if (first & 0x0f != 0) revert InvalidNode(index);
                pathNibbles = 2 * l - 2;
            } else {
                pathNibbles = 2 * l - 1;
            }
            p = pp;
        }
        if (!leaf && pathNibbles == 0) revert InvalidNode(index);
        depthAfter = depth + pathNibbles;
        if (leaf ? depthAfter != 64 : depthAfter > 64) return (leaf, false, depthAfter);

        // At most 64 nibbles: the low half of the flag byte when odd, then at most 32 whole bytes.
        // Line them up with the rest of the key, left-aligned, and compare the first pathNibbles.
        bytes32 have;
        assembly ("memory-safe") {
            have := mload(add(p, 1))
        }
        if (first & 0x10 != 0) have = (have >> 4) | bytes32((first & 0x0f) << 252);
        uint256 keep = pathNibbles * 4;
        bytes32 mask = keep == 256 ? ~bytes32(0) : ~bytes32(type(uint256).max >> keep);
        matches = (have & mask) == ((key << (depth * 4)) & mask);
    }

    /// @dev The key's nibble at position `i` (0 = the high nibble of the first byte).
    function _nibble(bytes32 key, uint256 i) private pure returns (uint256) {
        return (uint256(key) >> (252 - 4 * i)) & 0x0f;
    }

    // ------------------------------------------------------------------ RLP

    /// @dev Splits a list payload [ptr, end) into its items (start pointers into `items`); reverts
    /// past 17 items. In assembly: a branch node has 17 items, and this loop is most of the work.
    function _splitList(uint256 ptr, uint256 end, uint256[17] memory items, uint256 index)
        private
        pure
        returns (uint256 count)
    {
        bool malformed;
        bool tooMany;
        assembly ("memory-safe") {
            for {} lt(ptr, end) {} {
                if eq(count, 17) {
                    tooMany := 1
                    break
                }
                mstore(add(items, shl(5, count)), ptr)
                count := add(count, 1)
                let b0 := byte(0, mload(ptr))
                // the two items a branch is made of: an empty child, a child's hash
                switch b0
                case 0x80 { ptr := add(ptr, 1) }
                case 0xa0 { ptr := add(ptr, 33) }
                default {
                    switch or(lt(b0, 0xb8), and(gt(b0, 0xbf), lt(b0, 0xf8)))
                    case 1 {
                        // a single byte, or a short string or list: the length is in the prefix
                        ptr := add(add(ptr, 1), mul(gt(b0, 0x7f), sub(b0, add(0x80, mul(0x40, gt(b0, 0xbf))))))
                    }
                    default {
                        // long string or long list: 1..8 length bytes follow the prefix
                        let lenOfLen := sub(b0, add(0xb7, mul(0x40, gt(b0, 0xbf))))
                        let payload := add(add(ptr, 1), lenOfLen)
                        if gt(payload, end) {
                            malformed := 1
                            break
                        }
                        ptr := add(payload, shr(sub(256, shl(3, lenOfLen)), mload(add(ptr, 1))))
                    }
                }
            }
            // Items only move forward, so one that ran past the end left `ptr` past it.
            malformed := or(malformed, gt(ptr, end))
        }
        if (malformed) revert MalformedRlp();
        if (tooMany) revert InvalidNode(index);
    }

    /// @dev Decodes the RLP header at `ptr`, within [ptr, end).
    /// @return payload Start of the item's payload.
    /// @return len Payload length in bytes.
    /// @return isList Whether the item is a list.
    /// @return next The first byte after the item (at most `end`).
    function _item(uint256 ptr, uint256 end)
        private
        pure
        returns (uint256 payload, uint256 len, bool isList, uint256 next)
    {
        bool malformed;
        assembly ("memory-safe") {
            malformed := iszero(lt(ptr, end))
            let b0 := byte(0, mload(ptr))
            isList := gt(b0, 0xbf)
            switch lt(b0, 0x80)
            case 1 {
                payload := ptr
                len := 1
            }
            default {
                switch or(lt(b0, 0xb8), and(isList, lt(b0, 0xf8)))
                case 1 {
                    payload := add(ptr, 1)
                    len := sub(b0, add(0x80, mul(0x40, isList)))
                }
                default {
                    let lenOfLen := sub(b0, add(0xb7, mul(0x40, isList)))
                    payload := add(add(ptr, 1), lenOfLen)
                    len := shr(sub(256, shl(3, lenOfLen)), mload(add(ptr, 1)))
                    malformed := or(malformed, gt(payload, end))
                }
            }
            // len < 2^64 and pointers are small: no overflow
            next := add(payload, len)
            malformed := or(malformed, gt(next, end))
        }
        if (malformed) revert MalformedRlp();
    }

    /// @dev An RLP string of at most 32 bytes as a big-endian integer (an account's nonce, balance).
    function _uintItem(uint256 ptr, uint256 end) private pure returns (uint256 v, uint256 next) {
        uint256 p;
        uint256 l;
        bool isList;
        (p, l, isList, next) = _item(ptr, end);
        if (isList || l > 32) revert InvalidAccount();
        assembly ("memory-safe") {
            v := shr(shl(3, sub(32, l)), mload(p))
        }
    }

    /// @dev An RLP string of exactly 32 bytes (an account's storage root, code hash).
    function _rootItem(uint256 ptr, uint256 end) private pure returns (bytes32 v, uint256 next) {
        uint256 p;
        uint256 l;
        bool isList;
        (p, l, isList, next) = _item(ptr, end);
        if (isList || l != 32) revert InvalidAccount();
        assembly ("memory-safe") {
            v := mload(p)
        }
    }
}
