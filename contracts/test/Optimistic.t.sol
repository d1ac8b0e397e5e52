// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {Mailbox} from "../src/Mailbox.sol";
import {Claims} from "../src/libs/Claims.sol";
import {MerkleTree} from "../src/libs/MerkleTree.sol";
import {ProposerBond} from "../src/staking/ProposerBond.sol";
import {OptimisticVerifier} from "../src/verifiers/OptimisticVerifier.sol";
import {RootCacheVerifier} from "../src/verifiers/RootCacheVerifier.sol";
import {CourierFixture, NoopRecipient} from "./utils/Fixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Shared setup: an optimistic route ORIGIN → DEST with a 30-minute window, one proposer
/// bonded on the origin, one watcher.
abstract contract OptimisticFixture is CourierFixture {
    uint64 internal constant WINDOW = 30 minutes;
    uint64 internal constant UNBONDING = 7 days;
    uint256 internal proposerKey = uint256(keccak256("proposer"));
    address internal proposer;
    address internal watcher = makeAddr("watcher");
    OptimisticVerifier internal optimistic;
    ProposerBond internal bondBox;

    function _setupOptimistic() internal {
        _deploy(3, 5);
        proposer = vm.addr(proposerKey);
        optimistic = new OptimisticVerifier(owner, 10 minutes);
        vm.startPrank(owner);
        optimistic.setRoute(ORIGIN, _b32(address(originMailbox)), WINDOW);
        optimistic.setProposer(ORIGIN, proposer, true);
        optimistic.setWatcher(watcher, true);
        vm.stopPrank();
        recipient.setVerifier(address(optimistic));
        bondBox = new ProposerBond(originMailbox, UNBONDING, 5_000);
        vm.deal(proposer, 10 ether);
        vm.prank(proposer);
        bondBox.bond{value: 10 ether}();
    }

    function _claimSig(uint256 key, bytes32 root, uint32 index) internal view returns (bytes memory) {
        return _sig(key, Claims.digest(ORIGIN, _b32(address(originMailbox)), root, index));
    }

    function _post(bytes32 root, uint32 index) internal {
        optimistic.postClaim(ORIGIN, root, index, _claimSig(proposerKey, root, index));
    }

    function _proofClaimed(uint32 index, uint256[] memory nonces) internal view returns (bytes memory) {
        bytes32[] memory ls = _leavesUpTo(index);
        return abi.encodePacked(uint8(4), TreeBuilder.root(ls), TreeBuilder.multiproof(ls, nonces));
    }

    /// @dev The 32 siblings of leaf `index` in the tree of leaves 0..=`upTo`.
    function _siblings(uint32 upTo, uint256 index) internal view returns (bytes32[32] memory branch) {
        bytes32[][] memory lv = TreeBuilder.levels(_leavesUpTo(upTo));
        bytes32[] memory z = TreeBuilder.zeroes();
        for (uint256 l; l < 32; ++l) {
            uint256 sibling = (index >> l) ^ 1;
            branch[l] = sibling < lv[l].length ? lv[l][sibling] : z[l];
        }
    }
}

