//! The light-client containers of the consensus specs (Capella and later), their SSZ decoding and
//! their `hash_tree_root`s.
//!
//! One Rust type stands for each container across forks, as the spec's store does after upgrading
//! older data: [`ExecutionPayloadHeader`] carries Deneb's blob-gas fields (zero before Deneb) and
//! Merkle branches are vectors of whatever length their fork gives them. Where the fork changes
//! the bytes — the SSZ layout, the execution header's root — it is passed in as a
//! [`LightClientLayout`] or [`ExecutionLayout`], or derived from the header's slot and a
//! [`ChainConfig`].

use alloy_primitives::{Address, B256, Bloom, Bytes, U256};

use crate::{
    bls::{self, BlsPubkey, BlsSignature},
    config::{ChainConfig, Fork, Preset},
    error::{Error, Result},
    merkle::{self, EXECUTION_PAYLOAD_GINDEX, floorlog2, subtree_index},
    ssz::{Reader, byte_list_root, bytes_root, decompress_snappy, hash_pair, merkleize, u64_root},
};

/// Nodes in a light-client header's execution branch (`floorlog2(EXECUTION_PAYLOAD_GINDEX)`).
pub const EXECUTION_BRANCH_LEN: usize = 4;

/// The execution payload header's field set, which decides its SSZ layout and root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionLayout {
    /// Capella: up to `withdrawals_root`.
    Capella,
    /// Deneb and later (Electra and Fulu do not change the header): adds `blob_gas_used` and
    /// `excess_blob_gas`.
    Deneb,
}

impl ExecutionLayout {
    /// The layout of `fork`, `None` before Capella (no execution data in light-client headers).
    pub fn for_fork(fork: Fork) -> Option<Self> {
        match fork {
            Fork::Phase0 | Fork::Altair | Fork::Bellatrix => None,
            Fork::Capella => Some(Self::Capella),
            Fork::Deneb | Fork::Electra | Fork::Fulu => Some(Self::Deneb),
        }
    }

    /// Bytes of the fixed part (everything but `extra_data`).
    const fn fixed_len(self) -> usize {
        match self {
            Self::Capella => 568,
            Self::Deneb => 584,
        }
    }
}

/// The SSZ layout of light-client bootstraps and updates of one fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LightClientLayout {
    /// Fork the layout belongs to.
    pub fork: Fork,
    /// Field set of the execution payload headers.
    pub execution: ExecutionLayout,
    /// Nodes in `finality_branch` (6, Electra: 7).
    pub finality_branch_len: usize,
    /// Nodes in `current_sync_committee_branch` (5, Electra: 6).
    pub current_sync_committee_branch_len: usize,
    /// Nodes in `next_sync_committee_branch` (5, Electra: 6).
    pub next_sync_committee_branch_len: usize,
}

impl LightClientLayout {
    /// The layout of `fork`; light-client data before Capella is not supported.
    pub fn for_fork(fork: Fork) -> Result<Self> {
        let execution = ExecutionLayout::for_fork(fork).ok_or(Error::UnsupportedFork { fork })?;
        Ok(Self {
            fork,
            execution,
            finality_branch_len: floorlog2(merkle::finalized_root_gindex(fork)),
            current_sync_committee_branch_len: floorlog2(merkle::current_sync_committee_gindex(
                fork,
            )),
            next_sync_committee_branch_len: floorlog2(merkle::next_sync_committee_gindex(fork)),
        })
    }
}

/// `BeaconBlockHeader`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeaconBlockHeader {
    /// Slot of the block.
    pub slot: u64,
    /// Index of the proposing validator.
    pub proposer_index: u64,
    /// Root of the parent block.
    pub parent_root: B256,
    /// Root of the post-state (`BeaconState`) — what the finality and committee branches prove
    /// against.
    pub state_root: B256,
    /// Root of the block body — what the execution branch proves against.
    pub body_root: B256,
}

impl BeaconBlockHeader {
    /// Bytes of the SSZ encoding.
    pub const SSZ_LEN: usize = 112;

    /// `hash_tree_root`: the block root.
    pub fn hash_tree_root(&self) -> B256 {
        merkleize(
            &[
                u64_root(self.slot),
                u64_root(self.proposer_index),
                self.parent_root,
                self.state_root,
                self.body_root,
            ],
            5,
        )
    }

