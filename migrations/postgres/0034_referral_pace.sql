-- The campaign's pace per minute, kept as referrals are written (issue 14). The fraud
-- rules compare a busy inviter with the campaign's normal: invitees per active inviter over
-- the last ten minutes. Counted from the referrals, that read walked every referral of the
-- window for every invited lead whose inviter had ten friends in it, twice a lead; it was
-- most of an invited lead's cost. Now it sums at most eleven minutes' rows per shard.
--
-- `referrals` counts the referrals created in the minute; `inviters` counts the inviters
-- whose latest referral falls in it, so the inviters active since a minute are the sum of
-- `inviters` from that minute on, each inviter counted once, in the bucket of their latest
-- minute (`inviter_pace`). The trigger moves an inviter from their previous bucket to the
-- new one in the statement that writes the referral, so the counts are exact; a
-- referral's campaign, inviter and time are set once and referrals are never deleted
-- (enforced below). `shard` (the session's process id modulo 8) lets servers write apart;
-- readers sum over shards, and a shard's row may hold a negative count.
CREATE TABLE referral_pace (
    campaign_id TEXT NOT NULL,
    -- unix ms / 60000
    minute BIGINT NOT NULL,
    shard BIGINT NOT NULL,
    referrals BIGINT NOT NULL,
    inviters BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, minute, shard)
);

-- Per inviter, the minute of their latest referral (-1 for a row made before its first).
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

CREATE FUNCTION referrals_fixed_for_pace() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'referrals are kept (referral_pace counts them)';
    END IF;
    RAISE EXCEPTION 'a referral''s campaign, inviter and time are set once (referral_pace depends on them)';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER referrals_fixed_for_pace BEFORE UPDATE OF campaign_id, inviter_id, created_at ON referrals
    FOR EACH ROW WHEN (OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.inviter_id IS DISTINCT FROM NEW.inviter_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION referrals_fixed_for_pace();
CREATE TRIGGER referrals_kept_for_pace BEFORE DELETE ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_fixed_for_pace();

-- Once per statement (a batch of leads is one INSERT). Each statement of the function reads
-- a fresh snapshot: the inviters' rows are made if missing and locked in key order first,
-- so what the last statement reads of them is what it changes, on any server.
CREATE FUNCTION referrals_paced() RETURNS trigger AS $$
BEGIN
    INSERT INTO inviter_pace (inviter_id, campaign_id, last_minute)
    SELECT inviter_id, MIN(campaign_id), -1 FROM inserted GROUP BY inviter_id ORDER BY inviter_id
    ON CONFLICT (inviter_id) DO NOTHING;
    PERFORM 1 FROM inviter_pace WHERE inviter_id IN (SELECT inviter_id FROM inserted)
    ORDER BY inviter_id FOR UPDATE;
    WITH latest AS (SELECT inviter_id, MAX(created_at / 60000) AS minute FROM inserted GROUP BY inviter_id),
    moves AS (SELECT p.inviter_id, p.campaign_id, p.last_minute AS was, l.minute AS now
              FROM inviter_pace p JOIN latest l ON l.inviter_id = p.inviter_id WHERE p.last_minute < l.minute),
    moved AS (UPDATE inviter_pace p SET last_minute = m.now FROM moves m WHERE p.inviter_id = m.inviter_id),
    deltas AS (SELECT campaign_id, created_at / 60000 AS minute, 1 AS referrals, 0 AS inviters FROM inserted
               UNION ALL SELECT campaign_id, now, 0, 1 FROM moves
               UNION ALL SELECT campaign_id, was, 0, -1 FROM moves WHERE was >= 0)
    INSERT INTO referral_pace (campaign_id, minute, shard, referrals, inviters)
    SELECT campaign_id, minute, pg_backend_pid() % 8, SUM(referrals), SUM(inviters) FROM deltas
    GROUP BY campaign_id, minute ORDER BY campaign_id, minute
    ON CONFLICT (campaign_id, minute, shard) DO UPDATE SET
        referrals = referral_pace.referrals + excluded.referrals, inviters = referral_pace.inviters + excluded.inviters;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER referrals_paced AFTER INSERT ON referrals
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_paced();

-- Read by nothing since the pace is counted (it served the ten-minute read).
DROP INDEX referrals_by_campaign_time;
