//! The origin Mailbox's append-only Merkle tree (depth 32, as in the Ethereum deposit contract)
//! and multiproofs over it.
//!
//! Three views of the same tree, for three jobs:
//! - [`IncrementalTree`]: 32 nodes of state, what the Mailbox contract stores; it gives roots and
//!   checkpoints but no proofs. Agents that only follow the root use it.
//! - [`MerkleTree`]: every leaf and every complete inner node, so a relayer can prove any set of
//!   leaves against the current root or against any older checkpoint (a truncation of the tree).
//! - [`multiproof_root`]: the verifier's side, computing a root from leaves and proof nodes in
//!   exactly the order docs/protocol.md ("Multiproof") fixes, the order the Solidity verifier
//!   consumes them in.

use std::sync::LazyLock;

use alloy_primitives::{B256, keccak256};

use crate::error::{Error, Result};

/// Depth of the tree: a branch has this many nodes.
pub const DEPTH: usize = 32;

/// Most leaves a tree holds: 2³² − 1, so nonces run from 0 to 2³² − 2 and every insertion stores
/// its node in the incremental branch (docs/protocol.md, "Merkle tree").
pub const MAX_LEAVES: u32 = u32::MAX;

/// Roots of empty subtrees: `ZERO_HASHES[0]` is the zero leaf, `ZERO_HASHES[i + 1]` hashes two
/// copies of `ZERO_HASHES[i]`, and `ZERO_HASHES[32]` is the root of the empty tree.
pub static ZERO_HASHES: LazyLock<[B256; DEPTH + 1]> = LazyLock::new(|| {
    let mut zeroes = [B256::ZERO; DEPTH + 1];
    for height in 0..DEPTH {
        zeroes[height + 1] = hash_pair(zeroes[height], zeroes[height]);
    }
    zeroes
});

/// An inner node: `keccak256(left ‖ right)`.
pub fn hash_pair(left: B256, right: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// The tree as the Mailbox contract stores it: a count and one node per level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncrementalTree {
    branch: [B256; DEPTH],
    count: u32,
}

impl Default for IncrementalTree {
    fn default() -> Self {
        Self::new()
    }
}

impl IncrementalTree {
    /// The empty tree.
    pub const fn new() -> Self {
        Self {
            branch: [B256::ZERO; DEPTH],
            count: 0,
        }
    }

    /// Appends a leaf and returns its index; an error once [`MAX_LEAVES`] are held.
    pub fn insert(&mut self, leaf: B256) -> Result<u32> {
        if self.count == MAX_LEAVES {
            return Err(Error::TreeFull { max: MAX_LEAVES });
        }
        let index = self.count;
        self.count += 1;
        // The new size's lowest set bit says which level's node is now a left sibling waiting for
        // its right half; fold the completed levels below it into that node.
        let mut size = self.count;
        let mut node = leaf;
        for height in 0..DEPTH {
            if size & 1 == 1 {
                self.branch[height] = node;
                break;
            }
            node = hash_pair(self.branch[height], node);
            size >>= 1;
        }
        Ok(index)
    }

    /// The root over all leaves inserted so far (`ZERO_HASHES[32]` when empty).
    pub fn root(&self) -> B256 {
        let mut node = B256::ZERO;
        let mut size = self.count;
        for height in 0..DEPTH {
            node = if size & 1 == 1 {
                hash_pair(self.branch[height], node)
            } else {
                hash_pair(node, ZERO_HASHES[height])
            };
            size >>= 1;
        }
        node
    }

    /// Number of leaves inserted.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The stored branch (the left siblings of the next insertion, as the contract stores them).
    pub const fn branch(&self) -> &[B256; DEPTH] {
        &self.branch
    }

    /// The latest checkpoint `(root, index of the last leaf)`, or `None` for the empty tree.
    pub fn checkpoint(&self) -> Option<(B256, u32)> {
        self.count.checked_sub(1).map(|index| (self.root(), index))
    }
}

/// A tree that keeps every leaf and every complete inner node, to prove leaves against the current
/// root or against the root of any prefix of the leaves (an older checkpoint).
///
/// Memory is about two nodes per leaf; appending costs amortised O(1) hashes, a branch or a
/// multiproof for `k` leaves costs O(32·k) lookups plus at most 32 hashes per level touched by
/// the truncation point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[h][p]`: the node at height `h`, position `p`, for every node whose `2^h` leaves
    /// are all inserted. `levels[0]` are the leaves.
    levels: Vec<Vec<B256>>,
}

