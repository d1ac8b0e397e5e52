// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {VerifierKind} from "../interfaces/IVerifier.sol";
import {MerklePatricia} from "../libs/MerklePatricia.sol";
import {RootCacheVerifier} from "./RootCacheVerifier.sol";

/// @notice What a light client of an origin chain offers a verifier: the execution state roots of
/// the blocks it finalized (EthereumLightClient's public mapping).
interface IStateRootSource {
    /// @notice The execution state root of finalized block `blockNumber`; zero when unknown.
    function executionStateRoot(uint256 blockNumber) external view returns (bytes32);
}

/// @title LightClientVerifier
/// @notice Accepts an origin Mailbox's root when it is proven by the origin chain's own state: an
/// account proof of the Mailbox and a storage proof of its `committedRoot` slot against an
/// execution state root that a light client of the origin finalized. Messages then prove
/// inclusion against the accepted root, as with every root-caching verifier. Nobody is trusted but
/// the origin chain's consensus (through the light client) and the route's configuration.
/// @dev Proof mode 0x03: `0x03 ‖ root (32) ‖ block number (8) ‖ length (4) ‖
/// abi.encode(bytes[] accountProof, bytes[] storageProof) ‖ multiproof`. Mode 0x00 (a cached root)
/// comes from RootCacheVerifier.
contract LightClientVerifier is RootCacheVerifier, Ownable2Step {
    /// @notice Proof mode: a root proven by storage proofs against a light client's state root.
    uint8 internal constant MODE_STORAGE_PROOF = 0x03;
    /// @notice The Mailbox's storage slot of `committedRoot` (Mailbox.COMMITTED_ROOT_SLOT).
    uint256 public constant COMMITTED_ROOT_SLOT = 37;

    /// @notice Where the truth about an origin comes from.
    struct Route {
        /// @dev The light client of the origin chain on this chain.
        IStateRootSource client;
        /// @dev The origin's Mailbox.
        address mailbox;
    }

    /// @notice The route of each origin domain.
    mapping(uint64 origin => Route) public routes;

    /// @notice Emitted when the owner sets an origin's route.
    event RouteSet(uint64 indexed origin, address client, address mailbox);

    /// @notice Thrown for an origin without a route.
    error NoRoute(uint64 origin);
    /// @notice Thrown when the light client holds no state root for the block a proof names.
    error StateRootUnknown(uint64 origin, uint64 blockNumber);
    /// @notice Thrown when the proven slot holds another root than the proof claims.
    error CommittedRootMismatch(bytes32 claimed, bytes32 proven);
    /// @notice Thrown when a route names a zero client or Mailbox.
    error InvalidRoute();

    /// @param owner_ The account that sets routes.
    constructor(address owner_) Ownable(owner_) {}

    /// @notice This verifier reads light-client storage proofs.
    function kind() external pure returns (VerifierKind) {
        return VerifierKind.LightClient;
    }

    /// @notice Sets the light client and Mailbox of `origin`.
    function setRoute(uint64 origin, IStateRootSource client, address mailbox) external onlyOwner {
        if (address(client) == address(0) || mailbox == address(0)) revert InvalidRoute();
        routes[origin] = Route(client, mailbox);
        emit RouteSet(origin, address(client), mailbox);
    }

    /// @notice The root `proof` (mode 0x03, without messages) proves for `origin`: what a relayer
    /// checks before submitting.
    function provenRoot(uint64 origin, uint64 blockNumber, bytes[] memory accountProof, bytes[] memory storageProof)
        public
        view
        returns (bytes32)
    {
        Route memory route = routes[origin];
        if (route.mailbox == address(0)) revert NoRoute(origin);
        bytes32 stateRoot = route.client.executionStateRoot(blockNumber);
        if (stateRoot == bytes32(0)) revert StateRootUnknown(origin, blockNumber);
        (,, bytes32 storageRoot,) = MerklePatricia.verifyAccount(stateRoot, route.mailbox, accountProof);
        return MerklePatricia.verifyStorage(storageRoot, bytes32(COMMITTED_ROOT_SLOT), storageProof);
    }

    function _verifyMode(
        uint8 mode,
        bytes calldata proof,
        uint64 origin,
        uint256[] memory indices,
        bytes32[] memory ids
    ) internal override returns (bool) {
        if (mode != MODE_STORAGE_PROOF) revert UnknownProofMode(mode);
        if (proof.length < 45) revert ProofTruncated(45, proof.length);
        bytes32 root = bytes32(proof[1:33]);
        if (root == bytes32(0)) revert ZeroRoot();
        uint64 blockNumber = uint64(bytes8(proof[33:41]));
        uint256 end = 45 + uint256(uint32(bytes4(proof[41:45])));
        if (proof.length < end) revert ProofTruncated(end, proof.length);
        if (!acceptedRoot[origin][root]) {
            (bytes[] memory accountProof, bytes[] memory storageProof) = abi.decode(proof[45:end], (bytes[], bytes[]));
            bytes32 proven = provenRoot(origin, blockNumber, accountProof, storageProof);
            if (proven != root) revert CommittedRootMismatch(root, proven);
            // The index under the root is not in the slot; RootAccepted reports the last message
            // it covers as unknown (type(uint32).max).
            _acceptRoot(origin, root, type(uint32).max);
        }
        _proveInclusion(root, indices, ids, proof, end);
        return true;
    }
}
