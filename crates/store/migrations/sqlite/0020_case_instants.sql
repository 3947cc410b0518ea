-- Instants where the law counts hours (issue 14, item 1): the start of police 保護 (警察官職務執行法
-- 3条, 24 hours) and its end as the 保健所 learns them, and the instant of each case event (the
-- 措置診察 above all). UTC RFC 3339 text, like every other instant. Nothing is rewritten: a report
-- taken in before this migration has no 保護 recorded (NULL), and an event recorded before it
-- keeps only its date (occurred_at NULL), which pages show as 時刻不明 and the clocks never use.
ALTER TABLE report23 ADD COLUMN protection_started_at TEXT;
ALTER TABLE report23 ADD COLUMN protection_ended_at TEXT;
ALTER TABLE case_event ADD COLUMN occurred_at TEXT;
