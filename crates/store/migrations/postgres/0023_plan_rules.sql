-- Corrections of the 退院後支援計画 rules (issue 14, item 6; guideline 障発0327第16号, H30.3).
-- The person's own consent: a 家族等's view is kept beside the consent answer (the relation as a
-- code, what they said sealed) and never replaces it. Plans opened earlier on a 家族等's answer
-- keep their rows as they are (consent_party = 'family'); the page reads them 要確認.
ALTER TABLE plan_event ADD COLUMN family_relation TEXT;
ALTER TABLE plan_event ADD COLUMN family_view_sealed TEXT;
-- An extension needs a 支援会議 held for it since the last extension: the day of that meeting,
-- taken from the meetings already recorded for an extension after the last extension.
ALTER TABLE discharge_plan ADD COLUMN extension_meeting_on TEXT;
-- (A meeting on the day of the last extension is taken as that extension's own.)
UPDATE discharge_plan SET extension_meeting_on = (
    SELECT MAX(m.held_on) FROM plan_meeting m
    WHERE m.plan_id = discharge_plan.id AND m.purpose = 'extension'
      AND m.held_on > COALESCE(
          (SELECT MAX(e.occurred_on) FROM plan_event e WHERE e.plan_id = discharge_plan.id AND e.kind = 'extend'),
          '0000-01-01'));
-- 警察 at a 支援会議: whether they attended and the guideline's conditions confirmed (codes,
-- comma-separated: support_only, views_heard, others_agreed, person_not_refused).
ALTER TABLE plan_meeting ADD COLUMN police_attended BIGINT NOT NULL DEFAULT 0 CHECK (police_attended IN (0, 1));
ALTER TABLE plan_meeting ADD COLUMN police_conditions TEXT NOT NULL DEFAULT '';
