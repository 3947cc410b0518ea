-- 地区担当制: the 地区 of a municipality and the 保健師 in charge of each. PostgreSQL dialect.
-- Case records keep their 地区 as text (person, report23, outreach_visit, discharge_plan and an
-- account's scope_district); a municipality that lists its 地区 here has intake choose one of
-- them. Renaming a 地区 renames it in those records in the same transaction.
CREATE TABLE district (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    -- 0 when the 地区 is no longer offered at intake (its records keep it).
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (municipality_code, name)
);

-- A staff account in charge of a 地区: 'main' (主担当) or 'deputy' (副担当), since a date (ISO).
CREATE TABLE district_assignment (
    district_id BIGINT NOT NULL REFERENCES district (id),
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    role TEXT NOT NULL CHECK (role IN ('main', 'deputy')),
    since_on TEXT NOT NULL,
    PRIMARY KEY (district_id, user_id)
);
CREATE INDEX district_assignment_by_user ON district_assignment (user_id);
CREATE INDEX outreach_visit_by_actor ON outreach_visit (municipality_code, fiscal_year, actor);
