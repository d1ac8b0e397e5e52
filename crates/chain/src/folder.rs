//! A [`CheckpointStore`] on a local directory: `<root>/<origin>/<validator>/<index>.json`, plus
//! `latest.json` per validator. Files are written to a temporary name and renamed, so a reader never
//! sees half a checkpoint. Everything read back is checked: the signature must recover to the
//! validator the path names, for the origin and index the path names.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use async_trait::async_trait;
use courier_core::SignedCheckpoint;

use crate::{CheckpointStore, Error, Result};

/// Signed checkpoints in a directory tree.
#[derive(Debug, Clone)]
pub struct FolderCheckpointStore {
    root: PathBuf,
}

impl FolderCheckpointStore {
    /// A store rooted at `root` (created on first publish).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, origin: u64, validator: Address) -> PathBuf {
        self.root
            .join(origin.to_string())
            .join(format!("{validator:#x}"))
    }

    async fn read(
        &self,
        path: PathBuf,
        origin: u64,
        validator: Address,
        index: Option<u32>,
    ) -> Result<Option<SignedCheckpoint>> {
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Io { path, source }),
        };
        let bad = |reason: String| Error::BadCheckpoint {
            path: path.clone(),
            reason,
        };
        let signed: SignedCheckpoint = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a signed checkpoint: {e}")))?;
        signed.verify().map_err(|e| bad(e.to_string()))?;
        if signed.signer != validator {
            return Err(bad(format!(
                "signed by {}, but stored under validator {validator}",
                signed.signer
            )));
        }
        if signed.checkpoint.origin != origin {
            return Err(bad(format!(
                "for origin {}, but stored under origin {origin}",
                signed.checkpoint.origin
            )));
        }
        if let Some(index) = index
            && signed.checkpoint.index != index
        {
            return Err(bad(format!(
                "for index {}, but stored as index {index}",
                signed.checkpoint.index
            )));
        }
        Ok(Some(signed))
    }
}

fn encode(signed: &SignedCheckpoint, dir: &Path) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(signed).map_err(|e| Error::BadCheckpoint {
        path: dir.to_owned(),
        reason: format!("cannot serialize: {e}"),
    })
}

async fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|source| Error::Io {
            path: tmp.clone(),
            source,
        })?;
    tokio::fs::rename(&tmp, path)
        .await
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
}

#[async_trait]
impl CheckpointStore for FolderCheckpointStore {
    async fn publish(&self, signed: &SignedCheckpoint) -> Result<()> {
        self.publish_many(std::slice::from_ref(signed)).await
    }

    /// Writes one file per checkpoint, then `latest.json` once per validator and origin, to the
    /// highest index of the batch unless a higher one is there. A `latest.json` that cannot be
    /// trusted (unparseable, or not this validator's) is replaced, not an obstacle: the files
    /// per index are the record, `latest.json` only a pointer to the newest.
    async fn publish_many(&self, batch: &[SignedCheckpoint]) -> Result<()> {
        let mut newest: Vec<(PathBuf, &SignedCheckpoint)> = Vec::new();
        for signed in batch {
            let dir = self.dir(signed.checkpoint.origin, signed.signer);
            match newest.iter_mut().find(|(d, _)| *d == dir) {
                Some((_, top)) => {
                    if signed.checkpoint.index >= top.checkpoint.index {
                        *top = signed;
                    }
                }
                None => {
                    tokio::fs::create_dir_all(&dir)
                        .await
                        .map_err(|source| Error::Io {
                            path: dir.clone(),
                            source,
                        })?;
                    newest.push((dir.clone(), signed));
                }
            }
            write_atomically(
                &dir.join(format!("{}.json", signed.checkpoint.index)),
                &encode(signed, &dir)?,
            )
            .await?;
        }
        for (dir, top) in newest {
            let current = match self.latest(top.checkpoint.origin, top.signer).await {
                Ok(current) => current,
                Err(Error::BadCheckpoint { path, reason }) => {
                    tracing::warn!(path = %path.display(), %reason, "replacing an untrustworthy latest.json");
                    None
                }
                Err(e) => return Err(e),
            };
            if current.is_none_or(|l| l.checkpoint.index <= top.checkpoint.index) {
                write_atomically(&dir.join("latest.json"), &encode(top, &dir)?).await?;
            }
        }
        Ok(())
    }

