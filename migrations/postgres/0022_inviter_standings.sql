-- Per inviter: how many of their referrals are qualified and when the last of them got
-- there (issue 14). The leaderboard and a person's rank read this table through an index
-- instead of grouping every qualified referral of the campaign. A trigger keeps it in the
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

-- Several servers may change referrals of one inviter at once: the row is locked first,
-- then recounted by a statement whose snapshot sees every commit before the lock was
-- granted (READ COMMITTED takes one per statement), so the last writer counts everyone.
CREATE FUNCTION inviter_standings_follow() RETURNS trigger AS $$
DECLARE
    who TEXT;
    campaign TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'qualified' THEN RETURN NULL; END IF;
        who := OLD.inviter_id; campaign := OLD.campaign_id;
    ELSIF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'qualified' THEN RETURN NULL; END IF;
        who := NEW.inviter_id; campaign := NEW.campaign_id;
    ELSE
        IF (OLD.state = 'qualified') = (NEW.state = 'qualified')
           AND NOT (NEW.state = 'qualified' AND OLD.qualified_at IS DISTINCT FROM NEW.qualified_at) THEN
            RETURN NULL;
        END IF;
        who := NEW.inviter_id; campaign := NEW.campaign_id;
    END IF;
    INSERT INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
        VALUES (who, campaign, 0, 0) ON CONFLICT (inviter_id) DO NOTHING;
    PERFORM 1 FROM inviter_standings WHERE inviter_id = who FOR UPDATE;
    UPDATE inviter_standings SET
        qualified = (SELECT COUNT(*) FROM referrals WHERE inviter_id = who AND state = 'qualified'),
        reached_at = COALESCE((SELECT MAX(COALESCE(qualified_at, created_at)) FROM referrals
                               WHERE inviter_id = who AND state = 'qualified'), 0)
    WHERE inviter_id = who;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inviter_standings_follow AFTER INSERT OR UPDATE OF state, qualified_at OR DELETE ON referrals
    FOR EACH ROW EXECUTE FUNCTION inviter_standings_follow();

-- The hold settlement job asks for holds that have run out: an index on just those.
CREATE INDEX referrals_holding ON referrals (hold_until) WHERE state = 'holding';