impl Default for MerkleTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MerkleTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self {
            levels: vec![Vec::new(); DEPTH],
        }
    }

    /// A tree holding `leaves`, in order.
    pub fn from_leaves(leaves: impl IntoIterator<Item = B256>) -> Result<Self> {
        let mut tree = Self::new();
        for leaf in leaves {
            tree.push(leaf)?;
        }
        Ok(tree)
    }

    /// Appends a leaf and returns its index; an error once [`MAX_LEAVES`] are held.
    pub fn push(&mut self, leaf: B256) -> Result<u32> {
        let index = self.len();
        if index == MAX_LEAVES {
            return Err(Error::TreeFull { max: MAX_LEAVES });
        }
        self.levels[0].push(leaf);
        // A right child completes its parent; climb while that keeps happening. Height 32 (the
        // root) is never complete: that would take 2^32 leaves.
        let mut position = index as usize;
        for height in 0..DEPTH - 1 {
            if position & 1 == 0 {
                break;
            }
            let level = &self.levels[height];
            let parent = hash_pair(level[position - 1], level[position]);
            self.levels[height + 1].push(parent);
            position >>= 1;
        }
        Ok(index)
    }

    /// Number of leaves held.
    pub fn len(&self) -> u32 {
        // `push` caps the leaf count at `MAX_LEAVES`, which fits.
        self.levels[0].len() as u32
    }

    /// Whether the tree holds no leaf.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// All leaves, in index order.
    pub fn leaves(&self) -> &[B256] {
        &self.levels[0]
    }

    /// The leaf at `index`, if held.
    pub fn leaf(&self, index: u32) -> Option<B256> {
        self.levels[0].get(index as usize).copied()
    }

    /// The root over all leaves.
    pub fn root(&self) -> B256 {
        self.node(DEPTH, 0, u64::from(self.len()))
    }

    /// The root of the first `count` leaves: the root the tree had after `count` insertions.
    pub fn root_at(&self, count: u32) -> Result<B256> {
        self.check_count(count)?;
        Ok(self.node(DEPTH, 0, u64::from(count)))
    }

    /// The latest checkpoint `(root, index of the last leaf)`, or `None` for the empty tree.
    pub fn checkpoint(&self) -> Option<(B256, u32)> {
        self.len().checked_sub(1).map(|index| (self.root(), index))
    }

    /// The Merkle branch of leaf `index` against the current root (sibling nodes, leaf level first).
    pub fn proof(&self, index: u32) -> Result<[B256; DEPTH]> {
        self.proof_at(self.len(), index)
    }

    /// The Merkle branch of leaf `index` against the root of the first `count` leaves.
    pub fn proof_at(&self, count: u32, index: u32) -> Result<[B256; DEPTH]> {
        self.check_count(count)?;
        if index >= count {
            return Err(Error::LeafOutOfRange { index, count });
        }
        let count = u64::from(count);
        let mut branch = [B256::ZERO; DEPTH];
        for (height, node) in branch.iter_mut().enumerate() {
            *node = self.node(height, (u64::from(index) >> height) ^ 1, count);
        }
        Ok(branch)
    }

    /// A multiproof for the leaves at `indices` (strictly ascending) against the current root.
    pub fn multiproof(&self, indices: &[u32]) -> Result<Vec<B256>> {
        self.multiproof_at(self.len(), indices)
    }

    /// A multiproof for the leaves at `indices` (strictly ascending) against the root of the first
    /// `count` leaves, with its nodes in the order [`multiproof_root`] consumes them.
    pub fn multiproof_at(&self, count: u32, indices: &[u32]) -> Result<Vec<B256>> {
        self.check_count(count)?;
        check_ascending(indices.iter().copied())?;
        let Some(&last) = indices.last() else {
            return Err(Error::NoLeaves);
        };
        if last >= count {
            return Err(Error::LeafOutOfRange { index: last, count });
        }
        let count = u64::from(count);
        // Replay the verifier's walk on positions only, fetching each sibling it will ask for.
        let mut positions: Vec<u64> = indices.iter().map(|&i| u64::from(i)).collect();
        let mut nodes = Vec::new();
        for height in 0..DEPTH {
            let mut next = Vec::with_capacity(positions.len().div_ceil(2));
            let mut i = 0;
            while i < positions.len() {
                let position = positions[i];
                if position & 1 == 0 && positions.get(i + 1) == Some(&(position + 1)) {
                    i += 2;
                } else {
                    nodes.push(self.node(height, position ^ 1, count));
                    i += 1;
                }
                next.push(position >> 1);
            }
            positions = next;
        }
        Ok(nodes)
    }

    fn check_count(&self, count: u32) -> Result<()> {
        let len = self.len();
        if count > len {
            return Err(Error::CountOutOfRange { count, len });
        }
        Ok(())
    }

    /// The node at `height`, `position` of the tree truncated to `count` leaves (`count` at most
    /// `len()`): a stored node when its subtree is full, an empty-subtree hash when its subtree is
    /// past `count`, and otherwise (one node per level, on the path to leaf `count`) hashed from
    /// its children.
    fn node(&self, height: usize, position: u64, count: u64) -> B256 {
        let start = position << height;
        let end = (position + 1) << height;
        if end <= count {
            self.levels[height][position as usize]
        } else if start >= count {
            ZERO_HASHES[height]
        } else {
            // start < count < end needs height ≥ 1, and only one child straddles `count`.
            hash_pair(
                self.node(height - 1, position << 1, count),
                self.node(height - 1, (position << 1) | 1, count),
            )
        }
    }
}

