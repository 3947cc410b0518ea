-- The 協議の場 and the other bodies of the network, their meetings and what the meetings decide
-- (issue 17, item 2). A body belongs to one municipality; a 部会 names its parent body. Members
-- are people acting for an organisation (not 要配慮個人情報): their name, organisation and
-- sector; their contact (a work telephone or address) is shown to staff only. A meeting is planned, held or cancelled, in person, online or 書面開催; seq is its
-- number in the body's fiscal year (第1回). schedule_item names the row of section 6
-- (実施する項目) the meeting fulfils, matched by month. Decisions belong to a meeting; an action
-- item may come from a meeting (and one of its decisions) and serves a 構築推進事業 menu code.
CREATE TABLE council_body (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('kyogi_no_ba', 'bukai', 'renrakukai', 'advisor', 'other')),
    parent_id BIGINT REFERENCES council_body (id),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (municipality_code, name)
);

CREATE TABLE council_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id BIGINT NOT NULL REFERENCES council_body (id),
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    sector TEXT NOT NULL CHECK (sector IN ('health', 'medical', 'welfare', 'family', 'peer', 'administration', 'police', 'academic', 'other')),
    position TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    from_on TEXT,
    until_on TEXT
);
CREATE INDEX council_member_body ON council_member (body_id);

CREATE TABLE council_meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    body_id BIGINT NOT NULL REFERENCES council_body (id),
    fiscal_year INTEGER NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'online', 'written')),
    status TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
    place TEXT NOT NULL DEFAULT '',
    agenda TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    schedule_item TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (body_id, fiscal_year, seq)
);
CREATE INDEX council_meeting_year ON council_meeting (municipality_code, fiscal_year, held_on);

CREATE TABLE meeting_attendance (
    meeting_id BIGINT NOT NULL REFERENCES council_meeting (id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES council_member (id),
    present INTEGER NOT NULL CHECK (present IN (0, 1)),
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE meeting_decision (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id BIGINT NOT NULL REFERENCES council_meeting (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (meeting_id, position)
);

CREATE TABLE action_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL,
    meeting_id BIGINT REFERENCES council_meeting (id),
    decision_id BIGINT REFERENCES meeting_decision (id),
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    menu_code INTEGER,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_item_municipality ON action_item (municipality_code, status);

-- Section 3's lines made from a meeting or event keep which (NULL for a typed or imported line).
ALTER TABLE sheet_history ADD COLUMN record_kind TEXT CHECK (record_kind IN ('meeting', 'event'));
ALTER TABLE sheet_history ADD COLUMN record_id BIGINT;
