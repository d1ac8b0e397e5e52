// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title RelayerFees
/// @notice The fee path, on the origin chain beside the Mailbox: a sender pays for the gas its
/// message will use on the destination, at a price the operator quotes; the payment is split
/// between the relayers (who deliver and pay that gas) and the validators, and withdrawn by them.
/// @dev Exact by construction: `payFor` takes exactly the quote and returns the rest to the payer in
/// the same call (the destination's actual gas is not known on the origin, so "unused" means paid
/// above the quote). The split happens at payment time in integer wei: the validators get
/// `amount * validatorShareBps / 10000` rounded down, the relayers the remainder, so no wei is ever
/// unaccounted for. This contract does not dispatch: the Mailbox records `msg.sender` as a message's
/// sender, which would then be this contract; senders dispatch, then pay (in one transaction from
/// their own contract if they like).
contract RelayerFees is Ownable2Step {
    /// @notice Highest validator share: half.
    uint16 public constant MAX_VALIDATOR_SHARE_BPS = 5_000;

    /// @notice The price of a destination: wei on this chain per unit of destination gas (the
    /// destination's gas price times the exchange rate, folded into one number by the operator),
    /// and the fixed gas a delivery costs besides the message's own.
    struct Price {
        uint128 weiPerGas;
        uint64 overheadGas;
    }

    /// @notice Prices by destination domain.
    mapping(uint64 destination => Price) public prices;
    /// @notice Share of each payment for the validators, in basis points.
    uint16 public validatorShareBps;
    /// @notice Wei owed to the relayers, withdrawn by the owner to a relayer account.
    uint256 public relayerBalance;
    /// @notice Wei owed to the validators, withdrawn by the owner to the validators' reward account.
    uint256 public validatorBalance;
    /// @notice What was paid for each message.
    mapping(bytes32 messageId => uint256 paid) public paidFor;

    /// @notice Emitted when a destination's price is set.
    event PriceSet(uint64 indexed destination, uint128 weiPerGas, uint64 overheadGas);
    /// @notice Emitted when the validators' share is set.
    event ValidatorShareSet(uint16 bps);
    /// @notice Emitted for every payment (what was kept, after any refund).
    event GasPaid(bytes32 indexed messageId, uint64 indexed destination, uint64 gasLimit, uint256 amount);
    /// @notice Emitted when balances are withdrawn.
    event Withdrawn(address indexed to, uint256 relayers, uint256 validators);

    /// @notice Thrown when a destination has no price.
    error NoPrice(uint64 destination);
    /// @notice Thrown when the payment is below the quote.
    error Underpaid(uint256 paid, uint256 quote);
    /// @notice Thrown when the validators' share is above the maximum.
    error ShareTooHigh(uint16 bps, uint16 max);
    /// @notice Thrown when a transfer of ether fails.
    error TransferFailed(address to, uint256 amount);

    /// @param owner_ The operator: sets prices and withdraws.
    constructor(address owner_) Ownable(owner_) {}

    /// @notice Sets `destination`'s price.
    function setPrice(uint64 destination, uint128 weiPerGas, uint64 overheadGas) external onlyOwner {
        prices[destination] = Price(weiPerGas, overheadGas);
        emit PriceSet(destination, weiPerGas, overheadGas);
    }

    /// @notice Sets the validators' share of each payment (at most 50%).
    function setValidatorShare(uint16 bps) external onlyOwner {
        if (bps > MAX_VALIDATOR_SHARE_BPS) revert ShareTooHigh(bps, MAX_VALIDATOR_SHARE_BPS);
        validatorShareBps = bps;
        emit ValidatorShareSet(bps);
    }

    /// @notice What delivering a message using `gasLimit` on `destination` costs here, in wei.
    function quote(uint64 destination, uint64 gasLimit) public view returns (uint256) {
        Price memory p = prices[destination];
        if (p.weiPerGas == 0) revert NoPrice(destination);
        return (uint256(gasLimit) + p.overheadGas) * p.weiPerGas;
    }

    /// @notice Pays for message `messageId`'s delivery; anything above the quote is returned to the
    /// sender now. Paying again for the same message adds to it.
    function payFor(bytes32 messageId, uint64 destination, uint64 gasLimit) external payable {
        uint256 amount = quote(destination, gasLimit);
        if (msg.value < amount) revert Underpaid(msg.value, amount);
        uint256 toValidators = amount * validatorShareBps / 10_000;
        validatorBalance += toValidators;
        relayerBalance += amount - toValidators;
        paidFor[messageId] += amount;
        emit GasPaid(messageId, destination, gasLimit, amount);
        _send(msg.sender, msg.value - amount);
    }

    /// @notice Pays the relayers' balance to `relayers` and the validators' to `validators`.
    function withdraw(address relayers, address validators) external onlyOwner {
        uint256 r = relayerBalance;
        uint256 v = validatorBalance;
        relayerBalance = 0;
        validatorBalance = 0;
        emit Withdrawn(relayers, r, v);
        _send(relayers, r);
        _send(validators, v);
    }

    function _send(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
