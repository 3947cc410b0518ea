-- Corrections of the 23条 case rules (issue 14, item 6): the article a report was made under
-- (精神保健福祉法 22条 to 26条の3; existing reports were all taken in as 23条), the number of
-- staff at a 事前調査, and the review flag an examination gives its case (a 緊急措置 after a
-- second 指定医's 措置不要). Codes only; no personal data.
ALTER TABLE report23 ADD COLUMN article TEXT NOT NULL DEFAULT '23'
    CHECK (article IN ('22', '23', '24', '25', '26', '26_2', '26_3'));
ALTER TABLE report23 ADD COLUMN review_flag TEXT;
ALTER TABLE case_event ADD COLUMN staff_count BIGINT;
ALTER TABLE case_event ADD COLUMN review_flag TEXT;
