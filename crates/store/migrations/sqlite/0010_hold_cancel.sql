-- A hold may be withdrawn by the staff member who placed it (state 'cancelled'). SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt with the same rows and indexes.
CREATE TABLE bed_hold_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ward_id TEXT NOT NULL REFERENCES ward (id),
    -- The case's 受付番号 (R4-023), never a name.
    case_ref TEXT NOT NULL,
    admission_type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'accepted', 'declined', 'expired', 'cancelled')),
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
INSERT INTO bed_hold_next (id, ward_id, case_ref, admission_type, state, placed_by, searched_at, held_at,
    expires_at, decided_at, decided_by, decline_reason, posting_seq)
SELECT id, ward_id, case_ref, admission_type, state, placed_by, searched_at, held_at,
    expires_at, decided_at, decided_by, decline_reason, posting_seq FROM bed_hold;
DROP TABLE bed_hold;
ALTER TABLE bed_hold_next RENAME TO bed_hold;
CREATE INDEX bed_hold_by_ward ON bed_hold (ward_id, state);
CREATE INDEX bed_hold_due ON bed_hold (state, expires_at);