    async fn latest(&self, origin: u64, validator: Address) -> Result<Option<SignedCheckpoint>> {
        self.read(
            self.dir(origin, validator).join("latest.json"),
            origin,
            validator,
            None,
        )
        .await
    }

    async fn get(
        &self,
        origin: u64,
        validator: Address,
        index: u32,
    ) -> Result<Option<SignedCheckpoint>> {
        self.read(
            self.dir(origin, validator).join(format!("{index}.json")),
            origin,
            validator,
            Some(index),
        )
        .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use alloy::primitives::B256;
    use courier_core::{Checkpoint, checkpoint::signing_key};

    use super::*;

    fn signed(index: u32, key_byte: u8) -> SignedCheckpoint {
        let key = signing_key(&B256::repeat_byte(key_byte)).unwrap();
        Checkpoint {
            origin: 7,
            origin_mailbox: B256::repeat_byte(0xaa),
            root: B256::repeat_byte(index as u8 + 1),
            index,
            message_id: B256::repeat_byte(0x11),
        }
        .sign(&key)
        .unwrap()
    }

    #[tokio::test]
    async fn publish_then_read_back_and_latest_only_moves_forward() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderCheckpointStore::new(dir.path());
        let (a, b) = (signed(3, 1), signed(5, 1));
        store.publish(&b).await.unwrap();
        store.publish(&a).await.unwrap();
        assert_eq!(store.get(7, a.signer, 3).await.unwrap(), Some(a));
        assert_eq!(store.latest(7, a.signer).await.unwrap(), Some(b));
        assert_eq!(store.get(7, a.signer, 4).await.unwrap(), None);
        assert_eq!(store.latest(8, a.signer).await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_unreadable_latest_is_replaced_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderCheckpointStore::new(dir.path());
        let first = signed(3, 1);
        store.publish(&first).await.unwrap();
        let latest = store.dir(7, first.signer).join("latest.json");
        std::fs::write(&latest, b"{half a fi").unwrap();
        assert!(store.latest(7, first.signer).await.is_err());
        let batch = [signed(4, 1), signed(5, 1)];
        store.publish_many(&batch).await.unwrap();
        assert_eq!(store.latest(7, first.signer).await.unwrap(), Some(batch[1]));
        for s in &batch {
            let got = store.get(7, s.signer, s.checkpoint.index).await.unwrap();
            assert_eq!(got.as_ref(), Some(s));
        }
        // A batch below the latest leaves it alone.
        store.publish_many(&[signed(1, 1)]).await.unwrap();
        assert_eq!(
            store
                .latest(7, first.signer)
                .await
                .unwrap()
                .unwrap()
                .checkpoint
                .index,
            5
        );
    }

    #[tokio::test]
    async fn refuses_a_checkpoint_filed_under_another_validator_or_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderCheckpointStore::new(dir.path());
        let honest = signed(3, 1);
        let other = signed(3, 2);
        store.publish(&other).await.unwrap();
        // Copy validator 2's file into validator 1's folder, as a tampering publisher might.
        let from = store.dir(7, other.signer).join("3.json");
        let to_dir = store.dir(7, honest.signer);
        std::fs::create_dir_all(&to_dir).unwrap();
        std::fs::copy(&from, to_dir.join("3.json")).unwrap();
        std::fs::copy(&from, to_dir.join("4.json")).unwrap();
        let err = store.get(7, honest.signer, 3).await.unwrap_err();
        assert!(err.to_string().contains("stored under validator"), "{err}");
        let err = store.get(7, other.signer, 4).await.unwrap();
        assert_eq!(err, None);
        std::fs::write(to_dir.join("5.json"), b"{not json").unwrap();
        let err = store.get(7, honest.signer, 5).await.unwrap_err();
        assert!(err.to_string().contains("not a signed checkpoint"), "{err}");
        assert!(!err.is_retryable());
    }
}
