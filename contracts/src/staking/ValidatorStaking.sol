// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title ValidatorStaking
/// @notice On the committee's home chain: validators' stakes, and slashing for equivocation. A
/// validator that signed two different checkpoints (another root, or another message id) for the
/// same origin Mailbox and index has lied at least once; anyone who shows both signatures takes
/// `rewardBps` of its stake, and the rest stays locked here for good.
/// @dev Checkpoints are hashed exactly as CommitteeVerifier.checkpointDigest (a test checks it).
/// Withdrawals wait `unbondingDelay` and stay slashable meanwhile, so a validator cannot sign a
/// lie and leave before the evidence is shown.
contract ValidatorStaking {
    /// @notice Domain tag of checkpoint signatures (CommitteeVerifier.CHECKPOINT_TAG).
    bytes32 public constant CHECKPOINT_TAG = keccak256("courier.committee.checkpoint.v1");

    /// @notice Seconds between an unstake request and the withdrawal.
    uint64 public immutable unbondingDelay;
    /// @notice Share of a slashed stake paid to whoever shows the evidence, in basis points.
    uint16 public immutable rewardBps;

    /// @notice A validator's stake.
    struct Stake {
        /// @dev Wei staked.
        uint128 amount;
        /// @dev When a requested withdrawal may happen (0: none requested).
        uint64 withdrawableAt;
        /// @dev Whether it was slashed.
        bool slashed;
    }

    /// @notice Stakes by validator.
    mapping(address validator => Stake) public stakes;

    /// @notice Emitted when stake is added for a validator.
    event Staked(address indexed validator, address indexed by, uint256 amount, uint256 total);
    /// @notice Emitted when a validator asks to withdraw.
    event UnstakeRequested(address indexed validator, uint64 withdrawableAt);
    /// @notice Emitted when a validator withdraws.
    event Withdrawn(address indexed validator, uint256 amount);
    /// @notice Emitted when equivocation is proven.
    event ValidatorSlashed(
        address indexed validator, uint64 indexed origin, uint32 index, address prover, uint256 slashed, uint256 reward
    );

    /// @notice Thrown when a reward share above 100% is configured.
    error RewardTooHigh(uint16 rewardBps);
    /// @notice Thrown when staking nothing or for the zero address.
    error NothingStaked();
    /// @notice Thrown when a slashed validator stakes or withdraws.
    error ValidatorWasSlashed(address validator);
    /// @notice Thrown when withdrawing before the delay or without a request.
    error NotWithdrawable(uint64 withdrawableAt, uint256 now_);
    /// @notice Thrown when the two checkpoints are the same statement.
    error NotEquivocation();
    /// @notice Thrown when a signature is malformed or malleated.
    error SignatureInvalid(uint256 which);
    /// @notice Thrown when the two checkpoints were signed by different keys.
    error SignersDiffer(address a, address b);
    /// @notice Thrown when the signer has no stake to slash.
    error NoStake(address validator);
    /// @notice Thrown when a transfer of ether fails.
    error TransferFailed(address to, uint256 amount);

    /// @param unbondingDelay_ Seconds a withdrawal waits.
    /// @param rewardBps_ Share of a slashed stake for the prover, in basis points (≤ 10000).
    constructor(uint64 unbondingDelay_, uint16 rewardBps_) {
        if (rewardBps_ > 10_000) revert RewardTooHigh(rewardBps_);
        unbondingDelay = unbondingDelay_;
        rewardBps = rewardBps_;
    }

    /// @notice Adds `msg.value` to `validator`'s stake (anyone may stake for a validator; only the
    /// validator withdraws).
    function stakeFor(address validator) external payable {
        if (msg.value == 0 || validator == address(0)) revert NothingStaked();
        Stake storage s = stakes[validator];
        if (s.slashed) revert ValidatorWasSlashed(validator);
        // forge-lint: disable-next-line(unsafe-typecast)
        s.amount += uint128(msg.value); // more wei than exists does not fit in a transaction
        emit Staked(validator, msg.sender, msg.value, s.amount);
    }

    /// @notice Starts the unbonding delay of the sender's stake.
    function requestUnstake() external {
        Stake storage s = stakes[msg.sender];
        if (s.slashed) revert ValidatorWasSlashed(msg.sender);
        if (s.amount == 0) revert NoStake(msg.sender);
        // forge-lint: disable-next-line(unsafe-typecast)
        s.withdrawableAt = uint64(block.timestamp) + unbondingDelay;
        emit UnstakeRequested(msg.sender, s.withdrawableAt);
    }

    /// @notice Withdraws the sender's stake once the delay has passed.
    function withdraw() external {
        Stake storage s = stakes[msg.sender];
        if (s.slashed) revert ValidatorWasSlashed(msg.sender);
        uint64 at = s.withdrawableAt;
        // A block producer can shift time by seconds; the delay is days.
        // forge-lint: disable-next-line(block-timestamp)
        if (at == 0 || block.timestamp < at) revert NotWithdrawable(at, block.timestamp);
        uint256 amount = s.amount;
        s.amount = 0;
        s.withdrawableAt = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @notice The digest validators sign for a checkpoint (as CommitteeVerifier).
    function checkpointDigest(uint64 origin, bytes32 originMailbox, bytes32 root, uint32 index, bytes32 messageId)
        public
        pure
        returns (bytes32)
    {
        return MessageHashUtils.toEthSignedMessageHash(
            keccak256(abi.encodePacked(CHECKPOINT_TAG, origin, originMailbox, root, index, messageId))
        );
    }

    /// @notice Slashes the validator that signed both checkpoints `(origin, mailbox, index, rootA,
    /// idA)` and `(…, rootB, idB)`, which differ.
    function slashEquivocation(
        uint64 origin,
        bytes32 originMailbox,
        uint32 index,
        bytes32 rootA,
        bytes32 idA,
        bytes calldata sigA,
        bytes32 rootB,
        bytes32 idB,
        bytes calldata sigB
    ) external {
        if (rootA == rootB && idA == idB) revert NotEquivocation();
        address a = _recover(checkpointDigest(origin, originMailbox, rootA, index, idA), sigA, 0);
        address b = _recover(checkpointDigest(origin, originMailbox, rootB, index, idB), sigB, 1);
        if (a != b) revert SignersDiffer(a, b);
        _slash(a, origin, index);
    }

    function _slash(address validator, uint64 origin, uint32 index) internal {
        Stake storage s = stakes[validator];
        uint256 amount = s.amount;
        if (amount == 0 || s.slashed) revert NoStake(validator);
        s.amount = 0;
        s.slashed = true;
        uint256 reward = amount * rewardBps / 10_000;
        emit ValidatorSlashed(validator, origin, index, msg.sender, amount, reward);
        _send(msg.sender, reward);
    }

    function _recover(bytes32 digest, bytes calldata signature, uint256 which) internal pure returns (address signer) {
        ECDSA.RecoverError err;
        (signer, err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError) revert SignatureInvalid(which);
    }

    function _send(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
