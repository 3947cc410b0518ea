-- The resource directory (社会資源名簿) of the network (issue 17, item 1): one row per
-- organisation with its one location (address, area, coordinates, hours) and contacts. org_type is
-- a code of domain::directory::OrgType; a 精神科病院 row references the bed finder's hospital and
-- keeps no name of its own (name is NULL: the hospital's is read from hospital). ref is the
-- record's id in files (CSV, HSDS), unique in the municipality. search_name and search_kana are
-- the name and reading normalised by domain::directory::search_key (NFKC, katakana as hiragana,
-- no spaces), so that a search is a LIKE on stored columns. The かかりつけ flags are the
-- 医師会 / 歯科医師会 / 薬剤師会 memberships; soudan_ippan / soudan_tokutei say which 相談支援 an
-- office gives (both may be set). specialties lists specialty codes joined by commas.
CREATE TABLE directory_org (
    id BIGSERIAL PRIMARY KEY,
    municipality_code TEXT NOT NULL,
    ref TEXT NOT NULL,
    org_type TEXT NOT NULL,
    name TEXT,
    name_kana TEXT NOT NULL DEFAULT '',
    hospital_id TEXT REFERENCES hospital (id),
    ishikai INTEGER NOT NULL DEFAULT 0 CHECK (ishikai IN (0, 1)),
    shikaishikai INTEGER NOT NULL DEFAULT 0 CHECK (shikaishikai IN (0, 1)),
    yakuzaishikai INTEGER NOT NULL DEFAULT 0 CHECK (yakuzaishikai IN (0, 1)),
    soudan_ippan INTEGER NOT NULL DEFAULT 0 CHECK (soudan_ippan IN (0, 1)),
    soudan_tokutei INTEGER NOT NULL DEFAULT 0 CHECK (soudan_tokutei IN (0, 1)),
    specialties TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    fax TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    area TEXT NOT NULL DEFAULT '',
    capacity BIGINT CHECK (capacity >= 0),
    hours TEXT NOT NULL DEFAULT '',
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    search_name TEXT NOT NULL,
    search_kana TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((org_type = 'psych_hospital') = (hospital_id IS NOT NULL)),
    CHECK ((hospital_id IS NULL) = (name IS NOT NULL)),
    UNIQUE (municipality_code, ref),
    UNIQUE (municipality_code, hospital_id)
);
CREATE INDEX directory_org_type ON directory_org (municipality_code, org_type, active);
CREATE INDEX directory_org_search_name ON directory_org (municipality_code, search_name);
CREATE INDEX directory_org_search_kana ON directory_org (municipality_code, search_kana);
