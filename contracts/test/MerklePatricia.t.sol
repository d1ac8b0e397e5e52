// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {MerklePatricia} from "../src/libs/MerklePatricia.sol";
import {TrieBuilder} from "./utils/TrieBuilder.sol";

/// @notice Calls the library externally, so reverts can be expected.
contract MptHarness {
    function account(bytes32 root, address a, bytes[] memory proof)
        external
        pure
        returns (uint256, uint256, bytes32, bytes32)
    {
        return MerklePatricia.verifyAccount(root, a, proof);
    }

    function storageAt(bytes32 root, bytes32 slot, bytes[] memory proof) external pure returns (bytes32) {
        return MerklePatricia.verifyStorage(root, slot, proof);
    }
}

/// @notice MerklePatricia against real `eth_getProof` answers from anvil (test/fixtures/mpt-anvil.json,
/// made by gen-mpt.sh), tampered variants of them, and tries built here for what anvil's proofs do
/// not show (embedded nodes, mainnet-depth paths, malformed nodes).
contract MerklePatriciaTest is Test {
    string internal json;
    bytes32 internal stateRoot;
    MptHarness internal h;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/mpt-anvil.json"));
        stateRoot = vm.parseJsonBytes32(json, ".stateRoot");
        h = new MptHarness();
    }

    // ---------------------------------------------------------------- fixture access

    struct Acct {
        address addr;
        uint256 nonce;
        uint256 balance;
        bytes32 storageHash;
        bytes32 codeHash;
        bytes[] proof;
    }

    function _acct(uint256 i) internal view returns (Acct memory a) {
        string memory b = string.concat(".accounts[", vm.toString(i), "]");
        a.addr = vm.parseJsonAddress(json, string.concat(b, ".address"));
        a.nonce = vm.parseJsonUint(json, string.concat(b, ".nonce"));
        a.balance = vm.parseJsonUint(json, string.concat(b, ".balance"));
        a.storageHash = vm.parseJsonBytes32(json, string.concat(b, ".storageHash"));
        a.codeHash = vm.parseJsonBytes32(json, string.concat(b, ".codeHash"));
        a.proof = vm.parseJsonBytesArray(json, string.concat(b, ".accountProof"));
    }

    /// @dev Slot `j` of account `i` (`kind` is "slots" or "absentSlots").
    function _slot(uint256 i, string memory kind, uint256 j)
        internal
        view
        returns (bytes32 key, bytes32 value, bytes[] memory proof)
    {
        string memory b = string.concat(".accounts[", vm.toString(i), "].", kind, "[", vm.toString(j), "]");
        key = vm.parseJsonBytes32(json, string.concat(b, ".key"));
        value = bytes32(vm.parseJsonUint(json, string.concat(b, ".value")));
        proof = vm.parseJsonBytesArray(json, string.concat(b, ".proof"));
    }

    function _count(uint256 i, string memory kind) internal view returns (uint256 n) {
        string memory b = string.concat(".accounts[", vm.toString(i), "].", kind);
        while (vm.keyExistsJson(json, string.concat(b, "[", vm.toString(n), "]"))) {
            ++n;
        }
    }

    function _copy(bytes[] memory proof) internal pure returns (bytes[] memory out) {
        out = new bytes[](proof.length);
        for (uint256 i; i < proof.length; ++i) {
            out[i] = bytes.concat(proof[i]);
        }
    }

    // ---------------------------------------------------------------- real proofs

    function test_account_realProofs() public view {
        for (uint256 i; i < 2; ++i) {
            Acct memory a = _acct(i);
            (uint256 nonce, uint256 balance, bytes32 storageRoot, bytes32 codeHash) =
                MerklePatricia.verifyAccount(stateRoot, a.addr, a.proof);
            assertEq(nonce, a.nonce);
            assertEq(nonce, 1); // a contract starts at nonce 1
            assertEq(balance, a.balance);
            assertEq(storageRoot, a.storageHash);
            assertEq(codeHash, a.codeHash);
            assertEq(codeHash, keccak256(hex"00")); // the fixture's code is one STOP byte
        }
    }

    function test_storage_realProofs_present() public view {
        uint256 checked;
        for (uint256 i; i < 2; ++i) {
            bytes32 root = _acct(i).storageHash;
            uint256 n = _count(i, "slots");
            for (uint256 j; j < n; ++j) {
                (bytes32 key, bytes32 value, bytes[] memory proof) = _slot(i, "slots", j);
                assertTrue(value != 0);
                assertEq(MerklePatricia.verifyStorage(root, key, proof), value);
                ++checked;
            }
        }
        assertEq(checked, 11);
    }

    /// @dev Values of every RLP shape come back whole (the fixture's constructor wrote them).
    function test_storage_realProofs_valueShapes() public view {
        bytes32 root = _acct(0).storageHash;
        bytes32[6] memory want = [
            bytes32(uint256(1)),
            bytes32(uint256(0x80)),
            bytes32(uint256(0x7f)),
            bytes32(uint256(0xffff)),
            bytes32(0xc0ffee00000000000000000000000000000000000000000000000000000000ee),
            bytes32(uint256(0xabcdef))
        ];
        for (uint256 j; j < want.length; ++j) {
            (bytes32 key,, bytes[] memory proof) = _slot(0, "slots", j);
            assertEq(key, bytes32(j));
            assertEq(MerklePatricia.verifyStorage(root, key, proof), want[j]);
        }
    }

    /// @dev Proofs of absence that end at an empty branch child, at a leaf of another key, at the
    /// root extension and at a branch under it all prove zero.
    function test_storage_realProofs_absent() public view {
        uint256 checked;
        for (uint256 i; i < 2; ++i) {
            bytes32 root = _acct(i).storageHash;
            uint256 n = _count(i, "absentSlots");
            for (uint256 j; j < n; ++j) {
                (bytes32 key, bytes32 value, bytes[] memory proof) = _slot(i, "absentSlots", j);
                assertEq(value, 0);
                assertEq(MerklePatricia.verifyStorage(root, key, proof), 0);
                ++checked;
            }
        }
        assertEq(checked, 5);
    }

    function test_account_missing_reverts() public {
        address missing = vm.parseJsonAddress(json, ".missingAccount.address");
        bytes[] memory proof = vm.parseJsonBytesArray(json, ".missingAccount.accountProof");
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.AccountNotFound.selector, missing));
        h.account(stateRoot, missing, proof);
    }

    function test_get_returnsTheAccountLeaf() public view {
        Acct memory a = _acct(0);
        (bool found, bytes memory value) = MerklePatricia.get(stateRoot, keccak256(abi.encodePacked(a.addr)), a.proof);
        assertTrue(found);
        bytes[] memory fields = new bytes[](4);
        fields[0] = TrieBuilder.str(hex"01");
        fields[1] = TrieBuilder.str("");
        fields[2] = TrieBuilder.str(abi.encodePacked(a.storageHash));
        fields[3] = TrieBuilder.str(abi.encodePacked(a.codeHash));
        assertEq(value, TrieBuilder.list(fields));
    }

    // ---------------------------------------------------------------- tampering

    /// @dev A flipped bit anywhere in any node: the node no longer hashes to its reference.
    function test_tamper_flippedByteInEachNode() public {
        Acct memory a = _acct(0);
        (bytes32 key,, bytes[] memory sproof) = _slot(0, "slots", 1); // four nodes deep
        for (uint256 i; i < a.proof.length; ++i) {
            bytes[] memory p = _copy(a.proof);
            p[i][p[i].length / 2] ^= 0x01;
            vm.expectRevert(
                i == 0
                    ? abi.encodeWithSelector(MerklePatricia.RootMismatch.selector)
                    : abi.encodeWithSelector(MerklePatricia.NodeHashMismatch.selector, i)
            );
            h.account(stateRoot, a.addr, p);
        }
        for (uint256 i; i < sproof.length; ++i) {
            bytes[] memory p = _copy(sproof);
            p[i][0] ^= 0x01; // even the RLP header
            vm.expectRevert(
                i == 0
                    ? abi.encodeWithSelector(MerklePatricia.RootMismatch.selector)
                    : abi.encodeWithSelector(MerklePatricia.NodeHashMismatch.selector, i)
            );
            h.storageAt(a.storageHash, key, p);
        }
    }

    function test_tamper_wrongRoot() public {
        Acct memory a = _acct(0);
        vm.expectRevert(MerklePatricia.RootMismatch.selector);
        h.account(bytes32(uint256(stateRoot) ^ 1), a.addr, a.proof);
        // another account's storage root
        (bytes32 key,, bytes[] memory proof) = _slot(0, "slots", 0);
        vm.expectRevert(MerklePatricia.RootMismatch.selector);
        h.storageAt(_acct(1).storageHash, key, proof);
    }

    /// @dev A proof of one present slot, checked for another present slot, reverts: it can never
    /// return the first slot's value, nor a zero, for the second.
    function test_tamper_wrongSlot() public {
        bytes32 root = _acct(0).storageHash;
        uint256 n = _count(0, "slots");
        for (uint256 s; s < n; ++s) {
            (,, bytes[] memory proof) = _slot(0, "slots", s);
            for (uint256 t; t < n; ++t) {
                if (t == s) continue;
                (bytes32 other,,) = _slot(0, "slots", t);
                try h.storageAt(root, other, proof) returns (bytes32 got) {
                    emit log_named_bytes32("returned", got);
                    assertTrue(false, "a proof of one slot verified another");
                } catch (bytes memory reason) {
                    // the two paths part at a branch: the next node is not the one `other` needs
                    assertEq(bytes4(reason), MerklePatricia.NodeHashMismatch.selector);
                }
            }
        }
        // and an account proof for another address
        Acct memory a = _acct(0);
        vm.expectRevert();
        h.account(stateRoot, _acct(1).addr, a.proof);
    }

    function test_tamper_truncated() public {
        Acct memory a = _acct(0);
        bytes[] memory p = new bytes[](a.proof.length - 1);
        for (uint256 i; i < p.length; ++i) {
            p[i] = a.proof[i];
        }
        vm.expectRevert(MerklePatricia.ProofTooShort.selector);
        h.account(stateRoot, a.addr, p);

        // without its first node, the proof starts below the root
        bytes[] memory q = new bytes[](a.proof.length - 1);
        for (uint256 i; i < q.length; ++i) {
            q[i] = a.proof[i + 1];
        }
        vm.expectRevert(MerklePatricia.RootMismatch.selector);
        h.account(stateRoot, a.addr, q);

        // a storage proof of absence cut before its last node
        (bytes32 key,, bytes[] memory sproof) = _slot(0, "absentSlots", 1); // ends at a leaf
        assertEq(sproof.length, 3);
        bytes[] memory s = new bytes[](2);
        (s[0], s[1]) = (sproof[0], sproof[1]);
        vm.expectRevert(MerklePatricia.ProofTooShort.selector);
        h.storageAt(_acct(0).storageHash, key, s);

        // an empty proof of a non-empty trie
        vm.expectRevert(MerklePatricia.ProofTooShort.selector);
        h.storageAt(_acct(0).storageHash, key, new bytes[](0));
    }

    function test_tamper_extraNode() public {
        Acct memory a = _acct(0);
        bytes[] memory p = new bytes[](a.proof.length + 1);
        for (uint256 i; i < a.proof.length; ++i) {
            p[i] = a.proof[i];
        }
        p[a.proof.length] = a.proof[0];
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.ProofTooLong.selector, 1));
        h.account(stateRoot, a.addr, p);

        // a proof of absence that goes on past the empty child
        (bytes32 key,, bytes[] memory sproof) = _slot(0, "absentSlots", 0);
        (,, bytes[] memory present) = _slot(0, "slots", 0);
        bytes[] memory s = new bytes[](sproof.length + 1);
        for (uint256 i; i < sproof.length; ++i) {
            s[i] = sproof[i];
        }
        s[sproof.length] = present[1];
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.ProofTooLong.selector, 1));
        h.storageAt(_acct(0).storageHash, key, s);
    }

    // ---------------------------------------------------------------- empty tries

    function test_emptyTrie() public pure {
        bytes32 empty = MerklePatricia.EMPTY_TRIE_ROOT;
        assertEq(empty, keccak256(hex"80"));
        assertEq(MerklePatricia.verifyStorage(empty, bytes32(0), new bytes[](0)), 0);
        bytes[] memory p = new bytes[](1);
        p[0] = hex"80";
        assertEq(MerklePatricia.verifyStorage(empty, bytes32(uint256(7)), p), 0);
    }

    function test_emptyTrie_extraNodeReverts() public {
        bytes[] memory p = new bytes[](2);
        (p[0], p[1]) = (hex"80", hex"80");
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.ProofTooLong.selector, 1));
        h.storageAt(MerklePatricia.EMPTY_TRIE_ROOT, bytes32(0), p);
    }

    // ---------------------------------------------------------------- embedded nodes (built here)

    /// @dev root = extension over the key's first `prefix` nibbles → branch (by hash) holding two
    /// embedded leaves (under 32 bytes each): the key's own (or one that differs in its last
    /// nibble) and a neighbour's.
    function _embeddedTrie(bytes32 key, uint256 prefix, bytes32 value, bool otherKey)
        internal
        pure
        returns (bytes32 root, bytes[] memory proof)
    {
        bytes32 leafKey = otherKey ? key ^ bytes32(uint256(1)) : key;
        bytes memory mine = TrieBuilder.leaf(leafKey, prefix + 1, TrieBuilder.storageValue(value));
        bytes32 neighbourKey = key ^ bytes32(uint256(1) << (252 - 4 * prefix)); // other nibble there
        bytes memory neighbour =
            TrieBuilder.leaf(neighbourKey, prefix + 1, TrieBuilder.storageValue(bytes32(uint256(2))));
        assertLt(mine.length, 32);
        assertLt(neighbour.length, 32);
        bytes[16] memory children;
        children[TrieBuilder.nibble(key, prefix)] = TrieBuilder.ref(mine);
        children[TrieBuilder.nibble(neighbourKey, prefix)] = TrieBuilder.ref(neighbour);
        bytes memory br = TrieBuilder.branch(children);
        bytes memory ext = TrieBuilder.extension(key, 0, prefix, br);
        proof = new bytes[](2);
        (proof[0], proof[1]) = (ext, br);
        root = keccak256(ext);
    }

    function test_embeddedLeaf_presentAndAbsent() public pure {
        bytes32 slot = bytes32(uint256(0x1234));
        bytes32 key = keccak256(abi.encode(slot));
        // odd (9) and even (8) extension lengths: the embedded leaf's path is then even / odd
        for (uint256 prefix = 8; prefix <= 9; ++prefix) {
            (bytes32 root, bytes[] memory proof) = _embeddedTrie(key, prefix, bytes32(uint256(1)), false);
            assertEq(MerklePatricia.verifyStorage(root, slot, proof), bytes32(uint256(1)));
            (bool found, bytes memory raw) = MerklePatricia.get(root, key, proof);
            assertTrue(found);
            assertEq(raw, hex"01");

            (root, proof) = _embeddedTrie(key, prefix, bytes32(uint256(1)), true);
            assertEq(MerklePatricia.verifyStorage(root, slot, proof), 0);
            (found, raw) = MerklePatricia.get(root, key, proof);
            assertFalse(found);
            assertEq(raw.length, 0);
        }
    }

    function test_embeddedLeaf_truncatedOrTampered() public {
        bytes32 slot = bytes32(uint256(0x1234));
        bytes32 key = keccak256(abi.encode(slot));
        (bytes32 root, bytes[] memory proof) = _embeddedTrie(key, 9, bytes32(uint256(1)), false);
        bytes[] memory cut = new bytes[](1);
        cut[0] = proof[0];
        vm.expectRevert(MerklePatricia.ProofTooShort.selector);
        h.storageAt(root, slot, cut);
        // the embedded leaf's value changed inside the branch
        (, bytes[] memory other) = _embeddedTrie(key, 9, bytes32(uint256(3)), false);
        proof[1] = other[1];
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.NodeHashMismatch.selector, 1));
        h.storageAt(root, slot, proof);
    }

    // ---------------------------------------------------------------- mainnet-depth proof (built here)

    /// @dev A path of `branches` full branch nodes (16 hash children each, as near a mainnet root)
    /// ending in a leaf: the size and shape of a mainnet proof.
    function _deepTrie(bytes32 key, uint256 branches, bytes memory leafValue)
        internal
        pure
        returns (bytes32 root, bytes[] memory proof)
    {
        proof = new bytes[](branches + 1);
        bytes memory node = TrieBuilder.leaf(key, branches, leafValue);
        proof[branches] = node;
        for (uint256 d = branches; d > 0; --d) {
            bytes[16] memory children;
            for (uint256 c; c < 16; ++c) {
                children[c] = TrieBuilder.str(abi.encodePacked(keccak256(abi.encode(d, c))));
            }
            children[TrieBuilder.nibble(key, d - 1)] = TrieBuilder.ref(node);
            node = TrieBuilder.branch(children);
            proof[d - 1] = node;
        }
        root = keccak256(node);
    }

    function _accountRlp(bytes32 storageRoot) internal pure returns (bytes memory) {
        bytes[] memory fields = new bytes[](4);
        fields[0] = TrieBuilder.str(hex"2a");
        fields[1] = TrieBuilder.str(hex"0de0b6b3a7640000"); // 1 ether
        fields[2] = TrieBuilder.str(abi.encodePacked(storageRoot));
        fields[3] = TrieBuilder.str(abi.encodePacked(keccak256("code")));
        return TrieBuilder.list(fields);
    }

    function test_mainnetDepth_accountAndStorage() public pure {
        address who = address(0xC0FFEE);
        bytes32 slot = bytes32(uint256(3));
        (bytes32 storageRoot, bytes[] memory sproof) =
            _deepTrie(keccak256(abi.encode(slot)), 6, TrieBuilder.storageValue(bytes32(uint256(0xbeef))));
        (bytes32 root, bytes[] memory aproof) = _deepTrie(keccak256(abi.encodePacked(who)), 8, _accountRlp(storageRoot));
        assertEq(aproof[0].length, 532); // a full branch node
        (uint256 nonce, uint256 balance, bytes32 sr, bytes32 codeHash) = MerklePatricia.verifyAccount(root, who, aproof);
        assertEq(nonce, 42);
        assertEq(balance, 1 ether);
        assertEq(sr, storageRoot);
        assertEq(codeHash, keccak256("code"));
        assertEq(MerklePatricia.verifyStorage(sr, slot, sproof), bytes32(uint256(0xbeef)));
    }

    // ---------------------------------------------------------------- malformed nodes (built here)

    function _single(bytes memory node) internal pure returns (bytes32 root, bytes[] memory proof) {
        proof = new bytes[](1);
        proof[0] = node;
        root = keccak256(node);
    }

    function _expectStorageRevert(bytes memory node, bytes memory err) internal {
        (bytes32 root, bytes[] memory proof) = _single(node);
        vm.expectRevert(err);
        h.storageAt(root, bytes32(0), proof);
    }

    function test_malformed_rlp() public {
        bytes memory mal = abi.encodeWithSelector(MerklePatricia.MalformedRlp.selector);
        _expectStorageRevert(hex"c5820102", mal); // list longer than its bytes
        _expectStorageRevert(hex"c2808000", mal); // a byte after the node
        _expectStorageRevert(hex"c28280", mal); // an item longer than its list
        _expectStorageRevert(hex"b9ffff00", mal); // long string, length past the end
        _expectStorageRevert(hex"f9", mal); // long list, length bytes missing
        _expectStorageRevert(hex"", mal); // no bytes at all
    }

    function test_malformed_notATrieNode() public {
        bytes memory inv = abi.encodeWithSelector(MerklePatricia.InvalidNode.selector, 0);
        bytes32 key = keccak256(abi.encode(bytes32(0)));
        _expectStorageRevert(hex"c3808080", inv); // three items
        _expectStorageRevert(hex"c0", inv); // no items
        _expectStorageRevert(hex"8180", inv); // a string, not the empty root
        // eighteen items
        bytes[] memory eighteen = new bytes[](18);
        for (uint256 i; i < 18; ++i) {
            eighteen[i] = hex"80";
        }
        _expectStorageRevert(TrieBuilder.list(eighteen), inv);

        bytes[] memory two = new bytes[](2);
        two[1] = TrieBuilder.str(hex"01");
        two[0] = TrieBuilder.str(hex"40"); // hex-prefix flag 4
        _expectStorageRevert(TrieBuilder.list(two), inv);
        two[0] = TrieBuilder.str(hex"05"); // even flag with a non-zero padding nibble
        _expectStorageRevert(TrieBuilder.list(two), inv);
        two[0] = TrieBuilder.str(""); // empty path
        _expectStorageRevert(TrieBuilder.list(two), inv);
        two[0] = TrieBuilder.str(hex"00"); // extension with no nibbles
        _expectStorageRevert(TrieBuilder.list(two), inv);
        two[0] = TrieBuilder.list(new bytes[](0)); // path is a list
        _expectStorageRevert(TrieBuilder.list(two), inv);

        // leaf for the key whose value is a list
        two[0] = TrieBuilder.str(TrieBuilder.hexPrefix(key, 0, 64, true));
        two[1] = hex"c101";
        _expectStorageRevert(TrieBuilder.list(two), inv);

        // extension whose child reference is a 5-byte string
        two[0] = TrieBuilder.str(TrieBuilder.hexPrefix(key, 0, 1, false));
        two[1] = TrieBuilder.str(hex"0102030405");
        _expectStorageRevert(TrieBuilder.list(two), inv);

        // branch whose child on the key's path is an "embedded" list of 33 bytes
        bytes[16] memory children;
        bytes[] memory big = new bytes[](1);
        big[0] = TrieBuilder.str(new bytes(31));
        children[TrieBuilder.nibble(key, 0)] = TrieBuilder.list(big);
        _expectStorageRevert(TrieBuilder.branch(children), inv);
    }

    /// @dev A node of exactly 32 bytes must be referenced by hash: one embedded in its parent is
    /// refused even when it is a well-formed leaf of the key.
    function test_malformed_embeddedNodeOf32Bytes() public {
        bytes32 slot = bytes32(uint256(0x1234));
        bytes32 key = keccak256(abi.encode(slot));
        // leaf over the last 56 nibbles with a one-byte value: 1 + (1 + 29) + 1 = 32 bytes
        bytes memory leaf = TrieBuilder.leaf(key, 8, TrieBuilder.storageValue(bytes32(uint256(1))));
        assertEq(leaf.length, 32);
        bytes[16] memory children;
        children[TrieBuilder.nibble(key, 7)] = leaf; // embedded although 32 bytes long
        bytes memory br = TrieBuilder.branch(children);
        bytes memory ext = TrieBuilder.extension(key, 0, 7, br);
        bytes[] memory proof = new bytes[](2);
        (proof[0], proof[1]) = (ext, br);
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.InvalidNode.selector, 1));
        h.storageAt(keccak256(ext), slot, proof);
    }

    function test_malformed_storageValue() public {
        bytes32 key = keccak256(abi.encode(bytes32(0)));
        bytes[] memory two = new bytes[](2);
        two[0] = TrieBuilder.str(TrieBuilder.hexPrefix(key, 0, 64, true));
        two[1] = TrieBuilder.str(TrieBuilder.str(new bytes(33))); // 33-byte value
        bytes memory err = abi.encodeWithSelector(MerklePatricia.InvalidStorageValue.selector);
        _expectStorageRevert(TrieBuilder.list(two), err);
        two[1] = TrieBuilder.str(hex"c0"); // a list
        _expectStorageRevert(TrieBuilder.list(two), err);
        two[1] = TrieBuilder.str(hex"8201"); // a string cut short
        _expectStorageRevert(TrieBuilder.list(two), abi.encodeWithSelector(MerklePatricia.MalformedRlp.selector));
        two[1] = TrieBuilder.str(""); // nothing
        _expectStorageRevert(TrieBuilder.list(two), err);
    }

    function test_malformed_account() public {
        address who = address(0xBEEF);
        bytes32 key = keccak256(abi.encodePacked(who));
        bytes[] memory fields = new bytes[](4);
        fields[0] = TrieBuilder.str(hex"01");
        fields[1] = TrieBuilder.str(hex"01");
        fields[2] = TrieBuilder.str(abi.encodePacked(bytes32(uint256(1))));
        fields[3] = TrieBuilder.str(new bytes(31)); // code hash of 31 bytes
        _expectAccountRevert(key, who, TrieBuilder.list(fields));
        fields[3] = TrieBuilder.str(new bytes(32));
        fields[0] = TrieBuilder.str(new bytes(33)); // nonce over 32 bytes
        _expectAccountRevert(key, who, TrieBuilder.list(fields));
        fields[0] = TrieBuilder.str(hex"01");
        bytes[] memory five = new bytes[](5);
        for (uint256 i; i < 4; ++i) {
            five[i] = fields[i];
        }
        five[4] = hex"80";
        _expectAccountRevert(key, who, TrieBuilder.list(five));
        _expectAccountRevert(key, who, TrieBuilder.str(hex"01")); // not a list
    }

    function _expectAccountRevert(bytes32 key, address who, bytes memory accountRlp) internal {
        bytes[] memory two = new bytes[](2);
        two[0] = TrieBuilder.str(TrieBuilder.hexPrefix(key, 0, 64, true));
        two[1] = TrieBuilder.str(accountRlp);
        (bytes32 root, bytes[] memory proof) = _single(TrieBuilder.list(two));
        vm.expectRevert(MerklePatricia.InvalidAccount.selector);
        h.account(root, who, proof);
    }
}
