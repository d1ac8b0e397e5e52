//! The execution payload header of an anvil block: what a beacon block of that slot would carry.
//!
//! Most fields are anvil's header fields as they are: `parent_hash`, `fee_recipient` (the
//! block's `miner`), `state_root`, `receipts_root`, `logs_bloom`, `prev_randao` (the header's
//! `mixHash`, which is PREVRANDAO after the merge), `block_number`, `gas_limit`, `gas_used`,
//! `timestamp`, `extra_data`, `base_fee_per_gas`, `block_hash`, `blob_gas_used`,
//! `excess_blob_gas`. Two differ by definition between the layers: the consensus layer's
//! `transactions_root` and `withdrawals_root` are SSZ `hash_tree_root`s of the transaction and
//! withdrawal lists, not the execution header's Merkle-Patricia roots. They are computed here from
//! the block's actual transactions (their EIP-2718 encodings) and withdrawals, as a beacon node
//! would. Fields anvil leaves out (a base fee, blob gas or withdrawals before the forks that added
//! them) are zero; with `--hardfork prague` it has them all.

use alloy::{
    consensus::BlockHeader,
    eips::Encodable2718,
    rpc::types::{Block, BlockTransactions},
};
use alloy_primitives::{B256, Bytes, U256};
use courier_lightclient::{
    ExecutionPayloadHeader,
    ssz::{byte_list_root, bytes_root, merkleize, mix_in_length, u64_root},
};

use crate::error::{Error, Result};

/// `MAX_BYTES_PER_TRANSACTION` (both presets).
const MAX_BYTES_PER_TRANSACTION: usize = 1 << 30;
/// `MAX_TRANSACTIONS_PER_PAYLOAD` (both presets).
const MAX_TRANSACTIONS_PER_PAYLOAD: usize = 1 << 20;

/// The execution payload header of `block`, which must have been fetched with full transactions.
/// `max_withdrawals` is the preset's `MAX_WITHDRAWALS_PER_PAYLOAD`.
pub fn payload_header(block: &Block, max_withdrawals: usize) -> Result<ExecutionPayloadHeader> {
    let header = &block.header;
    let number = header.number();
    let unsupported = |reason: String| Error::UnsupportedBlock { number, reason };
    let extra_data = header.extra_data().clone();
    if extra_data.len() > ExecutionPayloadHeader::MAX_EXTRA_DATA_BYTES {
        return Err(unsupported(format!(
            "extra_data has {} bytes, an execution payload at most {}",
            extra_data.len(),
            ExecutionPayloadHeader::MAX_EXTRA_DATA_BYTES
        )));
    }
    let transactions = match &block.transactions {
        BlockTransactions::Full(transactions) => transactions
            .iter()
            .map(|tx| Bytes::from(tx.inner.inner().encoded_2718()))
            .collect::<Vec<_>>(),
        BlockTransactions::Hashes(hashes) if hashes.is_empty() => Vec::new(),
        _ => {
            return Err(unsupported(
                "fetched without full transactions: their encodings are needed for \
                 transactions_root"
                    .to_owned(),
            ));
        }
    };
    let withdrawals: Vec<Withdrawal> = block
        .withdrawals
        .as_ref()
        .map(|list| {
            list.0
                .iter()
                .map(|w| Withdrawal {
                    index: w.index,
                    validator_index: w.validator_index,
                    address: w.address.0.0,
                    amount: w.amount,
                })
                .collect()
        })
        .unwrap_or_default();
    if withdrawals.len() > max_withdrawals {
        return Err(unsupported(format!(
            "{} withdrawals, the preset allows {max_withdrawals}",
            withdrawals.len()
        )));
    }
    Ok(ExecutionPayloadHeader {
        parent_hash: header.parent_hash(),
        fee_recipient: header.beneficiary(),
        state_root: header.state_root(),
        receipts_root: header.receipts_root(),
        logs_bloom: header.logs_bloom(),
        prev_randao: header.mix_hash().unwrap_or_default(),
        block_number: number,
        gas_limit: header.gas_limit(),
        gas_used: header.gas_used(),
        timestamp: header.timestamp(),
        extra_data,
        base_fee_per_gas: U256::from(header.base_fee_per_gas().unwrap_or_default()),
        block_hash: header.hash,
        transactions_root: transactions_root(&transactions),
        withdrawals_root: withdrawals_root(&withdrawals, max_withdrawals),
        blob_gas_used: header.blob_gas_used().unwrap_or_default(),
        excess_blob_gas: header.excess_blob_gas().unwrap_or_default(),
    })
}

/// `hash_tree_root(List[Transaction, MAX_TRANSACTIONS_PER_PAYLOAD])`, each transaction a
/// `ByteList[MAX_BYTES_PER_TRANSACTION]` of its EIP-2718 encoding.
pub fn transactions_root(transactions: &[Bytes]) -> B256 {
    let roots: Vec<B256> = transactions
        .iter()
        .map(|tx| byte_list_root(tx, MAX_BYTES_PER_TRANSACTION))
        .collect();
    mix_in_length(
        &merkleize(&roots, MAX_TRANSACTIONS_PER_PAYLOAD),
        transactions.len(),
    )
}

/// A consensus-layer `Withdrawal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// `WithdrawalIndex`.
    pub index: u64,
    /// `ValidatorIndex`.
    pub validator_index: u64,
    /// `ExecutionAddress`.
    pub address: [u8; 20],
    /// `Gwei`.
    pub amount: u64,
}

impl Withdrawal {
    /// `hash_tree_root`.
    pub fn hash_tree_root(&self) -> B256 {
        merkleize(
            &[
                u64_root(self.index),
                u64_root(self.validator_index),
                bytes_root(&self.address),
                u64_root(self.amount),
            ],
            4,
        )
    }
}

/// `hash_tree_root(List[Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD])`.
pub fn withdrawals_root(withdrawals: &[Withdrawal], max_withdrawals: usize) -> B256 {
    let roots: Vec<B256> = withdrawals.iter().map(Withdrawal::hash_tree_root).collect();
    mix_in_length(&merkleize(&roots, max_withdrawals), withdrawals.len())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::b256;
    use courier_lightclient::ssz::{hash_pair, zero_hash};

    use super::*;

    #[test]
    fn empty_lists_have_the_known_roots() {
        // An empty list's root is the zero tree of its limit with length 0 mixed in: the values
        // beacon nodes serve in the execution payload headers of blocks without transactions or
        // withdrawals (mainnet limits).
        assert_eq!(
            transactions_root(&[]),
            b256!("7ffe241ea60187fdb0187bfa22de35d1f9bed7ab061d9401fd47e34a54fbede1")
        );
        assert_eq!(
            withdrawals_root(&[], 16),
            b256!("792930bbd5baac43bcc798ee49aa8185ef76bb3b44ba62b91d86ae569e4bb535")
        );
        assert_eq!(
            withdrawals_root(&[], 4),
            hash_pair(&zero_hash(2), &B256::ZERO)
        );
    }

    #[test]
    fn one_transaction() {
        let tx = Bytes::from(vec![0x02; 40]);
        let root = transactions_root(std::slice::from_ref(&tx));
        let leaf = byte_list_root(&tx, MAX_BYTES_PER_TRANSACTION);
        let mut length = B256::ZERO;
        length[0] = 1;
        assert_eq!(
            root,
            hash_pair(
                &courier_lightclient::merkle::branch_root(
                    &leaf,
                    &(0..20).map(zero_hash).collect::<Vec<_>>(),
                    0
                ),
                &length
            )
        );
    }
}
