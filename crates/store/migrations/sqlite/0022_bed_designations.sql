-- The bed finder's corrections (issue 14, item 6): a hospital's designation for 措置入院 and
-- 緊急措置入院 (法29条1項, 19条の8: 'kokuto' 国等の設置, 'shitei' 指定病院, 'none' neither; existing
-- hospitals start as 'none', so that none is offered for 措置 until someone records it), whether
-- it takes admissions in the 夜間・休日 band (0/1), and each ward's 保護室 and how many are free.
ALTER TABLE hospital ADD COLUMN sochi_designation TEXT NOT NULL DEFAULT 'none'
    CHECK (sochi_designation IN ('kokuto', 'shitei', 'none'));
ALTER TABLE hospital ADD COLUMN night_holiday INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ward ADD COLUMN seclusion_rooms INTEGER NOT NULL DEFAULT 0 CHECK (seclusion_rooms >= 0);
ALTER TABLE ward ADD COLUMN seclusion_free INTEGER NOT NULL DEFAULT 0 CHECK (seclusion_free >= 0);
