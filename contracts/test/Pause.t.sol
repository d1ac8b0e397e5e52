// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IMailbox} from "../src/interfaces/IMailbox.sol";
import {Mailbox} from "../src/Mailbox.sol";
import {CourierFixture} from "./utils/Fixture.sol";

/// @notice Guardians pause a route or the whole Mailbox's deliveries; only the owner resumes.
contract PauseTest is CourierFixture {
    address internal guardian = makeAddr("guardian");
    uint64 internal constant OTHER = 5;

    function setUp() public {
        _deploy(3, 5);
        vm.prank(owner);
        destMailbox.setGuardian(guardian, true);
        for (uint256 i; i < 3; ++i) {
            _send(address(recipient), abi.encodePacked("m", i));
        }
    }

    function test_aPausedRouteRefusesDeliveriesAndResumesThemAfter() public {
        vm.expectEmit(address(destMailbox));
        emit IMailbox.PauseSet(ORIGIN, true, guardian);
        vm.prank(guardian);
        destMailbox.pauseRoute(ORIGIN);
        assertTrue(destMailbox.routePaused(ORIGIN));
        assertFalse(destMailbox.routePaused(OTHER));

        bytes memory proof = _proofSignedRoot(2, _range(0, 3), _firstK());
        bytes[] memory ms = _messages(_range(0, 3));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.RoutePaused.selector, ORIGIN));
        destMailbox.processBatch(proof, ms);
        bytes memory single = _proofSignedMessage(0, _firstK());
        vm.expectRevert(abi.encodeWithSelector(Mailbox.RoutePaused.selector, ORIGIN));
        destMailbox.process(single, sent[0]);

        // Dispatch is never paused: messages wait at the origin.
        vm.prank(owner);
        originMailbox.pause();
        _send(address(recipient), "still sent");

        // Only the owner resumes.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        destMailbox.unpauseRoute(ORIGIN);
        vm.prank(owner);
        destMailbox.unpauseRoute(ORIGIN);
        assertEq(destMailbox.processBatch(proof, ms), 3);
        assertEq(recipient.handled(), 3);
    }

    function test_aPausedMailboxRefusesEveryDelivery() public {
        vm.prank(guardian);
        destMailbox.pause();
        assertTrue(destMailbox.paused());
        bytes memory single = _proofSignedMessage(0, _firstK());
        vm.expectRevert(Mailbox.MailboxPaused.selector);
        destMailbox.process(single, sent[0]);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        destMailbox.unpause();
        vm.prank(owner);
        destMailbox.unpause();
        destMailbox.process(single, sent[0]);
        assertEq(recipient.handled(), 1);
    }

    function test_onlyGuardiansAndTheOwnerPause() public {
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NotGuardian.selector, relayer));
        vm.prank(relayer);
        destMailbox.pauseRoute(ORIGIN);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NotGuardian.selector, relayer));
        vm.prank(relayer);
        destMailbox.pause();
        vm.prank(owner);
        destMailbox.pauseRoute(ORIGIN);
        assertTrue(destMailbox.routePaused(ORIGIN));
        // A removed guardian pauses no more.
        vm.prank(owner);
        destMailbox.setGuardian(guardian, false);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NotGuardian.selector, guardian));
        vm.prank(guardian);
        destMailbox.pause();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, relayer));
        vm.prank(relayer);
        destMailbox.setGuardian(relayer, true);
        vm.expectRevert(Mailbox.InvalidOrigin.selector);
        vm.prank(owner);
        destMailbox.pauseRoute(0);
    }

    function test_pausingARouteTwiceAndResumingItOnceLeavesNothingPaused() public {
        vm.startPrank(guardian);
        destMailbox.pauseRoute(ORIGIN);
        destMailbox.pauseRoute(ORIGIN);
        destMailbox.pauseRoute(OTHER);
        vm.stopPrank();
        vm.prank(owner);
        destMailbox.unpauseRoute(ORIGIN);
        assertFalse(destMailbox.routePaused(ORIGIN));
        assertTrue(destMailbox.routePaused(OTHER));
        destMailbox.process(_proofSignedMessage(0, _firstK()), sent[0]);
        vm.prank(owner);
        destMailbox.unpauseRoute(OTHER);
        vm.prank(owner);
        destMailbox.unpauseRoute(OTHER);
        assertFalse(destMailbox.routePaused(OTHER));
        destMailbox.process(_proofSignedMessage(1, _firstK()), sent[1]);
        assertEq(recipient.handled(), 2);
    }

    function test_theCommittedRootStaysInItsSlot() public {
        // The pause state sits after `committedRoot`: storage proofs of slot 37 still hold.
        originMailbox.commitRoot();
        assertEq(vm.load(address(originMailbox), bytes32(uint256(37))), originMailbox.committedRoot());
    }
}