    /// Decodes the SSZ encoding.
    pub fn from_ssz(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new("BeaconBlockHeader", bytes);
        let header = Self::read(&mut reader)?;
        reader.finish()?;
        Ok(header)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            slot: r.u64("slot")?,
            proposer_index: r.u64("proposer_index")?,
            parent_root: r.b256("parent_root")?,
            state_root: r.b256("state_root")?,
            body_root: r.b256("body_root")?,
        })
    }
}

/// `ExecutionPayloadHeader` with Deneb's field set (`blob_gas_used` and `excess_blob_gas` are zero
/// for Capella headers). Electra and Fulu use Deneb's header unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionPayloadHeader {
    /// Hash of the parent execution block.
    pub parent_hash: B256,
    /// Recipient of the priority fees.
    pub fee_recipient: Address,
    /// Execution state root: what account and storage proofs verify against.
    pub state_root: B256,
    /// Receipts trie root.
    pub receipts_root: B256,
    /// Logs bloom filter.
    pub logs_bloom: Bloom,
    /// RANDAO mix of the previous slot.
    pub prev_randao: B256,
    /// Execution block number.
    pub block_number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Unix timestamp.
    pub timestamp: u64,
    /// Extra data (at most 32 bytes).
    pub extra_data: Bytes,
    /// EIP-1559 base fee.
    pub base_fee_per_gas: U256,
    /// Execution block hash.
    pub block_hash: B256,
    /// Root of the transactions list.
    pub transactions_root: B256,
    /// Root of the withdrawals list.
    pub withdrawals_root: B256,
    /// Blob gas used (Deneb).
    pub blob_gas_used: u64,
    /// Excess blob gas (Deneb).
    pub excess_blob_gas: u64,
}

impl ExecutionPayloadHeader {
    /// `MAX_EXTRA_DATA_BYTES`.
    pub const MAX_EXTRA_DATA_BYTES: usize = 32;

    /// Field index of `state_root`.
    pub const STATE_ROOT_FIELD: usize = 2;
    /// Field index of `block_number`.
    pub const BLOCK_NUMBER_FIELD: usize = 6;

    /// `hash_tree_root` in the given layout (the blob-gas fields count only in Deneb's).
    pub fn hash_tree_root(&self, layout: ExecutionLayout) -> B256 {
        let fields = self.field_roots(layout);
        merkleize(&fields, fields.len())
    }

    /// Depth of the container's tree in the given layout (15 fields: 4; 17 fields: 5).
    pub fn tree_depth(layout: ExecutionLayout) -> usize {
        match layout {
            ExecutionLayout::Capella => 4,
            ExecutionLayout::Deneb => 5,
        }
    }

    /// The branch of field `field` (e.g. [`Self::STATE_ROOT_FIELD`]) in the container's tree, leaf
    /// level first: with the header's `execution_branch` after it, a branch from the field's
    /// value to the beacon block's body root, which lets a verifier learn one field without
    /// hashing the whole header. `None` for a field index the layout does not have.
    pub fn field_branch(&self, layout: ExecutionLayout, field: usize) -> Option<Vec<B256>> {
        crate::merkle::build_branch(&self.field_roots(layout), Self::tree_depth(layout), field)
    }

    /// The `hash_tree_root` of each field, in order: the container's leaves.
    pub fn field_roots(&self, layout: ExecutionLayout) -> Vec<B256> {
        let mut fields = vec![
            self.parent_hash,
            bytes_root(self.fee_recipient.as_slice()),
            self.state_root,
            self.receipts_root,
            bytes_root(self.logs_bloom.as_slice()),
            self.prev_randao,
            u64_root(self.block_number),
            u64_root(self.gas_limit),
            u64_root(self.gas_used),
            u64_root(self.timestamp),
            byte_list_root(&self.extra_data, Self::MAX_EXTRA_DATA_BYTES),
            B256::from(self.base_fee_per_gas.to_le_bytes::<32>()),
            self.block_hash,
            self.transactions_root,
            self.withdrawals_root,
        ];
        if layout == ExecutionLayout::Deneb {
            fields.push(u64_root(self.blob_gas_used));
            fields.push(u64_root(self.excess_blob_gas));
        }
        fields
    }

