-- Admissions (入院) after a disposition: the admission as entered (hospital, 入院形態, 入院日時)
-- and every later event as a row; loading replays the events through the domain's state machine.
-- `state` and `current_form` repeat what the replay gives, for the clock board's query of open
-- admissions. Instants are RFC 3339 text in UTC. Nothing here names the person. PostgreSQL dialect.
CREATE TABLE admission (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL,
    district TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES person (id),
    case_id BIGINT REFERENCES report23 (id),
    -- One of the bed finder's hospitals, or NULL and the name as typed.
    hospital_id TEXT REFERENCES hospital (id),
    hospital_name TEXT NOT NULL,
    form TEXT NOT NULL,
    specified_doctor BIGINT NOT NULL CHECK (specified_doctor IN (0, 1)),
    consent TEXT,
    period_end_at TEXT,
    admitted_at TEXT NOT NULL,
    -- The instant of the last event: the board keeps discharged admissions while their clocks may run.
    last_at TEXT NOT NULL,
    state TEXT NOT NULL,
    current_form TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0,
    actor BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX admission_open ON admission (municipality_code, state, district);
CREATE INDEX admission_by_case ON admission (case_id);
CREATE INDEX admission_by_person ON admission (person_id);

CREATE TABLE admission_event (
    id BIGSERIAL PRIMARY KEY,
    admission_id BIGINT NOT NULL REFERENCES admission (id),
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    -- The form entered (change_form, lift_sochi with a stay); NULL otherwise.
    form TEXT,
    specified_doctor BIGINT CHECK (specified_doctor IN (0, 1)),
    consent TEXT,
    period_end_at TEXT,
    notice TEXT,
    plan_id BIGINT,
    actor BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX admission_event_by_admission ON admission_event (admission_id);
