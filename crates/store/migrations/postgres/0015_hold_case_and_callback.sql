-- A hold placed from a case names it (case_id: the report23 row; NULL for a hold placed with a
-- typed 受付番号 only), and when it asks for another 入院形態 than the case's disposition gives,
-- the code of the confirmed reason (domain::beds::AdmissionChange; never free text).
ALTER TABLE bed_hold ADD COLUMN case_id BIGINT;
ALTER TABLE bed_hold ADD COLUMN admission_reason TEXT;

-- What a hospital sees of who asks for a bed: the municipality's 保健所 and the number to call
-- back (an office number, never a person's). Empty until set; the page then names the
-- municipality and says that no number is registered.
ALTER TABLE municipality ADD COLUMN health_centre TEXT NOT NULL DEFAULT '';
ALTER TABLE municipality ADD COLUMN callback_phone TEXT NOT NULL DEFAULT '';
