-- The campaign's pace per minute, kept as referrals are written (issue 14). The fraud
-- rules compare a busy inviter with the campaign's normal: invitees per active inviter over
-- the last ten minutes. Counted from the referrals, that read walked every referral of the
-- window (COUNT and COUNT DISTINCT over 10,000 rows took 6 ms) for every invited lead
-- whose inviter had ten friends in it, twice a lead; it was most of an invited lead's cost.
-- Now it sums at most eleven minutes' rows.
--
-- `referrals` counts the referrals created in the minute; `inviters` counts the inviters
-- whose latest referral falls in it, so the inviters active since a minute are the sum of
-- `inviters` from that minute on, each inviter counted once, in the bucket of their latest
-- minute (`inviter_pace`). The triggers move an inviter from their previous bucket to the
-- new one in the transaction that writes the referral, so the counts are exact; a
-- referral's campaign, inviter and time are set once and referrals are never deleted
-- (enforced below). `shard` is PostgreSQL's (servers writing apart); SQLite writes 0.
CREATE TABLE referral_pace (
    campaign_id TEXT NOT NULL,
    -- unix ms / 60000
    minute BIGINT NOT NULL,
    shard BIGINT NOT NULL,
    referrals BIGINT NOT NULL,
    inviters BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, minute, shard)
);

-- Per inviter, the minute of their latest referral.
CREATE TABLE inviter_pace (
    inviter_id TEXT PRIMARY KEY REFERENCES participants (id),
    campaign_id TEXT NOT NULL,
    last_minute BIGINT NOT NULL
);

INSERT INTO inviter_pace (inviter_id, campaign_id, last_minute)
SELECT inviter_id, MIN(campaign_id), MAX(created_at) / 60000 FROM referrals GROUP BY inviter_id;

INSERT INTO referral_pace (campaign_id, minute, shard, referrals, inviters)
SELECT campaign_id, minute, 0, SUM(referrals), SUM(inviters) FROM (
    SELECT campaign_id, created_at / 60000 AS minute, 1 AS referrals, 0 AS inviters FROM referrals
    UNION ALL SELECT campaign_id, last_minute, 0, 1 FROM inviter_pace
) r GROUP BY campaign_id, minute;

CREATE TRIGGER referrals_fixed_for_pace BEFORE UPDATE OF campaign_id, inviter_id, created_at ON referrals
WHEN OLD.campaign_id IS NOT NEW.campaign_id OR OLD.inviter_id IS NOT NEW.inviter_id OR OLD.created_at IS NOT NEW.created_at
BEGIN
    SELECT RAISE(ABORT, 'a referral''s campaign, inviter and time are set once (referral_pace depends on them)');
END;

CREATE TRIGGER referrals_kept_for_pace BEFORE DELETE ON referrals BEGIN
    SELECT RAISE(ABORT, 'referrals are kept (referral_pace counts them)');
END;

-- The statements run in order: the inviter leaves the bucket of an earlier latest minute
-- and enters this one (unless a referral of theirs is already as late: two leads written
-- out of their time order), then their latest minute moves.
CREATE TRIGGER referrals_paced AFTER INSERT ON referrals BEGIN
    INSERT INTO referral_pace (campaign_id, minute, shard, referrals, inviters)
    VALUES (NEW.campaign_id, NEW.created_at / 60000, 0, 1, 0)
    ON CONFLICT (campaign_id, minute, shard) DO UPDATE SET referrals = referrals + 1;
    UPDATE referral_pace SET inviters = inviters - 1
    WHERE campaign_id = NEW.campaign_id AND shard = 0 AND minute = (
        SELECT last_minute FROM inviter_pace
        WHERE inviter_id = NEW.inviter_id AND last_minute < NEW.created_at / 60000);
    UPDATE referral_pace SET inviters = inviters + 1
    WHERE campaign_id = NEW.campaign_id AND shard = 0 AND minute = NEW.created_at / 60000
      AND NOT EXISTS (SELECT 1 FROM inviter_pace
                      WHERE inviter_id = NEW.inviter_id AND last_minute >= NEW.created_at / 60000);
    INSERT INTO inviter_pace (inviter_id, campaign_id, last_minute)
    VALUES (NEW.inviter_id, NEW.campaign_id, NEW.created_at / 60000)
    ON CONFLICT (inviter_id) DO UPDATE SET last_minute = excluded.last_minute
    WHERE last_minute < excluded.last_minute;
END;

-- Read by nothing since the pace is counted (it served the ten-minute read).
DROP INDEX referrals_by_campaign_time;