    /// Decodes the SSZ encoding of the given layout.
    pub fn from_ssz(bytes: &[u8], layout: ExecutionLayout) -> Result<Self> {
        let mut r = Reader::new("ExecutionPayloadHeader", bytes);
        let parent_hash = r.b256("parent_hash")?;
        let fee_recipient = Address::from(r.array::<20>("fee_recipient")?);
        let state_root = r.b256("state_root")?;
        let receipts_root = r.b256("receipts_root")?;
        let logs_bloom = Bloom::from(r.array::<256>("logs_bloom")?);
        let prev_randao = r.b256("prev_randao")?;
        let block_number = r.u64("block_number")?;
        let gas_limit = r.u64("gas_limit")?;
        let gas_used = r.u64("gas_used")?;
        let timestamp = r.u64("timestamp")?;
        let extra_data_offset = r.offset("extra_data offset")?;
        let base_fee_per_gas = U256::from_le_bytes(r.array::<32>("base_fee_per_gas")?);
        let block_hash = r.b256("block_hash")?;
        let transactions_root = r.b256("transactions_root")?;
        let withdrawals_root = r.b256("withdrawals_root")?;
        let (blob_gas_used, excess_blob_gas) = match layout {
            ExecutionLayout::Capella => (0, 0),
            ExecutionLayout::Deneb => (r.u64("blob_gas_used")?, r.u64("excess_blob_gas")?),
        };
        debug_assert_eq!(r.position(), layout.fixed_len());
        if extra_data_offset != r.position() {
            return Err(r.error(format!(
                "extra_data offset {extra_data_offset}, expected {}",
                r.position()
            )));
        }
        let extra_data = r.slice(extra_data_offset, r.len(), "extra_data")?;
        if extra_data.len() > Self::MAX_EXTRA_DATA_BYTES {
            return Err(r.error(format!(
                "extra_data has {} bytes, at most 32",
                extra_data.len()
            )));
        }
        Ok(Self {
            parent_hash,
            fee_recipient,
            state_root,
            receipts_root,
            logs_bloom,
            prev_randao,
            block_number,
            gas_limit,
            gas_used,
            timestamp,
            extra_data: Bytes::copy_from_slice(extra_data),
            base_fee_per_gas,
            block_hash,
            transactions_root,
            withdrawals_root,
            blob_gas_used,
            excess_blob_gas,
        })
    }
}

/// `LightClientHeader` (Capella and later): a beacon block header with the execution payload
/// header of its block and the branch proving it in the block body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LightClientHeader {
    /// The beacon block header.
    pub beacon: BeaconBlockHeader,
    /// The block's execution payload header.
    pub execution: ExecutionPayloadHeader,
    /// Branch of `execution` in `beacon.body_root` (gindex 25).
    pub execution_branch: [B256; EXECUTION_BRANCH_LEN],
}

impl LightClientHeader {
    /// `hash_tree_root` with the execution header in the given layout.
    pub fn hash_tree_root(&self, layout: ExecutionLayout) -> B256 {
        merkleize(
            &[
                self.beacon.hash_tree_root(),
                self.execution.hash_tree_root(layout),
                merkleize(&self.execution_branch, EXECUTION_BRANCH_LEN),
            ],
            3,
        )
    }

    /// The spec's `get_lc_execution_root`: the execution header's root in the layout of the fork
    /// of the header's slot, zero before Capella.
    pub fn execution_root(&self, config: &ChainConfig) -> B256 {
        match ExecutionLayout::for_fork(config.fork_at_slot(self.beacon.slot)) {
            Some(layout) => self.execution.hash_tree_root(layout),
            None => B256::ZERO,
        }
    }

    /// The spec's `is_valid_light_client_header`: no blob-gas fields before Deneb, no execution
    /// data before Capella, and from Capella on an execution branch that proves the execution
    /// header in the body root.
    pub fn validate(&self, config: &ChainConfig) -> Result<()> {
        let slot = self.beacon.slot;
        let fork = config.fork_at_slot(slot);
        if fork < Fork::Deneb
            && (self.execution.blob_gas_used != 0 || self.execution.excess_blob_gas != 0)
        {
            return Err(Error::InvalidHeader {
                slot,
                reason: "blob gas fields set before Deneb",
            });
        }
        if fork < Fork::Capella {
            let empty = self.execution == ExecutionPayloadHeader::default()
                && self.execution_branch.iter().all(|node| node.is_zero());
            return if empty {
                Ok(())
            } else {
                Err(Error::InvalidHeader {
                    slot,
                    reason: "execution data before Capella",
                })
            };
        }
        if !merkle::is_valid_merkle_branch(
            &self.execution_root(config),
            &self.execution_branch,
            floorlog2(EXECUTION_PAYLOAD_GINDEX),
            subtree_index(EXECUTION_PAYLOAD_GINDEX),
            &self.beacon.body_root,
        ) {
            return Err(Error::InvalidExecutionBranch { slot });
        }
        Ok(())
    }

