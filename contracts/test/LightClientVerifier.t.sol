// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {VerifierKind} from "../src/interfaces/IVerifier.sol";
import {MerklePatricia} from "../src/libs/MerklePatricia.sol";
import {Message} from "../src/libs/Message.sol";
import {LightClientVerifier, IStateRootSource} from "../src/verifiers/LightClientVerifier.sol";
import {RootCacheVerifier} from "../src/verifiers/RootCacheVerifier.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";
import {TrieBuilder} from "./utils/TrieBuilder.sol";
import {NoopRecipient} from "./utils/Fixture.sol";
import {Mailbox} from "../src/Mailbox.sol";

/// @notice A light client that finalized the blocks a test says (the real one is tested on mainnet
/// data in EthereumLightClient.t.sol; here only its answer matters).
contract StaticStateRoots is IStateRootSource {
    mapping(uint256 => bytes32) public executionStateRoot;

    function set(uint256 blockNumber, bytes32 root) external {
        executionStateRoot[blockNumber] = root;
    }
}

contract MessageEncoder {
    function encode(
        uint32 nonce,
        uint64 origin,
        bytes32 sender,
        uint64 destination,
        bytes32 recipient,
        bytes calldata body
    ) external pure returns (bytes memory) {
        return Message.encode(nonce, origin, sender, destination, recipient, body);
    }
}

