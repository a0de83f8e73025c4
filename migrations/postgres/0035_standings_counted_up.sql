-- An inviter's standing grows by one when a referral qualifies, without recounting their
-- referrals (issue 14). 0022's trigger recounted the inviter's qualified referrals and read
-- every one of them for the latest time on each change, once per row of a batch of leads: a
-- popular inviter's thousandth friend read a thousand rows. A referral entering the
-- qualified state now adds one and moves the time forward (the count and the latest time of
-- a set grown by one element; the upsert serializes servers on the inviter's row and the
-- additions commute); one leaving it, or changing its time while qualified, is rare (a hold,
-- a leave, a review) and still recounts under the row's lock, so the table stays exact.
CREATE OR REPLACE FUNCTION inviter_standings_follow() RETURNS trigger AS $$
DECLARE
    who TEXT;
    campaign TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'qualified' THEN RETURN NULL; END IF;
        who := OLD.inviter_id; campaign := OLD.campaign_id;
    ELSIF NEW.state = 'qualified' AND (TG_OP = 'INSERT' OR OLD.state <> 'qualified') THEN
        INSERT INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
            VALUES (NEW.inviter_id, NEW.campaign_id, 1, COALESCE(NEW.qualified_at, NEW.created_at))
            ON CONFLICT (inviter_id) DO UPDATE SET qualified = inviter_standings.qualified + 1,
                reached_at = GREATEST(inviter_standings.reached_at, excluded.reached_at);
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        RETURN NULL;
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
