-- Issue 11 item 1: "提醒我" on a campaign that has not started. One row per phone per
-- campaign (signing up twice changes nothing), with the consent given and when. The
-- background job claims a row with a lease (`claimed_until`) before it sends, so two
-- servers never both send it (`claim_token` names the claim), and marks it `sent_at` once
-- the provider took it; the phone is then replaced by its keyed hash. A row that failed
-- `attempts` times is given up (`failed_at`).
CREATE TABLE campaign_reminders (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    phone TEXT NOT NULL,
    consent_text_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    claim_token TEXT,
    claimed_until BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at BIGINT,
    failed_at BIGINT,
    UNIQUE (campaign_id, phone)
);
CREATE INDEX campaign_reminders_due ON campaign_reminders (campaign_id) WHERE sent_at IS NULL AND failed_at IS NULL;
