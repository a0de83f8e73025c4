-- Privacy (issue 8, item 13). Consent as given: when, the sha256 of the exact consent
-- text, and the channel it came through (the page's form or the public API).
ALTER TABLE participants ADD COLUMN consent_at BIGINT;
ALTER TABLE participants ADD COLUMN consent_text_sha256 TEXT;
ALTER TABLE participants ADD COLUMN consent_channel TEXT;
-- Set when a person's data was erased: the row stays as a tombstone (id, code, chain)
-- so grants and the ledger keep their amounts.
ALTER TABLE participants ADD COLUMN erased_at BIGINT;

-- Who exported or erased whose data, and when.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    subject TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, at);

-- The retention job deletes raw visits by age.
CREATE INDEX visits_by_time ON visits (visited_at);
