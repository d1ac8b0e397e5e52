// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {Mailbox} from "../../src/Mailbox.sol";
import {IMessageRecipient, IVerifierSpecifier} from "../../src/interfaces/IMessageRecipient.sol";
import {IVerifier} from "../../src/interfaces/IVerifier.sol";
import {CommitteeVerifier} from "../../src/verifiers/CommitteeVerifier.sol";
import {TreeBuilder} from "./TreeBuilder.sol";

/// @notice A recipient that records every delivery, can be told to revert, and can pick a verifier.
contract RecordingRecipient is IMessageRecipient, IVerifierSpecifier {
    address public verifier;
    bool public shouldRevert;
    uint256 public handled;
    mapping(bytes32 => uint256) public timesHandled; // keccak(origin, sender, body) => count
    uint64 public lastOrigin;
    bytes32 public lastSender;
    bytes public lastBody;

    error Refused(bytes body);

    function setVerifier(address v) external {
        verifier = v;
    }

    function setRevert(bool r) external {
        shouldRevert = r;
    }

    function handle(uint64 origin, bytes32 sender, bytes calldata body) external virtual {
        if (shouldRevert) revert Refused(body);
        handled += 1;
        timesHandled[keccak256(abi.encode(origin, sender, body))] += 1;
        lastOrigin = origin;
        lastSender = sender;
        lastBody = body;
    }
}

/// @notice A recipient that does nothing: what the gas figures are measured against.
contract NoopRecipient is IMessageRecipient {
    function handle(uint64, bytes32, bytes calldata) external {}
}

