//! The small part of SSZ this crate needs: merkleization (`hash_tree_root` building blocks),
//! a bounds-checked reader for the fixed and variable parts of containers, and snappy
//! decompression of `.ssz_snappy` files.
//!
//! Hand-written rather than generic: the light-client containers are few and fixed, and every
//! decoding error should say which type and which field was wrong.

use std::io::Read;

use alloy_primitives::B256;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Bytes in one SSZ chunk.
pub const BYTES_PER_CHUNK: usize = 32;

/// The largest decompressed `.ssz_snappy` payload accepted: the consensus specs' `MAX_PAYLOAD_SIZE`
/// (10 MiB). A light-client update is about 25 KiB on mainnet.
pub const MAX_DECOMPRESSED_LEN: usize = 10 * 1024 * 1024;

/// `sha256(a || b)`, the node hash of every SSZ Merkle tree.
pub fn hash_pair(a: &B256, b: &B256) -> B256 {
    let mut hasher = Sha256::new();
    hasher.update(a);
    hasher.update(b);
    B256::from_slice(&hasher.finalize())
}

/// The root of a tree of `2^depth` zero chunks.
pub fn zero_hash(depth: usize) -> B256 {
    let mut node = B256::ZERO;
    for _ in 0..depth {
        node = hash_pair(&node, &node);
    }
    node
}

/// Number of levels of a tree with room for `limit` chunks (`ceil(log2(limit))`, 0 for 0 or 1).
pub fn depth_for(limit: usize) -> usize {
    limit.max(1).next_power_of_two().trailing_zeros() as usize
}

/// SSZ `merkleize(chunks, limit)`: the root of the chunks padded with zero chunks to the next power
/// of two of `limit` (which must be at least `chunks.len()`; a larger count is treated as the limit).
pub fn merkleize(chunks: &[B256], limit: usize) -> B256 {
    let depth = depth_for(limit.max(chunks.len()));
    if chunks.is_empty() {
        return zero_hash(depth);
    }
    let mut layer = chunks.to_vec();
    for level in 0..depth {
        if layer.len() % 2 == 1 {
            layer.push(zero_hash(level));
        }
        layer = layer
            .chunks_exact(2)
            .map(|pair| hash_pair(&pair[0], &pair[1]))
            .collect();
    }
    layer.first().copied().unwrap_or_default()
}

/// SSZ `mix_in_length`: the root of a list is `sha256(root || uint256(len))`.
pub fn mix_in_length(root: &B256, len: usize) -> B256 {
    let mut length = B256::ZERO;
    length[..8].copy_from_slice(&(len as u64).to_le_bytes());
    hash_pair(root, &length)
}

/// Root of a `uint64`: little-endian, zero-padded to one chunk.
pub fn u64_root(value: u64) -> B256 {
    let mut chunk = B256::ZERO;
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    chunk
}

/// Splits bytes into zero-padded chunks (SSZ `pack` for byte sequences).
pub fn pack_bytes(bytes: &[u8]) -> Vec<B256> {
    bytes
        .chunks(BYTES_PER_CHUNK)
        .map(|part| {
            let mut chunk = B256::ZERO;
            chunk[..part.len()].copy_from_slice(part);
            chunk
        })
        .collect()
}

/// Root of a fixed-length byte vector (`ByteVector[N]`, `Bytes48`, `Bytes96`, `Bitvector` bytes,
/// an address): its chunks merkleized with a limit of its own chunk count.
pub fn bytes_root(bytes: &[u8]) -> B256 {
    let chunks = pack_bytes(bytes);
    merkleize(&chunks, chunks.len())
}

/// Root of a `ByteList[max_len]`: chunks merkleized up to the list's chunk limit, then the length
/// mixed in.
pub fn byte_list_root(bytes: &[u8], max_len: usize) -> B256 {
    let limit = max_len.div_ceil(BYTES_PER_CHUNK);
    mix_in_length(&merkleize(&pack_bytes(bytes), limit), bytes.len())
}

/// Reads the fixed part of an SSZ container front to back, naming the type in every error.
pub(crate) struct Reader<'a> {
    ty: &'static str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(ty: &'static str, bytes: &'a [u8]) -> Self {
        Self { ty, bytes, pos: 0 }
    }

    pub(crate) fn error(&self, reason: impl Into<String>) -> Error {
        Error::Ssz {
            ty: self.ty,
            reason: reason.into(),
        }
    }

    pub(crate) fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| {
                self.error(format!(
                    "{field}: needs {n} bytes at offset {}, only {} in total",
                    self.pos,
                    self.bytes.len()
                ))
            })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    pub(crate) fn u64(&mut self, field: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array::<8>(field)?))
    }

    pub(crate) fn b256(&mut self, field: &str) -> Result<B256> {
        Ok(B256::from(self.array::<32>(field)?))
    }

    pub(crate) fn b256_vector(&mut self, len: usize, field: &str) -> Result<Vec<B256>> {
        (0..len).map(|_| self.b256(field)).collect()
    }

    /// Reads a 4-byte offset of a variable-size field.
    pub(crate) fn offset(&mut self, field: &str) -> Result<usize> {
        Ok(u32::from_le_bytes(self.array::<4>(field)?) as usize)
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes from `start` to `end` of the whole input (a variable-size field).
    pub(crate) fn slice(&self, start: usize, end: usize, field: &str) -> Result<&'a [u8]> {
        if start > end || end > self.bytes.len() {
            return Err(self.error(format!(
                "{field}: offsets {start}..{end} outside the {} bytes",
                self.bytes.len()
            )));
        }
        Ok(&self.bytes[start..end])
    }

    /// Fails unless the whole input was consumed (fixed-size types).
    pub(crate) fn finish(&self) -> Result<()> {
        if self.pos != self.bytes.len() {
            return Err(self.error(format!(
                "{} trailing bytes after {} bytes",
                self.bytes.len() - self.pos,
                self.pos
            )));
        }
        Ok(())
    }
}

