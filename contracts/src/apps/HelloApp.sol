// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IMailbox} from "../interfaces/IMailbox.sol";
import {IMessageRecipient, IVerifierSpecifier} from "../interfaces/IMessageRecipient.sol";
import {Message} from "../libs/Message.sol";

/// @title HelloApp
/// @notice The smallest useful Courier application: it sends greetings to its peers on other chains
/// and keeps the greetings it receives. The devnet demo and the end-to-end tests use it; it is also
/// the template for a real application (accept only the Mailbox, only known peers; optionally choose
/// a verifier).
contract HelloApp is IMessageRecipient, IVerifierSpecifier, Ownable {
    /// @notice The local Mailbox.
    IMailbox public immutable mailbox;
    /// @notice The verifier this app requires; zero means the Mailbox's default.
    address public verifier;
    /// @notice The HelloApp on each remote domain that may greet this one (bytes32 form).
    mapping(uint64 domain => bytes32 peer) public peers;
    /// @notice How many greetings arrived.
    uint256 public received;
    /// @notice The last greeting that arrived.
    string public lastGreeting;
    /// @notice The domain the last greeting came from.
    uint64 public lastOrigin;

    /// @notice Emitted when a greeting is sent.
    event Sent(bytes32 indexed id, uint64 indexed destination, string greeting);
    /// @notice Emitted when a greeting arrives.
    event Received(uint64 indexed origin, bytes32 indexed sender, string greeting);
    /// @notice Emitted when the owner enrolls a peer.
    event PeerSet(uint64 indexed domain, bytes32 peer);
    /// @notice Emitted when the owner chooses a verifier.
    event VerifierSet(address verifier);

    /// @notice Thrown when `handle` is called by anything but the Mailbox.
    error NotMailbox(address caller);
    /// @notice Thrown when a message comes from a sender that is not the origin's enrolled peer.
    error UnknownPeer(uint64 origin, bytes32 sender);
    /// @notice Thrown when greeting a domain that has no enrolled peer.
    error NoPeer(uint64 domain);

    /// @param mailbox_ The local Mailbox.
    /// @param owner_ The account that enrolls peers and chooses the verifier.
    constructor(IMailbox mailbox_, address owner_) Ownable(owner_) {
        mailbox = mailbox_;
    }

    /// @notice Sends `greeting` to the peer on `destination`.
    function greet(uint64 destination, string calldata greeting) external returns (bytes32 id) {
        bytes32 peer = peers[destination];
        if (peer == bytes32(0)) revert NoPeer(destination);
        id = mailbox.dispatch(destination, peer, bytes(greeting));
        emit Sent(id, destination, greeting);
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint64 origin, bytes32 sender, bytes calldata body) external {
        if (msg.sender != address(mailbox)) revert NotMailbox(msg.sender);
        if (sender != peers[origin]) revert UnknownPeer(origin, sender);
        received += 1;
        lastGreeting = string(body);
        lastOrigin = origin;
        emit Received(origin, sender, string(body));
    }

    /// @notice Enrolls the HelloApp on `domain`.
    function setPeer(uint64 domain, address peer) external onlyOwner {
        peers[domain] = Message.toBytes32(peer);
        emit PeerSet(domain, Message.toBytes32(peer));
    }

    /// @notice Chooses the verifier for incoming greetings (zero: the Mailbox default).
    function setVerifier(address verifier_) external onlyOwner {
        verifier = verifier_;
        emit VerifierSet(verifier_);
    }
}
