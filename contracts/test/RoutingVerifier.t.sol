// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IVerifier, VerifierKind} from "../src/interfaces/IVerifier.sol";
import {CommitteeVerifier} from "../src/verifiers/CommitteeVerifier.sol";
import {RoutingVerifier} from "../src/verifiers/RoutingVerifier.sol";
import {CourierFixture} from "./utils/Fixture.sol";
import {RecordingVerifier} from "./Aggregation.t.sol";

/// @notice A verifier per origin: the proof goes unchanged to the origin's verifier.
contract RoutingVerifierTest is CourierFixture {
    RoutingVerifier internal routing;

    function setUp() public {
        _deploy(3, 5);
        routing = new RoutingVerifier(owner);
        vm.prank(owner);
        routing.setRoute(ORIGIN, committee);
        recipient.setVerifier(address(routing));
        for (uint256 i; i < 3; ++i) {
            _send(address(recipient), abi.encodePacked("m", i));
        }
    }

    function test_theOriginsVerifierDecides() public {
        assertEq(uint8(routing.kind()), uint8(VerifierKind.Routing));
        assertEq(address(routing.route(ORIGIN)), address(committee));
        bytes memory proof = _proofSignedRoot(2, _range(0, 3), _firstK());
        assertEq(destMailbox.processBatch(proof, _messages(_range(0, 3))), 3);
        // The origin's verifier's own refusals come through unchanged.
        bytes memory weak = _proofSignedMessage(0, 3);
        bytes memory first = sent[0];
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.NotEnoughSignatures.selector, 2, 3));
        routing.verify(weak, first);
    }

    function test_theRoutedVerifierGetsTheCallUnchangedAndItsAnswerCounts() public {
        RecordingVerifier yes = new RecordingVerifier(true);
        RecordingVerifier no = new RecordingVerifier(false);
        vm.prank(owner);
        routing.setRoute(ORIGIN, yes);
        bytes[] memory ms = _messages(_range(0, 3));
        assertTrue(routing.verifyBatch(hex"c0ffee", ms));
        assertEq(yes.lastCall(), keccak256(abi.encode(bytes(hex"c0ffee"), ms)));
        assertTrue(routing.verify(hex"0102", ms[1]));
        assertEq(yes.lastCall(), keccak256(abi.encode(bytes(hex"0102"), ms[1])));
        vm.prank(owner);
        routing.setRoute(ORIGIN, no);
        assertFalse(routing.verifyBatch(hex"c0ffee", ms));
        assertFalse(routing.verify(hex"0102", ms[1]));
    }

    function test_anOriginWithoutARouteIsRefused() public {
        vm.prank(owner);
        routing.setRoute(ORIGIN, IVerifier(address(0)));
        bytes memory proof = _proofSignedMessage(0, _firstK());
        vm.expectRevert(abi.encodeWithSelector(RoutingVerifier.NoRoute.selector, ORIGIN));
        routing.verify(proof, sent[0]);
    }

    function test_batchesMustComeFromOneOrigin() public {
        bytes[] memory ms = new bytes[](2);
        ms[0] = sent[0];
        ms[1] = abi.encodePacked(uint8(1), uint32(1), uint64(99), _b32(app), DEST, _b32(address(recipient)), "x");
        vm.expectRevert(abi.encodeWithSelector(RoutingVerifier.MixedOrigins.selector, 1));
        routing.verifyBatch(hex"00", ms);
        vm.expectRevert(RoutingVerifier.NoMessages.selector);
        routing.verifyBatch(hex"00", new bytes[](0));
    }

    function test_onlyTheOwnerSetsRoutes() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, relayer));
        vm.prank(relayer);
        routing.setRoute(ORIGIN, committee);
    }
}