/// @notice The shared setup: an origin Mailbox, a destination Mailbox whose default verifier is a
/// committee for the origin, a recipient, and helpers that sign checkpoints and build proofs the way
/// the relayer does.
abstract contract CourierFixture is Test {
    uint64 internal constant ORIGIN = 31337;
    uint64 internal constant DEST = 31338;

    address internal owner = makeAddr("owner");
    address internal app = makeAddr("app"); // the sending application on the origin
    address internal relayer = makeAddr("relayer");

    Mailbox internal originMailbox;
    Mailbox internal destMailbox;
    CommitteeVerifier internal committee;
    RecordingRecipient internal recipient;

    uint8 internal threshold;
    uint256[] internal keys; // sorted by address
    address[] internal validators; // ascending

    bytes32[] internal leaves; // ids dispatched on the origin, by nonce
    bytes[] internal sent; // encoded messages dispatched on the origin, by nonce

    function _deploy(uint8 k, uint256 n) internal {
        originMailbox = new Mailbox(ORIGIN, owner, IVerifier(address(0)));
        committee = new CommitteeVerifier(owner);
        destMailbox = new Mailbox(DEST, owner, committee);
        recipient = new RecordingRecipient();
        (keys, validators) = _committeeKeys(n);
        threshold = k;
        vm.prank(owner);
        committee.setCommittee(ORIGIN, _b32(address(originMailbox)), k, validators);
    }

    /// @dev Validator i's key is keccak256("courier-validator-" ‖ i), as in vectors/checkpoint.json.
    function _committeeKeys(uint256 n) internal pure returns (uint256[] memory ks, address[] memory addrs) {
        ks = new uint256[](n);
        addrs = new address[](n);
        for (uint256 i; i < n; ++i) {
            ks[i] = uint256(keccak256(abi.encodePacked("courier-validator-", vm.toString(i))));
            addrs[i] = vm.addr(ks[i]);
        }
        // insertion sort by address
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && addrs[j] < addrs[j - 1]; --j) {
                (addrs[j], addrs[j - 1]) = (addrs[j - 1], addrs[j]);
                (ks[j], ks[j - 1]) = (ks[j - 1], ks[j]);
            }
        }
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    /// @dev Dispatches `body` from `app` on the origin to `to` on DEST; records the message.
    function _send(address to, bytes memory body) internal returns (bytes memory message) {
        uint32 nonce = originMailbox.count();
        vm.prank(app);
        bytes32 id = originMailbox.dispatch(DEST, _b32(to), body);
        message = abi.encodePacked(uint8(1), nonce, ORIGIN, _b32(app), DEST, _b32(to), body);
        assertEq(keccak256(message), id, "fixture encodes like the Mailbox");
        leaves.push(id);
        sent.push(message);
    }

    function _sendMany(address to, uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            _send(to, abi.encodePacked(keccak256(abi.encode("body", i))));
        }
    }

    // ---------------------------------------------------------------- signing

    function _committeeBytes() internal view returns (bytes memory) {
        bytes memory out = abi.encodePacked(_b32(address(originMailbox)), threshold, uint8(validators.length));
        for (uint256 i; i < validators.length; ++i) {
            out = abi.encodePacked(out, validators[i]);
        }
        return out;
    }

    function _digest(bytes32 root, uint32 index, bytes32 messageId) internal view returns (bytes32) {
        return committee.checkpointDigest(ORIGIN, _b32(address(originMailbox)), root, index, messageId);
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev `bitmap ‖ signatures` by the validators whose bits are set in `bitmap`.
    function _signatures(bytes32 digest, uint256 bitmap) internal view returns (bytes memory out) {
        out = abi.encodePacked(bitmap);
        for (uint256 i; i < keys.length; ++i) {
            if ((bitmap >> i) & 1 == 1) out = abi.encodePacked(out, _sig(keys[i], digest));
        }
    }

    function _firstK() internal view returns (uint256) {
        return (uint256(1) << threshold) - 1;
    }

    function _leavesUpTo(uint32 index) internal view returns (bytes32[] memory ls) {
        ls = new bytes32[](uint256(index) + 1);
        for (uint256 i; i <= index; ++i) {
            ls[i] = leaves[i];
        }
    }

    function _rootAt(uint32 index) internal view returns (bytes32) {
        return TreeBuilder.root(_leavesUpTo(index));
    }

    // ---------------------------------------------------------------- proofs

    /// @dev Mode 0x01: the checkpoint at the message's own index, signed by `bitmap`.
    function _proofSignedMessage(uint32 nonce, uint256 bitmap) internal view returns (bytes memory) {
        bytes32 root = _rootAt(nonce);
        bytes32 digest = _digest(root, nonce, leaves[nonce]);
        return abi.encodePacked(uint8(1), root, _committeeBytes(), _signatures(digest, bitmap));
    }

    /// @dev Mode 0x02: checkpoint at `index` signed by `bitmap`, then a multiproof of `nonces`.
    function _proofSignedRoot(uint32 index, uint256[] memory nonces, uint256 bitmap)
        internal
        view
        returns (bytes memory)
    {
        bytes32[] memory ls = _leavesUpTo(index);
        bytes32 root = TreeBuilder.root(ls);
        bytes32 digest = _digest(root, index, leaves[index]);
        return abi.encodePacked(
            uint8(2),
            root,
            index,
            leaves[index],
            _committeeBytes(),
            _signatures(digest, bitmap),
            TreeBuilder.multiproof(ls, nonces)
        );
    }

    /// @dev Mode 0x00: a multiproof of `nonces` against the (already accepted) root at `index`.
    function _proofCached(uint32 index, uint256[] memory nonces) internal view returns (bytes memory) {
        bytes32[] memory ls = _leavesUpTo(index);
        return abi.encodePacked(uint8(0), TreeBuilder.root(ls), TreeBuilder.multiproof(ls, nonces));
    }

    function _range(uint256 from, uint256 to) internal pure returns (uint256[] memory r) {
        r = new uint256[](to - from);
        for (uint256 i; i < r.length; ++i) {
            r[i] = from + i;
        }
    }

    function _one(uint256 x) internal pure returns (uint256[] memory r) {
        r = new uint256[](1);
        r[0] = x;
    }

    function _messages(uint256[] memory nonces) internal view returns (bytes[] memory ms) {
        ms = new bytes[](nonces.length);
        for (uint256 i; i < nonces.length; ++i) {
            ms[i] = sent[nonces[i]];
        }
    }
}
