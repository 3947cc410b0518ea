-- The audit log: append-only, hash-chained rows (who, when, from where, which record, which
-- action, outcome; never the personal data itself). SQLite dialect.
--
-- id is the chain position, taken from audit_head.seq inside the appending transaction, so ids
-- are consecutive (1, 2, 3, …) and a missing id means a deleted row. at is RFC 3339 UTC with
-- microseconds and a 'Z'. hash is the hex SHA-256 of prev_hash and the row's fields (see
-- nimo_store::audit); the first row's prev_hash is 64 zeros.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    origin TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT,
    record_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id, id);

-- The chain head: one row. An append starts with UPDATE audit_head … RETURNING, which takes
-- the write lock at once, so that appends are serialized without a read-then-write upgrade.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only, enforced by the database itself rather than by the application's good manners.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;

-- The head only moves forward and is never removed.
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be deleted');
END;

CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
