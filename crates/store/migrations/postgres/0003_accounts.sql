-- Accounts, their second factor and one-time recovery codes, and the per-address login throttle.
-- PostgreSQL dialect. Times are UTC RFC 3339 text of one fixed width (2026-04-01T09:30:00.000000Z), so
-- that they also compare correctly as text. Flags are 0/1 integers.
CREATE TABLE app_user (
    id BIGSERIAL PRIMARY KEY,
    -- Stored lower-case, so that uniqueness is case-insensitive.
    login TEXT NOT NULL UNIQUE CHECK (login = lower(login)),
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'hospital', 'council')),
    scope_municipality TEXT,
    scope_district TEXT,
    scope_hospital TEXT,
    -- argon2id PHC string ($argon2id$v=19$m=19456,t=2,p=1$...).
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    -- The TOTP secret in base32. A later change encrypts it with nimo-vault.
    totp_secret TEXT,
    -- A secret being enrolled, not yet confirmed with a code: the enabled one above stays in force
    -- until then. Also to be encrypted with nimo-vault.
    totp_pending_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    -- The last TOTP time step accepted: a code of this step or an earlier one is a replay.
    totp_last_step BIGINT,
    disabled BIGINT NOT NULL DEFAULT 0,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    -- Random; changes when the password, the second factor or the disabled flag changes. Sessions
    -- keep the stamp they started with and end themselves when it differs.
    security_stamp TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE recovery_code (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    -- argon2id PHC string of the code without its hyphen.
    code_hash TEXT NOT NULL,
    used_at TEXT
);

CREATE INDEX recovery_code_by_user ON recovery_code (user_id);

-- Failed sign-ins per client address in a fixed window that starts at the window's first failure.
CREATE TABLE login_throttle (
    address TEXT NOT NULL,
    window_start TEXT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (address)
);