/// Computes the root from `leaves` (`(index, leaf)`, strictly ascending by index) and multiproof
/// `nodes`, consuming the nodes in the order docs/protocol.md fixes.
///
/// Errors when no leaf is given, the indices are not strictly ascending, the nodes run out before
/// the root, or nodes are left over after it. A caller then compares the result with the root it
/// expects.
pub fn multiproof_root(leaves: &[(u32, B256)], nodes: &[B256]) -> Result<B256> {
    if leaves.is_empty() {
        return Err(Error::NoLeaves);
    }
    check_ascending(leaves.iter().map(|&(index, _)| index))?;
    let mut level: Vec<(u64, B256)> = leaves
        .iter()
        .map(|&(index, leaf)| (u64::from(index), leaf))
        .collect();
    let mut proof = nodes.iter().copied();
    let mut take = || {
        proof
            .next()
            .ok_or(Error::TooFewNodes { given: nodes.len() })
    };
    for _ in 0..DEPTH {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut i = 0;
        while i < level.len() {
            let (position, node) = level[i];
            let parent = if position & 1 == 0 {
                match level.get(i + 1) {
                    Some(&(sibling, right)) if sibling == position + 1 => {
                        i += 2;
                        hash_pair(node, right)
                    }
                    _ => {
                        i += 1;
                        hash_pair(node, take()?)
                    }
                }
            } else {
                i += 1;
                hash_pair(take()?, node)
            };
            next.push((position >> 1, parent));
        }
        level = next;
    }
    let unused = proof.len();
    if unused > 0 {
        return Err(Error::NodesLeftOver {
            given: nodes.len(),
            unused,
        });
    }
    // 32 halvings of indices below 2^32 leave exactly one node.
    Ok(level[0].1)
}

/// The root from one leaf and its ordinary Merkle branch.
pub fn branch_root(index: u32, leaf: B256, branch: &[B256; DEPTH]) -> B256 {
    let mut node = leaf;
    for (height, sibling) in branch.iter().enumerate() {
        node = if (index >> height) & 1 == 0 {
            hash_pair(node, *sibling)
        } else {
            hash_pair(*sibling, node)
        };
    }
    node
}

