-- nimo on PostgreSQL in production: run `nimo migrate` as the database owner, and `nimo serve` as
-- an application role that can read and write rows but cannot change the schema, drop or disable
-- the audit triggers, or touch the audit log except by appending to it.
--
-- Run as the owner after every `nimo migrate` (new tables need their grants), for example:
--   psql "postgres://owner@db/nimo" -v ON_ERROR_STOP=1 -f docs/postgres-app-role.sql
-- after creating the role once:   CREATE ROLE nimo_app LOGIN PASSWORD '…';
-- and serve with:                 NIMO_DATABASE_URL=postgres://nimo_app:…@db/nimo nimo serve
-- `serve` applies no migration when none is pending, so it needs no CREATE right.
-- crates/store/tests/it/app_role.rs runs this file and checks every refusal below.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO nimo_app;

-- Rows of every table, through DML only (no TRUNCATE, REFERENCES or TRIGGER rights).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO nimo_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO nimo_app;

-- Sessions live in their own schema (tower_sessions.session): sign-ins write them, the hourly
-- retention deletes expired ones.
GRANT USAGE ON SCHEMA tower_sessions TO nimo_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tower_sessions TO nimo_app;

-- The audit log: read and append, nothing else (the triggers refuse the rest even to the owner).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM nimo_app;
-- Its head moves forward by UPDATE; it is never deleted.
REVOKE DELETE, TRUNCATE ON audit_head FROM nimo_app;
-- Retention: the app appends signed checkpoints and deletes the rows they cover only through
-- the owner's function (its triggers refuse any other DELETE, even to the owner).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoint FROM nimo_app;
GRANT EXECUTE ON FUNCTION audit_log_purge_checkpointed() TO nimo_app;
-- The migration history is the owner's: the app only reads it to see that nothing is pending.
REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM nimo_app;
