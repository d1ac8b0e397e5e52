// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Test} from "forge-std/Test.sol";

import {RelayerFees} from "../src/fees/RelayerFees.sol";

contract RelayerFeesTest is Test {
    RelayerFees internal fees;
    address internal owner = makeAddr("owner");
    address internal sender = makeAddr("sender");
    uint64 internal constant DEST = 56;

    function setUp() public {
        fees = new RelayerFees(owner);
        vm.startPrank(owner);
        fees.setPrice(DEST, 3 gwei, 80_000);
        fees.setValidatorShare(1_000); // 10%
        vm.stopPrank();
        vm.deal(sender, 10 ether);
    }

    function test_quotesAreGasPlusOverheadTimesPrice() public view {
        assertEq(fees.quote(DEST, 100_000), 180_000 * 3 gwei);
    }

    function test_payingRefundsTheExcessExactlyAndSplitsToTheWei() public {
        uint256 q = fees.quote(DEST, 100_000);
        vm.expectEmit(address(fees));
        emit RelayerFees.GasPaid(keccak256("m"), DEST, 100_000, q);
        vm.prank(sender);
        fees.payFor{value: q + 12_345}(keccak256("m"), DEST, 100_000);
        assertEq(sender.balance, 10 ether - q, "the excess came back, to the wei");
        assertEq(address(fees).balance, q);
        assertEq(fees.validatorBalance(), q / 10);
        assertEq(fees.relayerBalance(), q - q / 10);
        assertEq(fees.paidFor(keccak256("m")), q);
        // Paying again adds.
        vm.prank(sender);
        fees.payFor{value: q}(keccak256("m"), DEST, 100_000);
        assertEq(fees.paidFor(keccak256("m")), 2 * q);
    }

    function testFuzz_noWeiIsLost(uint64 gasLimit, uint16 bps, uint96 extra) public {
        bps = uint16(bound(bps, 0, 5_000));
        gasLimit = uint64(bound(gasLimit, 0, 30_000_000));
        vm.prank(owner);
        fees.setValidatorShare(bps);
        uint256 q = fees.quote(DEST, gasLimit);
        vm.deal(sender, q + extra);
        vm.prank(sender);
        fees.payFor{value: q + extra}(keccak256("m"), DEST, gasLimit);
        assertEq(sender.balance, extra);
        assertEq(fees.validatorBalance() + fees.relayerBalance(), q);
        assertEq(address(fees).balance, q);
    }

    function test_underpaymentAndUnknownDestinationsAreRefused() public {
        uint256 q = fees.quote(DEST, 100_000);
        vm.expectRevert(abi.encodeWithSelector(RelayerFees.Underpaid.selector, q - 1, q));
        vm.prank(sender);
        fees.payFor{value: q - 1}(keccak256("m"), DEST, 100_000);
        vm.expectRevert(abi.encodeWithSelector(RelayerFees.NoPrice.selector, uint64(7)));
        fees.quote(7, 1);
    }

    function test_withdrawalsPayEachSideExactly() public {
        uint256 q = fees.quote(DEST, 200_000);
        vm.prank(sender);
        fees.payFor{value: q}(keccak256("m"), DEST, 200_000);
        address relayers = makeAddr("relayers");
        address validators = makeAddr("validators");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, sender));
        vm.prank(sender);
        fees.withdraw(relayers, validators);
        vm.prank(owner);
        fees.withdraw(relayers, validators);
        assertEq(relayers.balance, q - q / 10);
        assertEq(validators.balance, q / 10);
        assertEq(address(fees).balance, 0);
        assertEq(fees.relayerBalance() + fees.validatorBalance(), 0);
    }

    function test_theValidatorShareIsBounded() public {
        vm.expectRevert(abi.encodeWithSelector(RelayerFees.ShareTooHigh.selector, uint16(5_001), uint16(5_000)));
        vm.prank(owner);
        fees.setValidatorShare(5_001);
    }
}
