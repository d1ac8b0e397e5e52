// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {BLS} from "../libs/BLS.sol";
import {SSZ} from "../libs/SSZ.sol";

/// @title EthereumLightClient
/// @notice A light client of an Ethereum beacon chain, following its sync committee (the consensus
/// specs' light-client sync protocol, Capella to Electra and later forks that keep Electra's
/// layout). From a trusted bootstrap it applies finality updates signed by at least two thirds of
/// the sync committee and records, for each finalized block it learns, the execution state root,
/// by execution block number: what storage proofs are checked against.
/// @dev Per period it stores the committee's SSZ root, its pubkeys root and its aggregate key, not
/// the 512 keys: an update names the members who did not sign, each with its key and a branch into
/// the pubkeys root, and the signers' key is the aggregate minus theirs. docs/light-client.md
/// describes every check; `courier_lightclient::onchain` builds the updates.
contract EthereumLightClient {
    /// @notice Execution facts of a finalized block, each with its branch to the block's body root.
    struct Execution {
        bytes32 stateRoot;
        bytes32[] stateRootBranch;
        uint64 blockNumber;
        bytes32[] blockNumberBranch;
    }

    /// @notice A sync committee as stored: its SSZ root, the root of its pubkeys vector, and its
    /// aggregate key in EIP-2537's 128-byte G1 encoding.
    struct Committee {
        bytes32 root;
        bytes32 pubkeysRoot;
        bytes aggregatePubkey;
    }

    /// @notice A committee member who did not sign.
    struct NonSigner {
        uint256 index;
        bytes pubkey;
        bytes32[] branch;
    }

    /// @notice A finality update.
    struct Update {
        /// @dev The committee of the signature's period, as the client committed to it.
        Committee signers;
        SSZ.BeaconBlockHeader attested;
        SSZ.BeaconBlockHeader finalized;
        bytes32[] finalityBranch;
        Execution finalizedExecution;
        /// @dev Empty `nextCommitteeBranch` when the update does not carry the next committee.
        bytes32 nextPubkeysRoot;
        bytes nextAggregatePubkey;
        bytes32[] nextCommitteeBranch;
        uint64 signatureSlot;
        bytes participation;
        bytes signature;
        NonSigner[] nonSigners;
    }

    /// @notice Chain parameters fixed at deployment.
    struct Chain {
        bytes32 genesisValidatorsRoot;
        bytes4 genesisForkVersion;
        /// @dev Forks from Altair on, in order: Altair, Bellatrix, Capella, Deneb, Electra, then
        /// later ones with Electra's layout. An epoch of type(uint64).max: not scheduled.
        bytes4[] forkVersions;
        uint64[] forkEpochs;
        uint64 slotsPerEpoch;
        uint64 epochsPerPeriod;
        uint64 committeeSize;
    }

    uint256 internal constant FORK_CAPELLA = 2;
    uint256 internal constant FORK_DENEB = 3;
    uint256 internal constant FORK_ELECTRA = 4;

    bytes internal constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    bytes4 internal constant DOMAIN_SYNC_COMMITTEE = 0x07000000;

    bytes32 public immutable genesisValidatorsRoot;
    bytes4 public immutable genesisForkVersion;
    uint64 public immutable slotsPerEpoch;
    uint64 public immutable epochsPerPeriod;
    uint64 public immutable committeeSize;
    /// @notice Depth of the pubkeys vector's tree (log2 of the committee size).
    uint256 public immutable pubkeysDepth;

    bytes4[] internal _forkVersions;
    uint64[] internal _forkEpochs;

    /// @notice For each period the client knows the committee of (the current one and, once an
    /// update proved it, the next), the hash of that committee's stored form: updates carry the
    /// committee in calldata (192 bytes) instead of the contract keeping seven storage slots.
    mapping(uint256 period => bytes32) public committeeHash;

    /// @notice The newest finalized beacon slot.
    uint64 public finalizedSlot;
    /// @notice Execution block number of the newest finalized block.
    uint64 public latestExecutionBlock;
    /// @notice The execution state root of each finalized block learned, by block number.
    mapping(uint256 blockNumber => bytes32) public executionStateRoot;

    /// @notice Emitted when a finalized header is learned.
    event Finalized(uint64 indexed slot, uint64 indexed executionBlock, bytes32 executionStateRoot);
    /// @notice Emitted when the committee of a period becomes known.
    event CommitteeLearned(uint256 indexed period, bytes32 root);

    /// @notice Thrown when the chain parameters are inconsistent.
    error InvalidChain();
    /// @notice Thrown when the bootstrap header is not the trusted block root.
    error UntrustedBootstrap(bytes32 trusted, bytes32 actual);
    /// @notice Thrown when a committee's branch does not prove it in the state.
    error InvalidCommitteeBranch();
    /// @notice Thrown when an aggregate key does not match the committee's SSZ root.
    error CommitteeKeyMismatch();
    /// @notice Thrown when an execution field's branch does not prove it in the block body.
    error InvalidExecutionBranch();
    /// @notice Thrown when the slots of an update are out of order.
    error InvalidSlots(uint64 signatureSlot, uint64 attestedSlot, uint64 finalizedSlot);
    /// @notice Thrown when the client does not know the committee of the signature's period.
    error UnknownCommittee(uint256 period);
    /// @notice Thrown when fewer than two thirds of the committee signed.
    error InsufficientParticipation(uint256 participants, uint256 needed);
    /// @notice Thrown when the participation bits have the wrong length.
    error InvalidParticipation();
    /// @notice Thrown when the non-signers do not match the zero bits, in ascending order.
    error NonSignersMismatch(uint256 position);
    /// @notice Thrown when a non-signer's key is not the committee's member at its index.
    error InvalidNonSignerBranch(uint256 index);
    /// @notice Thrown when the finalized header is not proven in the attested state.
    error InvalidFinalityBranch();
    /// @notice Thrown when an update's next committee contradicts the one already known.
    error NextCommitteeMismatch(uint256 period);
    /// @notice Thrown when the sync committee's signature does not verify.
    error InvalidSignature();
    /// @notice Thrown when an update teaches nothing new.
    error UpdateNotNewer();

    /// @param chain The beacon chain's parameters.
    /// @param trustedBlockRoot The root of the bootstrap block, obtained out of band.
    /// @param header The bootstrap block's header.
    /// @param committee The current sync committee of the bootstrap block's period.
    /// @param aggregatePubkeyCompressed The committee's aggregate key as SSZ stores it (48 bytes).
    /// @param committeeBranch The committee's branch in the bootstrap state.
    /// @param execution The bootstrap block's execution facts.
    constructor(
        Chain memory chain,
        bytes32 trustedBlockRoot,
        SSZ.BeaconBlockHeader memory header,
        Committee memory committee,
        bytes memory aggregatePubkeyCompressed,
        bytes32[] memory committeeBranch,
        Execution memory execution
    ) {
        uint256 depth;
        while ((uint256(1) << depth) < chain.committeeSize) ++depth;
        if (
            chain.forkVersions.length != chain.forkEpochs.length || chain.forkVersions.length <= FORK_ELECTRA
                || chain.committeeSize == 0 || uint256(1) << depth != chain.committeeSize || chain.slotsPerEpoch == 0
                || chain.epochsPerPeriod == 0
        ) revert InvalidChain();
        genesisValidatorsRoot = chain.genesisValidatorsRoot;
        genesisForkVersion = chain.genesisForkVersion;
        slotsPerEpoch = chain.slotsPerEpoch;
        epochsPerPeriod = chain.epochsPerPeriod;
        committeeSize = chain.committeeSize;
        pubkeysDepth = depth;
        _forkVersions = chain.forkVersions;
        _forkEpochs = chain.forkEpochs;

        bytes32 root = SSZ.hashTreeRoot(header);
        if (root != trustedBlockRoot) revert UntrustedBootstrap(trustedBlockRoot, root);
        if (!BLS.matchesCompressed(committee.aggregatePubkey, aggregatePubkeyCompressed)) {
            revert CommitteeKeyMismatch();
        }
        if (committee.root != _committeeRoot(committee.pubkeysRoot, aggregatePubkeyCompressed)) {
            revert CommitteeKeyMismatch();
        }
        if (!SSZ.isValidMerkleBranchAt(
                committee.root, committeeBranch, _stateGindex(header.slot, 54, 86), header.stateRoot
            )) {
            revert InvalidCommitteeBranch();
        }
        _checkExecution(header, execution);
        uint256 period = header.slot / (slotsPerEpoch * epochsPerPeriod);
        committeeHash[period] = _hash(committee);
        emit CommitteeLearned(period, committee.root);
        _finalize(header.slot, execution);
    }

    // ------------------------------------------------------------------ reads

    /// @notice The hash under which a committee is stored.
    function hashCommittee(Committee memory committee) external pure returns (bytes32) {
        return _hash(committee);
    }

    /// @notice The sync-committee period of `slot`.
    function periodAt(uint64 slot) public view returns (uint256) {
        return slot / (slotsPerEpoch * epochsPerPeriod);
    }

    /// @notice The index (from Altair on) of the fork active at `slot`, or type(uint256).max before
    /// Altair.
    function forkAt(uint64 slot) public view returns (uint256) {
        uint64 epoch = slot / slotsPerEpoch;
        uint256 n = _forkEpochs.length;
        for (uint256 i = n; i > 0; --i) {
            if (epoch >= _forkEpochs[i - 1]) return i - 1;
        }
        return type(uint256).max;
    }

    /// @notice The signing root of a sync-committee signature over `blockRoot` made at
    /// `signatureSlot` (domain of the fork of the epoch of `signatureSlot - 1`).
    function signingRoot(bytes32 blockRoot, uint64 signatureSlot) public view returns (bytes32) {
        uint64 slot = signatureSlot == 0 ? 0 : signatureSlot - 1;
        uint256 fork = forkAt(slot);
        bytes4 version = fork == type(uint256).max ? genesisForkVersion : _forkVersions[fork];
        return SSZ.signingRoot(blockRoot, SSZ.computeDomain(DOMAIN_SYNC_COMMITTEE, version, genesisValidatorsRoot));
    }

    // ------------------------------------------------------------------ update

    /// @notice Applies a finality update signed by at least two thirds of the committee of its
    /// signature's period.
    function update(Update calldata u) external {
        if (!(u.signatureSlot > u.attested.slot && u.attested.slot >= u.finalized.slot)) {
            revert InvalidSlots(u.signatureSlot, u.attested.slot, u.finalized.slot);
        }
        uint256 sigPeriod = periodAt(u.signatureSlot);
        bytes32 known = committeeHash[sigPeriod];
        if (known == bytes32(0)) revert UnknownCommittee(sigPeriod);
        Committee calldata signers = u.signers;
        if (_hashCalldata(signers) != known) revert CommitteeKeyMismatch();

        // Participation: two thirds at least, and the non-signers exactly the zero bits.
        _checkParticipation(u);

        // The finalized header and its execution facts, proven in the attested state.
        bytes32 attestedRoot = SSZ.hashTreeRoot(u.attested);
        SSZ.BeaconBlockHeader memory finalized = u.finalized;
        bytes32 finalizedRoot = SSZ.hashTreeRoot(finalized);
        uint256 fGindex = _stateGindex(u.attested.slot, 105, 169);
        if (!SSZ.isValidMerkleBranchAt(finalizedRoot, u.finalityBranch, fGindex, u.attested.stateRoot)) {
            revert InvalidFinalityBranch();
        }
        _checkExecution(finalized, u.finalizedExecution);

        // The next committee, when carried.
        bool learned;
        if (u.nextCommitteeBranch.length != 0) learned = _learnNext(u);

        // The signature: aggregate minus the non-signers, over the signing root.
        bytes memory key = _signersKey(signers, u.nonSigners);
        bytes memory message = abi.encodePacked(signingRoot(attestedRoot, u.signatureSlot));
        if (!BLS.verify(key, BLS.hashToG2(message, DST), u.signature)) revert InvalidSignature();

        if (u.finalized.slot > finalizedSlot) {
            _finalize(u.finalized.slot, u.finalizedExecution);
        } else if (!learned) {
            revert UpdateNotNewer();
        }
    }

    // ------------------------------------------------------------------ internals

    function _checkParticipation(Update calldata u) internal view {
        uint256 size = committeeSize;
        if (u.participation.length * 8 != size) revert InvalidParticipation();
        uint256 absent; // members not signing, matched one by one with `nonSigners`
        uint256 n = u.nonSigners.length;
        for (uint256 b; b < size >> 3; ++b) {
            uint8 bits = uint8(u.participation[b]);
            if (bits == 0xff) continue;
            for (uint256 k; k < 8; ++k) {
                if ((bits >> k) & 1 == 0) {
                    if (absent >= n || u.nonSigners[absent].index != (b << 3) + k) revert NonSignersMismatch(absent);
                    ++absent;
                }
            }
        }
        if (absent != n) revert NonSignersMismatch(absent);
        uint256 participants = size - absent;
        uint256 needed = (size * 2 + 2) / 3;
        if (participants < needed) revert InsufficientParticipation(participants, needed);
    }

    function _signersKey(Committee calldata signers, NonSigner[] calldata nonSigners)
        internal
        view
        returns (bytes memory key)
    {
        key = signers.aggregatePubkey;
        uint256 n = nonSigners.length;
        if (n == 0) return key;
        bytes32 pubkeysRoot = signers.pubkeysRoot;
        bytes memory missing;
        for (uint256 i; i < n; ++i) {
            NonSigner calldata s = nonSigners[i];
            bytes32 leaf = SSZ.hashTreeRootPubkey(BLS.compress(s.pubkey));
            if (!SSZ.isValidMerkleBranch(leaf, s.branch, pubkeysDepth, s.index, pubkeysRoot)) {
                revert InvalidNonSignerBranch(s.index);
            }
            missing = i == 0 ? s.pubkey : BLS.g1Add(missing, s.pubkey);
        }
        key = BLS.g1Add(key, BLS.g1Negate(missing));
    }

    function _learnNext(Update calldata u) internal returns (bool learned) {
        bytes memory compressed = BLS.compress(u.nextAggregatePubkey);
        bytes32 root = _committeeRoot(u.nextPubkeysRoot, compressed);
        if (!SSZ.isValidMerkleBranchAt(
                root, u.nextCommitteeBranch, _stateGindex(u.attested.slot, 55, 87), u.attested.stateRoot
            )) {
            revert InvalidCommitteeBranch();
        }
        uint256 period = periodAt(u.attested.slot) + 1;
        bytes32 h = keccak256(abi.encode(root, u.nextPubkeysRoot, keccak256(u.nextAggregatePubkey)));
        bytes32 known = committeeHash[period];
        if (known == bytes32(0)) {
            committeeHash[period] = h;
            emit CommitteeLearned(period, root);
            return true;
        }
        if (known != h) revert NextCommitteeMismatch(period);
    }

    function _checkExecution(SSZ.BeaconBlockHeader memory header, Execution memory execution) internal view {
        uint256 fork = forkAt(header.slot);
        if (fork == type(uint256).max || fork < FORK_CAPELLA) revert InvalidExecutionBranch();
        // execution_payload is body field 9 (generalized index 25); its header has 15 fields (16
        // leaves) in Capella and 17 (32 leaves) from Deneb on.
        uint256 payload = fork >= FORK_DENEB ? 25 << 5 : 25 << 4;
        bool ok = SSZ.isValidMerkleBranchAt(
                execution.stateRoot, execution.stateRootBranch, payload + 2, header.bodyRoot
            )
            && SSZ.isValidMerkleBranchAt(
                SSZ.toChunk(execution.blockNumber), execution.blockNumberBranch, payload + 6, header.bodyRoot
            );
        if (!ok) revert InvalidExecutionBranch();
    }

    function _finalize(uint64 slot, Execution memory execution) internal {
        finalizedSlot = slot;
        executionStateRoot[execution.blockNumber] = execution.stateRoot;
        if (execution.blockNumber > latestExecutionBlock) latestExecutionBlock = execution.blockNumber;
        emit Finalized(slot, execution.blockNumber, execution.stateRoot);
    }

    /// @dev The generalized index of a state field: `before` until Electra, `fromElectra` after.
    function _stateGindex(uint64 slot, uint256 before, uint256 fromElectra) internal view returns (uint256) {
        uint256 fork = forkAt(slot);
        return fork != type(uint256).max && fork >= FORK_ELECTRA ? fromElectra : before;
    }

    function _hash(Committee memory c) internal pure returns (bytes32) {
        return keccak256(abi.encode(c.root, c.pubkeysRoot, keccak256(c.aggregatePubkey)));
    }

    function _hashCalldata(Committee calldata c) internal pure returns (bytes32) {
        return keccak256(abi.encode(c.root, c.pubkeysRoot, keccak256(c.aggregatePubkey)));
    }

    function _committeeRoot(bytes32 pubkeysRoot, bytes memory aggregateCompressed) internal view returns (bytes32) {
        return SSZ.hashPair(pubkeysRoot, SSZ.hashTreeRootPubkey(aggregateCompressed));
    }
}
