//! The validator's signing record: the guard against equivocation.
//!
//! A validator that signs two roots for one index of one Mailbox is slashed, and a restart, a
//! reorg or a second process must not make it do so. So every checkpoint is recorded with
//! [`Store::record_signed`] *before* its signature is published, and the record refuses what
//! would contradict it: another root for an index already signed, or an index below the highest
//! one signed that was never signed itself (the validator only moves forward). Every (index,
//! root) signed is kept; it is one small row per checkpoint.
//!
//! When the origin chain contradicts what was signed (a deep reorg below a signed checkpoint),
//! the validator halts signing for that origin ([`Store::halt`]); the record then refuses every
//! checkpoint of the origin until an operator clears it ([`Store::clear_halt`]).

use alloy_primitives::B256;
use courier_core::Checkpoint;

use super::Store;
use crate::{
    error::{Error, Result},
    sqlite,
    types::{Halt, SignOutcome, SignedIndex},
};

impl Store {
    /// Records that `checkpoint` is about to be signed and published. Call it first, and publish
    /// only on `Ok`.
    ///
    /// - [`SignOutcome::Recorded`]: a new index above every one signed before;
    /// - [`SignOutcome::AlreadySigned`]: this exact checkpoint was recorded before (publishing it
    ///   again is safe);
    /// - [`Error::Equivocation`]: another root was signed for this index;
    /// - [`Error::BelowHighestSigned`]: a higher index is signed and this one never was;
    /// - [`Error::Halted`]: signing for the origin is halted.
    pub fn record_signed(&self, checkpoint: &Checkpoint, at_ms: u64) -> Result<SignOutcome> {
        let outcomes = self.record_signed_many(std::slice::from_ref(checkpoint), at_ms)?;
        Ok(outcomes
            .first()
            .copied()
            .unwrap_or(SignOutcome::AlreadySigned))
    }

    /// [`Store::record_signed`] for several checkpoints, in order, in one database transaction
    /// (one commit for a whole tick's worth of indices): all are recorded, or — on the first
    /// refusal — none, and that refusal is returned.
    pub fn record_signed_many(
        &self,
        checkpoints: &[Checkpoint],
        at_ms: u64,
    ) -> Result<Vec<SignOutcome>> {
        let (Some(first), Some(last)) = (checkpoints.first(), checkpoints.last()) else {
            return Ok(Vec::new());
        };
        self.db().write(
            || {
                format!(
                    "recording the checkpoints of origin {} mailbox {} indices {}..={}",
                    first.origin, first.origin_mailbox, first.index, last.index
                )
            },
            |c| {
                checkpoints
                    .iter()
                    .map(|checkpoint| record_one(c, checkpoint, at_ms))
                    .collect()
            },
        )
    }

    /// What was signed for `index` of `mailbox` on `origin`.
    pub fn signed(&self, origin: u64, mailbox: B256, index: u32) -> Result<Option<SignedIndex>> {
        self.db().read(
            || {
                format!(
                    "reading what was signed for origin {origin} mailbox {mailbox} index {index}"
                )
            },
            |c| sqlite::signed_at(c, origin, mailbox, index),
        )
    }

    /// The highest index signed for `mailbox` on `origin`, with its root: where the validator
    /// resumes after a restart.
    pub fn highest_signed(&self, origin: u64, mailbox: B256) -> Result<Option<SignedIndex>> {
        self.db().read(
            || format!("reading the highest index signed for origin {origin} mailbox {mailbox}"),
            |c| sqlite::highest_signed(c, origin, mailbox),
        )
    }

    /// Halts signing for `origin`: [`Store::record_signed`] refuses its checkpoints until
    /// [`Store::clear_halt`]. Returns false when it already was halted (the first reason is
    /// kept: it is the one that explains the rest).
    pub fn halt(&self, origin: u64, reason: &str, at_ms: u64) -> Result<bool> {
        self.db().write(
            || format!("halting signing for origin {origin}"),
            |c| sqlite::insert_halt(c, origin, reason, at_ms),
        )
    }

    /// Why and since when signing for `origin` is halted, if it is.
    pub fn halted(&self, origin: u64) -> Result<Option<Halt>> {
        self.db().read(
            || format!("reading whether signing for origin {origin} is halted"),
            |c| sqlite::halt(c, origin),
        )
    }

