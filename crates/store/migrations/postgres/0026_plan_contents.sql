-- The contents of a 退院後支援計画 by section (issue 14 item 6; guideline 障発0327第16号, H30.3.27):
-- wishes of the person and of the family and other supporters, support by kind with agency and
-- contact, the crisis plan and who is in charge, as one sealed JSON document
-- (nimo_domain::plans::contents::PlanContents). Plans written before keep their one text in
-- contents_sealed, shown as 「従前の計画内容（自由記述）」.
ALTER TABLE discharge_plan ADD COLUMN contents_form_sealed TEXT;
