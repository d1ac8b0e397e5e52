// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {CourierFixture, RecordingRecipient} from "./utils/Fixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Drives the origin and destination Mailboxes with honest sends and deliveries (single and
/// batched, racing and replayed) and with forgeries, recording what it submitted.
contract CourierHandler is CourierFixture {
    uint256 internal constant MAX_MESSAGES = 48;

    RecordingRecipient public other;
    /// @notice Set when a forged or replayed delivery got through.
    bool public breach;
    string public breachReason;
    /// @notice The root each delivered nonce was proven under.
    mapping(uint256 nonce => bytes32) public deliveredUnder;
    /// @notice Roots whose checkpoint this handler had the committee sign at the message's own index.
    mapping(bytes32 root => bool) public signedAtOwnIndex;
    uint256 public forgeries;
    uint256 public replays;

    constructor() {
        _deploy(3, 5);
        other = new RecordingRecipient();
    }

    function messageCount() external view returns (uint256) {
        return sent.length;
    }

    function message(uint256 nonce) external view returns (bytes memory) {
        return sent[nonce];
    }

    function recipientOf(uint256 nonce) public view returns (RecordingRecipient) {
        return nonce % 3 == 2 ? other : recipient;
    }

    function contracts() external view returns (address, address, address) {
        return (address(originMailbox), address(destMailbox), address(committee));
    }

    // ------------------------------------------------------------ honest actions

    function send(uint256 seed) external {
        if (sent.length >= MAX_MESSAGES) return;
        _send(address(recipientOf(sent.length)), abi.encode("invariant", sent.length, seed));
    }

    function deliverOne(uint256 seed) external {
        if (sent.length == 0) return;
        uint256 nonce = seed % sent.length;
        bool was = destMailbox.delivered(ORIGIN, address(recipientOf(nonce)), uint32(nonce));
        bytes memory proof = _proofSignedMessage(uint32(nonce), _firstK());
        try destMailbox.process(proof, sent[nonce]) {
            if (was) _breach("a delivered message was delivered again by process");
            deliveredUnder[nonce] = _rootAt(uint32(nonce));
            signedAtOwnIndex[_rootAt(uint32(nonce))] = true;
        } catch {
            if (!was) _breach("an honest single delivery was refused");
        }
    }

    function deliverBatch(uint256 mask, bool cached) external {
        uint256 n = sent.length;
        if (n == 0) return;
        if (n < 256) mask &= (uint256(1) << n) - 1;
        if (mask == 0) mask = 1;
        uint256[] memory nonces = _bits(mask, n);
        uint32 index = uint32(n - 1);
        bytes32 root = _rootAt(index);
        bytes memory proof = cached && committee.acceptedRoot(ORIGIN, root)
            ? _proofCached(index, nonces)
            : _proofSignedRoot(index, nonces, _firstK());
        uint256 fresh;
        for (uint256 i; i < nonces.length; ++i) {
            if (!destMailbox.delivered(ORIGIN, address(recipientOf(nonces[i])), uint32(nonces[i]))) ++fresh;
        }
        uint256 done = destMailbox.processBatch(proof, _messages(nonces));
        if (done != fresh) _breach("a batch delivered a different number than were undelivered");
        for (uint256 i; i < nonces.length; ++i) {
            if (deliveredUnder[nonces[i]] == bytes32(0)) deliveredUnder[nonces[i]] = root;
        }
    }

    // ------------------------------------------------------------ attacks

    /// @dev A message that was never dispatched, with three kinds of counterfeit proof.
    function forge(uint256 seed, uint8 how) external {
        uint32 nonce = uint32(sent.length == 0 ? 0 : seed % (sent.length + 1));
        bytes memory fake = abi.encodePacked(
            uint8(1), nonce, ORIGIN, _b32(app), DEST, _b32(address(recipient)), abi.encode("forged", seed)
        );
        bytes32 fakeId = keccak256(fake);
        bytes memory proof;
        how = how % 3;
        if (how == 0) {
            // Signed by keys that are not the committee.
            bytes32 root = keccak256(abi.encode(seed));
            bytes32 digest = _digest(root, nonce, fakeId);
            uint256[] memory realKeys = keys;
            for (uint256 i; i < keys.length; ++i) {
                keys[i] = uint256(keccak256(abi.encode("outsider", i)));
            }
            proof = abi.encodePacked(uint8(1), root, _committeeBytes(), _signatures(digest, _firstK()));
            keys = realKeys;
        } else if (how == 1) {
            // A tree of the attacker's own, containing the fake message, proven as if cached.
            bytes32[] memory ls = new bytes32[](uint256(nonce) + 1);
            for (uint256 i; i < nonce; ++i) {
                ls[i] = leaves[i];
            }
            ls[nonce] = fakeId;
            proof = abi.encodePacked(uint8(0), TreeBuilder.root(ls), TreeBuilder.multiproof(ls, _one(nonce)));
        } else {
            // Real committee signatures, but for the genuine message at that index.
            if (sent.length == 0) return;
            nonce = uint32(seed % sent.length);
            fake = abi.encodePacked(uint8(1), nonce, ORIGIN, _b32(app), DEST, _b32(address(recipient)), "forged");
            proof = _proofSignedMessage(nonce, _firstK());
        }
        ++forgeries;
        uint256 before = recipient.handled();
        try destMailbox.process(proof, fake) {
            _breach("a forged message was delivered");
        } catch {}
        if (recipient.handled() != before) _breach("a forged message reached the recipient");
    }

    function replay(uint256 seed) external {
        if (sent.length == 0) return;
        uint256 nonce = seed % sent.length;
        if (!destMailbox.delivered(ORIGIN, address(recipientOf(nonce)), uint32(nonce))) return;
        ++replays;
        bytes memory proof = _proofSignedMessage(uint32(nonce), _firstK());
        try destMailbox.process(proof, sent[nonce]) {
            _breach("a replay was delivered");
        } catch {}
    }

    function _bits(uint256 mask, uint256 n) internal pure returns (uint256[] memory out) {
        uint256 count;
        for (uint256 i; i < n; ++i) {
            count += (mask >> i) & 1;
        }
        out = new uint256[](count);
        uint256 j;
        for (uint256 i; i < n; ++i) {
            if ((mask >> i) & 1 == 1) out[j++] = i;
        }
    }

    function _breach(string memory why) internal {
        breach = true;
        breachReason = why;
    }
}

