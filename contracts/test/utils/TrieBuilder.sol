// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @notice Builds Merkle-Patricia trie nodes for tests: RLP encoding, hex-prefix paths, branch,
/// extension and leaf nodes. Used to make tries that anvil's proofs do not show (embedded nodes,
/// mainnet-depth paths) and malformed nodes.
library TrieBuilder {
    /// @notice rlp(bytes)
    function str(bytes memory b) internal pure returns (bytes memory) {
        if (b.length == 1 && uint8(b[0]) < 0x80) return b;
        return bytes.concat(_header(0x80, b.length), b);
    }

    /// @notice rlp(list) of already-encoded items.
    function list(bytes[] memory items) internal pure returns (bytes memory payload) {
        for (uint256 i; i < items.length; ++i) {
            payload = bytes.concat(payload, items[i]);
        }
        return bytes.concat(_header(0xc0, payload.length), payload);
    }

    function _header(uint8 base, uint256 len) private pure returns (bytes memory) {
        if (len < 56) return abi.encodePacked(uint8(base + len));
        uint256 n;
        for (uint256 v = len; v > 0; v >>= 8) {
            ++n;
        }
        bytes memory h = new bytes(1 + n);
        h[0] = bytes1(uint8(base + 55 + n));
        for (uint256 i; i < n; ++i) {
            h[n - i] = bytes1(uint8(len >> (8 * i)));
        }
        return h;
    }

    /// @notice The nibble of `key` at position `i`.
    function nibble(bytes32 key, uint256 i) internal pure returns (uint8) {
        return uint8((uint256(key) >> (252 - 4 * i)) & 0x0f);
    }

    /// @notice Hex-prefix encoding of `count` nibbles of `key` from `start` (leaf or extension).
    function hexPrefix(bytes32 key, uint256 start, uint256 count, bool isLeaf) internal pure returns (bytes memory hp) {
        bool odd = count % 2 == 1;
        hp = new bytes(count / 2 + 1);
        uint8 flag = (isLeaf ? 2 : 0) + (odd ? 1 : 0);
        uint256 at = start;
        if (odd) {
            hp[0] = bytes1((flag << 4) | nibble(key, at));
            ++at;
        } else {
            hp[0] = bytes1(flag << 4);
        }
        for (uint256 i = 1; i < hp.length; ++i) {
            hp[i] = bytes1((nibble(key, at) << 4) | nibble(key, at + 1));
            at += 2;
        }
    }

    /// @notice A leaf holding `value` (raw bytes, RLP-encoded here as the leaf's second item) for
    /// the nibbles of `key` from `start` to the end.
    function leaf(bytes32 key, uint256 start, bytes memory value) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](2);
        items[0] = str(hexPrefix(key, start, 64 - start, true));
        items[1] = str(value);
        return list(items);
    }

    /// @notice An extension over `count` nibbles of `key` from `start`, pointing at `child`.
    function extension(bytes32 key, uint256 start, uint256 count, bytes memory child)
        internal
        pure
        returns (bytes memory)
    {
        bytes[] memory items = new bytes[](2);
        items[0] = str(hexPrefix(key, start, count, false));
        items[1] = ref(child);
        return list(items);
    }

    /// @notice How a parent refers to `node`: embedded when under 32 bytes, else rlp(keccak256).
    function ref(bytes memory node) internal pure returns (bytes memory) {
        if (node.length < 32) return node;
        return str(abi.encodePacked(keccak256(node)));
    }

    /// @notice A branch whose children are `children` (encoded references, or empty for none) and
    /// which holds no value.
    function branch(bytes[16] memory children) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](17);
        for (uint256 i; i < 16; ++i) {
            items[i] = children[i].length == 0 ? str("") : children[i];
        }
        items[16] = str("");
        return list(items);
    }

    /// @notice rlp(value with leading zero bytes removed): what a storage leaf holds.
    function storageValue(bytes32 v) internal pure returns (bytes memory out) {
        uint256 skip;
        while (skip < 32 && v[skip] == 0) {
            ++skip;
        }
        bytes memory trimmed = new bytes(32 - skip);
        for (uint256 i; i < trimmed.length; ++i) {
            trimmed[i] = v[skip + i];
        }
        return str(trimmed);
    }
}
