-- API tokens get scopes (what they may be used for), an expiry and the time they were last used.
-- Tokens made before carry every scope (their user's role still limits them, as before) and
-- expire 90 days after they were made.
ALTER TABLE api_token ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE api_token ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_token ADD COLUMN last_used_at INTEGER;
UPDATE api_token SET scopes = 'sheets:read beds:read beds:write holds:write holds:answer',
    expires_at = created_at + 7776000;
CREATE INDEX api_token_by_user ON api_token (user_id);
