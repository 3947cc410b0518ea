-- 市町村長同意 (精神保健福祉法33条2項, before R6.4 33条3項): the hospital's request, its checks,
-- the decision, visits, renewals, the referral to 入院者訪問支援事業 and the end. SQLite dialect.
-- Instants are RFC 3339 UTC text; dates ISO text. The hospital (an institution) is plain; the
-- request's note, each event's note and the official's name are sealed.
CREATE TABLE mayor_consent (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    district TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES person (id),
    -- One of the bed finder's hospitals, or a name typed in.
    hospital_id TEXT REFERENCES hospital (id),
    hospital_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    -- 入院予定日 or 入院日.
    admission_on TEXT,
    -- 年度 of the request's JST date.
    fiscal_year INTEGER NOT NULL,
    -- 'requested', 'consented', 'ended'.
    state TEXT NOT NULL,
    residence TEXT,
    family TEXT,
    consented_at TEXT,
    visited_at TEXT,
    visits INTEGER NOT NULL DEFAULT 0,
    renewal_requested_at TEXT,
    renewal_period_end TEXT,
    renewals INTEGER NOT NULL DEFAULT 0,
    period_end TEXT,
    referred_at TEXT,
    ended_at TEXT,
    end_reason TEXT,
    last_at TEXT NOT NULL,
    note_sealed TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX mayor_consent_scope ON mayor_consent (municipality_code, state, district);
CREATE INDEX mayor_consent_person ON mayor_consent (person_id);

CREATE TABLE mayor_consent_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consent_id BIGINT NOT NULL REFERENCES mayor_consent (id),
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    -- 年度 of the event's JST date, for the sheet's counts.
    fiscal_year INTEGER NOT NULL,
    residence TEXT,
    family TEXT,
    -- 法5条2項 reasons, comma-separated codes.
    excluded TEXT,
    -- 'consent' or 'refuse' (decide, decide_renewal).
    decision TEXT,
    period_end TEXT,
    end_reason TEXT,
    official_sealed TEXT,
    note_sealed TEXT,
    actor BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX mayor_consent_event_by_consent ON mayor_consent_event (consent_id);
