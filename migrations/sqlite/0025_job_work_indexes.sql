-- Background jobs find their work through indexes (issue 14). The reward engine asks
-- for "qualified, not yet rewarded" and "cancelled after a reward, not yet revoked"
-- referrals in creation order, 200 at a time; the old indexes on (state, rewarded_at)
-- and (state, revoked_at) found the rows but not their order, so every tick read and
-- sorted all of them (a backlog of 600,000 took a core). These partial indexes hold
-- only the work, in the order it is taken, and a new lead's referral (pending or
-- holding) is in neither, so it costs no index write.
DROP INDEX referrals_to_reward;
CREATE INDEX referrals_to_reward ON referrals (created_at)
    WHERE state = 'qualified' AND rewarded_at IS NULL;
DROP INDEX referrals_to_revoke;
CREATE INDEX referrals_to_revoke ON referrals (created_at)
    WHERE state = 'cancelled' AND rewarded_at IS NOT NULL AND revoked_at IS NULL;

-- First sightings of visitors are looked up by their key only: stored in that key's
-- B-tree (WITHOUT ROWID), a new visitor is one index insert instead of a row and an
-- index entry. Every landing page view of a new visitor writes one.
CREATE TABLE visitors_by_key (
    campaign_id TEXT NOT NULL,
    visitor_hash TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, visitor_hash)
) WITHOUT ROWID;
INSERT INTO visitors_by_key (campaign_id, visitor_hash, first_seen_at)
    SELECT campaign_id, visitor_hash, first_seen_at FROM visitors;
DROP TABLE visitors;
ALTER TABLE visitors_by_key RENAME TO visitors;
