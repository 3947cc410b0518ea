-- The emergency psychiatric bed finder: hospitals, wards with their posted free beds, the history
-- of postings, holds (reservation → admission, decline or expiry) and per-user API tokens.
-- SQLite dialect. Times are Unix seconds (UTC) in integers, so that expiry and placement times
-- are plain arithmetic. Flags are 0/1 integers.
CREATE TABLE hospital (
    -- A short text id: h-meguro-1.
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- The 地方公共団体コード of the municipality it lies in, and its 圏域 (障害保健福祉圏域) name.
    municipality_code TEXT NOT NULL,
    area TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    -- 精神科救急 designation, 応急入院指定, 身体合併症 capability.
    emergency INTEGER NOT NULL DEFAULT 0,
    okyu_designated INTEGER NOT NULL DEFAULT 0,
    physical_care INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ward (
    id TEXT PRIMARY KEY,
    hospital_id TEXT NOT NULL REFERENCES hospital (id),
    name TEXT NOT NULL,
    ward_type TEXT NOT NULL CHECK (ward_type IN ('kyukyu', 'kyuseiki', 'heisa', 'kaiho', 'jido', 'ninchisho', 'gappeisho')),
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female', 'mixed')),
    min_age INTEGER NOT NULL,
    max_age INTEGER NOT NULL,
    -- Accepted admission types: codes joined by commas (sochi,kinkyu_sochi,iryo_hogo,okyu,nini).
    admissions TEXT NOT NULL,
    -- The hospital's last posted count of free beds, when, and its sequence number: admissions
    -- (accepted holds) count against the posting current when they were accepted.
    free_beds INTEGER NOT NULL DEFAULT 0 CHECK (free_beds >= 0),
    posted_at INTEGER NOT NULL,
    posting_seq INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX ward_by_hospital ON ward (hospital_id);

-- Every posting, for the record (who changed what when).
CREATE TABLE ward_posting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ward_id TEXT NOT NULL REFERENCES ward (id),
    seq INTEGER NOT NULL,
    free_beds INTEGER NOT NULL,
    posted_at INTEGER NOT NULL,
    -- user:ID, cli or system.
    actor TEXT NOT NULL
);

CREATE TABLE bed_hold (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ward_id TEXT NOT NULL REFERENCES ward (id),
    -- The case's 受付番号 (R4-023), never a name.
    case_ref TEXT NOT NULL,
    admission_type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'accepted', 'declined', 'expired')),
    placed_by BIGINT NOT NULL,
    -- When the search that led to the hold ran (the start of the placement time), the hold was
    -- placed, and when it expires unless answered.
    searched_at INTEGER NOT NULL,
    held_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by BIGINT,
    decline_reason TEXT,
    -- The ward's posting_seq when accepted: the admission consumes a bed of that posting.
    posting_seq INTEGER
);

CREATE INDEX bed_hold_by_ward ON bed_hold (ward_id, state);
CREATE INDEX bed_hold_due ON bed_hold (state, expires_at);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    name TEXT NOT NULL,
    -- Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
