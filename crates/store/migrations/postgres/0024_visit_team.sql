-- Outreach corrections (issue 14, item 6): a visit by a team is one visit with several
-- professions. Each visit's professions, one row each; outreach_visit.profession stays the first
-- (who recorded it or led it). Existing visits had one profession: copied as they are. Whether a
-- contact was a 訪問 or a 電話 is outreach_visit.method ('phone' is not a visit). Codes only.
CREATE TABLE outreach_visit_profession (
    visit_id BIGINT NOT NULL REFERENCES outreach_visit (id),
    profession TEXT NOT NULL,
    PRIMARY KEY (visit_id, profession)
);
INSERT INTO outreach_visit_profession (visit_id, profession) SELECT id, profession FROM outreach_visit;
