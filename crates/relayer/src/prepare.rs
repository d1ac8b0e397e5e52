//! Prepare: decide whether a group of messages (one origin, ascending nonces, one committee verifier)
//! can be proven yet, and build the cheapest proof that works.
//!
//! - Validators sign every index, so a quorum exists for every index up to the k-th highest index
//!   the committee's members have published.
//! - A lone message uses mode `0x01` (signatures over its own index, no inclusion proof) when a
//!   quorum signed that index.
//! - Otherwise mode `0x00` against the quorum root when the verifier already accepted it, else mode
//!   `0x02` (accept the root and prove all messages with one multiproof).
//!
//! For a light-client verifier ([`prepare_storage_proof`]) the root is the origin Mailbox's
//! `committedRoot` in the newest origin block the destination's light client holds: mode `0x03`
//! (storage proofs of that slot against the block's state root, then a multiproof) the first
//! time, mode `0x00` once the verifier has accepted the root.

use alloy_primitives::{Address, B256};
use courier_chain::{
    CheckpointStore, DestinationMailbox, OptimisticClaim, evm::CommittedRootProof,
};
use courier_core::{Checkpoint, Committee, MerkleTree, Message, SignedCheckpoint, VerifierProof};
use futures::future::join_all;
use tracing::warn;

/// A message the pipeline wants delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The decoded message.
    pub message: Message,
    /// Its encoding.
    pub encoded: Vec<u8>,
    /// Its id.
    pub id: B256,
}

/// What prepare decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// A proof for the messages at these positions of the input (a prefix, in order).
    Ready {
        /// The encoded proof.
        proof: Vec<u8>,
        /// The proof mode (0x00, 0x01 or 0x02).
        mode: u8,
        /// How many of the input messages (from the start) the proof covers.
        covered: usize,
        /// The checkpoint index the proof rests on.
        checkpoint_index: u32,
    },
    /// Nothing can be proven yet; why (for the message's history and logs).
    Wait(String),
}