    /// Lets the validator sign for `origin` again (an operator's decision). Returns false when
    /// it was not halted.
    pub fn clear_halt(&self, origin: u64) -> Result<bool> {
        self.db().write(
            || format!("clearing the halt of origin {origin}"),
            |c| sqlite::delete_halt(c, origin),
        )
    }
}

/// One checkpoint of [`Store::record_signed_many`], inside its transaction.
fn record_one(c: &sqlite::Conn, checkpoint: &Checkpoint, at_ms: u64) -> Result<SignOutcome> {
    let Checkpoint {
        origin,
        origin_mailbox: mailbox,
        root,
        index,
        message_id,
    } = *checkpoint;
    if let Some(halt) = sqlite::halt(c, origin)? {
        return Err(Error::Halted {
            origin,
            reason: halt.reason,
            since_ms: halt.since_ms,
        });
    }
    if let Some(signed) = sqlite::signed_at(c, origin, mailbox, index)? {
        if signed.root != root {
            return Err(Error::Equivocation {
                origin,
                mailbox,
                index,
                signed: signed.root,
                attempted: root,
            });
        }
        if signed.message_id != message_id {
            // One root has one leaf at each index: a different message id under the same root is
            // a bug upstream, never something to sign.
            return Err(Error::InvalidInput {
                what: format!(
                    "origin {origin} mailbox {mailbox} index {index} root {root} was signed with \
                     message id {}, refusing message id {message_id}",
                    signed.message_id
                ),
            });
        }
        return Ok(SignOutcome::AlreadySigned);
    }
    if let Some(highest) = sqlite::highest_signed(c, origin, mailbox)?
        && highest.index > index
    {
        return Err(Error::BelowHighestSigned {
            origin,
            mailbox,
            index,
            highest: highest.index,
        });
    }
    sqlite::insert_signed(c, checkpoint, at_ms)?;
    Ok(SignOutcome::Recorded)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::tests::{hash, store};

    fn checkpoint(index: u32, fork: u8) -> Checkpoint {
        Checkpoint {
            origin: 1,
            origin_mailbox: hash(0, 0, 0xbb),
            root: hash(1, u64::from(index), fork),
            index,
            message_id: hash(1, u64::from(index), 0x1d),
        }
    }

    #[test]
    fn signing_moves_forward_and_is_idempotent() {
        let (_dir, store) = store();
        let cp = checkpoint(5, 0);
        assert_eq!(store.highest_signed(1, cp.origin_mailbox).unwrap(), None);
        assert_eq!(
            store.record_signed(&cp, 1_000).unwrap(),
            SignOutcome::Recorded
        );
        assert_eq!(
            store.record_signed(&cp, 2_000).unwrap(),
            SignOutcome::AlreadySigned
        );
        assert_eq!(
            store.record_signed(&checkpoint(9, 0), 3_000).unwrap(),
            SignOutcome::Recorded
        );

        let highest = store.highest_signed(1, cp.origin_mailbox).unwrap().unwrap();
        assert_eq!((highest.index, highest.root), (9, checkpoint(9, 0).root));
        let at5 = store.signed(1, cp.origin_mailbox, 5).unwrap().unwrap();
        assert_eq!(
            at5,
            SignedIndex {
                index: 5,
                root: cp.root,
                message_id: cp.message_id,
                signed_at_ms: 1_000
            }
        );
        assert_eq!(store.signed(1, cp.origin_mailbox, 6).unwrap(), None);
        // Re-recording an older signed checkpoint with its own root is fine.
        assert_eq!(
            store.record_signed(&cp, 4_000).unwrap(),
            SignOutcome::AlreadySigned
        );
    }

    #[test]
    fn a_batch_is_recorded_whole_or_not_at_all() {
        let (_dir, store) = store();
        let mailbox = checkpoint(0, 0).origin_mailbox;
        let batch: Vec<_> = (0..4).map(|i| checkpoint(i, 0)).collect();
        assert_eq!(
            store.record_signed_many(&batch, 1).unwrap(),
            vec![SignOutcome::Recorded; 4]
        );
        assert_eq!(store.highest_signed(1, mailbox).unwrap().unwrap().index, 3);
        // 3 again (same root), then 4 and 5, but 5 comes after a conflicting 2: nothing of it sticks.
        let bad = [
            checkpoint(3, 0),
            checkpoint(4, 0),
            checkpoint(2, 1),
            checkpoint(5, 0),
        ];
        let err = store.record_signed_many(&bad, 2).unwrap_err();
        assert!(
            matches!(err, Error::Equivocation { index: 2, .. }),
            "{err:?}"
        );
        assert_eq!(store.highest_signed(1, mailbox).unwrap().unwrap().index, 3);
        assert_eq!(store.signed(1, mailbox, 4).unwrap(), None);
        assert_eq!(
            store
                .record_signed_many(&[checkpoint(3, 0), checkpoint(4, 0)], 3)
                .unwrap(),
            vec![SignOutcome::AlreadySigned, SignOutcome::Recorded]
        );
        assert!(store.record_signed_many(&[], 4).unwrap().is_empty());
    }

    #[test]
    fn another_root_for_a_signed_index_is_equivocation() {
        let (_dir, store) = store();
        store.record_signed(&checkpoint(5, 0), 1).unwrap();
        store.record_signed(&checkpoint(9, 0), 1).unwrap();
        for index in [5, 9] {
            let err = store.record_signed(&checkpoint(index, 1), 2).unwrap_err();
            let Error::Equivocation {
                origin: 1,
                index: i,
                signed,
                attempted,
                ..
            } = err
            else {
                panic!("{err:?}");
            };
            assert_eq!(
                (i, signed, attempted),
                (index, checkpoint(index, 0).root, checkpoint(index, 1).root)
            );
        }
        // Nothing was recorded by the refusals.
        let at9 = store
            .signed(1, checkpoint(9, 0).origin_mailbox, 9)
            .unwrap()
            .unwrap();
        assert_eq!(at9.root, checkpoint(9, 0).root);
    }

    #[test]
    fn an_unsigned_index_below_the_highest_is_refused() {
        let (_dir, store) = store();
        store.record_signed(&checkpoint(9, 0), 1).unwrap();
        let err = store.record_signed(&checkpoint(7, 0), 2).unwrap_err();
        assert!(
            matches!(
                err,
                Error::BelowHighestSigned {
                    index: 7,
                    highest: 9,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            store.signed(1, checkpoint(7, 0).origin_mailbox, 7).unwrap(),
            None
        );
    }

    #[test]
    fn another_message_id_under_a_signed_root_is_refused() {
        let (_dir, store) = store();
        store.record_signed(&checkpoint(5, 0), 1).unwrap();
        let mut other = checkpoint(5, 0);
        other.message_id = hash(9, 9, 9);
        let err = store.record_signed(&other, 2).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }

    #[test]
    fn mailboxes_and_origins_are_separate() {
        let (_dir, store) = store();
        store.record_signed(&checkpoint(9, 0), 1).unwrap();
        let mut other_mailbox = checkpoint(3, 1);
        other_mailbox.origin_mailbox = hash(0, 0, 0xcc);
        assert_eq!(
            store.record_signed(&other_mailbox, 2).unwrap(),
            SignOutcome::Recorded
        );
        let mut other_origin = checkpoint(9, 1);
        other_origin.origin = 7;
        assert_eq!(
            store.record_signed(&other_origin, 2).unwrap(),
            SignOutcome::Recorded
        );
    }

    #[test]
    fn a_halted_origin_signs_nothing_until_cleared() {
        let (_dir, store) = store();
        store.record_signed(&checkpoint(1, 0), 1).unwrap();
        assert_eq!(store.halted(1).unwrap(), None);
        assert!(
            store
                .halt(1, "block 40 reorged below signed index 1", 5_000)
                .unwrap()
        );
        assert!(!store.halt(1, "a later reason", 6_000).unwrap());
        let halt = store.halted(1).unwrap().unwrap();
        assert_eq!(
            halt,
            Halt {
                reason: "block 40 reorged below signed index 1".to_owned(),
                since_ms: 5_000
            }
        );
        assert_eq!(store.halted(2).unwrap(), None);

        let err = store.record_signed(&checkpoint(2, 0), 7_000).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Halted {
                    origin: 1,
                    since_ms: 5_000,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("reorged below signed index 1"),
            "{err}"
        );
        // Another origin is not halted.
        let mut elsewhere = checkpoint(2, 0);
        elsewhere.origin = 2;
        store.record_signed(&elsewhere, 7_000).unwrap();

        assert!(store.clear_halt(1).unwrap());
        assert!(!store.clear_halt(1).unwrap());
        assert_eq!(
            store.record_signed(&checkpoint(2, 0), 8_000).unwrap(),
            SignOutcome::Recorded
        );
    }
}