/// The stream identifier chunk that starts every snappy *frame* format stream.
const SNAPPY_FRAME_MAGIC: &[u8] = b"\xff\x06\x00\x00sNaPpY";

/// Decompresses a `.ssz_snappy` payload.
///
/// The consensus-spec test vectors use the snappy *block* (raw) format: a varint of the
/// uncompressed length, then the compressed data. The req/resp network protocol uses the *frame*
/// format instead, which starts with a stream identifier; both are accepted, told apart by that
/// identifier. The output is capped at [`MAX_DECOMPRESSED_LEN`].
pub fn decompress_snappy(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.starts_with(SNAPPY_FRAME_MAGIC) {
        let mut out = Vec::new();
        snap::read::FrameDecoder::new(bytes)
            .take(MAX_DECOMPRESSED_LEN as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| Error::Snappy(format!("frame format: {e}")))?;
        if out.len() > MAX_DECOMPRESSED_LEN {
            return Err(Error::Snappy(format!(
                "frame format: more than {MAX_DECOMPRESSED_LEN} bytes decompressed"
            )));
        }
        return Ok(out);
    }
    let len = snap::raw::decompress_len(bytes)
        .map_err(|e| Error::Snappy(format!("block format: {e}")))?;
    if len > MAX_DECOMPRESSED_LEN {
        return Err(Error::Snappy(format!(
            "block format: declares {len} bytes, more than {MAX_DECOMPRESSED_LEN}"
        )));
    }
    snap::raw::Decoder::new()
        .decompress_vec(bytes)
        .map_err(|e| Error::Snappy(format!("block format: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use alloy_primitives::b256;

    use super::*;

    #[test]
    fn zero_hashes_match_the_known_values() {
        assert_eq!(zero_hash(0), B256::ZERO);
        assert_eq!(
            zero_hash(1),
            b256!("f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b")
        );
        assert_eq!(
            zero_hash(2),
            b256!("db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71")
        );
    }

    #[test]
    fn merkleize_pads_to_the_limit() {
        let a = B256::repeat_byte(1);
        let b = B256::repeat_byte(2);
        assert_eq!(merkleize(&[a], 1), a);
        assert_eq!(merkleize(&[a, b], 2), hash_pair(&a, &b));
        assert_eq!(merkleize(&[a], 2), hash_pair(&a, &B256::ZERO));
        let left = hash_pair(&a, &b);
        assert_eq!(merkleize(&[a, b], 4), hash_pair(&left, &zero_hash(1)));
        assert_eq!(
            merkleize(&[a, b, a], 3),
            hash_pair(&left, &hash_pair(&a, &B256::ZERO))
        );
        assert_eq!(merkleize(&[], 4), zero_hash(2));
    }

    #[test]
    fn byte_list_root_mixes_in_the_length() {
        // An empty ByteList[32]: one zero chunk, length 0.
        assert_eq!(byte_list_root(&[], 32), hash_pair(&B256::ZERO, &B256::ZERO));
        let mut chunk = B256::ZERO;
        chunk[0] = 0xab;
        assert_eq!(byte_list_root(&[0xab], 32), mix_in_length(&chunk, 1));
    }

    #[test]
    fn reader_reports_short_input() {
        let mut reader = Reader::new("Thing", &[1, 2, 3]);
        let err = reader.u64("slot").unwrap_err();
        assert!(err.to_string().contains("Thing"), "{err}");
        assert!(err.to_string().contains("slot"), "{err}");
    }

    #[test]
    fn snappy_block_and_frame_formats_both_decode() {
        let data = b"light client light client light client".repeat(10);
        let block = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert_eq!(decompress_snappy(&block).unwrap(), data);
        let mut framed = Vec::new();
        {
            use std::io::Write;
            let mut writer = snap::write::FrameEncoder::new(&mut framed);
            writer.write_all(&data).unwrap();
        }
        assert!(framed.starts_with(SNAPPY_FRAME_MAGIC));
        assert_eq!(decompress_snappy(&framed).unwrap(), data);
        assert!(matches!(
            decompress_snappy(&[0xff, 0xff, 0xff]),
            Err(Error::Snappy(_))
        ));
    }
}
