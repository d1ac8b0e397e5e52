// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IVerifier, VerifierKind} from "../interfaces/IVerifier.sol";
import {Message} from "../libs/Message.sol";

/// @title RoutingVerifier
/// @notice One verifier per origin domain, for applications that trust each origin differently (a
/// light client for Ethereum, a committee for a chain without one). The proof is passed unchanged
/// to the verifier of the messages' origin; routes are set by the owner (a timelock in production).
contract RoutingVerifier is IVerifier, Ownable2Step {
    /// @notice The verifier of each origin domain (zero: none).
    mapping(uint64 origin => IVerifier) public routes;

    /// @notice Emitted when an origin's verifier is set or removed (zero).
    event RouteSet(uint64 indexed origin, address verifier);

    /// @notice Thrown when no verifier is set for the messages' origin.
    error NoRoute(uint64 origin);
    /// @notice Thrown when the messages of a batch come from different origins.
    error MixedOrigins(uint256 position);
    /// @notice Thrown when a batch has no messages.
    error NoMessages();

    /// @param owner_ The account that sets routes.
    constructor(address owner_) Ownable(owner_) {}

    /// @notice This verifier routes by origin.
    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Routing;
    }

    /// @notice Sets (or, with zero, removes) the verifier of `origin`.
    function setRoute(uint64 origin, IVerifier verifier) external onlyOwner {
        routes[origin] = verifier;
        emit RouteSet(origin, address(verifier));
    }

    /// @notice The verifier of `origin` (reverts when there is none).
    function route(uint64 origin) public view returns (IVerifier verifier) {
        verifier = routes[origin];
        if (address(verifier) == address(0)) revert NoRoute(origin);
    }

    /// @inheritdoc IVerifier
    function verify(bytes calldata proof, bytes calldata message) external returns (bool) {
        Message.checkLength(message);
        return route(Message.origin(message)).verify(proof, message);
    }

    /// @inheritdoc IVerifier
    function verifyBatch(bytes calldata proof, bytes[] calldata messages) external returns (bool) {
        uint256 n = messages.length;
        if (n == 0) revert NoMessages();
        Message.checkLength(messages[0]);
        uint64 origin = Message.origin(messages[0]);
        for (uint256 i = 1; i < n; ++i) {
            Message.checkLength(messages[i]);
            if (Message.origin(messages[i]) != origin) revert MixedOrigins(i);
        }
        return route(origin).verifyBatch(proof, messages);
    }
}