/// Checks that `indices` are strictly ascending.
pub(crate) fn check_ascending(indices: impl IntoIterator<Item = u32>) -> Result<()> {
    let mut previous: Option<u32> = None;
    for (position, index) in indices.into_iter().enumerate() {
        if let Some(previous) = previous
            && index <= previous
        {
            return Err(Error::NotAscending {
                position,
                previous,
                index,
            });
        }
        previous = Some(index);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use alloy_primitives::b256;

    use super::*;

    /// SplitMix64: a tiny seeded generator, enough to draw reproducible index sets.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u32) -> u32 {
            (self.next() % u64::from(n)) as u32
        }
    }

    fn leaf(i: u32) -> B256 {
        keccak256(format!("leaf-{i}"))
    }

    fn tree(n: u32) -> MerkleTree {
        MerkleTree::from_leaves((0..n).map(leaf)).unwrap()
    }

    /// The root computed the slow way: hash full levels, padding with zero leaves.
    fn naive_root(leaves: &[B256]) -> B256 {
        let mut level = leaves.to_vec();
        for height in 0..DEPTH {
            if level.len() % 2 == 1 {
                level.push(ZERO_HASHES[height]);
            }
            if level.is_empty() {
                return ZERO_HASHES[DEPTH];
            }
            level = level
                .chunks(2)
                .map(|pair| hash_pair(pair[0], pair[1]))
                .collect();
        }
        level[0]
    }

    #[test]
    fn zero_hashes() {
        assert_eq!(ZERO_HASHES[0], B256::ZERO);
        for i in 0..DEPTH {
            assert_eq!(
                ZERO_HASHES[i + 1],
                keccak256([ZERO_HASHES[i].0, ZERO_HASHES[i].0].concat())
            );
        }
        // The empty root of every keccak depth-32 deposit-style tree.
        assert_eq!(
            ZERO_HASHES[DEPTH],
            b256!("0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757")
        );
        assert_eq!(IncrementalTree::new().root(), ZERO_HASHES[DEPTH]);
        assert_eq!(MerkleTree::new().root(), ZERO_HASHES[DEPTH]);
        assert_eq!(IncrementalTree::new().checkpoint(), None);
    }

    #[test]
    fn incremental_full_and_naive_roots_agree() {
        let full = tree(70);
        let mut incremental = IncrementalTree::new();
        for n in 0..70u32 {
            assert_eq!(full.root_at(n).unwrap(), incremental.root(), "size {n}");
            assert_eq!(
                incremental.root(),
                naive_root(&full.leaves()[..n as usize]),
                "size {n}"
            );
            assert_eq!(incremental.insert(leaf(n)).unwrap(), n);
            assert_eq!(incremental.count(), n + 1);
            assert_eq!(incremental.checkpoint(), Some((incremental.root(), n)));
        }
        assert_eq!(full.root(), incremental.root());
        assert_eq!(full.checkpoint(), Some((full.root(), 69)));
    }

    #[test]
    fn branches_prove_every_leaf_of_every_prefix() {
        let full = tree(33);
        for count in 1..=33u32 {
            let root = full.root_at(count).unwrap();
            for index in 0..count {
                let branch = full.proof_at(count, index).unwrap();
                assert_eq!(branch_root(index, leaf(index), &branch), root);
                assert_eq!(
                    multiproof_root(&[(index, leaf(index))], &branch).unwrap(),
                    root
                );
                assert_eq!(
                    full.multiproof_at(count, &[index]).unwrap(),
                    branch.to_vec()
                );
            }
        }
    }

    #[test]
    fn random_multiproofs_verify() {
        let full = tree(300);
        let mut rng = Rng(0xc0ffee);
        for _ in 0..400 {
            let count = 1 + rng.below(300);
            let picks = 1 + rng.below(count.min(40));
            let mut indices: Vec<u32> = (0..picks).map(|_| rng.below(count)).collect();
            indices.sort_unstable();
            indices.dedup();
            let nodes = full.multiproof_at(count, &indices).unwrap();
            let leaves: Vec<(u32, B256)> = indices.iter().map(|&i| (i, leaf(i))).collect();
            assert_eq!(
                multiproof_root(&leaves, &nodes).unwrap(),
                full.root_at(count).unwrap(),
                "count {count}, indices {indices:?}"
            );
        }
    }

    #[test]
    fn siblings_need_no_nodes() {
        let full = tree(8);
        // All 8 leaves of a full subtree: only the 29 empty subtrees above it.
        let all: Vec<u32> = (0..8).collect();
        let nodes = full.multiproof(&all).unwrap();
        assert_eq!(nodes, ZERO_HASHES[3..DEPTH].to_vec());
        // Leaves 0 and 1 share their parent: 31 nodes instead of 64.
        assert_eq!(full.multiproof(&[0, 1]).unwrap().len(), 31);
    }

    #[test]
    fn node_order_matters() {
        let full = tree(16);
        let indices = [1, 6, 11];
        let leaves: Vec<(u32, B256)> = indices.iter().map(|&i| (i, leaf(i))).collect();
        let mut nodes = full.multiproof(&indices).unwrap();
        assert_eq!(multiproof_root(&leaves, &nodes).unwrap(), full.root());
        nodes.swap(0, 1);
        assert_ne!(multiproof_root(&leaves, &nodes).unwrap(), full.root());
    }

    #[test]
    fn tampered_node_or_leaf_changes_root() {
        let full = tree(17);
        let indices = [0, 5, 16];
        let leaves: Vec<(u32, B256)> = indices.iter().map(|&i| (i, leaf(i))).collect();
        let nodes = full.multiproof(&indices).unwrap();
        for k in 0..nodes.len() {
            let mut bad = nodes.clone();
            bad[k].0[31] ^= 1;
            assert_ne!(
                multiproof_root(&leaves, &bad).unwrap(),
                full.root(),
                "node {k}"
            );
        }
        let mut bad_leaves = leaves.clone();
        bad_leaves[1].1 = leaf(6);
        assert_ne!(multiproof_root(&bad_leaves, &nodes).unwrap(), full.root());
        // The right leaf at the wrong index.
        let moved = [(0, leaf(0)), (4, leaf(5)), (16, leaf(16))];
        assert_ne!(multiproof_root(&moved, &nodes).unwrap(), full.root());
    }

    #[test]
    fn verifier_errors() {
        let full = tree(10);
        let nodes = full.multiproof(&[2, 3]).unwrap();
        let leaves = [(2, leaf(2)), (3, leaf(3))];
        assert_eq!(multiproof_root(&[], &nodes).unwrap_err(), Error::NoLeaves);
        assert_eq!(
            multiproof_root(&[(3, leaf(3)), (2, leaf(2))], &nodes).unwrap_err(),
            Error::NotAscending {
                position: 1,
                previous: 3,
                index: 2
            }
        );
        assert_eq!(
            multiproof_root(&[(2, leaf(2)), (2, leaf(2))], &nodes).unwrap_err(),
            Error::NotAscending {
                position: 1,
                previous: 2,
                index: 2
            }
        );
        assert_eq!(
            multiproof_root(&leaves, &nodes[..nodes.len() - 1]).unwrap_err(),
            Error::TooFewNodes {
                given: nodes.len() - 1
            }
        );
        let mut long = nodes.clone();
        long.extend([B256::ZERO, B256::ZERO]);
        assert_eq!(
            multiproof_root(&leaves, &long).unwrap_err(),
            Error::NodesLeftOver {
                given: nodes.len() + 2,
                unused: 2
            }
        );
    }

    #[test]
    fn prover_errors() {
        let full = tree(10);
        assert_eq!(full.multiproof(&[]).unwrap_err(), Error::NoLeaves);
        assert_eq!(
            full.multiproof(&[4, 4]).unwrap_err(),
            Error::NotAscending {
                position: 1,
                previous: 4,
                index: 4
            }
        );
        assert_eq!(
            full.multiproof(&[1, 10]).unwrap_err(),
            Error::LeafOutOfRange {
                index: 10,
                count: 10
            }
        );
        assert_eq!(
            full.multiproof_at(5, &[5]).unwrap_err(),
            Error::LeafOutOfRange { index: 5, count: 5 }
        );
        assert_eq!(
            full.proof(10).unwrap_err(),
            Error::LeafOutOfRange {
                index: 10,
                count: 10
            }
        );
        assert_eq!(
            full.root_at(11).unwrap_err(),
            Error::CountOutOfRange { count: 11, len: 10 }
        );
        assert_eq!(
            full.multiproof_at(11, &[0]).unwrap_err(),
            Error::CountOutOfRange { count: 11, len: 10 }
        );
    }

    #[test]
    fn full_incremental_tree_refuses_insert() {
        let mut almost = IncrementalTree {
            branch: [B256::ZERO; DEPTH],
            count: MAX_LEAVES - 1,
        };
        assert_eq!(almost.insert(leaf(0)).unwrap(), MAX_LEAVES - 1);
        assert_eq!(
            almost.insert(leaf(1)).unwrap_err(),
            Error::TreeFull { max: MAX_LEAVES }
        );
        assert_eq!(almost.count(), MAX_LEAVES);
    }

    #[test]
    fn large_tree_multiproof() {
        // 100,000 leaves, 1,000 of them proven against an older checkpoint: must stay linear.
        let n = 100_000u32;
        let full = MerkleTree::from_leaves((0..n).map(|i| keccak256(i.to_be_bytes()))).unwrap();
        let count = n - 123;
        let indices: Vec<u32> = (0..1000).map(|i| i * 97 + 13).collect();
        let nodes = full.multiproof_at(count, &indices).unwrap();
        let leaves: Vec<(u32, B256)> = indices
            .iter()
            .map(|&i| (i, keccak256(i.to_be_bytes())))
            .collect();
        assert_eq!(
            multiproof_root(&leaves, &nodes).unwrap(),
            full.root_at(count).unwrap()
        );
        let mut incremental = IncrementalTree::new();
        for i in 0..count {
            incremental.insert(keccak256(i.to_be_bytes())).unwrap();
        }
        assert_eq!(incremental.root(), full.root_at(count).unwrap());
    }
}