    /// Whether this is the spec's empty `LightClientHeader()`.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Decodes the SSZ encoding with the given execution layout.
    pub fn from_ssz(bytes: &[u8], layout: ExecutionLayout) -> Result<Self> {
        let mut r = Reader::new("LightClientHeader", bytes);
        let beacon = BeaconBlockHeader::read(&mut r)?;
        let execution_offset = r.offset("execution offset")?;
        let mut execution_branch = [B256::ZERO; EXECUTION_BRANCH_LEN];
        for node in &mut execution_branch {
            *node = r.b256("execution_branch")?;
        }
        if execution_offset != r.position() {
            return Err(r.error(format!(
                "execution offset {execution_offset}, expected {}",
                r.position()
            )));
        }
        let execution = ExecutionPayloadHeader::from_ssz(
            r.slice(execution_offset, r.len(), "execution")?,
            layout,
        )?;
        Ok(Self {
            beacon,
            execution,
            execution_branch,
        })
    }
}

/// `SyncCommittee`: the validators that sign light-client data for one period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncCommittee {
    /// The members' public keys, `SYNC_COMMITTEE_SIZE` of them (duplicates possible).
    pub pubkeys: Vec<BlsPubkey>,
    /// The aggregate of all members' keys.
    pub aggregate_pubkey: BlsPubkey,
}

impl SyncCommittee {
    /// `hash_tree_root`: `sha256(pubkeys_root || hash_tree_root(aggregate_pubkey))`.
    pub fn hash_tree_root(&self) -> B256 {
        hash_pair(
            &self.pubkeys_root(),
            &bytes_root(self.aggregate_pubkey.as_slice()),
        )
    }

    /// Root of the `pubkeys` vector.
    pub fn pubkeys_root(&self) -> B256 {
        merkleize(&self.pubkey_leaves(), self.pubkeys.len())
    }

    /// The leaf of pubkey `index` in the `pubkeys` tree: `hash_tree_root` of the 48-byte key
    /// (`sha256(key[0..32] || key[32..48] ++ 16 zero bytes)`).
    pub fn pubkey_leaf(&self, index: usize) -> Result<B256> {
        self.pubkeys
            .get(index)
            .map(|key| bytes_root(key.as_slice()))
            .ok_or(Error::PubkeyIndexOutOfRange {
                index,
                size: self.pubkeys.len(),
            })
    }

    /// The Merkle branch of pubkey `index` up to [`Self::pubkeys_root`]: `log2(size)` nodes (9 on
    /// mainnet, 5 on minimal), leaf level first; the leaf is [`Self::pubkey_leaf`] and its position
    /// `index`.
    pub fn pubkey_branch(&self, index: usize) -> Result<Vec<B256>> {
        let leaves = self.pubkey_leaves();
        let depth = crate::ssz::depth_for(leaves.len());
        merkle::build_branch(&leaves, depth, index).ok_or(Error::PubkeyIndexOutOfRange {
            index,
            size: self.pubkeys.len(),
        })
    }

    /// The branch of pubkey `index` up to [`Self::hash_tree_root`]: [`Self::pubkey_branch`]
    /// followed by the aggregate pubkey's root. The leaf's generalized index in the committee is
    /// `2 * size + index`.
    pub fn pubkey_branch_to_committee_root(&self, index: usize) -> Result<Vec<B256>> {
        let mut branch = self.pubkey_branch(index)?;
        branch.push(bytes_root(self.aggregate_pubkey.as_slice()));
        Ok(branch)
    }

    /// Whether this is the spec's empty `SyncCommittee()` (all keys zero).
    pub fn is_empty(&self) -> bool {
        self.aggregate_pubkey.is_zero() && self.pubkeys.iter().all(|key| key.is_zero())
    }

    fn pubkey_leaves(&self) -> Vec<B256> {
        self.pubkeys
            .iter()
            .map(|key| bytes_root(key.as_slice()))
            .collect()
    }

