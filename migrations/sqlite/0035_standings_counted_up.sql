-- An inviter's standing grows by one when a referral qualifies, without recounting their
-- referrals (issue 14). 0022's triggers recounted the inviter's qualified referrals and
-- read every one of them for the latest time on each change, in the writer's transaction:
-- a popular inviter's thousandth friend read a thousand rows. A referral entering the
-- qualified state now adds one and moves the time forward (the count and the latest time of
-- a set grown by one element); one leaving it, or changing its time while qualified, is rare
-- (a hold, a leave, a review) and still recounts, so the table stays exact.
DROP TRIGGER inviter_standings_on_insert;
DROP TRIGGER inviter_standings_on_update;

CREATE TRIGGER inviter_standings_on_insert AFTER INSERT ON referrals
WHEN NEW.state = 'qualified'
BEGIN
    INSERT INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
    VALUES (NEW.inviter_id, NEW.campaign_id, 1, COALESCE(NEW.qualified_at, NEW.created_at))
    ON CONFLICT (inviter_id) DO UPDATE SET qualified = qualified + 1, reached_at = MAX(reached_at, excluded.reached_at);
END;

CREATE TRIGGER inviter_standings_on_qualifying AFTER UPDATE OF state ON referrals
WHEN OLD.state <> 'qualified' AND NEW.state = 'qualified'
BEGIN
    INSERT INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
    VALUES (NEW.inviter_id, NEW.campaign_id, 1, COALESCE(NEW.qualified_at, NEW.created_at))
    ON CONFLICT (inviter_id) DO UPDATE SET qualified = qualified + 1, reached_at = MAX(reached_at, excluded.reached_at);
END;

CREATE TRIGGER inviter_standings_on_update AFTER UPDATE OF state, qualified_at ON referrals
WHEN OLD.state = 'qualified' AND (NEW.state <> 'qualified' OR OLD.qualified_at IS NOT NEW.qualified_at)
BEGIN
    UPDATE inviter_standings SET
        qualified = (SELECT COUNT(*) FROM referrals WHERE inviter_id = NEW.inviter_id AND state = 'qualified'),
        reached_at = COALESCE((SELECT MAX(COALESCE(qualified_at, created_at)) FROM referrals
                               WHERE inviter_id = NEW.inviter_id AND state = 'qualified'), 0)
    WHERE inviter_id = NEW.inviter_id;
END;
