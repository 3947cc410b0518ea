-- A hold may be withdrawn by the staff member who placed it (state 'cancelled').
ALTER TABLE bed_hold DROP CONSTRAINT bed_hold_state_check;
ALTER TABLE bed_hold ADD CONSTRAINT bed_hold_state_check
    CHECK (state IN ('held', 'accepted', 'declined', 'expired', 'cancelled'));
