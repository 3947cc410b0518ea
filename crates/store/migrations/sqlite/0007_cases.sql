-- Case work: people, 23条通報 cases and their events, outreach visits, 退院後支援計画, and the
-- reasons for entered values that override derived section-4 figures. SQLite dialect.
-- Personal data is in the sealed columns (nimo-vault, bound to table.column and row id); what is
-- needed to count and filter (municipality, 地区, dates, codes, states, the 区民 flag, sex) is
-- plain. Dates are ISO text (YYYY-MM-DD); times UTC RFC 3339 text of one fixed width.
CREATE TABLE person (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    district TEXT NOT NULL,
    -- 'f', 'm', 'x' (other or unknown): plain for statistics by sex.
    sex TEXT NOT NULL CHECK (sex IN ('f', 'm', 'x')),
    name_kana_sealed TEXT,
    name_kanji_sealed TEXT,
    birth_date_sealed TEXT,
    address_sealed TEXT,
    contact_sealed TEXT,
    -- HMAC blind indexes: normalised kana + birth date, and normalised kana alone.
    kana_birth_index TEXT,
    kana_index TEXT,
    -- Set when this record was merged into another (the other one is kept).
    merged_into BIGINT REFERENCES person (id),
    created_at TEXT NOT NULL
);
CREATE INDEX person_by_kana_birth ON person (kana_birth_index);
CREATE INDEX person_by_kana ON person (kana_index);

CREATE TABLE report23 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    district TEXT NOT NULL,
    -- NULL while the person is unknown.
    person_id BIGINT REFERENCES person (id),
    received_at TEXT NOT NULL,
    received_on TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    police_station TEXT NOT NULL,
    -- 1 when the person lives in the municipality (区民).
    resident INTEGER NOT NULL CHECK (resident IN (0, 1)),
    state TEXT NOT NULL,
    disposition TEXT,
    examinations INTEGER NOT NULL DEFAULT 0,
    exam_not_needed INTEGER NOT NULL DEFAULT 0,
    hospital TEXT NOT NULL DEFAULT '',
    assigned_to BIGINT REFERENCES app_user (id),
    next_due_on TEXT,
    circumstances_sealed TEXT,
    closed_on TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX report23_by_year ON report23 (municipality_code, fiscal_year);
CREATE INDEX report23_open ON report23 (municipality_code, state, next_due_on);
CREATE INDEX report23_by_person ON report23 (person_id);

CREATE TABLE case_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES report23 (id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    disposition TEXT,
    first_finding TEXT,
    second_finding TEXT,
    hospital TEXT NOT NULL DEFAULT '',
    -- Reasons, findings' notes, contact notes: free text about the person.
    note_sealed TEXT,
    actor BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX case_event_by_case ON case_event (case_id);

CREATE TABLE outreach_visit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    district TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES person (id),
    case_id BIGINT REFERENCES report23 (id),
    visited_on TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    profession TEXT NOT NULL,
    method TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note_sealed TEXT,
    actor BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX outreach_visit_by_year ON outreach_visit (municipality_code, fiscal_year);
CREATE INDEX outreach_visit_by_person ON outreach_visit (person_id);

CREATE TABLE discharge_plan (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    district TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES person (id),
    case_id BIGINT REFERENCES report23 (id),
    state TEXT NOT NULL,
    consent TEXT NOT NULL CHECK (consent IN ('pending', 'given', 'refused')),
    consent_on TEXT,
    started_on TEXT,
    fiscal_year INTEGER,
    period_end_on TEXT,
    contents_sealed TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX discharge_plan_by_year ON discharge_plan (municipality_code, fiscal_year);
CREATE INDEX discharge_plan_by_person ON discharge_plan (person_id);

-- An entered section-4 value that stays although nimo could derive it, and why.
CREATE TABLE figure_override (
    municipality_code TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    key TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor BIGINT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (municipality_code, fiscal_year, key)
);
