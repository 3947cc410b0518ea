-- Server-side sessions, in the layout tower-sessions-sqlx-store's SqliteStore expects.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
