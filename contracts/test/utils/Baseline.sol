// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";

/// @title BaselineInbox
/// @notice The conventional per-message design the gas benchmark compares Courier against, measured
/// in the same run: every delivery carries k signatures over a checkpoint plus a full 32-node Merkle
/// branch, validators are looked up in storage, and each message id gets its own delivery slot.
/// Test-only; it exists to give the figures in `make bench` a baseline.
contract BaselineInbox {
    uint64 public immutable localDomain;
    bytes32 public immutable originMailbox;
    uint64 public immutable origin;
    uint256 public immutable threshold;
    mapping(address => bool) public isValidator;
    mapping(bytes32 => bool) public delivered;

    error Baseline(string what);

    constructor(uint64 localDomain_, uint64 origin_, bytes32 originMailbox_, uint256 threshold_, address[] memory vs) {
        localDomain = localDomain_;
        origin = origin_;
        originMailbox = originMailbox_;
        threshold = threshold_;
        for (uint256 i; i < vs.length; ++i) {
            isValidator[vs[i]] = true;
        }
    }

    function digest(bytes32 root, uint32 index, bytes32 id) public view returns (bytes32) {
        bytes32 h = keccak256(abi.encodePacked(origin, originMailbox, root, index, id));
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", h));
    }

    /// @param root The signed checkpoint root.
    /// @param index The signed checkpoint index.
    /// @param branch The message's Merkle branch.
    /// @param signatures k signatures (r ‖ s ‖ v), signers ascending.
    function process(
        bytes32 root,
        uint32 index,
        bytes32[32] calldata branch,
        bytes calldata signatures,
        bytes calldata message
    ) external {
        bytes32 id = keccak256(message);
        if (delivered[id]) revert Baseline("delivered");
        if (uint64(bytes8(message[45:53])) != localDomain) revert Baseline("destination");
        delivered[id] = true;

        bytes32 d = digest(root, index, id);
        address last;
        for (uint256 i; i < threshold; ++i) {
            bytes calldata sig = signatures[i * 65:i * 65 + 65];
            address signer = ecrecover(d, uint8(sig[64]), bytes32(sig[0:32]), bytes32(sig[32:64]));
            if (signer <= last || !isValidator[signer]) revert Baseline("signer");
            last = signer;
        }
        uint256 leafIndex = uint32(bytes4(message[1:5]));
        bytes32 node = id;
        for (uint256 level; level < 32; ++level) {
            node = (leafIndex >> level) & 1 == 1
                ? keccak256(abi.encodePacked(branch[level], node))
                : keccak256(abi.encodePacked(node, branch[level]));
        }
        if (node != root) revert Baseline("proof");
        IMessageRecipient(address(uint160(uint256(bytes32(message[53:85])))))
            .handle(origin, bytes32(message[13:45]), message[85:]);
    }
}

/// @notice The Merkle tree as a separate contract the outbox calls after each send (the "hook"
/// arrangement of conventional designs).
contract BaselineTreeHook {
    bytes32[32] internal branch;
    uint256 public count;

    function insert(bytes32 leaf) external {
        uint256 size = ++count;
        bytes32 node = leaf;
        for (uint256 i; i < 32; ++i) {
            if (size & 1 == 1) {
                branch[i] = node;
                return;
            }
            node = keccak256(abi.encodePacked(branch[i], node));
            size >>= 1;
        }
    }
}

/// @title BaselineOutbox
/// @notice The conventional dispatch the gas benchmark compares against: ABI-encoded message fields,
/// a stored latest id, and the tree kept by a separate hook contract. Test-only.
contract BaselineOutbox {
    uint64 public immutable localDomain;
    BaselineTreeHook public immutable hook;
    uint32 public nonce;
    bytes32 public latestDispatchedId;

    event Dispatch(address indexed sender, uint64 indexed destination, bytes32 indexed recipient, bytes message);
    event DispatchId(bytes32 indexed id);

    constructor(uint64 localDomain_) {
        localDomain = localDomain_;
        hook = new BaselineTreeHook();
    }

    function dispatch(uint64 destination, bytes32 recipient, bytes calldata body) external returns (bytes32 id) {
        bytes memory message = abi.encodePacked(
            uint8(1), nonce, localDomain, bytes32(uint256(uint160(msg.sender))), destination, recipient, body
        );
        nonce += 1;
        id = keccak256(message);
        latestDispatchedId = id;
        emit Dispatch(msg.sender, destination, recipient, message);
        emit DispatchId(id);
        hook.insert(id);
    }
}
