-- Legal clocks that passed their deadline (issue 14, item 4): the addresses a municipality's
-- escalations go to (its 保健所's office addresses, comma-separated; empty sends nothing), and one
-- row per overdue clock that the escalation task handled, so that no clock is mailed twice. A
-- clock is named by its key (the record's path, the rule, the instance and its deadline as a
-- Unix time), which carries no personal data; the row keeps how many recipients the mail had and
-- its outcome ('pending' while it is being sent, then 'sent' or 'failed').
ALTER TABLE municipality ADD COLUMN escalation_emails TEXT NOT NULL DEFAULT '';
CREATE TABLE clock_notice (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    clock_key TEXT NOT NULL UNIQUE,
    municipality_code TEXT NOT NULL,
    deadline_at TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    recipients BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'sent', 'failed'))
);
