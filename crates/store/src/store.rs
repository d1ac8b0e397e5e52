//! [`Store`], the handle agents share, and its configuration. Its methods live in one file per
//! agent concern (`indexer`, `messages`, `relayer`, `validator`); each is one short transaction
//! and holds the rules (what may change into what), while `sqlite` holds the SQL.

use std::{path::Path, sync::Arc, time::Duration};

use alloy_primitives::B256;

use crate::{
    error::{Error, Result},
    sqlite::{self, Conn, Db},
    types::{HistoryEntry, MessageState},
};

mod indexer;
mod messages;
mod relayer;
mod validator;

/// How a [`Store`] behaves; [`Default`] suits every agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// How many block hashes to keep per chain to find where a reorg forked (the highest ones
    /// recorded). Set it above the deepest reorg a chain's finality rule allows. At least 1.
    pub block_window: usize,
    /// How long a call waits for another process holding the database's write lock before it
    /// fails with a retryable [`Error::Busy`].
    pub busy_timeout: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            block_window: 128,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The agents' state in one SQLite file. Cheap to clone (clones share one connection); every
/// method is one short transaction, so async agents may call it directly or in `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    config: StoreConfig,
}

impl Store {
    /// Opens the store at `path` with the default configuration, creating the file if needed and
    /// migrating it to the current schema. Fails with [`Error::SchemaTooNew`] for a file written
    /// by a newer Courier.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, StoreConfig::default())
    }

    /// [`Store::open`] with a configuration.
    pub fn open_with(path: impl AsRef<Path>, config: StoreConfig) -> Result<Self> {
        let path = path.as_ref();
        check_config(&config)?;
        let db = Db::open(path, config.busy_timeout)?;
        Ok(Self {
            inner: Arc::new(Inner { db, config }),
        })
    }

    /// A private in-memory store, gone when the last clone is dropped: for tests of the agents.
    pub fn open_in_memory() -> Result<Self> {
        let config = StoreConfig::default();
        let db = Db::open_in_memory()?;
        Ok(Self {
            inner: Arc::new(Inner { db, config }),
        })
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        self.inner.db.path()
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// The schema version this build writes; a file at a higher version is refused.
    pub const SCHEMA_VERSION: u32 = sqlite::SCHEMA_VERSION;

    fn db(&self) -> &Db {
        &self.inner.db
    }
}

fn check_config(config: &StoreConfig) -> Result<()> {
    if config.block_window == 0 {
        return Err(Error::InvalidInput {
            what: "store configuration: block_window must be at least 1".to_owned(),
        });
    }
    Ok(())
}

/// The error for a refused message state change: the message is missing, or in a state that
/// cannot become `to`.
fn refused(c: &Conn, id: B256, to: MessageState) -> Error {
    match sqlite::message_state(c, id) {
        Ok(Some((from, _))) => Error::InvalidTransition { id, from, to },
        Ok(None) => Error::MessageNotFound { id },
        Err(e) => e,
    }
}

/// A history entry.
fn entry(
    state: MessageState,
    at_ms: u64,
    block: Option<u64>,
    tx: Option<B256>,
    detail: String,
) -> HistoryEntry {
    HistoryEntry {
        state,
        at_ms,
        block,
        tx,
        detail,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    //! Fixtures shared by the unit tests of every concern, and the tests of opening.

    use alloy_primitives::{Address, address, keccak256};
    use courier_core::Message;

    use super::*;
    use crate::types::{BlockNumHash, Dispatch, IndexedRange};

    /// A store in a fresh temporary file (kept alive by the returned guard).
    pub(crate) fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("courier.db")).unwrap();
        (dir, store)
    }

    /// A deterministic block hash, different per chain and number (and `fork`).
    pub(crate) fn hash(chain: u64, number: u64, fork: u8) -> B256 {
        keccak256([&chain.to_be_bytes()[..], &number.to_be_bytes(), &[fork]].concat())
    }

    pub(crate) fn block(chain: u64, number: u64) -> BlockNumHash {
        BlockNumHash::new(number, hash(chain, number, 0))
    }

    pub(crate) const SENDER: Address = address!("0x1111111111111111111111111111111111111111");
    pub(crate) const RECIPIENT: Address = address!("0x2222222222222222222222222222222222222222");

    /// Message `nonce` from `origin` to `destination`, dispatched in block `number`.
    pub(crate) fn dispatch(origin: u64, destination: u64, nonce: u32, number: u64) -> Dispatch {
        Dispatch {
            message: Message::new(
                nonce,
                origin,
                SENDER,
                destination,
                RECIPIENT,
                vec![nonce as u8],
            ),
            block: block(origin, number),
            tx_hash: hash(origin, number, 0xaa),
            log_index: u64::from(nonce),
            dispatched_at_ms: number * 1000,
        }
    }

    /// Indexes `dispatches` of chain `chain` by indexer "relayer", moving its cursor to `to`.
    pub(crate) fn index(store: &Store, chain: u64, to: u64, dispatches: Vec<Dispatch>) {
        store
            .record_indexed(&IndexedRange {
                chain,
                indexer: "relayer".to_owned(),
                to: block(chain, to),
                blocks: Vec::new(),
                dispatches,
                at_ms: to * 1000,
            })
            .unwrap();
    }

    /// Indexes message `nonce` of chain 1 to chain 2 in block `10 + nonce` and makes it
    /// finalized (queued); returns its id.
    pub(crate) fn queued(store: &Store, nonce: u32) -> B256 {
        let d = dispatch(1, 2, nonce, 10 + u64::from(nonce));
        let id = d.message.id();
        let number = d.block.number;
        let to = store
            .cursor(1, "relayer")
            .unwrap()
            .map_or(number, |c| c.number.max(number));
        index(store, 1, to, vec![d]);
        store.mark_finalized(1, number, number * 1000).unwrap();
        id
    }

    #[test]
    fn reopening_keeps_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("courier.db");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        assert_eq!(store.path(), path);
        assert_eq!(Store::SCHEMA_VERSION, 1);
    }

    #[test]
    fn a_schema_from_the_future_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("courier.db");
        drop(Store::open(&path).unwrap());
        sqlite::testing::set_user_version(&path, Store::SCHEMA_VERSION + 1).unwrap();

        let err = Store::open(&path).unwrap_err();
        assert!(
            matches!(
                err,
                Error::SchemaTooNew {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("courier.db") && text.contains("newer"),
            "{text}"
        );
    }

    #[test]
    fn a_zero_block_window_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            block_window: 0,
            ..StoreConfig::default()
        };
        let err = Store::open_with(dir.path().join("courier.db"), config).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }

    #[test]
    fn an_unopenable_path_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("courier.db");
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("missing-dir"), "{err}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn the_store_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Store>();
    }

    #[test]
    fn in_memory_store_works() {
        let store = Store::open_in_memory().unwrap();
        let id = queued(&store, 0);
        assert_eq!(
            store.message(id).unwrap().unwrap().state,
            MessageState::Finalized
        );
    }
}
