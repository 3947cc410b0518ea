-- The 自治体情報シート, normalised: one row per sheet, child rows per list. PostgreSQL dialect.
CREATE TABLE municipality (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    prefecture TEXT NOT NULL
);

-- The 構築推進事業 menu, versioned by fiscal year: a row is in force from valid_from_fy to
-- valid_to_fy (inclusive; NULL = still in force).
CREATE TABLE program_menu_item (
    code BIGINT NOT NULL,
    label TEXT NOT NULL,
    valid_from_fy BIGINT NOT NULL,
    valid_to_fy BIGINT,
    PRIMARY KEY (code, valid_from_fy)
);

CREATE TABLE sheet (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipality (code),
    fiscal_year BIGINT NOT NULL,
    program_title TEXT NOT NULL,
    slogan TEXT NOT NULL,
    vision TEXT NOT NULL,
    basic_as_of TEXT NOT NULL,
    profile TEXT NOT NULL,
    policy_plans TEXT NOT NULL,
    policy_plans_date TEXT,
    policy_goal TEXT NOT NULL,
    policy_measures TEXT NOT NULL,
    project_title TEXT NOT NULL,
    project_text TEXT NOT NULL,
    outcomes_period_label TEXT NOT NULL,
    outcomes_target_basis TEXT NOT NULL,
    outcomes_actual_basis TEXT NOT NULL,
    strengths TEXT NOT NULL,
    strengths_closing TEXT NOT NULL,
    editorial_notes TEXT NOT NULL,
    revision BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_code, fiscal_year)
);

CREATE TABLE sheet_figure (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    value DOUBLE PRECISION,
    source TEXT NOT NULL,
    PRIMARY KEY (sheet_id, key)
);

CREATE TABLE sheet_history (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    date TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (sheet_id, position)
);

-- A measure (目標値 or 実績値) is present when its *_present column is 1.
CREATE TABLE sheet_indicator (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    marker TEXT NOT NULL,
    name TEXT NOT NULL,
    target_present BIGINT NOT NULL,
    target_key TEXT,
    target_prefix TEXT NOT NULL,
    target_state TEXT NOT NULL,
    target_value DOUBLE PRECISION,
    target_source TEXT NOT NULL,
    target_unit TEXT NOT NULL,
    actual_present BIGINT NOT NULL,
    actual_key TEXT,
    actual_prefix TEXT NOT NULL,
    actual_state TEXT NOT NULL,
    actual_value DOUBLE PRECISION,
    actual_source TEXT NOT NULL,
    actual_unit TEXT NOT NULL,
    effects TEXT NOT NULL,
    PRIMARY KEY (sheet_id, position)
);

CREATE TABLE sheet_breakdown (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    indicator_position BIGINT NOT NULL,
    position BIGINT NOT NULL,
    key TEXT,
    label TEXT NOT NULL,
    state TEXT NOT NULL,
    value DOUBLE PRECISION,
    source TEXT NOT NULL,
    unit TEXT NOT NULL,
    depth BIGINT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (sheet_id, indicator_position, position)
);

CREATE TABLE sheet_challenge (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    menu_code BIGINT NOT NULL,
    challenge TEXT NOT NULL,
    challenge_detail TEXT NOT NULL,
    PRIMARY KEY (sheet_id, position)
);

CREATE TABLE sheet_action (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    challenge_position BIGINT NOT NULL,
    position BIGINT NOT NULL,
    marker TEXT NOT NULL,
    text TEXT NOT NULL,
    tag TEXT,
    note TEXT NOT NULL,
    PRIMARY KEY (sheet_id, challenge_position, position)
);

CREATE TABLE sheet_schedule (
    sheet_id BIGINT NOT NULL REFERENCES sheet (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    month TEXT NOT NULL,
    item TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (sheet_id, position)
);