    fn read(r: &mut Reader<'_>, preset: &Preset) -> Result<Self> {
        let pubkeys = (0..preset.sync_committee_size)
            .map(|_| r.array::<48>("pubkeys").map(BlsPubkey::from))
            .collect::<Result<Vec<_>>>()?;
        let aggregate_pubkey = BlsPubkey::from(r.array::<48>("aggregate_pubkey")?);
        Ok(Self {
            pubkeys,
            aggregate_pubkey,
        })
    }
}

/// `SyncAggregate`: which members signed, and their aggregate signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncAggregate {
    /// `Bitvector[SYNC_COMMITTEE_SIZE]` as SSZ stores it: bit `i` is bit `i % 8` of byte `i / 8`.
    pub sync_committee_bits: Vec<u8>,
    /// Aggregate signature of the participants over the signing root of the attested header.
    pub sync_committee_signature: BlsSignature,
}

impl SyncAggregate {
    /// `hash_tree_root`.
    pub fn hash_tree_root(&self) -> B256 {
        hash_pair(
            &bytes_root(&self.sync_committee_bits),
            &bytes_root(self.sync_committee_signature.as_slice()),
        )
    }

    /// Bits in the bitvector (the committee size).
    pub fn len(&self) -> usize {
        self.sync_committee_bits.len() * 8
    }

    /// Whether the bitvector has no bits at all.
    pub fn is_empty(&self) -> bool {
        self.sync_committee_bits.is_empty()
    }

    /// Whether member `index` signed.
    pub fn participates(&self, index: usize) -> bool {
        self.sync_committee_bits
            .get(index / 8)
            .is_some_and(|byte| byte >> (index % 8) & 1 == 1)
    }

    /// Marks member `index` as signing or not (out-of-range indices are ignored).
    pub fn set_participates(&mut self, index: usize, participates: bool) {
        if let Some(byte) = self.sync_committee_bits.get_mut(index / 8) {
            let mask = 1u8 << (index % 8);
            if participates {
                *byte |= mask
            } else {
                *byte &= !mask
            }
        }
    }

    /// Number of members that signed.
    pub fn num_participants(&self) -> u64 {
        self.sync_committee_bits
            .iter()
            .map(|byte| u64::from(byte.count_ones()))
            .sum()
    }

    /// Committee indices of the members that signed, ascending.
    pub fn participant_indices(&self) -> Vec<usize> {
        (0..self.len()).filter(|i| self.participates(*i)).collect()
    }

    /// Committee indices of the members that did not sign, ascending.
    pub fn non_participant_indices(&self) -> Vec<usize> {
        (0..self.len()).filter(|i| !self.participates(*i)).collect()
    }

    fn read(r: &mut Reader<'_>, preset: &Preset) -> Result<Self> {
        Ok(Self {
            sync_committee_bits: r
                .take(preset.sync_committee_bits_len(), "sync_committee_bits")?
                .to_vec(),
            sync_committee_signature: BlsSignature::from(
                r.array::<96>("sync_committee_signature")?,
            ),
        })
    }
}

/// `LightClientBootstrap`: a trusted header with the sync committee of its period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LightClientBootstrap {
    /// Header of the trusted block.
    pub header: LightClientHeader,
    /// The sync committee of the header's period.
    pub current_sync_committee: SyncCommittee,
    /// Branch of `current_sync_committee` in `header.beacon.state_root`.
    pub current_sync_committee_branch: Vec<B256>,
}

impl LightClientBootstrap {
    /// `hash_tree_root` with the execution header in the given layout.
    pub fn hash_tree_root(&self, layout: ExecutionLayout) -> B256 {
        merkleize(
            &[
                self.header.hash_tree_root(layout),
                self.current_sync_committee.hash_tree_root(),
                merkleize(
                    &self.current_sync_committee_branch,
                    self.current_sync_committee_branch.len(),
                ),
            ],
            3,
        )
    }

