// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {CourierFixture, NoopRecipient} from "./utils/Fixture.sol";
import {BaselineInbox, BaselineOutbox} from "./utils/Baseline.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice The gas figures of `make bench`, written to snapshots/gas.json and checked in CI.
/// @dev Run with `--isolate`: every top-level call is then its own transaction, so each figure is
/// what a transaction really pays (21,000 base and calldata included), as a block explorer shows.
/// Every figure has a counterpart for BaselineInbox (per-message signatures and Merkle branch,
/// storage-held validators, one delivery slot per id), measured in the same run.
contract GasBenchmark is CourierFixture {
    string internal constant GROUP = "gas";
    NoopRecipient internal noop;

    function _setup(uint8 k, uint256 n) internal {
        _deploy(k, n);
        noop = new NoopRecipient();
    }

    function _body32(uint256 i) internal pure returns (bytes memory) {
        return abi.encodePacked(keccak256(abi.encode("gas", i)));
    }

    /// @dev Dispatch at steady state: a few messages went before, so the tree's slots are written.
    function test_gas_dispatch() public {
        _setup(3, 5);
        vm.prank(app);
        originMailbox.dispatch(DEST, _b32(address(noop)), _body32(0));
        vm.snapshotGasLastCall(GROUP, "dispatch.first.32B");
        for (uint256 i = 1; i < 4; ++i) {
            vm.prank(app);
            originMailbox.dispatch(DEST, _b32(address(noop)), _body32(i));
        }
        vm.prank(app);
        originMailbox.dispatch(DEST, _b32(address(noop)), _body32(4));
        vm.snapshotGasLastCall(GROUP, "dispatch.32B");
        originMailbox.commitRoot();
        vm.snapshotGasLastCall(GROUP, "commitRoot.after5");

        BaselineOutbox base = new BaselineOutbox(ORIGIN);
        for (uint256 i; i < 4; ++i) {
            vm.prank(app);
            base.dispatch(DEST, _b32(address(noop)), _body32(i));
        }
        vm.prank(app);
        base.dispatch(DEST, _b32(address(noop)), _body32(4));
        vm.snapshotGasLastCall(GROUP, "baseline.dispatch.32B");
    }

    /// @dev A lone delivery, mode 0x01 (signatures only, no inclusion proof), into a fresh delivery
    /// slot (the first message of its 256-nonce window: the most expensive case).
    function _single(uint8 k, uint256 n, string memory name) internal {
        _setup(k, n);
        bytes memory m = _send(address(noop), _body32(0));
        bytes memory proof = _proofSignedMessage(0, _firstK());
        vm.prank(relayer);
        destMailbox.process(proof, m);
        vm.snapshotGasLastCall(GROUP, string.concat("process.committee.", name, ".single.32B"));

        // The next nonce shares the delivery slot: the common case once a route is in use.
        bytes memory next = _send(address(noop), _body32(1));
        proof = _proofSignedMessage(1, _firstK());
        vm.prank(relayer);
        destMailbox.process(proof, next);
        vm.snapshotGasLastCall(GROUP, string.concat("process.committee.", name, ".single.sharedslot.32B"));

        BaselineInbox base = new BaselineInbox(DEST, ORIGIN, _b32(address(originMailbox)), k, validators);
        bytes32 root = _rootAt(0);
        bytes memory sigs = _baselineSignatures(base.digest(root, 0, leaves[0]), k);
        bytes32[32] memory branch = _branch(0, 0);
        vm.prank(relayer);
        base.process(root, 0, branch, sigs, m);
        vm.snapshotGasLastCall(GROUP, string.concat("baseline.process.committee.", name, ".single.32B"));
    }

    function test_gas_process_3of5_single() public {
        _single(3, 5, "3of5");
    }

    function test_gas_process_13of19_single() public {
        _single(13, 19, "13of19");
    }

    /// @dev One root acceptance (mode 0x02) plus 100 inclusion proofs in one transaction.
    function test_gas_process_13of19_batch100() public {
        _setup(13, 19);
        _sendMany(address(noop), 100);
        uint256[] memory nonces = _range(0, 100);
        bytes memory proof = _proofSignedRoot(99, nonces, _firstK());
        bytes[] memory ms = _messages(nonces);
        vm.prank(relayer);
        uint256 done = destMailbox.processBatch(proof, ms);
        uint256 total = vm.snapshotGasLastCall(GROUP, "process.committee.13of19.batch100.total.32B");
        assertEq(done, 100);
        vm.snapshotValue(GROUP, "process.committee.13of19.batch100.per_message.32B", total / 100);

        // The baseline has no batches: each message is its own delivery with its own signatures.
        BaselineInbox base = new BaselineInbox(DEST, ORIGIN, _b32(address(originMailbox)), 13, validators);
        bytes32 root = _rootAt(99);
        bytes memory sigs = _baselineSignatures(base.digest(root, 99, leaves[50]), 13);
        bytes32[32] memory branch = _branch(99, 50);
        vm.prank(relayer);
        base.process(root, 99, branch, sigs, ms[50]);
        uint256 one = vm.snapshotGasLastCall(GROUP, "baseline.process.committee.13of19.single.latest.32B");
        vm.snapshotValue(GROUP, "baseline.process.committee.13of19.batch100.per_message.32B", one);
    }

    function _baselineSignatures(bytes32 digest, uint256 k) internal view returns (bytes memory out) {
        for (uint256 i; i < k; ++i) {
            out = abi.encodePacked(out, _sig(keys[i], digest));
        }
    }

    /// @dev The plain 32-node branch of leaf `index` in the tree of leaves 0..=`upTo`.
    function _branch(uint32 upTo, uint256 index) internal view returns (bytes32[32] memory branch) {
        bytes32[][] memory lv = TreeBuilder.levels(_leavesUpTo(upTo));
        bytes32[] memory z = TreeBuilder.zeroes();
        for (uint256 l; l < 32; ++l) {
            uint256 sibling = (index >> l) ^ 1;
            branch[l] = sibling < lv[l].length ? lv[l][sibling] : z[l];
        }
    }
}
