// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {Mailbox} from "../src/Mailbox.sol";
import {IMailbox} from "../src/interfaces/IMailbox.sol";
import {IVerifier, VerifierKind} from "../src/interfaces/IVerifier.sol";
import {IMessageRecipient} from "../src/interfaces/IMessageRecipient.sol";
import {Message} from "../src/libs/Message.sol";
import {MerkleTree} from "../src/libs/MerkleTree.sol";
import {CourierFixture, RecordingRecipient} from "./utils/Fixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice A verifier with a fixed answer, to test the Mailbox apart from any real verifier.
contract FixedVerifier is IVerifier {
    bool public answer;
    uint256 public calls;

    constructor(bool answer_) {
        answer = answer_;
    }

    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Custom;
    }

    function verify(bytes calldata, bytes calldata) external returns (bool) {
        ++calls;
        return answer;
    }

    function verifyBatch(bytes calldata, bytes[] calldata) external returns (bool) {
        ++calls;
        return answer;
    }
}

/// @notice A recipient that tries to get its message delivered a second time from inside `handle`.
contract ReentrantRecipient is IMessageRecipient {
    Mailbox public mailbox;
    bytes public proof;
    bytes public message;
    bytes public reentryError;

    constructor(Mailbox mailbox_) {
        mailbox = mailbox_;
    }

    function arm(bytes calldata proof_, bytes calldata message_) external {
        proof = proof_;
        message = message_;
    }

    function handle(uint64, bytes32, bytes calldata) external {
        try mailbox.process(proof, message) {
            reentryError = "reentry succeeded";
        } catch (bytes memory reason) {
            reentryError = reason;
        }
    }
}