    /// Decodes the SSZ encoding of `fork` with the committee size of `preset`.
    pub fn from_ssz(bytes: &[u8], fork: Fork, preset: &Preset) -> Result<Self> {
        let layout = LightClientLayout::for_fork(fork)?;
        let mut r = Reader::new("LightClientBootstrap", bytes);
        let header_offset = r.offset("header offset")?;
        let current_sync_committee = SyncCommittee::read(&mut r, preset)?;
        let current_sync_committee_branch = r.b256_vector(
            layout.current_sync_committee_branch_len,
            "current_sync_committee_branch",
        )?;
        if header_offset != r.position() {
            return Err(r.error(format!(
                "header offset {header_offset}, expected {}",
                r.position()
            )));
        }
        let header = LightClientHeader::from_ssz(
            r.slice(header_offset, r.len(), "header")?,
            layout.execution,
        )?;
        Ok(Self {
            header,
            current_sync_committee,
            current_sync_committee_branch,
        })
    }

    /// Decodes a snappy-compressed SSZ encoding (`.ssz_snappy`).
    pub fn from_ssz_snappy(bytes: &[u8], fork: Fork, preset: &Preset) -> Result<Self> {
        Self::from_ssz(&decompress_snappy(bytes)?, fork, preset)
    }
}

/// `LightClientUpdate`: a header signed by the sync committee, optionally with the finalized
/// header and the next sync committee from its state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LightClientUpdate {
    /// The header the sync committee signed.
    pub attested_header: LightClientHeader,
    /// The next sync committee in the attested state (empty when not included).
    pub next_sync_committee: SyncCommittee,
    /// Its branch in `attested_header.beacon.state_root` (all zero when not included).
    pub next_sync_committee_branch: Vec<B256>,
    /// The finalized header of the attested state (empty when not included).
    pub finalized_header: LightClientHeader,
    /// Branch of the finalized root in `attested_header.beacon.state_root` (all zero when not
    /// included).
    pub finality_branch: Vec<B256>,
    /// Participation bits and aggregate signature.
    pub sync_aggregate: SyncAggregate,
    /// Slot at which the aggregate signature was created (untrusted).
    pub signature_slot: u64,
}

impl LightClientUpdate {
    /// The spec's `is_sync_committee_update`: the next-sync-committee branch is not all zero.
    pub fn is_sync_committee_update(&self) -> bool {
        self.next_sync_committee_branch
            .iter()
            .any(|node| !node.is_zero())
    }

    /// The spec's `is_finality_update`: the finality branch is not all zero.
    pub fn is_finality_update(&self) -> bool {
        self.finality_branch.iter().any(|node| !node.is_zero())
    }

    /// Number of committee members that signed.
    pub fn num_participants(&self) -> u64 {
        self.sync_aggregate.num_participants()
    }

    /// The message the sync committee signed: the signing root of the attested beacon header in
    /// the sync-committee domain of `signature_slot`.
    pub fn signing_root(&self, config: &ChainConfig) -> B256 {
        bls::compute_signing_root(
            &self.attested_header.beacon.hash_tree_root(),
            &config.sync_committee_domain(self.signature_slot),
        )
    }

    /// `hash_tree_root` with the execution headers in the given layout.
    pub fn hash_tree_root(&self, layout: ExecutionLayout) -> B256 {
        merkleize(
            &[
                self.attested_header.hash_tree_root(layout),
                self.next_sync_committee.hash_tree_root(),
                merkleize(
                    &self.next_sync_committee_branch,
                    self.next_sync_committee_branch.len(),
                ),
                self.finalized_header.hash_tree_root(layout),
                merkleize(&self.finality_branch, self.finality_branch.len()),
                self.sync_aggregate.hash_tree_root(),
                u64_root(self.signature_slot),
            ],
            7,
        )
    }

    /// Decodes the SSZ encoding of `fork` with the committee size of `preset`.
    pub fn from_ssz(bytes: &[u8], fork: Fork, preset: &Preset) -> Result<Self> {
        let layout = LightClientLayout::for_fork(fork)?;
        let mut r = Reader::new("LightClientUpdate", bytes);
        let attested_offset = r.offset("attested_header offset")?;
        let next_sync_committee = SyncCommittee::read(&mut r, preset)?;
        let next_sync_committee_branch = r.b256_vector(
            layout.next_sync_committee_branch_len,
            "next_sync_committee_branch",
        )?;
        let finalized_offset = r.offset("finalized_header offset")?;
        let finality_branch = r.b256_vector(layout.finality_branch_len, "finality_branch")?;
        let sync_aggregate = SyncAggregate::read(&mut r, preset)?;
        let signature_slot = r.u64("signature_slot")?;
        if attested_offset != r.position() {
            return Err(r.error(format!(
                "attested_header offset {attested_offset}, expected {}",
                r.position()
            )));
        }
        let attested_header = LightClientHeader::from_ssz(
            r.slice(attested_offset, finalized_offset, "attested_header")?,
            layout.execution,
        )?;
        let finalized_header = LightClientHeader::from_ssz(
            r.slice(finalized_offset, r.len(), "finalized_header")?,
            layout.execution,
        )?;
        Ok(Self {
            attested_header,
            next_sync_committee,
            next_sync_committee_branch,
            finalized_header,
            finality_branch,
            sync_aggregate,
            signature_slot,
        })
    }

