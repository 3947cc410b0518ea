-- Retention of the audit log: a prefix of the chain may be purged, and only together with a
-- signed checkpoint that says where the chain continues. PostgreSQL dialect.
--
-- A checkpoint records the last purged row (its id and hash: the prev_hash of the first row
-- left), how many rows the purge removed, the cut-off time (rows older than it were purged), when
-- it was written and an HMAC-SHA256 signature over all of that (nimo_store::audit::retention).
-- The purge writes the checkpoint, deletes the rows it covers and appends its own audit row in
-- one transaction. Checkpoints, like audit rows, are never changed or removed.
CREATE TABLE audit_checkpoint (
    id BIGINT PRIMARY KEY NOT NULL,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    purged BIGINT NOT NULL CHECK (purged > 0),
    purged_before TEXT NOT NULL,
    at TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- A checkpoint continues the chain: it covers more than the one before it, and names a row that
-- is still there with the hash it gives.
CREATE FUNCTION audit_checkpoint_follows_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.last_id <= (SELECT COALESCE(MAX(last_id), 0) FROM audit_checkpoint)
       OR NOT EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.last_id AND hash = NEW.last_hash) THEN
        RAISE EXCEPTION 'audit_checkpoint must cover more of the chain and name a row with its hash'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_checkpoint_follows_chain BEFORE INSERT ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_follows_chain();

CREATE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoint is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_checkpoint_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change();

CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_refuse_change();

-- The log stays append-only, except for rows a checkpoint covers: those, and only those, the
-- purge may delete. The trigger keeps its name; its function now lets such a DELETE through.
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.id <= (SELECT COALESCE(MAX(last_id), 0) FROM audit_checkpoint) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- The purge path for the application role, which has no DELETE right on audit_log: deletes the
-- rows the latest checkpoint covers, as the owner of this function, and returns how many. The
-- trigger above still refuses any row no checkpoint covers.
CREATE FUNCTION audit_log_purge_checkpointed() RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    through BIGINT;
    removed BIGINT;
BEGIN
    SELECT COALESCE(MAX(last_id), 0) INTO through FROM audit_checkpoint;
    DELETE FROM audit_log WHERE id <= through;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$;

REVOKE ALL ON FUNCTION audit_log_purge_checkpointed() FROM PUBLIC;
