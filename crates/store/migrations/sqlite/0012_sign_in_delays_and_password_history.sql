-- Sign-in delays per login name instead of the account lock, and the previous passwords of each
-- account. SQLite dialect.

-- Consecutive failed sign-ins per login name, whether an account has it or not (so that an
-- unknown login is delayed and timed like a known one). The key is the SHA-256 of the normalised
-- login: what someone typed into the login field is never stored. `user_id` is the account that
-- had that login at the last failure, for the administration pages.
CREATE TABLE login_attempt (
    login_key TEXT NOT NULL PRIMARY KEY,
    user_id INTEGER REFERENCES app_user (id) ON DELETE CASCADE,
    failures INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    -- No attempt for this login is checked before this time; NULL while no delay applies.
    retry_at TEXT
);

CREATE INDEX login_attempt_by_user ON login_attempt (user_id);

-- The lock these columns kept ended the account's sessions and could be set by anyone who knew
-- the login; login_attempt replaces it.
ALTER TABLE app_user DROP COLUMN failed_logins;
ALTER TABLE app_user DROP COLUMN locked_until;

-- The argon2id hashes of an account's previous passwords (the current one is app_user's), the
-- newest few kept, so that a new password can be refused for being one of them.
CREATE TABLE password_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);

CREATE INDEX password_history_by_user ON password_history (user_id, id);
