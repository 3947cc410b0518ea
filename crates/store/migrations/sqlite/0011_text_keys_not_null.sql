-- SQLite lets a TEXT PRIMARY KEY hold NULL unless the column also says NOT NULL (a quirk kept for
-- compatibility); PostgreSQL never does. hospital.id and ward.id get their NOT NULL by rebuilding
-- both tables with the same rows and index. ward_posting and bed_hold reference ward: their foreign
-- keys are checked at commit (defer_foreign_keys), by which time every ward is back.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE hospital_rows AS SELECT * FROM hospital;
CREATE TEMP TABLE ward_rows AS SELECT * FROM ward;
DROP TABLE ward;
DROP TABLE hospital;

CREATE TABLE hospital (
    -- A short text id: h-meguro-1.
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- The 地方公共団体コード of the municipality it lies in, and its 圏域 (障害保健福祉圏域) name.
    municipality_code TEXT NOT NULL,
    area TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    -- 精神科救急 designation, 応急入院指定, 身体合併症 capability.
    emergency INTEGER NOT NULL DEFAULT 0,
    okyu_designated INTEGER NOT NULL DEFAULT 0,
    physical_care INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ward (
    id TEXT PRIMARY KEY NOT NULL,
    hospital_id TEXT NOT NULL REFERENCES hospital (id),
    name TEXT NOT NULL,
    ward_type TEXT NOT NULL CHECK (ward_type IN ('kyukyu', 'kyuseiki', 'heisa', 'kaiho', 'jido', 'ninchisho', 'gappeisho')),
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female', 'mixed')),
    min_age INTEGER NOT NULL,
    max_age INTEGER NOT NULL,
    -- Accepted admission types: codes joined by commas (sochi,kinkyu_sochi,iryo_hogo,okyu,nini).
    admissions TEXT NOT NULL,
    -- The hospital's last posted count of free beds, when, and its sequence number: admissions
    -- (accepted holds) count against the posting current when they were accepted.
    free_beds INTEGER NOT NULL DEFAULT 0 CHECK (free_beds >= 0),
    posted_at INTEGER NOT NULL,
    posting_seq INTEGER NOT NULL DEFAULT 0
);

INSERT INTO hospital SELECT * FROM temp.hospital_rows;
INSERT INTO ward SELECT * FROM temp.ward_rows;
CREATE INDEX ward_by_hospital ON ward (hospital_id);
DROP TABLE temp.hospital_rows;
DROP TABLE temp.ward_rows;
