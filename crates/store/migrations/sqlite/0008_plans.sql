-- 退院後支援計画 life-cycle: the plan's state-machine columns, its events (consent, drafting,
-- start, reviews, extensions, transfer, end) and its 支援会議. SQLite dialect.
-- Notes, reasons and minutes describe the person: sealed. Participants are professionals
-- (organisation and role): plain. Dates are ISO text.
ALTER TABLE discharge_plan ADD COLUMN consent_party TEXT;
ALTER TABLE discharge_plan ADD COLUMN drafted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE discharge_plan ADD COLUMN meetings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE discharge_plan ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE discharge_plan ADD COLUMN next_review_on TEXT;
ALTER TABLE discharge_plan ADD COLUMN ended_on TEXT;
ALTER TABLE discharge_plan ADD COLUMN end_reason TEXT;
ALTER TABLE discharge_plan ADD COLUMN transferred_to TEXT;
ALTER TABLE discharge_plan ADD COLUMN last_event_on TEXT;
ALTER TABLE discharge_plan ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX discharge_plan_open ON discharge_plan (municipality_code, state, district);

CREATE TABLE plan_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES discharge_plan (id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    -- consent: 'given' / 'refused' and who answered ('person' 本人 / 'family' 家族等).
    consent TEXT,
    party TEXT,
    period_end_on TEXT,
    next_review_on TEXT,
    transferred_to TEXT,
    end_reason TEXT,
    -- Reasons (延長), notes: free text about the person.
    note_sealed TEXT,
    actor BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX plan_event_by_plan ON plan_event (plan_id);

CREATE TABLE plan_meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES discharge_plan (id),
    held_on TEXT NOT NULL,
    -- 'pre_discharge' (退院前), 'review' (見直し), 'extension' (延長), 'other'.
    purpose TEXT NOT NULL,
    person_attended INTEGER NOT NULL CHECK (person_attended IN (0, 1)),
    family_attended INTEGER NOT NULL CHECK (family_attended IN (0, 1)),
    -- One participant per line: organisation, a tab, role (職種). Professionals, plain.
    participants TEXT NOT NULL,
    minutes_sealed TEXT,
    actor BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX plan_meeting_by_plan ON plan_meeting (plan_id);
