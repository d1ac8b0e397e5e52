// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "../src/interfaces/IVerifier.sol";
import {AggregationVerifier} from "../src/verifiers/AggregationVerifier.sol";
import {CommitteeVerifier} from "../src/verifiers/CommitteeVerifier.sol";
import {OptimisticVerifier} from "../src/verifiers/OptimisticVerifier.sol";
import {OptimisticFixture} from "./Optimistic.t.sol";

/// @notice "Committee AND optimistic": delivery needs both; either alone is not enough.
contract AggregationVerifierTest is OptimisticFixture {
    AggregationVerifier internal both;

    function setUp() public {
        _setupOptimistic();
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = optimistic;
        both = new AggregationVerifier(subs, 2);
        recipient.setVerifier(address(both));
        for (uint256 i; i < 3; ++i) {
            _send(address(recipient), abi.encodePacked("m", i));
        }
    }

    function _part(uint8 index, bytes memory sub) internal pure returns (bytes memory) {
        return abi.encodePacked(index, uint32(sub.length), sub);
    }

    function test_bothMustAccept() public {
        bytes memory committeeProof = _proofSignedRoot(2, _range(0, 3), _firstK());
        bytes memory claimedProof = _proofClaimed(2, _range(0, 3));
        bytes[] memory ms = _messages(_range(0, 3));
        _post(_rootAt(2), 2);

        // The committee alone: not enough sub-proofs.
        bytes memory onlyCommittee = abi.encodePacked(uint8(5), uint8(1), _part(0, committeeProof));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.NotEnoughSubProofs.selector, 1, 2));
        destMailbox.processBatch(onlyCommittee, ms);

        // Both, before the window ends: the optimistic part refuses, with its own error.
        bytes memory full = abi.encodePacked(uint8(5), uint8(2), _part(0, committeeProof), _part(1, claimedProof));
        vm.expectPartialRevert(OptimisticVerifier.ClaimNotMatured.selector);
        destMailbox.processBatch(full, ms);

        vm.warp(block.timestamp + WINDOW);
        assertEq(destMailbox.processBatch(full, ms), 3);
        assertEq(recipient.handled(), 3);
    }

    function test_aForgedCommitteePartFailsTheWholeEvenWithAMaturedClaim() public {
        _post(_rootAt(2), 2);
        vm.warp(block.timestamp + WINDOW);
        // Two signatures where three are needed.
        bytes memory weak = _proofSignedRoot(2, _range(0, 3), 3);
        bytes memory full =
            abi.encodePacked(uint8(5), uint8(2), _part(0, weak), _part(1, _proofClaimed(2, _range(0, 3))));
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.NotEnoughSignatures.selector, 2, 3));
        destMailbox.processBatch(full, _messages(_range(0, 3)));
    }

    function test_malformedProofsAreRefusedByName() public {
        bytes memory p = _proofSignedMessage(0, _firstK());
        bytes memory m = sent[0];
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.UnknownProofMode.selector, uint8(1)));
        both.verify(p, m);
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.ProofTruncated.selector, 2, 1));
        both.verify(hex"05", m);
        // The same sub-verifier twice does not count twice.
        bytes memory twice = abi.encodePacked(uint8(5), uint8(2), _part(0, p), _part(0, p));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.SubIndicesNotAscending.selector, 1, 0));
        both.verify(twice, m);
        bytes memory outOfRange = abi.encodePacked(uint8(5), uint8(2), _part(0, p), _part(7, p));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.SubIndexOutOfRange.selector, 7, 2));
        both.verify(outOfRange, m);
        bytes memory cut = abi.encodePacked(uint8(5), uint8(2), uint8(0), uint32(1000), p);
        vm.expectPartialRevert(AggregationVerifier.ProofTruncated.selector);
        both.verify(cut, m);
    }

    function test_trailingBytesAreRefused() public {
        // 1 of 2 accepts the committee alone; a byte after it is refused.
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = optimistic;
        AggregationVerifier either = new AggregationVerifier(subs, 1);
        bytes memory p = abi.encodePacked(uint8(5), uint8(1), _part(0, _proofSignedMessage(0, _firstK())));
        assertTrue(either.verify(p, sent[0]));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.ProofTrailingBytes.selector, 1));
        either.verify(abi.encodePacked(p, uint8(0)), sent[0]);
    }

    function test_theSetIsCheckedAtConstruction() public {
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = committee;
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.DuplicateSubVerifier.selector, address(committee)));
        new AggregationVerifier(subs, 2);
        subs[1] = IVerifier(address(0));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.ZeroSubVerifier.selector, 1));
        new AggregationVerifier(subs, 2);
        subs[1] = optimistic;
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.InvalidThreshold.selector, 3, 2));
        new AggregationVerifier(subs, 3);
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.InvalidThreshold.selector, 0, 2));
        new AggregationVerifier(subs, 0);
        assertEq(address(both.subVerifiers()[1]), address(optimistic));
        assertEq(both.threshold(), 2);
    }
}