contract MailboxTest is CourierFixture {
    function setUp() public {
        _deploy(3, 5);
    }

    // ---------------------------------------------------------------- dispatch

    function test_dispatch_assignsNoncesAndEmitsTheFullMessage() public {
        bytes memory body = "hello";
        bytes memory expected =
            abi.encodePacked(uint8(1), uint32(0), ORIGIN, _b32(app), DEST, _b32(address(recipient)), body);
        vm.expectEmit(address(originMailbox));
        emit IMailbox.Dispatch(keccak256(expected), DEST, expected);
        bytes memory first = _send(address(recipient), body);
        assertEq(first, expected);
        _send(address(recipient), "again");
        assertEq(originMailbox.count(), 2);
        assertEq(this.nonceOf(sent[1]), 1);
    }

    /// @dev Lets the calldata-only Message readers run on a stored message.
    function nonceOf(bytes calldata m) external pure returns (uint32) {
        return Message.nonce(m);
    }

    function test_dispatch_updatesRootAndCheckpoint() public {
        assertEq(originMailbox.root(), TreeBuilder.zeroes()[32], "empty root is Z[32]");
        vm.expectRevert(Mailbox.NoMessages.selector);
        originMailbox.latestCheckpoint();
        for (uint256 i; i < 9; ++i) {
            _send(address(recipient), abi.encode(i));
            (bytes32 root, uint32 index) = originMailbox.latestCheckpoint();
            assertEq(index, i);
            assertEq(root, TreeBuilder.root(leaves));
            assertEq(originMailbox.root(), root);
        }
    }

    event RootCommitted(bytes32 indexed root, uint32 count);

    function test_commitRoot_storesTheRootInItsSlot() public {
        vm.expectRevert(Mailbox.NoMessages.selector);
        originMailbox.commitRoot();
        assertEq(originMailbox.committedRoot(), bytes32(0));
        for (uint256 i; i < 5; ++i) {
            _send(address(recipient), abi.encode(i));
        }
        bytes32 expected = TreeBuilder.root(leaves);
        vm.expectEmit(address(originMailbox));
        emit RootCommitted(expected, 5);
        (bytes32 root, uint32 n) = originMailbox.commitRoot();
        assertEq(root, expected);
        assertEq(n, 5);
        assertEq(originMailbox.committedRoot(), expected);
        // The slot a storage proof names holds exactly the root.
        uint256 slot = originMailbox.COMMITTED_ROOT_SLOT();
        assertEq(vm.load(address(originMailbox), bytes32(slot)), expected, "COMMITTED_ROOT_SLOT");
        // Later dispatches leave it alone until the next commit.
        _send(address(recipient), abi.encode(uint256(99)));
        assertEq(originMailbox.committedRoot(), expected);
        originMailbox.commitRoot();
        assertEq(vm.load(address(originMailbox), bytes32(slot)), TreeBuilder.root(leaves));
    }

    function test_dispatch_revertsOnZeroOrLocalDestination() public {
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidDestination.selector, uint64(0)));
        originMailbox.dispatch(0, _b32(address(recipient)), "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidDestination.selector, ORIGIN));
        originMailbox.dispatch(ORIGIN, _b32(address(recipient)), "");
    }

    function test_dispatch_revertsOnZeroRecipient() public {
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidRecipient.selector, bytes32(0)));
        originMailbox.dispatch(DEST, bytes32(0), "");
    }

    function test_dispatch_revertsOnOversizedBody() public {
        uint256 max = originMailbox.MAX_BODY_BYTES();
        originMailbox.dispatch(DEST, _b32(address(recipient)), new bytes(max));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.BodyTooLarge.selector, max + 1, max));
        originMailbox.dispatch(DEST, _b32(address(recipient)), new bytes(max + 1));
    }

    function test_constructor_refusesZeroDomain() public {
        vm.expectRevert(Mailbox.InvalidLocalDomain.selector);
        new Mailbox(0, owner, IVerifier(address(0)));
    }

    function testFuzz_dispatch_idIsKeccakOfEncoding(uint64 destination, address to, bytes calldata body) public {
        vm.assume(destination != 0 && destination != ORIGIN && to != address(0) && body.length <= 4096);
        vm.prank(app);
        bytes32 id = originMailbox.dispatch(destination, _b32(to), body);
        assertEq(id, keccak256(abi.encodePacked(uint8(1), uint32(0), ORIGIN, _b32(app), destination, _b32(to), body)));
    }

    // ---------------------------------------------------------------- process

    function test_process_deliversOnceAndRecordsIt() public {
        bytes memory m = _send(address(recipient), "hi");
        bytes memory proof = _proofSignedMessage(0, _firstK());
        vm.expectEmit(address(destMailbox));
        emit IMailbox.Process(leaves[0], ORIGIN, address(recipient), relayer);
        vm.prank(relayer);
        destMailbox.process(proof, m);
        assertEq(recipient.handled(), 1);
        assertEq(recipient.lastOrigin(), ORIGIN);
        assertEq(recipient.lastSender(), _b32(app));
        assertEq(recipient.lastBody(), "hi");
        assertTrue(destMailbox.delivered(ORIGIN, address(recipient), 0));
        assertFalse(destMailbox.delivered(ORIGIN, address(recipient), 1));

        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, leaves[0]));
        destMailbox.process(proof, m);
        assertEq(recipient.handled(), 1);
    }

    function test_process_revertsOnShortMessage() public {
        vm.expectRevert(abi.encodeWithSelector(Message.MessageTooShort.selector, uint256(84)));
        destMailbox.process("", new bytes(84));
    }

    function test_process_revertsOnWrongVersion() public {
        bytes memory m = abi.encodePacked(uint8(2), uint32(0), ORIGIN, _b32(app), DEST, _b32(address(recipient)));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongVersion.selector, uint8(2)));
        destMailbox.process("", m);
    }

    function test_process_revertsOnWrongDestination() public {
        bytes memory m = abi.encodePacked(uint8(1), uint32(0), ORIGIN, _b32(app), uint64(99), _b32(address(recipient)));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongDestination.selector, uint64(99), DEST));
        destMailbox.process("", m);
    }

    function test_process_revertsOnNonAddressRecipient() public {
        bytes32 raw = bytes32(uint256(1) << 200) | _b32(address(recipient));
        bytes memory m = abi.encodePacked(uint8(1), uint32(0), ORIGIN, _b32(app), DEST, raw);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidRecipient.selector, raw));
        destMailbox.process("", m);
    }

    function test_process_revertsOnRecipientWithoutCode() public {
        address eoa = makeAddr("eoa");
        bytes memory m = _send(eoa, "x");
        bytes memory proof = _proofSignedMessage(0, _firstK());
        vm.expectRevert(abi.encodeWithSelector(Mailbox.RecipientNotContract.selector, eoa));
        destMailbox.process(proof, m);
    }

    function test_process_revertsWithoutAnyVerifier() public {
        vm.prank(owner);
        destMailbox.setDefaultVerifier(IVerifier(address(0)));
        bytes memory m = _send(address(recipient), "x");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NoVerifier.selector, address(recipient)));
        destMailbox.process("", m);
    }

    function test_process_revertsWhenVerifierSaysNo() public {
        FixedVerifier no = new FixedVerifier(false);
        recipient.setVerifier(address(no));
        bytes memory m = _send(address(recipient), "x");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NotVerified.selector, address(no)));
        destMailbox.process("", m);
        assertFalse(destMailbox.delivered(ORIGIN, address(recipient), 0));
    }

    function test_process_bubblesTheVerifiersReason() public {
        bytes memory m = _send(address(recipient), "x");
        bytes memory proof = _proofSignedMessage(0, 0x3); // two signatures, three needed
        vm.expectRevert(abi.encodeWithSelector(bytes4(keccak256("NotEnoughSignatures(uint256,uint256)")), 2, 3));
        destMailbox.process(proof, m);
    }

    function test_process_usesTheRecipientsVerifier() public {
        FixedVerifier yes = new FixedVerifier(true);
        recipient.setVerifier(address(yes));
        assertEq(address(destMailbox.verifierOf(address(recipient))), address(yes));
        bytes memory m = _send(address(recipient), "x");
        destMailbox.process("anything", m); // the committee would refuse this proof
        assertEq(yes.calls(), 1);
        assertEq(recipient.handled(), 1);
    }

    function test_process_fallsBackToDefaultForRecipientWithoutChoice() public {
        NoChoiceRecipient plain = new NoChoiceRecipient();
        assertEq(address(destMailbox.verifierOf(address(plain))), address(committee));
    }

    function test_process_revertsWhenRecipientReverts_andStaysRetryable() public {
        bytes memory m = _send(address(recipient), "x");
        bytes memory proof = _proofSignedMessage(0, _firstK());
        recipient.setRevert(true);
        vm.expectRevert(abi.encodeWithSelector(RecordingRecipient.Refused.selector, bytes("x")));
        destMailbox.process(proof, m);
        assertFalse(destMailbox.delivered(ORIGIN, address(recipient), 0));
        recipient.setRevert(false);
        destMailbox.process(proof, m);
        assertEq(recipient.handled(), 1);
    }

    function test_process_recordsDeliveryBeforeCallingTheRecipient() public {
        ReentrantRecipient re = new ReentrantRecipient(destMailbox);
        bytes memory m = _send(address(re), "x");
        bytes memory proof = _proofSignedMessage(0, _firstK());
        re.arm(proof, m);
        destMailbox.process(proof, m);
        assertEq(re.reentryError(), abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, leaves[0]));
    }

    function test_setDefaultVerifier_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        destMailbox.setDefaultVerifier(IVerifier(address(1)));
    }

    // ---------------------------------------------------------------- processBatch

    function test_processBatch_deliversAllWithOneProof() public {
        _sendMany(address(recipient), 10);
        uint256[] memory nonces = _range(0, 10);
        bytes memory proof = _proofSignedRoot(9, nonces, _firstK());
        assertEq(destMailbox.processBatch(proof, _messages(nonces)), 10);
        assertEq(recipient.handled(), 10);
        for (uint32 i; i < 10; ++i) {
            assertTrue(destMailbox.delivered(ORIGIN, address(recipient), i));
        }
    }

    function test_processBatch_skipsDeliveredMessages() public {
        _sendMany(address(recipient), 6);
        destMailbox.process(_proofSignedMessage(2, _firstK()), sent[2]);
        uint256[] memory nonces = _range(0, 6);
        bytes memory proof = _proofSignedRoot(5, nonces, _firstK());
        assertEq(destMailbox.processBatch(proof, _messages(nonces)), 5);
        assertEq(recipient.handled(), 6);
        // A racing relayer's identical batch delivers nothing and does not revert.
        uint256[] memory again = _range(0, 6);
        assertEq(destMailbox.processBatch(_proofCached(5, again), _messages(again)), 0);
        assertEq(recipient.handled(), 6);
    }

    function test_processBatch_failingRecipientStaysUndelivered() public {
        RecordingRecipient other = new RecordingRecipient();
        _send(address(recipient), "a");
        _send(address(other), "b");
        _send(address(recipient), "c");
        other.setRevert(true);
        uint256[] memory nonces = _range(0, 3);
        bytes memory proof = _proofSignedRoot(2, nonces, _firstK());
        vm.expectEmit(address(destMailbox));
        emit IMailbox.ProcessFailed(leaves[1], abi.encodeWithSelector(RecordingRecipient.Refused.selector, bytes("b")));
        assertEq(destMailbox.processBatch(proof, _messages(nonces)), 2);
        assertFalse(destMailbox.delivered(ORIGIN, address(other), 1));
        assertTrue(destMailbox.delivered(ORIGIN, address(recipient), 2));
        other.setRevert(false);
        destMailbox.process(_proofCached(2, _one(1)), sent[1]);
        assertEq(other.handled(), 1);
    }

    function test_processBatch_revertsOnEmptyBatch() public {
        vm.expectRevert(Mailbox.EmptyBatch.selector);
        destMailbox.processBatch("", new bytes[](0));
    }

    function test_processBatch_revertsWhenVerifiersDiffer() public {
        RecordingRecipient other = new RecordingRecipient();
        FixedVerifier yes = new FixedVerifier(true);
        other.setVerifier(address(yes));
        _send(address(recipient), "a");
        _send(address(other), "b");
        vm.expectRevert(
            abi.encodeWithSelector(Mailbox.BatchVerifierMismatch.selector, 1, address(committee), address(yes))
        );
        destMailbox.processBatch("", _messages(_range(0, 2)));
    }

    function test_processBatch_revertsWhenVerifierSaysNo() public {
        FixedVerifier no = new FixedVerifier(false);
        recipient.setVerifier(address(no));
        _sendMany(address(recipient), 2);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NotVerified.selector, address(no)));
        destMailbox.processBatch("", _messages(_range(0, 2)));
    }

    function test_processBatch_checksEveryMessage() public {
        _sendMany(address(recipient), 2);
        bytes[] memory ms = _messages(_range(0, 2));
        ms[1] = abi.encodePacked(uint8(1), uint32(1), ORIGIN, _b32(app), uint64(7), _b32(address(recipient)));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongDestination.selector, uint64(7), DEST));
        destMailbox.processBatch("", ms);
    }
}

contract NoChoiceRecipient is IMessageRecipient {
    function handle(uint64, bytes32, bytes calldata) external {}
}
