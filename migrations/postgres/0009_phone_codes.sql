-- Issue 8 item 1: a phone number is proved by a six-digit SMS code before a second
-- device sees a participant's rewards. The code is stored only as an HMAC (keyed with
-- the server's signing secret); a code lives 5 minutes and allows 5 tries.
CREATE TABLE phone_codes (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    consumed_at BIGINT
);
CREATE INDEX phone_codes_participant ON phone_codes (participant_id, created_at);

-- Send limits shared by every server: one row per limit and window (`phone-min:<id>`,
-- `phone-day:<id>:<day>`, `ip-hour:<hash>:<hour>`), raised atomically by an upsert that
-- refuses past the limit. Rows past `expires_at` are swept on later sends.
CREATE TABLE sms_send_counters (
    bucket TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sms_send_counters_expiry ON sms_send_counters (expires_at);
