-- Indexer: where each indexer of each chain is, and the hashes of recent blocks of each chain
-- (shared by the indexers of a chain: they are facts about the chain) to find a reorg's fork.
CREATE TABLE cursors (
    chain        INTEGER NOT NULL,
    indexer      TEXT    NOT NULL,
    block_number INTEGER NOT NULL,
    block_hash   BLOB    NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (chain, indexer)
) WITHOUT ROWID;

CREATE TABLE blocks (
    chain  INTEGER NOT NULL,
    number INTEGER NOT NULL,
    hash   BLOB    NOT NULL,
    PRIMARY KEY (chain, number)
) WITHOUT ROWID;

-- Messages: the relayer's queue and the row `courier status` shows. `seq` is insertion order.
-- `submitted_tx` is set exactly while the state is 'submitted'.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY,
    id              BLOB    NOT NULL UNIQUE,
    origin          INTEGER NOT NULL,
    destination     INTEGER NOT NULL,
    nonce           INTEGER NOT NULL,
    sender          BLOB    NOT NULL,
    recipient       BLOB    NOT NULL,
    encoded         BLOB    NOT NULL,
    block_number    INTEGER NOT NULL,
    block_hash      BLOB    NOT NULL,
    tx_hash         BLOB    NOT NULL,
    log_index       INTEGER NOT NULL,
    dispatched_at   INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('dispatched', 'finalized', 'verifiable',
                        'submitted', 'delivered', 'failed', 'expired', 'reorged')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    submitted_tx    BLOB,
    delivered_tx    BLOB,
    delivered_block INTEGER,
    delivered_at    INTEGER,
    updated_at      INTEGER NOT NULL
);
-- The relayer's queue: only queued messages are in it, so it stays small however many
-- delivered messages accumulate. Its WHERE must match `due` and `next_due_at` word for word.
CREATE INDEX messages_due ON messages (destination, next_attempt_at, origin, nonce)
    WHERE state IN ('finalized', 'verifiable', 'failed');
CREATE INDEX messages_origin_block ON messages (origin, block_number);
CREATE INDEX messages_origin_nonce ON messages (origin, nonce);
CREATE INDEX messages_submitted_tx ON messages (submitted_tx) WHERE submitted_tx IS NOT NULL;
CREATE INDEX messages_route_state ON messages (origin, destination, state);

-- Every state change of every message, with time, block and transaction where known.
CREATE TABLE message_history (
    seq          INTEGER PRIMARY KEY,
    message_id   BLOB    NOT NULL REFERENCES messages (id),
    state        TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    block_number INTEGER,
    tx_hash      BLOB,
    detail       TEXT    NOT NULL
);
CREATE INDEX message_history_message ON message_history (message_id, seq);

-- Relayer transactions and the next nonce of each sending account.
CREATE TABLE relayer_nonces (
    chain      INTEGER NOT NULL,
    sender     BLOB    NOT NULL,
    next_nonce INTEGER NOT NULL,
    PRIMARY KEY (chain, sender)
) WITHOUT ROWID;

CREATE TABLE relayer_txs (
    hash                     BLOB    PRIMARY KEY,
    chain                    INTEGER NOT NULL,
    sender                   BLOB    NOT NULL,
    nonce                    INTEGER NOT NULL,
    state                    TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed',
                                 'replaced', 'dropped')),
    max_fee_per_gas          TEXT    NOT NULL,
    max_priority_fee_per_gas TEXT    NOT NULL,
    gas_limit                INTEGER NOT NULL,
    raw                      BLOB    NOT NULL,
    sent_at                  INTEGER NOT NULL,
    replaces                 BLOB,
    replaced_by              BLOB,
    block_number             INTEGER,
    detail                   TEXT,
    updated_at               INTEGER NOT NULL
);
CREATE INDEX relayer_txs_nonce ON relayer_txs (chain, sender, nonce);

CREATE TABLE relayer_tx_messages (
    tx_hash    BLOB    NOT NULL REFERENCES relayer_txs (hash),
    position   INTEGER NOT NULL,
    message_id BLOB    NOT NULL REFERENCES messages (id),
    PRIMARY KEY (tx_hash, position)
) WITHOUT ROWID;

-- Validator: every checkpoint signed, and the origins where signing is halted.
CREATE TABLE signed_checkpoints (
    origin     INTEGER NOT NULL,
    mailbox    BLOB    NOT NULL,
    idx        INTEGER NOT NULL,
    root       BLOB    NOT NULL,
    message_id BLOB    NOT NULL,
    signed_at  INTEGER NOT NULL,
    PRIMARY KEY (origin, mailbox, idx)
) WITHOUT ROWID;

CREATE TABLE signing_halts (
    origin INTEGER PRIMARY KEY,
    reason TEXT    NOT NULL,
    since  INTEGER NOT NULL
);
