// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {ValidatorStaking} from "../src/staking/ValidatorStaking.sol";
import {CourierFixture} from "./utils/Fixture.sol";

/// @notice Equivocation — one validator, two different checkpoints for one index — is slashed.
contract ValidatorStakingTest is CourierFixture {
    ValidatorStaking internal staking;
    address internal prover = makeAddr("prover");
    bytes32 internal mailbox;

    function setUp() public {
        _deploy(3, 5);
        staking = new ValidatorStaking(7 days, 5_000);
        mailbox = _b32(address(originMailbox));
        for (uint256 i; i < validators.length; ++i) {
            staking.stakeFor{value: 2 ether}(validators[i]);
        }
    }

    function _signed(uint256 key, bytes32 root, uint32 index, bytes32 id) internal view returns (bytes memory) {
        return _sig(key, staking.checkpointDigest(ORIGIN, mailbox, root, index, id));
    }

    function test_twoRootsForOneIndexAreSlashed() public {
        bytes32 id = keccak256("m");
        bytes memory a = _signed(keys[0], keccak256("root a"), 7, id);
        bytes memory b = _signed(keys[0], keccak256("root b"), 7, id);
        vm.expectEmit(address(staking));
        emit ValidatorStaking.ValidatorSlashed(validators[0], ORIGIN, 7, prover, 2 ether, 1 ether);
        vm.prank(prover);
        staking.slashEquivocation(ORIGIN, mailbox, 7, keccak256("root a"), id, a, keccak256("root b"), id, b);
        assertEq(prover.balance, 1 ether);
        (uint128 amount,, bool slashed) = staking.stakes(validators[0]);
        assertEq(amount, 0);
        assertTrue(slashed);
        // Not twice.
        vm.expectRevert(abi.encodeWithSelector(ValidatorStaking.NoStake.selector, validators[0]));
        staking.slashEquivocation(ORIGIN, mailbox, 7, keccak256("root a"), id, a, keccak256("root b"), id, b);
    }

    function test_theSameRootWithAnotherMessageIdIsEquivocationToo() public {
        bytes32 root = keccak256("root");
        bytes memory a = _signed(keys[1], root, 3, keccak256("x"));
        bytes memory b = _signed(keys[1], root, 3, keccak256("y"));
        vm.prank(prover);
        staking.slashEquivocation(ORIGIN, mailbox, 3, root, keccak256("x"), a, root, keccak256("y"), b);
        (,, bool slashed) = staking.stakes(validators[1]);
        assertTrue(slashed);
    }

    function test_whatIsNotEquivocationIsRefused() public {
        bytes32 id = keccak256("m");
        bytes32 root = keccak256("root");
        bytes memory a = _signed(keys[0], root, 7, id);
        // The same checkpoint signed twice.
        vm.expectRevert(ValidatorStaking.NotEquivocation.selector);
        staking.slashEquivocation(ORIGIN, mailbox, 7, root, id, a, root, id, a);
        // Two validators, two roots: each may be honest about something else.
        bytes memory other = _signed(keys[1], keccak256("root b"), 7, id);
        vm.expectRevert(abi.encodeWithSelector(ValidatorStaking.SignersDiffer.selector, validators[0], validators[1]));
        staking.slashEquivocation(ORIGIN, mailbox, 7, root, id, a, keccak256("root b"), id, other);
        // Signatures for different indices recover to other keys at the shared index.
        bytes memory index8 = _signed(keys[0], keccak256("root b"), 8, id);
        vm.expectPartialRevert(ValidatorStaking.SignersDiffer.selector);
        staking.slashEquivocation(ORIGIN, mailbox, 7, root, id, a, keccak256("root b"), id, index8);
        // Malformed.
        vm.expectRevert(abi.encodeWithSelector(ValidatorStaking.SignatureInvalid.selector, 1));
        staking.slashEquivocation(ORIGIN, mailbox, 7, root, id, a, keccak256("root b"), id, hex"01");
    }

    function test_aKeyWithoutStakeIsNotSlashable() public {
        bytes32 id = keccak256("m");
        bytes32 root = keccak256("root");
        uint256 stranger = uint256(keccak256("stranger"));
        bytes memory s1 = _signed(stranger, root, 7, id);
        bytes memory s2 = _signed(stranger, keccak256("root b"), 7, id);
        vm.expectRevert(abi.encodeWithSelector(ValidatorStaking.NoStake.selector, vm.addr(stranger)));
        staking.slashEquivocation(ORIGIN, mailbox, 7, root, id, s1, keccak256("root b"), id, s2);
    }

    function test_unstakingWaitsAndStaysSlashable() public {
        vm.prank(validators[2]);
        staking.requestUnstake();
        vm.warp(block.timestamp + 7 days - 1);
        vm.expectPartialRevert(ValidatorStaking.NotWithdrawable.selector);
        vm.prank(validators[2]);
        staking.withdraw();
        bytes32 id = keccak256("m");
        bytes memory a = _signed(keys[2], keccak256("a"), 1, id);
        bytes memory b = _signed(keys[2], keccak256("b"), 1, id);
        vm.prank(prover);
        staking.slashEquivocation(ORIGIN, mailbox, 1, keccak256("a"), id, a, keccak256("b"), id, b);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(ValidatorStaking.ValidatorWasSlashed.selector, validators[2]));
        vm.prank(validators[2]);
        staking.withdraw();
        // An honest one withdraws its whole stake.
        vm.prank(validators[3]);
        staking.requestUnstake();
        vm.warp(block.timestamp + 7 days);
        vm.prank(validators[3]);
        staking.withdraw();
        assertEq(validators[3].balance, 2 ether);
    }

    function testFuzz_checkpointsHashAsTheCommitteeVerifier(bytes32 root, uint32 index, bytes32 id) public view {
        assertEq(
            staking.checkpointDigest(ORIGIN, mailbox, root, index, id),
            committee.checkpointDigest(ORIGIN, mailbox, root, index, id)
        );
    }

    function test_configurationIsChecked() public {
        vm.expectRevert(abi.encodeWithSelector(ValidatorStaking.RewardTooHigh.selector, uint16(10_001)));
        new ValidatorStaking(1, 10_001);
        vm.expectRevert(ValidatorStaking.NothingStaked.selector);
        staking.stakeFor(validators[0]);
    }
}

/// @notice `make bench`'s slashing figure.
contract ValidatorStakingGasBenchmark is CourierFixture {
    function test_gas_slash_equivocation() public {
        _deploy(3, 5);
        ValidatorStaking staking = new ValidatorStaking(7 days, 5_000);
        staking.stakeFor{value: 2 ether}(validators[0]);
        bytes32 mailbox = _b32(address(originMailbox));
        bytes32 id = keccak256("m");
        bytes memory a = _sig(keys[0], staking.checkpointDigest(ORIGIN, mailbox, keccak256("a"), 5, id));
        bytes memory b = _sig(keys[0], staking.checkpointDigest(ORIGIN, mailbox, keccak256("b"), 5, id));
        vm.prank(makeAddr("prover"));
        staking.slashEquivocation(ORIGIN, mailbox, 5, keccak256("a"), id, a, keccak256("b"), id, b);
        vm.snapshotGasLastCall("gas", "staking.slash_equivocation");
    }
}
