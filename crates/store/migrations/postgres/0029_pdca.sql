-- The network's PDCA (issue 17, items 3 to 5). A 普及啓発 event belongs to one municipality and the
-- fiscal year of its day; partners and materials are lists kept one a line; schedule_item names
-- the row of section 6 (実施する項目) it fulfils, matched by month like council_meeting's.
-- A 構築推進事業 action is one 今後の取組 of section 5 (menu code, marker, text, tag) made a
-- tracked record of the year, once: the UNIQUE key makes 「第5節から取組を作成」 idempotent and
-- lets next year's carried-over action stand beside the sheet's copy. carried_from names last
-- year's action it continues. Its links name meetings, events and action items of the year; its
-- steps keep each change of status and progress (the 3月 評価's "what moved").
CREATE TABLE awareness_event (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    held_on TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lecture', 'training', 'distribution', 'forum', 'other')),
    audience TEXT NOT NULL DEFAULT '',
    participants INTEGER CHECK (participants IS NULL OR participants >= 0),
    partners TEXT NOT NULL DEFAULT '',
    materials TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
    schedule_item TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX awareness_event_year ON awareness_event (municipality_code, fiscal_year, held_on);

CREATE TABLE pdca_action (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    menu_code INTEGER NOT NULL,
    marker TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    tag TEXT CHECK (tag IN ('new', 'expanded')),
    owner TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'dropped')),
    progress TEXT NOT NULL DEFAULT '',
    carried_from BIGINT REFERENCES pdca_action (id),
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_code, fiscal_year, menu_code, marker, text)
);

CREATE TABLE pdca_action_link (
    action_id BIGINT NOT NULL REFERENCES pdca_action (id) ON DELETE CASCADE,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('meeting', 'event', 'action_item')),
    record_id BIGINT NOT NULL,
    PRIMARY KEY (action_id, record_kind, record_id)
);

CREATE TABLE pdca_action_step (
    id BIGSERIAL PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES pdca_action (id) ON DELETE CASCADE,
    changed_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'dropped')),
    progress TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pdca_action_step_action ON pdca_action_step (action_id);
