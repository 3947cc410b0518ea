-- Finding cases (事例一覧 search): a municipality's cases by date of receipt, newest first,
-- closed ones included.
CREATE INDEX report23_by_received ON report23 (municipality_code, received_at);