/// @notice On a real `eth_getProof` of a Mailbox's committedRoot slot (fixtures/lightclient/
/// mailbox-proof.json, from anvil by gen-mailbox-proof.sh): 100 messages dispatched, then
/// commitRoot().
contract LightClientVerifierTest is Test {
    uint64 internal constant ORIGIN = 31_337;
    uint32 internal constant N = 100;
    string internal fixture;
    LightClientVerifier internal verifier;
    StaticStateRoots internal client;
    bytes[] internal messages;
    bytes32[] internal ids;
    uint64 internal blockNumber;
    bytes32 internal root;

    function setUp() public {
        fixture = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/lightclient/mailbox-proof.json"));
        blockNumber = uint64(vm.parseJsonUint(fixture, ".block"));
        root = vm.parseJsonBytes32(fixture, ".committedRoot");
        client = new StaticStateRoots();
        client.set(blockNumber, vm.parseJsonBytes32(fixture, ".stateRoot"));
        verifier = new LightClientVerifier(address(this));
        verifier.setRoute(ORIGIN, client, vm.parseJsonAddress(fixture, ".mailbox"));
        // The messages gen-mailbox-proof.sh dispatched.
        MessageEncoder enc = new MessageEncoder();
        bytes32 sender = bytes32(uint256(uint160(0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266)));
        for (uint32 i; i < N; ++i) {
            bytes memory m = enc.encode(i, ORIGIN, sender, 31_338, bytes32(uint256(0xbeef)), abi.encode(uint256(i + 1)));
            messages.push(m);
            ids.push(keccak256(m));
        }
    }

    function _proofs() internal view returns (bytes memory) {
        return
            abi.encode(
                vm.parseJsonBytesArray(fixture, ".accountProof"), vm.parseJsonBytesArray(fixture, ".storageProof")
            );
    }

    function _indices(uint256 n) internal pure returns (uint256[] memory indices) {
        indices = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            indices[i] = i;
        }
    }

    function _proof(bytes32 claimed, uint64 at, bytes memory proofs, uint256 n) internal view returns (bytes memory) {
        bytes32[] memory leaves = ids;
        return bytes.concat(
            bytes1(0x03),
            claimed,
            bytes8(at),
            bytes4(uint32(proofs.length)),
            proofs,
            TreeBuilder.multiproof(leaves, _indices(n))
        );
    }

    function test_theFixturesMessagesMakeTheCommittedRoot() public view {
        bytes32[] memory leaves = ids;
        assertEq(TreeBuilder.root(leaves), root, "the Mailbox committed the root of these 100 ids");
        assertEq(vm.parseJsonBytes32(fixture, ".storageValue"), root);
        assertEq(uint8(verifier.kind()), uint8(VerifierKind.LightClient));
    }

    function test_acceptsTheProvenRootAndDeliversABatch() public {
        bytes memory proof = _proof(root, blockNumber, _proofs(), N);
        assertTrue(verifier.verifyBatch(proof, messages));
        assertTrue(verifier.acceptedRoot(ORIGIN, root));
        // Later messages under the same root: mode 0x00 against the cache.
        bytes32[] memory leaves = ids;
        uint256[] memory one = new uint256[](1);
        one[0] = 1;
        bytes memory cached = bytes.concat(bytes1(0x00), root, TreeBuilder.multiproof(leaves, one));
        assertTrue(verifier.verify(cached, messages[1]));
    }

    function test_refusesARootTheSlotDoesNotHold() public {
        bytes32 other = keccak256("another root");
        bytes memory proof = _proof(other, blockNumber, _proofs(), N);
        vm.expectRevert(abi.encodeWithSelector(LightClientVerifier.CommittedRootMismatch.selector, other, root));
        verifier.verifyBatch(proof, messages);
    }

    function test_refusesAStateRootTheClientDoesNotHold() public {
        bytes memory proof = _proof(root, blockNumber + 1, _proofs(), N);
        vm.expectRevert(abi.encodeWithSelector(LightClientVerifier.StateRootUnknown.selector, ORIGIN, blockNumber + 1));
        verifier.verifyBatch(proof, messages);
        // The client holds another state root for the block: the account proof no longer leads there.
        client.set(blockNumber, keccak256("not this state"));
        proof = _proof(root, blockNumber, _proofs(), N);
        vm.expectRevert(MerklePatricia.RootMismatch.selector);
        verifier.verifyBatch(proof, messages);
    }

    function test_refusesATamperedStorageProof() public {
        bytes[] memory storageProof = vm.parseJsonBytesArray(fixture, ".storageProof");
        bytes memory last = storageProof[storageProof.length - 1];
        last[last.length - 1] = bytes1(uint8(last[last.length - 1]) ^ 1);
        bytes memory proofs = abi.encode(vm.parseJsonBytesArray(fixture, ".accountProof"), storageProof);
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.NodeHashMismatch.selector, storageProof.length - 1));
        verifier.verifyBatch(_proof(root, blockNumber, proofs, N), messages);
    }

    function test_refusesAnotherMailboxAndUnknownOrigins() public {
        verifier.setRoute(ORIGIN, client, address(0xdead));
        // The Mailbox's proof does not lead to another account: the walk leaves it at the second node.
        vm.expectRevert(abi.encodeWithSelector(MerklePatricia.NodeHashMismatch.selector, 1));
        verifier.verifyBatch(_proof(root, blockNumber, _proofs(), N), messages);

        LightClientVerifier fresh = new LightClientVerifier(address(this));
        vm.expectRevert(abi.encodeWithSelector(LightClientVerifier.NoRoute.selector, ORIGIN));
        fresh.verifyBatch(_proof(root, blockNumber, _proofs(), N), messages);
    }

    function test_refusesMessagesNotUnderTheRoot() public {
        bytes[] memory forged = new bytes[](1);
        forged[0] = bytes.concat(messages[0], "x");
        bytes32[] memory leaves = ids;
        uint256[] memory one = new uint256[](1);
        bytes memory proof = bytes.concat(
            bytes1(0x03),
            root,
            bytes8(blockNumber),
            bytes4(uint32(_proofs().length)),
            _proofs(),
            TreeBuilder.multiproof(leaves, one)
        );
        vm.expectRevert();
        verifier.verifyBatch(proof, forged);
        assertFalse(verifier.acceptedRoot(ORIGIN, root), "nothing accepted by a reverted call");
    }

    function test_onlyTheOwnerSetsRoutes() public {
        vm.prank(address(0xbad));
        vm.expectRevert();
        verifier.setRoute(ORIGIN, client, address(1));
        vm.expectRevert(LightClientVerifier.InvalidRoute.selector);
        verifier.setRoute(ORIGIN, IStateRootSource(address(0)), address(1));
    }
}