contract OptimisticVerifierTest is OptimisticFixture {
    function setUp() public {
        _setupOptimistic();
        for (uint256 i; i < 4; ++i) {
            _send(address(recipient), abi.encodePacked("m", i));
        }
    }

    function test_anHonestClaimMaturesAndDelivers() public {
        bytes32 root = _rootAt(3);
        vm.expectEmit(address(optimistic));
        emit OptimisticVerifier.ClaimPosted(
            ORIGIN, root, 3, proposer, uint48(block.timestamp + WINDOW), _claimSig(proposerKey, root, 3)
        );
        _post(root, 3);
        bytes memory proof = _proofClaimed(3, _range(0, 4));
        bytes[] memory ms = _messages(_range(0, 4));

        // Not before the window ends.
        vm.expectRevert(
            abi.encodeWithSelector(
                OptimisticVerifier.ClaimNotMatured.selector, uint48(block.timestamp + WINDOW), block.timestamp
            )
        );
        destMailbox.processBatch(proof, ms);

        vm.warp(block.timestamp + WINDOW);
        assertEq(destMailbox.processBatch(proof, ms), 4);
        assertTrue(optimistic.acceptedRoot(ORIGIN, root));
        assertEq(recipient.handled(), 4);
    }

    function test_aVetoedClaimIsNeverAcceptedAndPausesTheRoute() public {
        bytes32 root = keccak256("false root");
        _post(root, 3);
        vm.expectEmit(address(optimistic));
        emit OptimisticVerifier.ClaimVetoed(ORIGIN, root, watcher);
        vm.prank(watcher);
        optimistic.veto(ORIGIN, root);
        (,, bool paused) = optimistic.routes(ORIGIN);
        assertTrue(paused);

        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ClaimWasVetoed.selector, ORIGIN, root));
        optimistic.acceptClaim(ORIGIN, root);
        // The route takes no claim until the owner resumes it, not even a true one.
        bytes32 truth = _rootAt(3);
        bytes memory sig = _claimSig(proposerKey, truth, 3);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.OriginPaused.selector, ORIGIN));
        optimistic.postClaim(ORIGIN, truth, 3, sig);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, watcher));
        vm.prank(watcher);
        optimistic.resume(ORIGIN);
        vm.prank(owner);
        optimistic.resume(ORIGIN);
        _post(truth, 3);
        vm.warp(block.timestamp + WINDOW);
        optimistic.acceptClaim(ORIGIN, truth);
        assertTrue(optimistic.acceptedRoot(ORIGIN, truth));
        // Still never the vetoed one.
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ClaimWasVetoed.selector, ORIGIN, root));
        optimistic.acceptClaim(ORIGIN, root);
    }

    function test_onlyWatchersVetoAndOnlyUnacceptedClaims() public {
        bytes32 root = _rootAt(3);
        _post(root, 3);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.NotWatcher.selector, relayer));
        vm.prank(relayer);
        optimistic.veto(ORIGIN, root);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ClaimUnknown.selector, ORIGIN, bytes32(uint256(1))));
        vm.prank(watcher);
        optimistic.veto(ORIGIN, bytes32(uint256(1)));
        vm.warp(block.timestamp + WINDOW);
        optimistic.acceptClaim(ORIGIN, root);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ClaimAlreadyAccepted.selector, ORIGIN, root));
        vm.prank(watcher);
        optimistic.veto(ORIGIN, root);
    }

    function test_claimsAreRefusedByName() public {
        bytes32 root = _rootAt(3);
        // Signed by someone who is not a proposer.
        uint256 stranger = uint256(keccak256("stranger"));
        bytes memory sig = _claimSig(stranger, root, 3);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ProposerUnknown.selector, ORIGIN, vm.addr(stranger)));
        optimistic.postClaim(ORIGIN, root, 3, sig);
        // Signed for another index: recovers to someone else.
        sig = _claimSig(proposerKey, root, 2);
        vm.expectPartialRevert(OptimisticVerifier.ProposerUnknown.selector);
        optimistic.postClaim(ORIGIN, root, 3, sig);
        // Malformed.
        vm.expectRevert(OptimisticVerifier.ClaimSignatureInvalid.selector);
        optimistic.postClaim(ORIGIN, root, 3, hex"1234");
        // No route.
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.NoRoute.selector, uint64(7)));
        optimistic.postClaim(7, root, 3, sig);
        // Zero root.
        sig = _claimSig(proposerKey, bytes32(0), 3);
        vm.expectRevert(RootCacheVerifier.ZeroRoot.selector);
        optimistic.postClaim(ORIGIN, bytes32(0), 3, sig);
        // Twice.
        _post(root, 3);
        sig = _claimSig(proposerKey, root, 3);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ClaimExists.selector, ORIGIN, root));
        optimistic.postClaim(ORIGIN, root, 3, sig);
        // Unknown claims are not accepted.
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.ClaimUnknown.selector, ORIGIN, bytes32(uint256(5))));
        optimistic.acceptClaim(ORIGIN, bytes32(uint256(5)));
    }

    function test_windowsBelowTheFloorAreRefused() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(OptimisticVerifier.WindowBelowFloor.selector, 60, 600));
        optimistic.setRoute(ORIGIN, _b32(address(originMailbox)), 60);
        vm.prank(owner);
        vm.expectRevert(OptimisticVerifier.ZeroOriginMailbox.selector);
        optimistic.setRoute(ORIGIN, bytes32(0), WINDOW);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, relayer));
        vm.prank(relayer);
        optimistic.setRoute(ORIGIN, _b32(address(originMailbox)), WINDOW);
    }

    function test_messagesNotUnderTheClaimedRootAreRefused() public {
        bytes32 root = _rootAt(2);
        _post(root, 2);
        vm.warp(block.timestamp + WINDOW);
        // Message 3 is not under the root of 0..=2.
        bytes memory proof = abi.encodePacked(uint8(4), root, TreeBuilder.multiproof(_leavesUpTo(2), _one(2)));
        vm.expectPartialRevert(RootCacheVerifier.InclusionProofInvalid.selector);
        destMailbox.process(proof, sent[3]);
    }

    function testFuzz_claimDigestMatchesTheLibrary(uint64 origin, bytes32 mailbox, bytes32 root, uint32 index)
        public
        view
    {
        assertEq(optimistic.claimDigest(origin, mailbox, root, index), Claims.digest(origin, mailbox, root, index));
    }
}