/// Errors of prepare.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// Reading checkpoints or the destination failed.
    #[error(transparent)]
    Chain(#[from] courier_chain::Error),
    /// The proof could not be built from what was found.
    #[error(transparent)]
    Core(#[from] courier_core::Error),
}

/// Builds a proof for as many of `messages` (one origin, strictly ascending nonces) as the
/// committee's published signatures allow.
pub async fn prepare<C, D>(
    checkpoints: &C,
    destination: &D,
    verifier: Address,
    committee: &Committee,
    origin: u64,
    tree: &MerkleTree,
    messages: &[Pending],
) -> Result<Prepared, PrepareError>
where
    C: CheckpointStore + ?Sized,
    D: DestinationMailbox + ?Sized,
{
    let Some(first) = messages.first() else {
        return Ok(Prepared::Wait("no messages".into()));
    };
    let validators = committee.validators();
    let k = usize::from(committee.threshold());

    // The highest index a quorum has signed: the k-th highest `latest` among members.
    let latest = join_all(validators.iter().map(|v| checkpoints.latest(origin, *v))).await;
    let mut indices: Vec<u32> = readable(latest, origin)
        .iter()
        .map(|s| s.checkpoint.index)
        .collect();
    indices.sort_unstable_by(|a, b| b.cmp(a));
    let Some(&quorum) = indices.get(k - 1) else {
        return Ok(Prepared::Wait(format!(
            "{} of {} validators have published checkpoints for origin {origin}; {k} needed",
            indices.len(),
            validators.len()
        )));
    };
    let Some(known) = tree.len().checked_sub(1) else {
        return Ok(Prepared::Wait(format!(
            "the relayer has indexed no message of origin {origin} yet"
        )));
    };
    let index = quorum.min(known);
    let covered = messages
        .iter()
        .take_while(|p| p.message.nonce <= index)
        .count();
    if covered == 0 {
        return Ok(Prepared::Wait(format!(
            "a quorum signed up to index {quorum}, indexed up to {known}; message nonce is {}",
            first.message.nonce
        )));
    }

    // A lone message: signatures over its own index, if a quorum published them.
    if covered == 1 {
        let nonce = first.message.nonce;
        let checkpoint = checkpoint_of(committee, origin, tree, nonce)?;
        let signed = collect(checkpoints, origin, validators, nonce).await;
        if let Ok(proof) =
            VerifierProof::signed_message(committee, &checkpoint, &signed, &first.message)
        {
            return Ok(Prepared::Ready {
                proof: proof.encode()?,
                mode: proof.mode(),
                covered,
                checkpoint_index: nonce,
            });
        }
    }

    let nonces: Vec<u32> = messages[..covered]
        .iter()
        .map(|p| p.message.nonce)
        .collect();
    let root = tree.root_at(index + 1)?;
    let proof = if destination.root_accepted(verifier, origin, root).await? {
        VerifierProof::cached_root(tree, index + 1, &nonces)?
    } else {
        let checkpoint = checkpoint_of(committee, origin, tree, index)?;
        let signed = collect(checkpoints, origin, validators, index).await;
        match VerifierProof::signed_root(committee, &checkpoint, &signed, tree, &nonces) {
            Ok(proof) => proof,
            Err(courier_core::Error::NotEnoughSignatures { found, needed }) => {
                return Ok(Prepared::Wait(format!(
                    "only {found} of the {needed} signatures needed over checkpoint {index} (root {root}) match this relayer's tree"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(Prepared::Ready {
        proof: proof.encode()?,
        mode: proof.mode(),
        covered,
        checkpoint_index: index,
    })
}

/// Builds a proof for as many of `messages` as the root in `committed` covers: `committed` is the
/// origin Mailbox's `committedRoot` with its storage proofs at the newest origin block the
/// light client behind `verifier` holds. The root must be one of `tree`'s (the relayer's own
/// reading of the origin), else nothing is proven.
pub async fn prepare_storage_proof<D>(
    destination: &D,
    verifier: Address,
    origin: u64,
    tree: &MerkleTree,
    committed: &CommittedRootProof,
    messages: &[Pending],
) -> Result<Prepared, PrepareError>
where
    D: DestinationMailbox + ?Sized,
{
    let Some(first) = messages.first() else {
        return Ok(Prepared::Wait("no messages".into()));
    };
    let block = committed.block_number;
    if committed.root == B256::ZERO {
        return Ok(Prepared::Wait(format!(
            "no root was committed on origin {origin} by block {block}, the newest its light client holds"
        )));
    }
    let Some(count) = count_of_root(tree, committed.root, first.message.nonce) else {
        return Ok(Prepared::Wait(format!(
            "the root committed on origin {origin} at block {block} ({}) covers no message from nonce {} of the relayer's tree ({} messages indexed)",
            committed.root,
            first.message.nonce,
            tree.len()
        )));
    };
    let covered = messages
        .iter()
        .take_while(|p| p.message.nonce < count)
        .count();
    let nonces: Vec<u32> = messages[..covered]
        .iter()
        .map(|p| p.message.nonce)
        .collect();
    let proof = if destination
        .root_accepted(verifier, origin, committed.root)
        .await?
    {
        VerifierProof::cached_root(tree, count, &nonces)?
    } else {
        VerifierProof::StorageProof {
            root: committed.root,
            block_number: block,
            account_proof: committed.account_proof.iter().map(|n| n.to_vec()).collect(),
            storage_proof: committed.storage_proof.iter().map(|n| n.to_vec()).collect(),
            multiproof: tree.multiproof_at(count, &nonces)?,
        }
    };
    Ok(Prepared::Ready {
        proof: proof.encode()?,
        mode: proof.mode(),
        covered,
        checkpoint_index: count - 1,
    })
}

/// Builds a proof for as many of `messages` as the best usable claim in `claims` covers: claims
/// on the optimistic `verifier` for `origin` whose dispute window has passed at `now` (the
/// destination's newest block time) without a veto, and whose root is the relayer's own tree's
/// root at the claimed index (a claim that is not is the watchers' business, never proven here).
/// Mode `0x04` accepts the root in the same transaction; `0x00` once it is accepted.
pub async fn prepare_claimed_root<D>(
    destination: &D,
    verifier: Address,
    origin: u64,
    tree: &MerkleTree,
    claims: &[OptimisticClaim],
    now: u64,
    messages: &[Pending],
) -> Result<Prepared, PrepareError>
where
    D: DestinationMailbox + ?Sized,
{
    let Some(first) = messages.first() else {
        return Ok(Prepared::Wait("no messages".into()));
    };
    let nonce = first.message.nonce;
    let true_claims = claims.iter().filter(|c| {
        !c.vetoed
            && c.index >= nonce
            && tree
                .root_at(c.index.saturating_add(1))
                .is_ok_and(|r| r == c.root)
    });
    let Some(best) = true_claims
        .clone()
        .filter(|c| c.ready_at <= now)
        .max_by_key(|c| c.index)
    else {
        return Ok(Prepared::Wait(
            match true_claims.min_by_key(|c| c.ready_at) {
                Some(c) => format!(
                    "the claim of root {} (index {}) on verifier {verifier} matures at {} ({}s from now)",
                    c.root,
                    c.index,
                    c.ready_at,
                    c.ready_at.saturating_sub(now)
                ),
                None => format!(
                    "no claim on verifier {verifier} covers nonce {nonce} of origin {origin} with the relayer's tree"
                ),
            },
        ));
    };
    let count = best.index + 1;
    let covered = messages
        .iter()
        .take_while(|p| p.message.nonce < count)
        .count();
    let nonces: Vec<u32> = messages[..covered]
        .iter()
        .map(|p| p.message.nonce)
        .collect();
    let multiproof = tree.multiproof_at(count, &nonces)?;
    let proof = if destination
        .root_accepted(verifier, origin, best.root)
        .await?
    {
        VerifierProof::CachedRoot {
            root: best.root,
            multiproof,
        }
    } else {
        VerifierProof::ClaimedRoot {
            root: best.root,
            multiproof,
        }
    };
    Ok(Prepared::Ready {
        proof: proof.encode()?,
        mode: proof.mode(),
        covered,
        checkpoint_index: best.index,
    })
}

/// The number of leaves `n > after` for which `tree.root_at(n)` is `root`, newest first (the
/// committed root is usually recent).
fn count_of_root(tree: &MerkleTree, root: B256, after: u32) -> Option<u32> {
    (after + 1..=tree.len())
        .rev()
        .find(|&n| tree.root_at(n).is_ok_and(|r| r == root))
}

fn checkpoint_of(
    committee: &Committee,
    origin: u64,
    tree: &MerkleTree,
    index: u32,
) -> Result<Checkpoint, PrepareError> {
    Ok(Checkpoint {
        origin,
        origin_mailbox: committee.origin_mailbox(),
        root: tree.root_at(index + 1)?,
        index,
        message_id: tree.leaf(index).unwrap_or_default(),
    })
}

async fn collect<C: CheckpointStore + ?Sized>(
    checkpoints: &C,
    origin: u64,
    validators: &[Address],
    index: u32,
) -> Vec<SignedCheckpoint> {
    let found = join_all(
        validators
            .iter()
            .map(|v| checkpoints.get(origin, *v, index)),
    )
    .await;
    readable(found, origin)
}

/// The checkpoints that could be read. One validator's unreadable or forged file (its signature
/// does not match the folder it sits in, say) must not stop relaying for the others: it is logged
/// and left out, as if that validator had not signed.
fn readable(
    results: Vec<courier_chain::Result<Option<SignedCheckpoint>>>,
    origin: u64,
) -> Vec<SignedCheckpoint> {
    results
        .into_iter()
        .filter_map(|r| match r {
            Ok(found) => found,
            Err(e) => {
                warn!(origin, error = %e, "ignoring a checkpoint that cannot be trusted");
                None
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloy_primitives::keccak256;
    use courier_chain::fake::{FakeDestination, FakeOrigin, MemoryCheckpointStore};
    use courier_core::checkpoint::{signer_address, signing_key};
    use k256::ecdsa::SigningKey;

    use super::*;

    const ORIGIN: u64 = 10;
    const DEST: u64 = 20;

    struct World {
        dest: FakeDestination,
        store: MemoryCheckpointStore,
        keys: Vec<SigningKey>,
        committee: Committee,
        tree: MerkleTree,
        pending: Vec<Pending>,
    }

    fn world(messages: usize) -> World {
        let mailbox = B256::repeat_byte(0xaa);
        let origin = FakeOrigin::new(ORIGIN, mailbox);
        let bodies: Vec<Vec<u8>> = (0..messages).map(|i| vec![i as u8]).collect();
        let refs: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
        origin.mine(&refs, DEST);
        let mut keys: Vec<SigningKey> = (0..5u8)
            .map(|i| signing_key(&keccak256([i])).unwrap())
            .collect();
        keys.sort_by_key(signer_address);
        let committee =
            Committee::new(mailbox, 3, keys.iter().map(signer_address).collect()).unwrap();
        let dest =
            FakeDestination::new(DEST, Address::repeat_byte(0xcc), Address::repeat_byte(0xee));
        dest.set_committee(ORIGIN, committee.clone());
        let mut tree = MerkleTree::new();
        let mut pending = Vec::new();
        for m in origin.messages() {
            tree.push(m.id).unwrap();
            pending.push(Pending {
                message: m.message,
                encoded: m.encoded,
                id: m.id,
            });
        }
        World {
            dest,
            store: MemoryCheckpointStore::default(),
            keys,
            committee,
            tree,
            pending,
        }
    }

    impl World {
        /// Validator `v` signs every index up to `upto`.
        async fn sign(&self, v: usize, upto: u32) {
            for i in 0..=upto {
                let checkpoint = checkpoint_of(&self.committee, ORIGIN, &self.tree, i).unwrap();
                self.store
                    .publish(&checkpoint.sign(&self.keys[v]).unwrap())
                    .await
                    .unwrap();
            }
        }

        async fn prepare(&self, from: usize, to: usize) -> Prepared {
            prepare(
                &self.store,
                &self.dest,
                Address::repeat_byte(0xcc),
                &self.committee,
                ORIGIN,
                &self.tree,
                &self.pending[from..to],
            )
            .await
            .unwrap()
        }

        async fn deliver(&self, proof: &[u8], messages: &[Vec<u8>], nonce: u64) {
            let fees = self.dest.suggest_fees().await.unwrap();
            let tx = self
                .dest
                .sign_delivery(proof, messages, nonce, 1_000_000, fees)
                .await
                .unwrap();
            self.dest.broadcast(&tx).await.unwrap();
        }

        fn messages(&self, from: usize, covered: usize) -> Vec<Vec<u8>> {
            self.pending[from..from + covered]
                .iter()
                .map(|p| p.encoded.clone())
                .collect()
        }
    }

    #[tokio::test]
    async fn forged_checkpoints_count_for_nothing_and_block_no_one() {
        use courier_chain::folder::FolderCheckpointStore;
        let w = world(2);
        let dir = tempfile::tempdir().unwrap();
        let folder = FolderCheckpointStore::new(dir.path());
        // Three outsiders sign the true checkpoint: they are not the committee.
        for i in 0..3u8 {
            let outsider = signing_key(&keccak256([b'x', i])).unwrap();
            let cp = checkpoint_of(&w.committee, ORIGIN, &w.tree, 1).unwrap();
            folder.publish(&cp.sign(&outsider).unwrap()).await.unwrap();
        }
        // One member's folder holds a file an outsider signed (a tampered copy).
        let cp = checkpoint_of(&w.committee, ORIGIN, &w.tree, 1).unwrap();
        let forged = cp
            .sign(&signing_key(&keccak256(b"outsider")).unwrap())
            .unwrap();
        let member = signer_address(&w.keys[0]);
        let member_dir = dir
            .path()
            .join(ORIGIN.to_string())
            .join(format!("{member:#x}"));
        std::fs::create_dir_all(&member_dir).unwrap();
        std::fs::write(
            member_dir.join("latest.json"),
            serde_json::to_vec(&forged).unwrap(),
        )
        .unwrap();
        std::fs::write(
            member_dir.join("1.json"),
            serde_json::to_vec(&forged).unwrap(),
        )
        .unwrap();
        let prepare_now = || {
            prepare(
                &folder,
                &w.dest,
                Address::repeat_byte(0xcc),
                &w.committee,
                ORIGIN,
                &w.tree,
                &w.pending[..],
            )
        };
        assert!(matches!(prepare_now().await.unwrap(), Prepared::Wait(r) if r.contains("0 of 5")));
        // Three honest members sign: the forged file in member 0's folder does not get in the way.
        for v in 1..4 {
            for i in 0..=1 {
                let cp = checkpoint_of(&w.committee, ORIGIN, &w.tree, i).unwrap();
                folder.publish(&cp.sign(&w.keys[v]).unwrap()).await.unwrap();
            }
        }
        let Prepared::Ready { proof, covered, .. } = prepare_now().await.unwrap() else {
            panic!("not ready")
        };
        assert_eq!(covered, 2);
        w.dest.simulate(&proof, &w.messages(0, 2)).await.unwrap();
    }

    #[tokio::test]
    async fn waits_until_a_quorum_has_signed() {
        let w = world(3);
        assert!(matches!(w.prepare(0, 3).await, Prepared::Wait(r) if r.contains("0 of 5")));
        w.sign(0, 2).await;
        w.sign(1, 2).await;
        assert!(matches!(w.prepare(0, 3).await, Prepared::Wait(r) if r.contains("2 of 5")));
        w.sign(4, 2).await;
        assert!(matches!(
            w.prepare(0, 3).await,
            Prepared::Ready { covered: 3, .. }
        ));
    }

    #[tokio::test]
    async fn a_lone_message_uses_its_own_signed_checkpoint() {
        let w = world(3);
        for v in 0..3 {
            w.sign(v, 2).await;
        }
        let Prepared::Ready {
            proof,
            mode,
            covered,
            checkpoint_index,
        } = w.prepare(1, 2).await
        else {
            panic!("not ready")
        };
        assert_eq!((mode, covered, checkpoint_index), (0x01, 1, 1));
        w.dest.simulate(&proof, &w.messages(1, 1)).await.unwrap();
    }

    #[tokio::test]
    async fn a_batch_accepts_the_root_once_then_proves_against_the_cache() {
        let w = world(6);
        for v in [0, 2, 3] {
            w.sign(v, 5).await;
        }
        let Prepared::Ready {
            proof,
            mode,
            covered,
            ..
        } = w.prepare(0, 3).await
        else {
            panic!("not ready")
        };
        assert_eq!((mode, covered), (0x02, 3));
        w.deliver(&proof, &w.messages(0, 3), 0).await;
        let Prepared::Ready {
            proof,
            mode,
            covered,
            ..
        } = w.prepare(3, 6).await
        else {
            panic!("not ready")
        };
        assert_eq!((mode, covered), (0x00, 3));
        w.deliver(&proof, &w.messages(3, 3), 1).await;
        for p in &w.pending {
            assert_eq!(w.dest.times_delivered(p.id), 1);
        }
    }

    #[tokio::test]
    async fn proves_only_the_prefix_a_quorum_covers() {
        let w = world(5);
        w.sign(0, 4).await;
        w.sign(1, 2).await;
        w.sign(2, 3).await;
        // Latest indices 4, 3, 2: a quorum of three covers index 2.
        let Prepared::Ready {
            proof,
            covered,
            checkpoint_index,
            ..
        } = w.prepare(1, 5).await
        else {
            panic!("not ready")
        };
        assert_eq!((covered, checkpoint_index), (2, 2));
        w.dest.simulate(&proof, &w.messages(1, 2)).await.unwrap();
    }

    #[tokio::test]
    async fn signatures_over_another_tree_are_not_enough() {
        let mut w = world(3);
        for v in 0..3 {
            w.sign(v, 2).await;
        }
        // The relayer's view of the origin differs from what the validators signed.
        let mut other = MerkleTree::new();
        for p in &w.pending {
            other.push(keccak256(p.id)).unwrap();
        }
        w.tree = other;
        assert!(
            matches!(w.prepare(0, 3).await, Prepared::Wait(r) if r.contains("match this relayer's tree"))
        );
    }

    fn committed(w: &World, count: u32, block: u64) -> CommittedRootProof {
        CommittedRootProof {
            block_number: block,
            state_root: B256::repeat_byte(0x5a),
            root: if count == 0 {
                B256::ZERO
            } else {
                w.tree.root_at(count).unwrap()
            },
            account_proof: vec![vec![0xf8, 0x01].into()],
            storage_proof: vec![vec![0xe2, 0x02].into()],
        }
    }

    async fn prepare_lc(w: &World, committed: &CommittedRootProof, from: usize) -> Prepared {
        prepare_storage_proof(
            &w.dest,
            Address::repeat_byte(0xcc),
            ORIGIN,
            &w.tree,
            committed,
            &w.pending[from..],
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_storage_proof_covers_the_messages_under_the_committed_root() {
        let w = world(5);
        // The light client's block holds the root over the first 3 messages: nonces 1 and 2
        // are covered, 3 and 4 wait.
        let committed = committed(&w, 3, 77);
        let Prepared::Ready {
            proof,
            mode,
            covered,
            checkpoint_index,
        } = prepare_lc(&w, &committed, 1).await
        else {
            panic!("not ready")
        };
        assert_eq!((mode, covered, checkpoint_index), (0x03, 2, 2));
        let VerifierProof::StorageProof {
            root,
            block_number,
            account_proof,
            storage_proof,
            multiproof,
        } = VerifierProof::decode(&proof).unwrap()
        else {
            panic!("not a storage proof")
        };
        assert_eq!((root, block_number), (committed.root, 77));
        assert_eq!(account_proof, vec![vec![0xf8, 0x01]]);
        assert_eq!(storage_proof, vec![vec![0xe2, 0x02]]);
        assert_eq!(multiproof, w.tree.multiproof_at(3, &[1, 2]).unwrap());
    }

    #[tokio::test]
    async fn an_accepted_committed_root_is_proven_against_the_cache() {
        let w = world(4);
        let committed = committed(&w, 4, 9);
        w.dest.accept_root(ORIGIN, committed.root);
        let Prepared::Ready {
            proof,
            mode,
            covered,
            ..
        } = prepare_lc(&w, &committed, 0).await
        else {
            panic!("not ready")
        };
        assert_eq!((mode, covered), (0x00, 4));
        w.deliver(&proof, &w.messages(0, 4), 0).await;
        for p in &w.pending {
            assert_eq!(w.dest.times_delivered(p.id), 1);
        }
    }

    #[tokio::test]
    async fn nothing_is_proven_without_a_committed_root_that_covers_the_message() {
        let w = world(4);
        let none = committed(&w, 0, 5);
        assert!(
            matches!(prepare_lc(&w, &none, 0).await, Prepared::Wait(r) if r.contains("no root was committed on origin 10 by block 5"))
        );
        // The root over the first two messages is older than nonce 2.
        let old = committed(&w, 2, 6);
        assert!(
            matches!(prepare_lc(&w, &old, 2).await, Prepared::Wait(r) if r.contains("covers no message from nonce 2"))
        );
        // A root that is not the relayer's tree at all.
        let mut foreign = committed(&w, 4, 7);
        foreign.root = B256::repeat_byte(0x77);
        assert!(matches!(
            prepare_lc(&w, &foreign, 0).await,
            Prepared::Wait(_)
        ));
    }

    fn claim(w: &World, index: u32, ready_at: u64) -> OptimisticClaim {
        OptimisticClaim {
            root: w.tree.root_at(index + 1).unwrap(),
            index,
            proposer: Address::repeat_byte(0x9a),
            ready_at,
            vetoed: false,
            signature: Default::default(),
        }
    }

    async fn prepare_claims(
        w: &World,
        claims: &[OptimisticClaim],
        now: u64,
        from: usize,
    ) -> Prepared {
        prepare_claimed_root(
            &w.dest,
            Address::repeat_byte(0xcc),
            ORIGIN,
            &w.tree,
            claims,
            now,
            &w.pending[from..],
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_furthest_matured_true_claim_proves_what_it_covers() {
        let w = world(6);
        let mut false_claim = claim(&w, 5, 10);
        false_claim.root = B256::repeat_byte(0x66);
        let mut vetoed = claim(&w, 4, 10);
        vetoed.vetoed = true;
        let claims = [
            claim(&w, 1, 10),
            claim(&w, 3, 20),
            vetoed,
            false_claim,
            claim(&w, 5, 100),
        ];
        // At 50: index 3 is the furthest matured, true, unvetoed claim.
        let Prepared::Ready {
            proof,
            mode,
            covered,
            checkpoint_index,
        } = prepare_claims(&w, &claims, 50, 0).await
        else {
            panic!("not ready")
        };
        assert_eq!((mode, covered, checkpoint_index), (0x04, 4, 3));
        assert_eq!(
            VerifierProof::decode(&proof).unwrap(),
            VerifierProof::ClaimedRoot {
                root: w.tree.root_at(4).unwrap(),
                multiproof: w.tree.multiproof_at(4, &[0, 1, 2, 3]).unwrap(),
            }
        );
        // Once accepted, the same root is proven against the cache.
        w.dest.accept_root(ORIGIN, w.tree.root_at(4).unwrap());
        assert!(matches!(
            prepare_claims(&w, &claims, 50, 2).await,
            Prepared::Ready {
                mode: 0x00,
                covered: 2,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn unmatured_false_and_vetoed_claims_prove_nothing() {
        let w = world(3);
        assert!(
            matches!(prepare_claims(&w, &[claim(&w, 2, 100)], 40, 0).await, Prepared::Wait(r) if r.contains("matures at 100 (60s from now)"))
        );
        let mut vetoed = claim(&w, 2, 10);
        vetoed.vetoed = true;
        let mut false_claim = claim(&w, 2, 10);
        false_claim.root = B256::repeat_byte(0x66);
        assert!(
            matches!(prepare_claims(&w, &[vetoed, false_claim], 40, 0).await, Prepared::Wait(r) if r.contains("no claim on verifier"))
        );
        // A claim below the first message's nonce covers nothing of it.
        assert!(matches!(
            prepare_claims(&w, &[claim(&w, 0, 10)], 40, 1).await,
            Prepared::Wait(_)
        ));
    }
}
