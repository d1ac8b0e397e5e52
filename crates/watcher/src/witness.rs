//! One endpoint's view of an origin Mailbox's tree, and the verdict on a claim from all of them.

use alloy_primitives::B256;
use courier_chain::OriginMailbox;
use courier_core::MerkleTree;

use crate::Error;

/// One RPC endpoint's view of an origin Mailbox: the tree of its final dispatches.
#[derive(Debug)]
pub struct OriginWitness<O> {
    name: String,
    origin: O,
    tree: MerkleTree,
    next_block: u64,
}

impl<O: OriginMailbox> OriginWitness<O> {
    /// A witness reading `origin` (named `name` in verdicts and logs) from `start_block`, the
    /// Mailbox's deployment block.
    pub fn new(name: impl Into<String>, origin: O, start_block: u64) -> Self {
        Self {
            name: name.into(),
            origin,
            tree: MerkleTree::new(),
            next_block: start_block,
        }
    }

    /// The endpoint's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the dispatches of blocks that became final since the last call. Dispatches are
    /// appended in nonce order; a gap or a repeat (the endpoint contradicting itself) is an error.
    pub async fn sync(&mut self) -> Result<(), Error> {
        let finalized = self.origin.finalized().await?.number;
        if finalized < self.next_block {
            return Ok(());
        }
        let mut dispatched = self.origin.dispatches(self.next_block, finalized).await?;
        dispatched.sort_by_key(|d| d.message.nonce);
        for d in dispatched {
            if d.message.nonce != self.tree.len() {
                return Err(Error::Chain(courier_chain::Error::BadLog {
                    endpoint: self.name.clone(),
                    tx: d.tx_hash.to_string(),
                    reason: format!(
                        "dispatch with nonce {} where nonce {} was expected",
                        d.message.nonce,
                        self.tree.len()
                    ),
                }));
            }
            self.tree.push(d.id)?;
        }
        self.next_block = finalized + 1;
        Ok(())
    }

    /// The root after leaf `index`, if this endpoint has seen that many final messages.
    pub fn root_at(&self, index: u32) -> Option<B256> {
        self.tree.root_at(index.checked_add(1)?).ok()
    }

    /// The tree of final dispatches.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The endpoint.
    pub fn origin(&self) -> &O {
        &self.origin
    }

    /// The first block not read yet.
    pub fn next_block(&self) -> u64 {
        self.next_block
    }
}

/// What the origin says about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every endpoint that has the index agrees with the claimed root.
    True,
    /// Every endpoint that has the index agrees on another root: the claim is false.
    False {
        /// The origin's root at the index.
        truth: B256,
    },
    /// No endpoint has that index final yet.
    Unknown,
    /// Endpoints answer differently: an alarm; the claim is neither passed nor vetoed on this.
    Disagreement {
        /// Each endpoint's answer (`None`: not final there yet).
        answers: Vec<(String, Option<B256>)>,
    },
}

/// Judges the claim "`root` is the origin's root at `index`" against every witness.
pub fn judge<O: OriginMailbox>(witnesses: &[OriginWitness<O>], root: B256, index: u32) -> Verdict {
    let answers: Vec<(String, Option<B256>)> = witnesses
        .iter()
        .map(|w| (w.name().to_owned(), w.root_at(index)))
        .collect();
    let known: Vec<B256> = answers.iter().filter_map(|(_, r)| *r).collect();
    let Some(first) = known.first().copied() else {
        return Verdict::Unknown;
    };
    if known.iter().any(|r| *r != first) {
        return Verdict::Disagreement { answers };
    }
    if first == root {
        Verdict::True
    } else {
        Verdict::False { truth: first }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use courier_chain::fake::FakeOrigin;

    use super::*;

    const DEST: u64 = 2;

    fn origin_with(n: usize, salt: u8) -> FakeOrigin {
        let origin = FakeOrigin::new(1, B256::repeat_byte(0xaa));
        let bodies: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8, salt]).collect();
        let refs: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
        let block = origin.mine(&refs, DEST);
        origin.finalize(block);
        origin
    }

    #[tokio::test]
    async fn a_claim_is_judged_by_every_endpoint() {
        let honest = origin_with(4, 0);
        let mut a = OriginWitness::new("a", honest.clone(), 0);
        let mut b = OriginWitness::new("b", honest.clone(), 0);
        a.sync().await.unwrap();
        b.sync().await.unwrap();
        let truth = a.root_at(2).unwrap();
        let both = [a, b];
        assert_eq!(judge(&both, truth, 2), Verdict::True);
        assert_eq!(
            judge(&both, B256::repeat_byte(1), 2),
            Verdict::False { truth }
        );
        // Index 4 is not dispatched (only 0..=3): unknown, not false, not true.
        assert_eq!(judge(&both, truth, 4), Verdict::Unknown);
    }

    #[tokio::test]
    async fn endpoints_that_disagree_are_an_alarm_not_a_pass() {
        let honest = origin_with(4, 0);
        let lying = origin_with(4, 9);
        let mut a = OriginWitness::new("honest", honest, 0);
        let mut b = OriginWitness::new("lying", lying, 0);
        a.sync().await.unwrap();
        b.sync().await.unwrap();
        let claimed = b.root_at(3).unwrap();
        let verdict = judge(&[a, b], claimed, 3);
        let Verdict::Disagreement { answers } = verdict else {
            panic!("{verdict:?}")
        };
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[1], ("lying".to_owned(), Some(claimed)));
    }

    #[tokio::test]
    async fn only_final_dispatches_count() {
        let origin = FakeOrigin::new(1, B256::repeat_byte(0xaa));
        let first = origin.mine(&[b"one"], DEST);
        origin.finalize(first);
        origin.mine(&[b"two"], DEST); // not final
        let mut w = OriginWitness::new("a", origin.clone(), 0);
        w.sync().await.unwrap();
        assert!(w.root_at(0).is_some());
        assert!(w.root_at(1).is_none());
        let second = origin.mine(&[b"three"], DEST);
        origin.finalize(second);
        w.sync().await.unwrap();
        assert!(w.root_at(2).is_some());
        assert_eq!(w.tree().len(), 3);
    }
}