contract ProposerBondTest is OptimisticFixture {
    function setUp() public {
        _setupOptimistic();
        for (uint256 i; i < 10; ++i) {
            _send(address(recipient), abi.encodePacked("m", i));
        }
    }

    function test_aFalseClaimIsProvenOnTheOriginAndTheBondSlashed() public {
        bytes32 lie = keccak256("lie");
        bytes memory sig = _claimSig(proposerKey, lie, 4);
        // More messages arrive after the claim; the proof is against the tree as it is now.
        _send(address(recipient), "later");
        bytes32[32] memory sib = _siblings(10, 4);
        address prover = makeAddr("prover");
        vm.expectEmit(address(bondBox));
        emit ProposerBond.ProposerSlashed(proposer, lie, 4, prover, 10 ether, 5 ether);
        vm.prank(prover);
        bondBox.proveFraud(lie, 4, sig, leaves[4], sib);
        assertEq(prover.balance, 5 ether);
        (uint128 amount,, bool slashed) = bondBox.bonds(proposer);
        assertEq(amount, 0);
        assertTrue(slashed);
        assertEq(address(bondBox).balance, 5 ether, "the rest stays locked");
        // Not twice.
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.NoBond.selector, proposer));
        bondBox.proveFraud(lie, 4, sig, leaves[4], sib);
        // A slashed proposer cannot bond again.
        vm.deal(proposer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.ProposerWasSlashed.selector, proposer));
        vm.prank(proposer);
        bondBox.bond{value: 1 ether}();
    }

    function test_aTrueClaimCannotBeSlashed() public {
        bytes32 truth = _rootAt(4);
        bytes memory sig = _claimSig(proposerKey, truth, 4);
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.ClaimIsTrue.selector, truth, uint32(4)));
        bondBox.proveFraud(truth, 4, sig, leaves[4], _siblings(9, 4));
    }

    function test_wrongLeafProofsAndUndispatchedIndicesAreRefused() public {
        bytes32 lie = keccak256("lie");
        bytes memory sig = _claimSig(proposerKey, lie, 4);
        bytes32[32] memory sib = _siblings(9, 4);
        sib[3] = keccak256("tampered");
        vm.expectPartialRevert(ProposerBond.LeafProofInvalid.selector);
        bondBox.proveFraud(lie, 4, sig, leaves[4], sib);
        // Another leaf at the index.
        vm.expectPartialRevert(ProposerBond.LeafProofInvalid.selector);
        bondBox.proveFraud(lie, 4, sig, leaves[5], _siblings(9, 4));
        // An index not dispatched yet cannot be proven false (yet).
        sig = _claimSig(proposerKey, lie, 12);
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.IndexNotDispatched.selector, uint32(12), uint32(10)));
        bondBox.proveFraud(lie, 12, sig, leaves[4], _siblings(9, 4));
        // Signed by someone without a bond.
        uint256 stranger = uint256(keccak256("stranger"));
        sig = _claimSig(stranger, lie, 4);
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.NoBond.selector, vm.addr(stranger)));
        bondBox.proveFraud(lie, 4, sig, leaves[4], _siblings(9, 4));
        // A claim about another Mailbox recovers to someone else: no bond.
        bytes memory other = _sig(proposerKey, Claims.digest(ORIGIN, bytes32(uint256(1)), lie, 4));
        vm.expectPartialRevert(ProposerBond.NoBond.selector);
        bondBox.proveFraud(lie, 4, other, leaves[4], _siblings(9, 4));
    }

    function test_withdrawalsWaitTheUnbondingDelayAndStaySlashable() public {
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.NotWithdrawable.selector, uint64(0), block.timestamp));
        vm.prank(proposer);
        bondBox.withdraw();
        vm.prank(proposer);
        bondBox.requestWithdrawal();
        uint64 at = uint64(block.timestamp) + UNBONDING;
        vm.warp(at - 1);
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.NotWithdrawable.selector, at, block.timestamp));
        vm.prank(proposer);
        bondBox.withdraw();
        // Still slashable while unbonding.
        bytes32 lie = keccak256("lie");
        vm.prank(makeAddr("prover"));
        bondBox.proveFraud(lie, 2, _claimSig(proposerKey, lie, 2), leaves[2], _siblings(9, 2));
        vm.warp(at);
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.ProposerWasSlashed.selector, proposer));
        vm.prank(proposer);
        bondBox.withdraw();
    }

    function test_anUnslashedProposerWithdrawsItsBond() public {
        vm.prank(proposer);
        bondBox.requestWithdrawal();
        vm.warp(block.timestamp + UNBONDING);
        uint256 before = proposer.balance;
        vm.prank(proposer);
        bondBox.withdraw();
        assertEq(proposer.balance - before, 10 ether);
    }

    function test_configurationIsChecked() public {
        vm.expectRevert(abi.encodeWithSelector(ProposerBond.RewardTooHigh.selector, uint16(10_001)));
        new ProposerBond(originMailbox, UNBONDING, 10_001);
        vm.expectRevert(ProposerBond.NothingBonded.selector);
        bondBox.bond();
    }
}

