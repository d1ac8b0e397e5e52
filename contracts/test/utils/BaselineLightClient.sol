// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {BLS} from "../../src/libs/BLS.sol";

/// @notice The gas baseline for EthereumLightClient: the conventional design that keeps every
/// committee member's key in storage (512 uncompressed keys per period) and sums the signers' keys
/// from storage for each update. Only the parts that differ are here: storing a committee, and
/// checking an update's signature (the header and branch checks are the same in both designs and
/// are left out, which flatters the baseline).
contract BaselineLightClient {
    mapping(uint256 period => bytes[] keys) internal _keys;

    bytes internal constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// @notice Stores the committee of `period` (what a rotation costs in this design).
    function storeCommittee(uint256 period, bytes[] calldata keys) external {
        bytes[] storage stored = _keys[period];
        for (uint256 i; i < keys.length; ++i) {
            stored.push(keys[i]);
        }
    }

    /// @notice Sums the stored keys of the members whose bit is set and checks the signature.
    function verifySignature(
        uint256 period,
        bytes calldata participation,
        bytes32 signingRoot,
        bytes calldata signature
    ) external view returns (bool) {
        bytes[] storage keys = _keys[period];
        bytes memory sum;
        bool first = true;
        for (uint256 i; i < keys.length; ++i) {
            if ((uint8(participation[i >> 3]) >> (i & 7)) & 1 == 0) continue;
            sum = first ? keys[i] : BLS.g1Add(sum, keys[i]);
            first = false;
        }
        return BLS.verify(sum, BLS.hashToG2(abi.encodePacked(signingRoot), DST), signature);
    }
}
