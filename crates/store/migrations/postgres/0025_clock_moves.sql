-- An administrator moves a legal clock's deadline (issue 14, item 4; item 1 of the task "moves"):
-- one row per move, never updated or deleted, so that the history stays (a revert is another
-- move). The clock is named by its record ('case' for police 保護, 'admission', 'consent' with the
-- record's id), the rule code and the instant it started; seq counts the moves of that clock from
-- 1, and the unique key refuses a second move made on the same stale page. from_deadline_at is
-- the deadline the move replaced, deadline_at the new one; reason is a code of
-- nimo_domain::clocks::MoveReason; the optional note is sealed (it may name a person).
CREATE TABLE clock_move (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL,
    record_type TEXT NOT NULL CHECK (record_type IN ('case', 'admission', 'consent')),
    record_id BIGINT NOT NULL,
    rule_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seq BIGINT NOT NULL CHECK (seq >= 1),
    from_deadline_at TEXT NOT NULL,
    deadline_at TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('calculation_error', 'recorded_time_error', 'court_warrant', 'other')),
    note_sealed TEXT,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (record_type, record_id, rule_id, started_at, seq)
);
CREATE INDEX clock_move_municipality ON clock_move (municipality_code, record_type, record_id);
