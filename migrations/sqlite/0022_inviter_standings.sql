-- Per inviter: how many of their referrals are qualified and when the last of them got
-- there (issue 14). The leaderboard and a person's rank read this table through an index
-- instead of grouping every qualified referral of the campaign. Triggers keep it in the
-- transaction that changes the referral, on every path (capture, join, leave, hold
-- settlement, fraud flags, reviews), recounting the one inviter's referrals, so it is
-- exact and cannot drift. A row whose count fell to 0 stays (it ranks nowhere).
CREATE TABLE inviter_standings (
    inviter_id TEXT PRIMARY KEY REFERENCES participants (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    qualified BIGINT NOT NULL,
    reached_at BIGINT NOT NULL
);
CREATE INDEX inviter_standings_rank ON inviter_standings (campaign_id, qualified DESC, reached_at);

INSERT INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
SELECT inviter_id, MIN(campaign_id), COUNT(*), MAX(COALESCE(qualified_at, created_at))
FROM referrals WHERE state = 'qualified' GROUP BY inviter_id;

CREATE TRIGGER inviter_standings_on_insert AFTER INSERT ON referrals
WHEN NEW.state = 'qualified'
BEGIN
    INSERT OR IGNORE INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
        VALUES (NEW.inviter_id, NEW.campaign_id, 0, 0);
    UPDATE inviter_standings SET
        qualified = (SELECT COUNT(*) FROM referrals WHERE inviter_id = NEW.inviter_id AND state = 'qualified'),
        reached_at = COALESCE((SELECT MAX(COALESCE(qualified_at, created_at)) FROM referrals
                               WHERE inviter_id = NEW.inviter_id AND state = 'qualified'), 0)
    WHERE inviter_id = NEW.inviter_id;
END;

CREATE TRIGGER inviter_standings_on_update AFTER UPDATE OF state, qualified_at ON referrals
WHEN (OLD.state = 'qualified') <> (NEW.state = 'qualified')
  OR (NEW.state = 'qualified' AND OLD.qualified_at IS NOT NEW.qualified_at)
BEGIN
    INSERT OR IGNORE INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
        VALUES (NEW.inviter_id, NEW.campaign_id, 0, 0);
    UPDATE inviter_standings SET
        qualified = (SELECT COUNT(*) FROM referrals WHERE inviter_id = NEW.inviter_id AND state = 'qualified'),
        reached_at = COALESCE((SELECT MAX(COALESCE(qualified_at, created_at)) FROM referrals
                               WHERE inviter_id = NEW.inviter_id AND state = 'qualified'), 0)
    WHERE inviter_id = NEW.inviter_id;
END;

CREATE TRIGGER inviter_standings_on_delete AFTER DELETE ON referrals
WHEN OLD.state = 'qualified'
BEGIN
    UPDATE inviter_standings SET
        qualified = (SELECT COUNT(*) FROM referrals WHERE inviter_id = OLD.inviter_id AND state = 'qualified'),
        reached_at = COALESCE((SELECT MAX(COALESCE(qualified_at, created_at)) FROM referrals
                               WHERE inviter_id = OLD.inviter_id AND state = 'qualified'), 0)
    WHERE inviter_id = OLD.inviter_id;
END;

-- The hold settlement job asks for holds that have run out: an index on just those.
CREATE INDEX referrals_holding ON referrals (hold_until) WHERE state = 'holding';