    /// Decodes a snappy-compressed SSZ encoding (`.ssz_snappy`).
    pub fn from_ssz_snappy(bytes: &[u8], fork: Fork, preset: &Preset) -> Result<Self> {
        Self::from_ssz(&decompress_snappy(bytes)?, fork, preset)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::merkle::is_valid_merkle_branch;

    fn committee(size: usize) -> SyncCommittee {
        SyncCommittee {
            pubkeys: (0..size)
                .map(|i| BlsPubkey::repeat_byte(i as u8 + 1))
                .collect(),
            aggregate_pubkey: BlsPubkey::repeat_byte(0xee),
        }
    }

    #[test]
    fn pubkey_branches_prove_each_key() {
        let c = committee(32);
        let root = c.pubkeys_root();
        for index in [0, 1, 17, 31] {
            let leaf = c.pubkey_leaf(index).unwrap();
            let branch = c.pubkey_branch(index).unwrap();
            assert_eq!(branch.len(), 5);
            assert!(is_valid_merkle_branch(
                &leaf,
                &branch,
                5,
                index as u64,
                &root
            ));
            let full = c.pubkey_branch_to_committee_root(index).unwrap();
            assert!(is_valid_merkle_branch(
                &leaf,
                &full,
                6,
                index as u64,
                &c.hash_tree_root()
            ));
        }
        assert_eq!(
            c.pubkey_branch(32).unwrap_err(),
            Error::PubkeyIndexOutOfRange {
                index: 32,
                size: 32
            }
        );
    }

    #[test]
    fn participation_bits_are_little_endian_within_bytes() {
        let mut aggregate = SyncAggregate {
            sync_committee_bits: vec![0b0000_0101, 0, 0, 0x80],
            sync_committee_signature: BlsSignature::ZERO,
        };
        assert_eq!(aggregate.len(), 32);
        assert_eq!(aggregate.participant_indices(), vec![0, 2, 31]);
        assert_eq!(aggregate.num_participants(), 3);
        assert_eq!(aggregate.non_participant_indices().len(), 29);
        aggregate.set_participates(2, false);
        aggregate.set_participates(8, true);
        assert_eq!(aggregate.participant_indices(), vec![0, 8, 31]);
    }

    #[test]
    fn layouts_per_fork() {
        assert!(matches!(
            LightClientLayout::for_fork(Fork::Bellatrix),
            Err(Error::UnsupportedFork {
                fork: Fork::Bellatrix
            })
        ));
        let capella = LightClientLayout::for_fork(Fork::Capella).unwrap();
        assert_eq!(
            (
                capella.finality_branch_len,
                capella.current_sync_committee_branch_len
            ),
            (6, 5)
        );
        let electra = LightClientLayout::for_fork(Fork::Electra).unwrap();
        assert_eq!(electra.execution, ExecutionLayout::Deneb);
        assert_eq!(
            (
                electra.finality_branch_len,
                electra.current_sync_committee_branch_len,
                electra.next_sync_committee_branch_len
            ),
            (7, 6, 6)
        );
    }

    #[test]
    fn truncated_ssz_is_an_error_not_a_panic() {
        let preset = Preset::MINIMAL;
        for len in [0, 3, 4, 100, 2000] {
            let bytes = vec![0u8; len];
            assert!(LightClientUpdate::from_ssz(&bytes, Fork::Electra, &preset).is_err());
            assert!(LightClientBootstrap::from_ssz(&bytes, Fork::Deneb, &preset).is_err());
        }
        // Offsets pointing outside the input.
        let mut bytes = vec![0xffu8; 4000];
        bytes[..4].copy_from_slice(&5000u32.to_le_bytes());
        assert!(LightClientUpdate::from_ssz(&bytes, Fork::Capella, &preset).is_err());
    }
}
