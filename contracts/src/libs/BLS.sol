// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title BLS
/// @notice BLS12-381 signatures with public keys in G1 and signatures in G2 (Ethereum's consensus
/// layer), over the EIP-2537 precompiles: hashing to G2 (RFC 9380, suite
/// BLS12381G2_XMD:SHA-256_SSWU_RO_), verifying with one pairing check, adding and negating keys,
/// and the compressed form of a key (what SSZ holds) computed from its uncompressed point.
/// @dev Points use EIP-2537's encodings: a field element is 64 bytes (16 zero bytes, then 48
/// big-endian), a G1 point `x ‖ y` (128 bytes), a G2 point `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1` (256
/// bytes). The precompiles check that inputs are canonical and on the curve (the pairing also
/// checks subgroup membership); any such failure reverts with `PrecompileFailed`.
library BLS {
    address internal constant SHA256 = address(0x02);
    address internal constant MODEXP = address(0x05);
    address internal constant G1ADD = address(0x0b);
    address internal constant G2ADD = address(0x0d);
    address internal constant PAIRING = address(0x0f);
    address internal constant MAP_FP2_TO_G2 = address(0x11);

    /// @dev The base field modulus p, as two words of its 64-byte encoding.
    uint256 internal constant P_HI = 0x000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 internal constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    /// @dev (p - 1) / 2: a y above it is the "larger" of ±y (the sign flag of compressed keys).
    uint256 internal constant HALF_HI = 0x000000000000000000000000000000000d0088f51cbff34d258dd3db21a5d66b;
    uint256 internal constant HALF_LO = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;
    /// @dev The G1 generator's x and the negation of its y.
    uint256 internal constant G1_X_HI = 0x0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0f;
    uint256 internal constant G1_X_LO = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 internal constant G1_NEG_Y_HI = 0x00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 internal constant G1_NEG_Y_LO = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    /// @notice Thrown when a precompile refuses its input (not canonical, not on the curve, not in
    /// the subgroup) or is missing.
    error PrecompileFailed(address precompile);
    /// @notice Thrown when a point has the wrong length.
    error InvalidPointLength(uint256 length, uint256 expected);
    /// @notice Thrown when `expandMessageXmd` is asked for more than 255 hash blocks.
    error InvalidOutputLength(uint256 length);
    /// @notice Thrown when a domain separation tag is empty or longer than 255 bytes.
    error InvalidDst(uint256 length);

    // ------------------------------------------------------------------ hashing to G2

    /// @notice RFC 9380 `hash_to_curve` for BLS12381G2_XMD:SHA-256_SSWU_RO_ with tag `dst`: two
    /// field elements from `expand_message_xmd`, each mapped by the precompile (which also clears
    /// the cofactor), then added.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bytes memory) {
        bytes memory uniform = expandMessageXmd(message, dst, 256);
        bytes memory u0 = new bytes(128);
        bytes memory u1 = new bytes(128);
        _reduce(uniform, 0, u0, 0);
        _reduce(uniform, 64, u0, 64);
        _reduce(uniform, 128, u1, 0);
        _reduce(uniform, 192, u1, 64);
        bytes memory q0 = _call(MAP_FP2_TO_G2, u0, 256);
        bytes memory q1 = _call(MAP_FP2_TO_G2, u1, 256);
        return _call(G2ADD, bytes.concat(q0, q1), 256);
    }

    /// @notice RFC 9380 `expand_message_xmd` with SHA-256.
    function expandMessageXmd(bytes memory message, bytes memory dst, uint256 length)
        internal
        view
        returns (bytes memory out)
    {
        if (dst.length == 0 || dst.length > 255) revert InvalidDst(dst.length);
        uint256 ell = (length + 31) / 32;
        if (ell > 255) revert InvalidOutputLength(length);
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes memory dstPrime = bytes.concat(dst, bytes1(uint8(dst.length))); // <= 255, checked
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes32 b0 = _sha256(bytes.concat(new bytes(64), message, bytes2(uint16(length)), bytes1(0), dstPrime)); // length < 8160
        out = new bytes(ell * 32);
        bytes32 bi = _sha256(bytes.concat(b0, bytes1(uint8(1)), dstPrime));
        _store(out, 0, bi);
        for (uint256 i = 2; i <= ell; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            bi = _sha256(bytes.concat(b0 ^ bi, bytes1(uint8(i)), dstPrime)); // i <= ell <= 255
            _store(out, (i - 1) * 32, bi);
        }
        if (out.length != length) {
            assembly ("memory-safe") {
                mstore(out, length)
            }
        }
    }

    // ------------------------------------------------------------------ verifying

    /// @notice Whether `signature` (G2) is a signature by `pubkey` (G1) of the message whose hash
    /// to G2 is `messagePoint`: e(pubkey, H(m)) · e(−g1, signature) = 1.
    function verify(bytes memory pubkey, bytes memory messagePoint, bytes memory signature)
        internal
        view
        returns (bool)
    {
        _length(pubkey, 128);
        _length(messagePoint, 256);
        _length(signature, 256);
        bytes memory input =
            bytes.concat(pubkey, messagePoint, abi.encodePacked(G1_X_HI, G1_X_LO, G1_NEG_Y_HI, G1_NEG_Y_LO), signature);
        bytes memory result = _call(PAIRING, input, 32);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(bytes32(result)) == 1; // exactly 32 bytes, checked by _call
    }

    // ------------------------------------------------------------------ G1 points

    /// @notice a + b in G1.
    function g1Add(bytes memory a, bytes memory b) internal view returns (bytes memory) {
        _length(a, 128);
        _length(b, 128);
        return _call(G1ADD, bytes.concat(a, b), 128);
    }

    /// @notice −a in G1: (x, p − y); the point at infinity (all zero) stays as it is.
    function g1Negate(bytes memory a) internal pure returns (bytes memory out) {
        _length(a, 128);
        (uint256 yHi, uint256 yLo) = _word2(a, 64);
        out = new bytes(128);
        (uint256 xHi, uint256 xLo) = _word2(a, 0);
        if (yHi == 0 && yLo == 0) {
            if (xHi != 0 || xLo != 0) revert PrecompileFailed(G1ADD); // y = 0 is on no point but infinity
            return out;
        }
        // p − y over two words (a y ≥ p is not canonical: the result is left for a precompile to refuse).
        uint256 lo;
        uint256 hi;
        unchecked {
            lo = P_LO - yLo;
            hi = P_HI - yHi - (P_LO < yLo ? 1 : 0);
        }
        assembly ("memory-safe") {
            mstore(add(out, 0x20), xHi)
            mstore(add(out, 0x40), xLo)
            mstore(add(out, 0x60), hi)
            mstore(add(out, 0x80), lo)
        }
    }

    /// @notice The 48-byte compressed form of a G1 point (the ZCash format SSZ uses): x, with the
    /// top bits set for "compressed" (0x80), "infinity" (0x40) and "y is the larger root" (0x20).
    /// @dev Does not check that the point is on the curve: callers pass it through a precompile.
    function compress(bytes memory point) internal pure returns (bytes memory out) {
        _length(point, 128);
        (uint256 xHi, uint256 xLo) = _word2(point, 0);
        (uint256 yHi, uint256 yLo) = _word2(point, 64);
        out = new bytes(48);
        if (xHi == 0 && xLo == 0 && yHi == 0 && yLo == 0) {
            out[0] = 0xc0;
            return out;
        }
        bool larger = yHi > HALF_HI || (yHi == HALF_HI && yLo > HALF_LO);
        // x is 48 bytes: the low 16 bytes of xHi, then xLo.
        uint256 top = (xHi << 128) | (larger ? (uint256(0xa0) << 248) : (uint256(0x80) << 248));
        assembly ("memory-safe") {
            mstore(add(out, 0x20), top)
            mstore(add(out, 0x30), xLo)
        }
    }

    /// @notice Whether `point` (uncompressed, EIP-2537) is on the curve and compresses to
    /// `compressed`: then it is the one point those 48 bytes describe.
    function matchesCompressed(bytes memory point, bytes memory compressed) internal view returns (bool) {
        if (compressed.length != 48 || keccak256(compress(point)) != keccak256(compressed)) return false;
        // G1ADD with the point at infinity refuses a point off the curve.
        g1Add(point, new bytes(128));
        return true;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Writes OS2IP(input[from..from+64]) mod p, as a 64-byte field element, to out[at..at+64].
    function _reduce(bytes memory input, uint256 from, bytes memory out, uint256 at) private view {
        // modexp(base = 64 bytes, exponent = 1, modulus = p as 64 bytes)
        bytes memory args = new bytes(96 + 64 + 1 + 64);
        assembly ("memory-safe") {
            let a := add(args, 0x20)
            mstore(a, 64)
            mstore(add(a, 0x20), 1)
            mstore(add(a, 0x40), 64)
            let src := add(add(input, 0x20), from)
            mstore(add(a, 0x60), mload(src))
            mstore(add(a, 0x80), mload(add(src, 0x20)))
            mstore8(add(a, 0xa0), 1)
            mstore(add(a, 0xa1), P_HI)
            mstore(add(a, 0xc1), P_LO)
        }
        bytes memory r = _call(MODEXP, args, 64);
        assembly ("memory-safe") {
            let dst := add(add(out, 0x20), at)
            mstore(dst, mload(add(r, 0x20)))
            mstore(add(dst, 0x20), mload(add(r, 0x40)))
        }
    }

    function _call(address precompile, bytes memory input, uint256 outLength) private view returns (bytes memory out) {
        (bool ok, bytes memory ret) = precompile.staticcall(input);
        if (!ok || ret.length != outLength) revert PrecompileFailed(precompile);
        return ret;
    }

    function _sha256(bytes memory data) private view returns (bytes32 h) {
        (bool ok, bytes memory ret) = SHA256.staticcall(data);
        if (!ok || ret.length != 32) revert PrecompileFailed(SHA256);
        // forge-lint: disable-next-line(unsafe-typecast)
        h = bytes32(ret); // exactly 32 bytes, checked above
    }

    function _store(bytes memory out, uint256 at, bytes32 word) private pure {
        assembly ("memory-safe") {
            mstore(add(add(out, 0x20), at), word)
        }
    }

    function _word2(bytes memory data, uint256 at) private pure returns (uint256 hi, uint256 lo) {
        assembly ("memory-safe") {
            hi := mload(add(add(data, 0x20), at))
            lo := mload(add(add(data, 0x40), at))
        }
    }

    function _length(bytes memory data, uint256 expected) private pure {
        if (data.length != expected) revert InvalidPointLength(data.length, expected);
    }
}
