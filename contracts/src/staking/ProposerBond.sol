// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IMailbox} from "../interfaces/IMailbox.sol";
import {Claims} from "../libs/Claims.sol";

/// @title ProposerBond
/// @notice On the origin chain, beside its Mailbox: the bonds of optimistic proposers, and the place
/// where a signed claim that does not match the Mailbox's tree is proven false and punished. The
/// whole bond is slashed; `rewardBps` of it goes to the prover, the rest stays locked here forever
/// (burnt in effect: no function moves it).
/// @dev A withdrawal waits `unbondingDelay` after it is requested, and the bond stays slashable
/// meanwhile. The delay must exceed the longest dispute window of any destination plus the time a
/// fraud proof needs to land, so a proposer cannot post a false claim and leave before it is caught.
contract ProposerBond {
    /// @notice The Mailbox whose tree claims are about.
    IMailbox public immutable mailbox;
    /// @notice Its local domain (the claims' origin).
    uint64 public immutable origin;
    /// @notice Seconds between a withdrawal request and the withdrawal.
    uint64 public immutable unbondingDelay;
    /// @notice Share of a slashed bond paid to the prover, in basis points.
    uint16 public immutable rewardBps;

    /// @notice A proposer's bond.
    struct Bond {
        /// @dev Wei bonded.
        uint128 amount;
        /// @dev When a requested withdrawal may happen (0: none requested).
        uint64 withdrawableAt;
        /// @dev Whether it was slashed (then it can never bond again).
        bool slashed;
    }

    /// @notice Bonds by proposer.
    mapping(address proposer => Bond) public bonds;

    /// @notice Emitted when a proposer adds to its bond.
    event Bonded(address indexed proposer, uint256 amount, uint256 total);
    /// @notice Emitted when a proposer asks to withdraw.
    event WithdrawalRequested(address indexed proposer, uint64 withdrawableAt);
    /// @notice Emitted when a proposer withdraws.
    event Withdrawn(address indexed proposer, uint256 amount);
    /// @notice Emitted when a false claim is proven: the bond is gone, `reward` paid to `prover`.
    event ProposerSlashed(
        address indexed proposer, bytes32 indexed root, uint32 index, address prover, uint256 slashed, uint256 reward
    );

    /// @notice Thrown when a reward share above 100% is configured.
    error RewardTooHigh(uint16 rewardBps);
    /// @notice Thrown when bonding nothing.
    error NothingBonded();
    /// @notice Thrown when a slashed proposer tries to bond or withdraw.
    error ProposerWasSlashed(address proposer);
    /// @notice Thrown when withdrawing before the delay or without a request.
    error NotWithdrawable(uint64 withdrawableAt, uint256 now_);
    /// @notice Thrown when the claim's signature is malformed or malleated.
    error ClaimSignatureInvalid();
    /// @notice Thrown when the signer has no bond.
    error NoBond(address signer);
    /// @notice Thrown when the claimed index is not in the tree yet (it cannot be proven false now).
    error IndexNotDispatched(uint32 index, uint32 count);
    /// @notice Thrown when the leaf proof does not lead to the Mailbox's current root.
    error LeafProofInvalid(bytes32 expected, bytes32 computed);
    /// @notice Thrown when the claim is true: the root at the index is the claimed one.
    error ClaimIsTrue(bytes32 root, uint32 index);
    /// @notice Thrown when a transfer of ether fails.
    error TransferFailed(address to, uint256 amount);

    /// @param mailbox_ The Mailbox on this chain.
    /// @param unbondingDelay_ Seconds a withdrawal waits (longest dispute window + margin).
    /// @param rewardBps_ Share of a slashed bond for the prover, in basis points (≤ 10000).
    constructor(IMailbox mailbox_, uint64 unbondingDelay_, uint16 rewardBps_) {
        if (rewardBps_ > 10_000) revert RewardTooHigh(rewardBps_);
        mailbox = mailbox_;
        origin = mailbox_.localDomain();
        unbondingDelay = unbondingDelay_;
        rewardBps = rewardBps_;
    }

    /// @notice Adds `msg.value` to the sender's bond.
    function bond() external payable {
        if (msg.value == 0) revert NothingBonded();
        Bond storage b = bonds[msg.sender];
        if (b.slashed) revert ProposerWasSlashed(msg.sender);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.amount += uint128(msg.value); // more wei than exists does not fit in a transaction
        emit Bonded(msg.sender, msg.value, b.amount);
    }

    /// @notice Starts the unbonding delay of the sender's whole bond.
    function requestWithdrawal() external {
        Bond storage b = bonds[msg.sender];
        if (b.slashed) revert ProposerWasSlashed(msg.sender);
        if (b.amount == 0) revert NoBond(msg.sender);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.withdrawableAt = uint64(block.timestamp) + unbondingDelay;
        emit WithdrawalRequested(msg.sender, b.withdrawableAt);
    }

    /// @notice Withdraws the sender's bond once the delay has passed.
    function withdraw() external {
        Bond storage b = bonds[msg.sender];
        if (b.slashed) revert ProposerWasSlashed(msg.sender);
        uint64 at = b.withdrawableAt;
        // A block producer can shift time by seconds; the delay is days.
        // forge-lint: disable-next-line(block-timestamp)
        if (at == 0 || block.timestamp < at) revert NotWithdrawable(at, block.timestamp);
        uint256 amount = b.amount;
        b.amount = 0;
        b.withdrawableAt = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @notice Proves that a signed claim "the Mailbox's root after leaf `index` is `root`" is false,
    /// with the id of leaf `index` and its 32 siblings in the tree as it is now; slashes the signer.
    /// @param root The claimed root.
    /// @param index The claimed index.
    /// @param signature The proposer's signature over the claim.
    /// @param leaf The id of the message at `index`.
    /// @param siblings The leaf's siblings in the current tree, leaf level first.
    function proveFraud(
        bytes32 root,
        uint32 index,
        bytes calldata signature,
        bytes32 leaf,
        bytes32[32] calldata siblings
    ) external {
        address signer = _signer(root, index, signature);
        _checkFalse(root, index, leaf, siblings);
        Bond storage b = bonds[signer];
        uint256 amount = b.amount;
        if (amount == 0 || b.slashed) revert NoBond(signer);
        b.amount = 0;
        b.slashed = true;
        uint256 reward = amount * rewardBps / 10_000;
        emit ProposerSlashed(signer, root, index, msg.sender, amount, reward);
        _send(msg.sender, reward);
    }

    /// @dev Who signed the claim (root, index) of this Mailbox.
    function _signer(bytes32 root, uint32 index, bytes calldata signature) internal view returns (address signer) {
        bytes32 digest = Claims.digest(origin, bytes32(uint256(uint160(address(mailbox)))), root, index);
        ECDSA.RecoverError err;
        (signer, err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError) revert ClaimSignatureInvalid();
    }

    /// @dev Reverts unless `leaf` at `index` with `siblings` proves the Mailbox's current root and
    /// the root at `index` is not `root`.
    function _checkFalse(bytes32 root, uint32 index, bytes32 leaf, bytes32[32] calldata siblings) internal view {
        uint32 count = mailbox.count();
        if (index >= count) revert IndexNotDispatched(index, count);
        bytes32 current = mailbox.root();
        bytes32 computed = Claims.branchRoot(leaf, index, siblings);
        if (computed != current) revert LeafProofInvalid(current, computed);
        if (Claims.rootAtIndex(leaf, index, siblings) == root) revert ClaimIsTrue(root, index);
    }

    function _send(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
