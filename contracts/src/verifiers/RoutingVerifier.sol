// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IVerifier, VerifierKind} from "../interfaces/IVerifier.sol";
import {Message} from "../libs/Message.sol";

/// @title RoutingVerifier
/// @notice One verifier per origin domain, for applications that trust each origin differently (a
/// light client for Ethereum, a committee for a chain without one). The proof is passed unchanged
/// to the verifier of the messages' origin; routes are set by the owner (a timelock in production).
/// @dev The routed verifier is called with this call's own calldata, byte for byte (same selector,
/// same arguments): it decodes exactly what this contract decoded, and nothing is re-encoded.
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
        proof; // passed on unchanged, with the rest of the calldata
        return _relay(route(Message.origin(message)));
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
        proof; // passed on unchanged, with the rest of the calldata
        return _relay(route(origin));
    }

    /// @dev Calls `verifier` with this call's calldata; passes a revert on with its data; true only
    /// for a returned word of 1.
    function _relay(IVerifier verifier) internal returns (bool accepted) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := call(gas(), verifier, 0, ptr, calldatasize(), 0, 0x20)
            if iszero(ok) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            accepted := and(gt(returndatasize(), 0x1f), eq(mload(0), 1))
        }
    }
}