/// @notice The fold that proves "the root at index i" from the tree as it is now.
contract ClaimsTest is CourierFixture {
    using MerkleTree for MerkleTree.Tree;

    MerkleTree.Tree internal tree;

    function rootAt(bytes32 leaf, uint256 index, bytes32[32] calldata siblings) external pure returns (bytes32) {
        return Claims.rootAtIndex(leaf, index, siblings);
    }

    function branchRoot(bytes32 leaf, uint256 index, bytes32[32] calldata siblings) external pure returns (bytes32) {
        return Claims.branchRoot(leaf, index, siblings);
    }

    /// @dev Inserts `n` leaves recording the root after each; for every index, the proof from the
    /// final tree folds to the current root and to the recorded root at that index.
    function testFuzz_theRootAtAnIndexComesFromTheCurrentTree(uint256 seed, uint8 n_) public {
        uint256 n = bound(n_, 1, 40);
        bytes32[] memory ls = new bytes32[](n);
        bytes32[] memory roots = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            ls[i] = keccak256(abi.encode(seed, i));
            tree.insert(ls[i]);
            roots[i] = tree.root();
        }
        bytes32[][] memory lv = TreeBuilder.levels(ls);
        bytes32[] memory z = TreeBuilder.zeroes();
        for (uint256 i; i < n; ++i) {
            bytes32[32] memory sib;
            for (uint256 l; l < 32; ++l) {
                uint256 s = (i >> l) ^ 1;
                sib[l] = s < lv[l].length ? lv[l][s] : z[l];
            }
            assertEq(this.branchRoot(ls[i], i, sib), roots[n - 1], "current root");
            assertEq(this.rootAt(ls[i], i, sib), roots[i], "root at index");
        }
    }
}

/// @notice `make bench`'s optimistic figures.
contract OptimisticGasBenchmark is OptimisticFixture {
    string internal constant GROUP = "gas";

    function test_gas_optimistic() public {
        _setupOptimistic();
        NoopRecipient noop = new NoopRecipient();
        Mailbox dest = destMailbox;
        vm.prank(owner);
        dest.setDefaultVerifier(optimistic);
        for (uint256 i; i < 100; ++i) {
            _send(address(noop), abi.encodePacked(keccak256(abi.encode("gas", i))));
        }
        bytes32 root = _rootAt(99);
        bytes memory sig = _claimSig(proposerKey, root, 99);
        vm.prank(relayer);
        optimistic.postClaim(ORIGIN, root, 99, sig);
        vm.snapshotGasLastCall(GROUP, "optimistic.claim");
        vm.warp(block.timestamp + WINDOW);

        bytes memory proof = _proofClaimed(99, _range(0, 100));
        bytes[] memory ms = _messages(_range(0, 100));
        vm.prank(relayer);
        uint256 done = dest.processBatch(proof, ms);
        uint256 total = vm.snapshotGasLastCall(GROUP, "process.optimistic.batch100.total.32B");
        assertEq(done, 100);
        vm.snapshotValue(GROUP, "process.optimistic.batch100.per_message.32B", total / 100);

        // A false claim proven on the origin, with 1,000 messages in the tree.
        for (uint256 i = 100; i < 1000; ++i) {
            _send(address(noop), abi.encodePacked(keccak256(abi.encode("gas", i))));
        }
        bytes32 lie = keccak256("lie");
        bytes memory lieSig = _claimSig(proposerKey, lie, 500);
        bytes32[32] memory sib = _siblings(999, 500);
        bytes32 leaf = leaves[500];
        vm.prank(relayer);
        bondBox.proveFraud(lie, 500, lieSig, leaf, sib);
        vm.snapshotGasLastCall(GROUP, "optimistic.prove_fraud");
    }
}
