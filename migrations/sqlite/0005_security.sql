-- Issue 8: tokens expire; phone numbers are proved by an SMS code before a second device
-- sees a participant's rewards.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
