-- TOTP secrets are personal credentials: from now on they are stored sealed with nimo-vault
-- (AES-256-GCM, key id per value, bound to their row and column), never as plain base32.
-- The keys live outside the database, so this migration cannot seal existing secrets itself:
-- `nimo serve` seals any left in the old columns at start-up (accounts::seal_plain_totp_secrets)
-- and clears them. The old columns stay only for that hand-over and are always NULL afterwards.
ALTER TABLE app_user ADD COLUMN totp_secret_sealed TEXT;
ALTER TABLE app_user ADD COLUMN totp_pending_sealed TEXT;
