-- Retention of the audit log: a prefix of the chain may be purged, and only together with a
-- signed checkpoint that says where the chain continues. SQLite dialect.
--
-- A checkpoint records the last purged row (its id and hash: the prev_hash of the first row
-- left), how many rows the purge removed, the cut-off time (rows older than it were purged), when
-- it was written and an HMAC-SHA256 signature over all of that (nimo_store::audit::retention).
-- The purge writes the checkpoint, deletes the rows it covers and appends its own audit row in
-- one transaction. Checkpoints, like audit rows, are never changed or removed.
CREATE TABLE audit_checkpoint (
    id INTEGER PRIMARY KEY NOT NULL,
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    purged INTEGER NOT NULL CHECK (purged > 0),
    purged_before TEXT NOT NULL,
    at TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- A checkpoint continues the chain: it covers more than the one before it, and names a row that
-- is still there with the hash it gives.
CREATE TRIGGER audit_checkpoint_follows_chain BEFORE INSERT ON audit_checkpoint
WHEN NEW.last_id <= (SELECT COALESCE(MAX(last_id), 0) FROM audit_checkpoint)
  OR NOT EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.last_id AND hash = NEW.last_hash)
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint must cover more of the chain and name a row with its hash');
END;

CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint is append-only: DELETE refused');
END;

-- The log stays append-only, except for rows a checkpoint covers: those, and only those, the
-- purge may delete.
DROP TRIGGER audit_log_no_delete;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.id > (SELECT COALESCE(MAX(last_id), 0) FROM audit_checkpoint)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
