// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {VerifierKind} from "../interfaces/IVerifier.sol";
import {Claims} from "../libs/Claims.sol";
import {RootCacheVerifier} from "./RootCacheVerifier.sol";

/// @title OptimisticVerifier
/// @notice Accepts an origin Mailbox's root once a bonded proposer's signed claim of it has stood
/// through the route's dispute window without a veto. Watchers (each able to act alone) veto false
/// claims during the window; a veto also pauses the route until its owner resumes it. The
/// proposer's bond lives on the origin chain (ProposerBond), where the signed claim can be proven
/// false against the Mailbox itself and the bond slashed.
/// @dev Proof mode 0x04: `0x04 ‖ root (32) ‖ multiproof` accepts a matured claim's root and proves
/// the messages against it in the same call; later batches use mode 0x00 (RootCacheVerifier).
/// Roots accepted before a veto stay accepted: they matured unchallenged, and a veto concerns the
/// claim it names.
contract OptimisticVerifier is RootCacheVerifier, Ownable2Step {
    /// @notice Proof mode: a matured claim's root, then a multiproof.
    uint8 internal constant MODE_CLAIMED_ROOT = 0x04;

    /// @notice The shortest window a route may have on this deployment (seconds).
    uint64 public immutable minWindow;

    /// @notice One origin's route.
    struct Route {
        /// @dev The origin Mailbox whose roots are claimed.
        bytes32 originMailbox;
        /// @dev Seconds a claim waits before it can be accepted.
        uint64 window;
        /// @dev Set by a veto; only the owner clears it.
        bool paused;
    }

    /// @notice A posted claim, in one storage slot.
    struct Claim {
        /// @dev Who signed it (zero: no such claim).
        address proposer;
        /// @dev The index of the last message under the root.
        uint32 index;
        /// @dev When the window ends (unix seconds).
        uint48 readyAt;
        /// @dev Whether a watcher vetoed it.
        bool vetoed;
    }

    /// @notice The route of each origin domain.
    mapping(uint64 origin => Route) public routes;
    /// @notice Who may sign claims for an origin (their bond is on the origin).
    mapping(uint64 origin => mapping(address proposer => bool)) public isProposer;
    /// @notice Who may veto.
    mapping(address watcher => bool) public isWatcher;
    /// @notice Claims by origin and root.
    mapping(uint64 origin => mapping(bytes32 root => Claim)) public claims;

    /// @notice Emitted when the owner sets an origin's route.
    event RouteSet(uint64 indexed origin, bytes32 originMailbox, uint64 window);
    /// @notice Emitted when the owner allows or disallows a proposer.
    event ProposerSet(uint64 indexed origin, address indexed proposer, bool allowed);
    /// @notice Emitted when the owner adds or removes a watcher.
    event WatcherSet(address indexed watcher, bool allowed);
    /// @notice Emitted for every posted claim, with the proposer's signature (the evidence a
    /// fraud proof on the origin needs).
    event ClaimPosted(
        uint64 indexed origin, bytes32 indexed root, uint32 index, address proposer, uint48 readyAt, bytes signature
    );
    /// @notice Emitted when a watcher vetoes a claim.
    event ClaimVetoed(uint64 indexed origin, bytes32 indexed root, address watcher);
    /// @notice Emitted when a veto pauses a route.
    event RoutePaused(uint64 indexed origin, address by);
    /// @notice Emitted when the owner resumes a route.
    event RouteResumed(uint64 indexed origin);

    /// @notice Thrown when a route's window is below `minWindow`.
    error WindowBelowFloor(uint64 window, uint64 floor);
    /// @notice Thrown when a route names the zero Mailbox.
    error ZeroOriginMailbox();
    /// @notice Thrown for an origin without a route.
    error NoRoute(uint64 origin);
    /// @notice Thrown when a claim's signer is not a proposer of the origin.
    error ProposerUnknown(uint64 origin, address signer);
    /// @notice Thrown when a claim's signature is malformed or malleated.
    error ClaimSignatureInvalid();
    /// @notice Thrown when the root was claimed already.
    error ClaimExists(uint64 origin, bytes32 root);
    /// @notice Thrown when no claim of the root was posted.
    error ClaimUnknown(uint64 origin, bytes32 root);
    /// @notice Thrown when a claim's window has not ended.
    error ClaimNotMatured(uint48 readyAt, uint256 now_);
    /// @notice Thrown when the claim was vetoed.
    error ClaimWasVetoed(uint64 origin, bytes32 root);
    /// @notice Thrown when the claim's root is accepted already (too late to veto).
    error ClaimAlreadyAccepted(uint64 origin, bytes32 root);
    /// @notice Thrown when the route is paused after a veto.
    error OriginPaused(uint64 origin);
    /// @notice Thrown when someone other than a watcher vetoes.
    error NotWatcher(address caller);

    /// @param owner_ The account that configures routes, proposers and watchers.
    /// @param minWindow_ The shortest dispute window this deployment allows.
    constructor(address owner_, uint64 minWindow_) Ownable(owner_) {
        minWindow = minWindow_;
    }

    /// @notice This verifier reads matured claims.
    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Optimistic;
    }

    // ------------------------------------------------------------------ configuration

    /// @notice Sets the route of `origin`: its Mailbox and dispute window.
    function setRoute(uint64 origin, bytes32 originMailbox, uint64 window) external onlyOwner {
        if (originMailbox == bytes32(0)) revert ZeroOriginMailbox();
        if (window < minWindow) revert WindowBelowFloor(window, minWindow);
        Route storage r = routes[origin];
        r.originMailbox = originMailbox;
        r.window = window;
        emit RouteSet(origin, originMailbox, window);
    }

    /// @notice Allows or disallows `proposer` to sign claims for `origin`.
    function setProposer(uint64 origin, address proposer, bool allowed) external onlyOwner {
        isProposer[origin][proposer] = allowed;
        emit ProposerSet(origin, proposer, allowed);
    }

    /// @notice Adds or removes a watcher.
    function setWatcher(address watcher, bool allowed) external onlyOwner {
        isWatcher[watcher] = allowed;
        emit WatcherSet(watcher, allowed);
    }

    /// @notice Resumes a route a veto paused.
    function resume(uint64 origin) external onlyOwner {
        routes[origin].paused = false;
        emit RouteResumed(origin);
    }

    // ------------------------------------------------------------------ claims

    /// @notice The digest a proposer signs for a claim (Claims.digest).
    function claimDigest(uint64 origin, bytes32 originMailbox, bytes32 root, uint32 index)
        external
        pure
        returns (bytes32)
    {
        return Claims.digest(origin, originMailbox, root, index);
    }

    /// @notice Posts a proposer's signed claim; anyone may carry it. Its window starts now.
    function postClaim(uint64 origin, bytes32 root, uint32 index, bytes calldata signature) external {
        Route storage r = routes[origin];
        bytes32 originMailbox = r.originMailbox;
        if (originMailbox == bytes32(0)) revert NoRoute(origin);
        if (r.paused) revert OriginPaused(origin);
        if (root == bytes32(0)) revert ZeroRoot();
        if (claims[origin][root].proposer != address(0)) revert ClaimExists(origin, root);
        (address signer, ECDSA.RecoverError err,) =
            ECDSA.tryRecover(Claims.digest(origin, originMailbox, root, index), signature);
        if (err != ECDSA.RecoverError.NoError) revert ClaimSignatureInvalid();
        if (!isProposer[origin][signer]) revert ProposerUnknown(origin, signer);
        // forge-lint: disable-next-line(unsafe-typecast)
        uint48 readyAt = uint48(block.timestamp + r.window); // timestamps fit 48 bits for 8.9 million years
        claims[origin][root] = Claim({proposer: signer, index: index, readyAt: readyAt, vetoed: false});
        emit ClaimPosted(origin, root, index, signer, readyAt, signature);
    }

    /// @notice Vetoes a claim not yet accepted, and pauses its route until the owner resumes it.
    function veto(uint64 origin, bytes32 root) external {
        if (!isWatcher[msg.sender]) revert NotWatcher(msg.sender);
        Claim storage c = claims[origin][root];
        if (c.proposer == address(0)) revert ClaimUnknown(origin, root);
        if (acceptedRoot[origin][root]) revert ClaimAlreadyAccepted(origin, root);
        if (c.vetoed) revert ClaimWasVetoed(origin, root);
        c.vetoed = true;
        routes[origin].paused = true;
        emit ClaimVetoed(origin, root, msg.sender);
        emit RoutePaused(origin, msg.sender);
    }

    /// @notice Accepts a matured claim's root without delivering anything.
    function acceptClaim(uint64 origin, bytes32 root) external {
        _acceptClaim(origin, root);
    }

    /// @inheritdoc RootCacheVerifier
    function _verifyMode(
        uint8 mode,
        bytes calldata proof,
        uint64 origin,
        uint256[] memory indices,
        bytes32[] memory ids
    ) internal override returns (bool) {
        if (mode != MODE_CLAIMED_ROOT) revert UnknownProofMode(mode);
        if (proof.length < 33) revert ProofTruncated(33, proof.length);
        bytes32 root = bytes32(proof[1:33]);
        _acceptClaim(origin, root);
        _proveInclusion(root, indices, ids, proof, 33);
        return true;
    }

    function _acceptClaim(uint64 origin, bytes32 root) internal {
        if (acceptedRoot[origin][root]) return;
        Claim memory c = claims[origin][root];
        if (c.proposer == address(0)) revert ClaimUnknown(origin, root);
        if (c.vetoed) revert ClaimWasVetoed(origin, root);
        if (routes[origin].paused) revert OriginPaused(origin);
        // A block producer can shift time by seconds; windows are minutes (the deployment floor).
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < c.readyAt) revert ClaimNotMatured(c.readyAt, block.timestamp);
        _acceptRoot(origin, root, c.index);
    }
}