contract CourierInvariantTest is Test {
    CourierHandler internal handler;

    function setUp() public {
        handler = new CourierHandler();
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = CourierHandler.send.selector;
        selectors[1] = CourierHandler.deliverOne.selector;
        selectors[2] = CourierHandler.deliverBatch.selector;
        selectors[3] = CourierHandler.forge.selector;
        selectors[4] = CourierHandler.replay.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function invariant_noForgeryOrReplayGetsThrough() public view {
        assertFalse(handler.breach(), handler.breachReason());
    }

    /// @dev Every message is handled at most once, only dispatched messages are handled, and the
    /// Mailbox's delivery record agrees with what the recipients saw.
    function invariant_deliveredAtMostOnceAndOnlyIfDispatched() public view {
        (, address destMailbox,) = handler.contracts();
        uint256 n = handler.messageCount();
        uint256 total;
        for (uint256 nonce; nonce < n; ++nonce) {
            bytes memory m = handler.message(nonce);
            RecordingRecipient r = handler.recipientOf(nonce);
            uint256 times = r.timesHandled(_key(m));
            assertLe(times, 1, "delivered twice");
            total += times;
            bool recorded = MailboxView(destMailbox).delivered(31337, address(r), uint32(nonce));
            assertEq(recorded, times == 1, "record and reality disagree");
        }
        assertEq(
            total,
            handler.recipientOf(0).handled() + handler.other().handled(),
            "a handled message was never dispatched"
        );
    }

    /// @dev Every delivery was proven under a root the committee accepted or signed for it.
    function invariant_nothingDeliveredWithoutACommitteeRoot() public view {
        (, address destMailbox, address committeeAddr) = handler.contracts();
        uint256 n = handler.messageCount();
        for (uint256 nonce; nonce < n; ++nonce) {
            if (!MailboxView(destMailbox).delivered(31337, address(handler.recipientOf(nonce)), uint32(nonce))) {
                continue;
            }
            bytes32 root = handler.deliveredUnder(nonce);
            assertTrue(root != bytes32(0), "delivered without a recorded root");
            assertTrue(
                VerifierView(committeeAddr).acceptedRoot(31337, root) || handler.signedAtOwnIndex(root),
                "delivered under a root the committee never accepted"
            );
        }
    }

    function _key(bytes memory m) internal pure returns (bytes32) {
        uint64 from;
        bytes32 sender;
        assembly {
            from := shr(192, mload(add(m, add(32, 5))))
            sender := mload(add(m, add(32, 13)))
        }
        bytes memory body = new bytes(m.length - 85);
        for (uint256 i; i < body.length; ++i) {
            body[i] = m[85 + i];
        }
        return keccak256(abi.encode(from, sender, body));
    }
}

interface MailboxView {
    function delivered(uint64 origin, address recipient, uint32 nonce) external view returns (bool);
}

interface VerifierView {
    function acceptedRoot(uint64 origin, bytes32 root) external view returns (bool);
}