/// @notice `gas.lightclient.accept_root` and `gas.process.lightclient.batch100.per_message.32B` for
/// `make bench`, on the anvil proof (a devnet-sized state trie: 3 account-proof nodes; Ethereum
/// mainnet's are 8 to 9, so its proofs are longer).
contract LightClientVerifierGasBenchmark is Test {
    string internal constant GROUP = "gas";
    uint64 internal constant ORIGIN = 31_337;
    uint64 internal constant DEST = 31_338;

    function _setup()
        internal
        returns (LightClientVerifier verifier, bytes[] memory messages, bytes memory head, bytes32[] memory ids)
    {
        string memory fixture =
            vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/lightclient/mailbox-proof.json"));
        uint64 blockNumber = uint64(vm.parseJsonUint(fixture, ".block"));
        bytes32 root = vm.parseJsonBytes32(fixture, ".committedRoot");
        StaticStateRoots client = new StaticStateRoots();
        client.set(blockNumber, vm.parseJsonBytes32(fixture, ".stateRoot"));
        verifier = new LightClientVerifier(address(this));
        verifier.setRoute(ORIGIN, client, vm.parseJsonAddress(fixture, ".mailbox"));
        MessageEncoder enc = new MessageEncoder();
        bytes32 sender = bytes32(uint256(uint160(0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266)));
        messages = new bytes[](100);
        ids = new bytes32[](100);
        for (uint32 i; i < 100; ++i) {
            messages[i] = enc.encode(i, ORIGIN, sender, DEST, bytes32(uint256(0xbeef)), abi.encode(uint256(i + 1)));
            ids[i] = keccak256(messages[i]);
        }
        bytes memory proofs = abi.encode(
            vm.parseJsonBytesArray(fixture, ".accountProof"), vm.parseJsonBytesArray(fixture, ".storageProof")
        );
        head = bytes.concat(bytes1(0x03), root, bytes8(blockNumber), bytes4(uint32(proofs.length)), proofs);
    }

    function test_gas_lightclient() public {
        (LightClientVerifier verifier, bytes[] memory messages, bytes memory head, bytes32[] memory ids) = _setup();
        uint256[] memory one = new uint256[](1);
        one[0] = 99;
        bytes[] memory last = new bytes[](1);
        last[0] = messages[99];
        // Accepting the root: the storage proofs and one message's inclusion, no delivery.
        LightClientVerifier fresh = new LightClientVerifier(address(this));
        (IStateRootSource client, address mailbox) = verifier.routes(ORIGIN);
        fresh.setRoute(ORIGIN, client, mailbox);
        fresh.verifyBatch(bytes.concat(head, TreeBuilder.multiproof(ids, one)), last);
        vm.snapshotGasLastCall(GROUP, "lightclient.accept_root");

        // 100 deliveries in one transaction: the root accepted by storage proofs, then 100 proven.
        Mailbox dest = new Mailbox(DEST, address(this), verifier);
        vm.etch(address(0xbeef), address(new NoopRecipient()).code);
        uint256[] memory all = new uint256[](100);
        for (uint256 i; i < 100; ++i) {
            all[i] = i;
        }
        uint256 done = dest.processBatch(bytes.concat(head, TreeBuilder.multiproof(ids, all)), messages);
        uint256 total = vm.snapshotGasLastCall(GROUP, "process.lightclient.batch100.total.32B");
        assertEq(done, 100);
        vm.snapshotValue(GROUP, "process.lightclient.batch100.per_message.32B", total / 100);
    }

    /// @dev A proof of `key` through `branches` full branch nodes (16 children each, the others
    /// made up) ending in a leaf holding `value`: the shape of a mainnet proof, consistent by
    /// construction (each node's hash is in its parent).
    function _deep(bytes32 key, uint256 branches, bytes memory value)
        internal
        pure
        returns (bytes[] memory nodes, bytes32 rootHash)
    {
        nodes = new bytes[](branches + 1);
        bytes memory child = TrieBuilder.leaf(key, branches, value);
        nodes[branches] = child;
        for (uint256 d = branches; d > 0; --d) {
            bytes[16] memory children;
            for (uint256 i; i < 16; ++i) {
                children[i] = TrieBuilder.str(abi.encodePacked(keccak256(abi.encode(key, d, i))));
            }
            children[TrieBuilder.nibble(key, d - 1)] = TrieBuilder.ref(child);
            child = TrieBuilder.branch(children);
            nodes[d - 1] = child;
        }
        rootHash = keccak256(child);
    }

    /// @dev accept_root with mainnet-shaped proofs: the account through 8 full branch nodes and a
    /// leaf (mainnet's state trie has some 300 million accounts: 16^7 < 3e8 < 16^8), the
    /// `committedRoot` slot through 2 branch nodes and a leaf. Synthetic tries, real checks.
    function test_gas_lightclient_mainnet_depth() public {
        (, bytes[] memory messages,, bytes32[] memory ids) = _setup();
        bytes32 root = TreeBuilder.root(ids);
        address mailbox = address(0x5EE1d0C1d2b3E4F5a6b7c8D9e0f1A2B3c4D5E6F7);
        (bytes memory proofs, bytes32 stateRoot) = _mainnetProofs(mailbox, root);
        StaticStateRoots client = new StaticStateRoots();
        client.set(20_000_000, stateRoot);
        LightClientVerifier verifier = new LightClientVerifier(address(this));
        verifier.setRoute(ORIGIN, client, mailbox);
        uint256[] memory one = new uint256[](1);
        one[0] = 99;
        bytes[] memory last = new bytes[](1);
        last[0] = messages[99];
        bytes memory proof = bytes.concat(
            bytes1(0x03),
            root,
            bytes8(uint64(20_000_000)),
            bytes4(uint32(proofs.length)),
            proofs,
            TreeBuilder.multiproof(ids, one)
        );
        bytes memory data = abi.encodeCall(verifier.verifyBatch, (proof, last));
        uint256 tokens;
        for (uint256 i; i < data.length; ++i) {
            tokens += data[i] == 0 ? 1 : 4;
        }
        verifier.verifyBatch(proof, last);
        vm.snapshotGasLastCall(GROUP, "lightclient.accept_root.mainnet_depth");
        // What sets it: under Prague (EIP-7623) a calldata-heavy transaction pays at least
        // 21,000 + 10 gas per calldata token (a zero byte 1 token, any other 4).
        vm.snapshotValue(GROUP, "lightclient.accept_root.mainnet_depth.calldata_bytes", data.length);
        vm.snapshotValue(GROUP, "lightclient.accept_root.mainnet_depth.calldata_floor", 21_000 + 10 * tokens);
        assertTrue(verifier.acceptedRoot(ORIGIN, root));
    }

    function _mainnetProofs(address mailbox, bytes32 root) internal pure returns (bytes memory, bytes32) {
        (bytes[] memory storageProof, bytes32 storageRoot) =
            _deep(keccak256(abi.encode(bytes32(uint256(37)))), 2, TrieBuilder.storageValue(root));
        bytes[] memory account = new bytes[](4);
        account[0] = TrieBuilder.str(hex"01");
        account[1] = TrieBuilder.str("");
        account[2] = TrieBuilder.str(abi.encodePacked(storageRoot));
        account[3] = TrieBuilder.str(abi.encodePacked(keccak256("code")));
        (bytes[] memory accountProof, bytes32 stateRoot) =
            _deep(keccak256(abi.encodePacked(mailbox)), 8, TrieBuilder.list(account));
        return (abi.encode(accountProof, storageProof), stateRoot);
    }
}
