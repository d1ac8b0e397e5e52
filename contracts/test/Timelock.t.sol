// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {OptimisticVerifier} from "../src/verifiers/OptimisticVerifier.sol";
import {CourierFixture} from "./utils/Fixture.sol";

/// @notice Verifier configuration through a timelock: OpenZeppelin's TimelockController owns the
/// verifier (it accepts the Ownable2Step transfer itself); a change is scheduled with a public
/// `CallScheduled` event, cannot run before the delay, and runs after it. Direct calls fail.
contract TimelockTest is CourierFixture {
    uint256 internal constant DELAY = 2 days;
    TimelockController internal timelock;
    address internal admin = makeAddr("admin");

    function setUp() public {
        _deploy(3, 5);
        address[] memory proposers = new address[](1);
        proposers[0] = admin;
        address[] memory executors = new address[](1);
        executors[0] = admin;
        timelock = new TimelockController(DELAY, proposers, executors, address(0));
        // Ownable2Step: the owner offers, the timelock accepts (through its own delay).
        vm.prank(owner);
        committee.transferOwnership(address(timelock));
        _run(address(committee), abi.encodeCall(Ownable2StepLike.acceptOwnership, ()), "accept");
        assertEq(committee.owner(), address(timelock));
    }

    function _run(address target, bytes memory data, bytes32 salt) internal {
        vm.prank(admin);
        timelock.schedule(target, 0, data, bytes32(0), salt, DELAY);
        vm.warp(block.timestamp + DELAY);
        vm.prank(admin);
        timelock.execute(target, 0, data, bytes32(0), salt);
    }

    function test_aCommitteeRotationIsAnnouncedAndWaitsForTheDelay() public {
        (, address[] memory next) = _committeeKeys(7);
        bytes memory rotate =
            abi.encodeCall(committee.setCommittee, (ORIGIN, _b32(address(originMailbox)), uint8(5), next));
        // The old owner can no longer change it directly.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        committee.setCommittee(ORIGIN, _b32(address(originMailbox)), 5, next);

        bytes32 id = timelock.hashOperation(address(committee), 0, rotate, bytes32(0), "rotate");
        vm.expectEmit(address(timelock));
        emit TimelockController.CallScheduled(id, 0, address(committee), 0, rotate, bytes32(0), DELAY);
        vm.prank(admin);
        timelock.schedule(address(committee), 0, rotate, bytes32(0), "rotate", DELAY);

        vm.warp(block.timestamp + DELAY - 1);
        vm.expectPartialRevert(TimelockController.TimelockUnexpectedOperationState.selector);
        vm.prank(admin);
        timelock.execute(address(committee), 0, rotate, bytes32(0), "rotate");

        vm.warp(block.timestamp + 1);
        vm.prank(admin);
        timelock.execute(address(committee), 0, rotate, bytes32(0), "rotate");
        (, uint8 k, address[] memory held,) = committee.committee(ORIGIN);
        assertEq(k, 5);
        assertEq(held.length, 7);
    }

    function test_anOptimisticWindowChangeGoesThroughTheTimelockToo() public {
        OptimisticVerifier optimistic = new OptimisticVerifier(address(timelock), 10 minutes);
        bytes memory set = abi.encodeCall(optimistic.setRoute, (ORIGIN, _b32(address(originMailbox)), 30 minutes));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, admin));
        vm.prank(admin);
        optimistic.setRoute(ORIGIN, _b32(address(originMailbox)), 30 minutes);
        _run(address(optimistic), set, "window");
        (, uint64 window,) = optimistic.routes(ORIGIN);
        assertEq(window, 30 minutes);
    }
}

/// @dev The one function of Ownable2Step the timelock calls.
interface Ownable2StepLike {
    function acceptOwnership() external;
}
