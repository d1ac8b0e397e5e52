// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {BLS} from "../src/libs/BLS.sol";

/// @notice The BLS library's pieces on known values. The whole path (hash to G2, aggregate keys,
/// pairing) is exercised on real Ethereum signatures by EthereumLightClient.t.sol.
contract BLSTest is Test {
    bytes internal constant G1 =
        hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";

    function _expand(bytes memory message, bytes memory dst, uint256 length) external view returns (bytes memory) {
        return BLS.expandMessageXmd(message, dst, length);
    }

    /// @dev RFC 9380, appendix K.1 (expand_message_xmd with SHA-256), msg "" and 32 bytes; the
    /// other two were computed with an independent implementation of the same section.
    function test_expandMessageXmd_matchesTheRfc() public view {
        bytes memory dst = "QUUX-V01-CS02-with-expander-SHA256-128";
        assertEq(this._expand("", dst, 0x20), hex"68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235");
        assertEq(this._expand("abc", dst, 0x20), hex"d8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615");
        assertEq(
            this._expand("", dst, 0x80),
            hex"af84c27ccfd45d41914fdff5df25293e221afc53d8ad2ac06d5e3e29485dadbee0d121587713a3e0dd4d5e69e93eb7cd4f5df4cd103e188cf60cb02edc3edf18eda8576c412b18ffb658e3dd6ec849469b979d444cf7b26911a08e63cf31f9dcc541708d3491184472c2c29bb749d4286b004ceb5ee6b9a7fa5b646c993f0ced"
        );
    }

    function test_expandMessageXmd_refusesBadTags() public {
        vm.expectRevert(abi.encodeWithSelector(BLS.InvalidDst.selector, 0));
        this._expand("x", "", 32);
        vm.expectRevert(abi.encodeWithSelector(BLS.InvalidOutputLength.selector, 8161));
        this._expand("x", "d", 8161);
    }

    /// @dev The generator's compressed form is the well-known 0x97f1d3…; its negation has the
    /// "larger y" flag.
    function test_compress_generatorAndItsNegation() public pure {
        assertEq(
            BLS.compress(G1),
            hex"97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        );
        assertEq(
            BLS.compress(BLS.g1Negate(G1)),
            hex"b7f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        );
        bytes memory infinity = new bytes(128);
        assertEq(BLS.compress(infinity)[0], bytes1(0xc0));
        assertEq(BLS.g1Negate(infinity), infinity);
    }

    function _add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS.g1Add(a, b);
    }

    function _matches(bytes memory point, bytes memory compressed) external view returns (bool) {
        return BLS.matchesCompressed(point, compressed);
    }

    function test_g1Add_pointPlusNegationIsInfinity_andOffCurveIsRefused() public {
        assertEq(this._add(G1, BLS.g1Negate(G1)), new bytes(128));
        bytes memory off = G1;
        off[127] = bytes1(uint8(off[127]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(BLS.PrecompileFailed.selector, address(0x0b)));
        this._add(off, G1);
    }

    function test_matchesCompressed_onlyTheRealPoint() public {
        bytes memory compressed = BLS.compress(G1);
        assertTrue(this._matches(G1, compressed));
        assertFalse(this._matches(BLS.g1Negate(G1), compressed), "the other y");
        // Same x and sign flag, y off the curve: compression alone cannot tell, the curve check does.
        bytes memory off = G1;
        off[127] = bytes1(uint8(off[127]) ^ 2);
        vm.expectRevert(abi.encodeWithSelector(BLS.PrecompileFailed.selector, address(0x0b)));
        this._matches(off, compressed);
    }

    function _hash(bytes memory message, bytes memory dst) external view returns (bytes memory) {
        return BLS.hashToG2(message, dst);
    }

    function _fp(bytes memory be48) internal pure returns (bytes memory) {
        return bytes.concat(new bytes(64 - be48.length), be48);
    }

    /// @dev RFC 9380 appendix J.10.1 (BLS12381G2_XMD:SHA-256_SSWU_RO_): every message's point.
    function test_hashToG2_matchesTheRfcVectors() public view {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/rfc9380.json"));
        bytes memory dst = vm.parseJsonBytes(json, ".g2.dst");
        for (uint256 i; i < 5; ++i) {
            string memory at = string.concat(".g2.tests[", vm.toString(i), "]");
            bytes[] memory x = vm.parseJsonBytesArray(json, string.concat(at, ".x"));
            bytes[] memory y = vm.parseJsonBytesArray(json, string.concat(at, ".y"));
            bytes memory expected = bytes.concat(_fp(x[0]), _fp(x[1]), _fp(y[0]), _fp(y[1]));
            assertEq(this._hash(vm.parseJsonBytes(json, string.concat(at, ".msg")), dst), expected, vm.toString(i));
        }
    }
}
