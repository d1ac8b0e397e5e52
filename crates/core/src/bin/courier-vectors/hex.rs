//! Lowercase, 0x-prefixed hex strings: the one string form of bytes in every vector file
//! (addresses included, never EIP-55 checksummed, so both sides can compare strings).

use alloy_primitives::hex;

/// `0x` followed by the lowercase hex of `bytes`.
pub(crate) fn hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode_prefixed(bytes)
}

/// [`hex()`] of every item.
pub(crate) fn hex_all<T: AsRef<[u8]>>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items.into_iter().map(hex).collect()
}
