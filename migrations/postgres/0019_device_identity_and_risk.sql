-- Fraud (issue 13): a device identity with every lead and visit (the visitor cookie's key,
-- or a weak network hint for clients without one), the browser profile without its network
-- tokens, each flag's weight and reason parameters, a risk score per referral, and a queue
-- of neighbourhoods to judge again when evidence arrives (a quick leave, an import).
ALTER TABLE participants ADD COLUMN device_id TEXT;
ALTER TABLE participants ADD COLUMN device_source TEXT;
ALTER TABLE participants ADD COLUMN ua_profile TEXT;
ALTER TABLE participants ADD COLUMN net_hint TEXT;
UPDATE participants SET device_id = visitor_hash, device_source = 'network' WHERE visitor_hash IS NOT NULL;
CREATE INDEX participants_by_device ON participants (campaign_id, device_id);
CREATE INDEX participants_by_net_hint ON participants (campaign_id, net_hint, created_at);
CREATE INDEX participants_by_ua_profile ON participants (campaign_id, ua_profile);

ALTER TABLE visits ADD COLUMN device_id TEXT;
CREATE INDEX visits_by_device ON visits (campaign_id, device_id, visited_at);

ALTER TABLE fraud_flags ADD COLUMN weight BIGINT NOT NULL DEFAULT 25;
ALTER TABLE fraud_flags ADD COLUMN params TEXT;
UPDATE fraud_flags SET weight = CASE rule WHEN 'same_device_as_inviter' THEN 60
    WHEN 'shared_device_invitees' THEN 40 WHEN 'ip_burst' THEN 30 WHEN 'quick_leave' THEN 50 ELSE 25 END;

ALTER TABLE referrals ADD COLUMN risk_score BIGINT NOT NULL DEFAULT 0;
UPDATE referrals SET risk_score = LEAST(100, (SELECT COALESCE(SUM(f.weight), 0) FROM fraud_flags f
    WHERE f.participant_id = referrals.invitee_id));

CREATE TABLE fraud_rechecks (
    participant_id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    due_at BIGINT NOT NULL
);
CREATE INDEX fraud_rechecks_due ON fraud_rechecks (due_at);
