-- Counters behind the stats (issue 14): what the funnel, the channels, the days, the
-- generations, the budget and the groups show, kept by triggers in the transaction that
-- changes the rows, so the stats read a few hundred rows instead of every participant.
--
-- Each counted table has a view saying what one of its rows adds to the counts; the
-- migration's backfill sums the views, and the triggers subtract a row's figures before it
-- changes (BEFORE UPDATE/DELETE sees the old row) and add them after (AFTER INSERT/UPDATE
-- sees the new one). A row only counts through its own columns and the campaign and
-- channel of the participants it names, which are set once (enforced below), so the
-- counts are exact. One counter row per key would make every lead of a campaign wait for
-- the one before it to commit; `shard` (the session's process id modulo 8) lets servers'
-- connections write apart. Readers sum over shards.
CREATE TABLE campaign_counts (
    campaign_id TEXT NOT NULL,
    -- participants, leads, joined, invited (by the inviter's channel), qualified, rewarded
    -- and holder_cash (by channel); leads_on (by created_day); generation; grants, cash
    -- and paid_cash (by rule); group_joined (by group id)
    figure TEXT NOT NULL,
    bucket TEXT NOT NULL,
    shard BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, figure, bucket, shard)
);
CREATE INDEX campaign_counts_by_bucket ON campaign_counts (figure, bucket);

-- Per quarter hour (unix ms / 900000): people whose first group join fell in it, those of
-- them still in a group 1, 7 and 30 days after it (stats::service::RETENTION_DAYS), and
-- referrals that qualified in it. Quarter hours add up to days at any reporting offset
-- in whole quarter hours.
CREATE TABLE quarter_hour_counts (
    campaign_id TEXT NOT NULL,
    quarter BIGINT NOT NULL,
    shard BIGINT NOT NULL,
    first_joins BIGINT NOT NULL,
    kept_1d BIGINT NOT NULL,
    kept_7d BIGINT NOT NULL,
    kept_30d BIGINT NOT NULL,
    qualified BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, quarter, shard)
);

-- Per person who ever joined a group of the campaign: the first join, whether some
-- membership is current, the last leave. Retention reads it for the quarter hour a
-- window's edge falls in.
CREATE TABLE group_stays (
    participant_id TEXT PRIMARY KEY REFERENCES participants (id),
    campaign_id TEXT NOT NULL,
    first_join BIGINT,
    still_in BOOLEAN,
    last_left BIGINT
);
CREATE INDEX group_stays_by_first_join ON group_stays (campaign_id, first_join);

CREATE VIEW participant_figures AS
SELECT id, campaign_id, 'participants' AS figure, channel AS bucket, 1 AS n FROM participants
UNION ALL SELECT id, campaign_id, 'leads', channel, 1 FROM participants WHERE kind = 'lead'
UNION ALL SELECT id, campaign_id, 'leads_on', created_day, 1 FROM participants WHERE kind = 'lead'
UNION ALL SELECT id, campaign_id, 'joined', channel, 1 FROM participants WHERE status IN ('joined', 'left')
UNION ALL SELECT id, campaign_id, 'generation', CAST(generation AS TEXT), 1 FROM participants
UNION ALL SELECT p.id, p.campaign_id, 'invited', i.channel, 1 FROM participants p JOIN participants i ON i.id = p.inviter_id;

CREATE VIEW referral_figures AS
SELECT r.invitee_id AS id, r.campaign_id, 'qualified' AS figure, p.channel AS bucket, 1 AS n
FROM referrals r JOIN participants p ON p.id = r.invitee_id WHERE r.state = 'qualified';

CREATE VIEW grant_figures AS
SELECT id, campaign_id, 'grants' AS figure, rule_id AS bucket, CAST(1 AS BIGINT) AS n FROM grants WHERE status <> 'revoked'
UNION ALL SELECT id, campaign_id, 'cash', rule_id, amount FROM grants WHERE status <> 'revoked' AND reward_type = 'cash'
UNION ALL SELECT id, campaign_id, 'paid_cash', rule_id, amount FROM grants WHERE status = 'paid' AND reward_type = 'cash'
UNION ALL SELECT g.id, g.campaign_id, 'holder_cash', p.channel, g.amount FROM grants g JOIN participants p ON p.id = g.participant_id
    WHERE g.status <> 'revoked' AND g.reward_type = 'cash';

-- A participant counts once as rewarded while any of their grants stands.
CREATE VIEW holder_figures AS
SELECT p.id, p.campaign_id, 'rewarded' AS figure, p.channel AS bucket, 1 AS n FROM participants p
WHERE EXISTS (SELECT 1 FROM grants g WHERE g.participant_id = p.id AND g.status <> 'revoked');

CREATE VIEW assignment_figures AS
SELECT participant_id, group_id, campaign_id, 'group_joined' AS figure, group_id AS bucket, 1 AS n
FROM group_assignments WHERE joined_at IS NOT NULL;

CREATE VIEW stay_quarters AS
SELECT participant_id AS id, campaign_id, first_join / 900000 AS quarter, 1 AS first_joins,
    CASE WHEN still_in OR last_left >= first_join + 86400000 THEN 1 ELSE 0 END AS kept_1d,
    CASE WHEN still_in OR last_left >= first_join + 604800000 THEN 1 ELSE 0 END AS kept_7d,
    CASE WHEN still_in OR last_left >= first_join + 2592000000 THEN 1 ELSE 0 END AS kept_30d,
    0 AS qualified
FROM group_stays WHERE first_join IS NOT NULL;

CREATE VIEW referral_quarters AS
SELECT invitee_id AS id, campaign_id, qualified_at / 900000 AS quarter, 0 AS first_joins, 0 AS kept_1d,
    0 AS kept_7d, 0 AS kept_30d, 1 AS qualified
FROM referrals WHERE state = 'qualified' AND qualified_at IS NOT NULL;

-- The backfill.
INSERT INTO group_stays (participant_id, campaign_id, first_join, still_in, last_left)
SELECT participant_id, MIN(campaign_id), MIN(joined_at), BOOL_OR(state = 'joined'), MAX(left_at)
FROM group_assignments WHERE joined_at IS NOT NULL GROUP BY participant_id;

INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
SELECT campaign_id, figure, bucket, 0, SUM(n) FROM (
    SELECT campaign_id, figure, bucket, n FROM participant_figures
    UNION ALL SELECT campaign_id, figure, bucket, n FROM referral_figures
    UNION ALL SELECT campaign_id, figure, bucket, n FROM grant_figures
    UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures
    UNION ALL SELECT campaign_id, figure, bucket, n FROM assignment_figures
) f GROUP BY campaign_id, figure, bucket;

INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
SELECT campaign_id, quarter, 0, SUM(first_joins), SUM(kept_1d), SUM(kept_7d), SUM(kept_30d), SUM(qualified) FROM (
    SELECT * FROM stay_quarters UNION ALL SELECT * FROM referral_quarters
) q GROUP BY campaign_id, quarter;

-- Adds `sign` times the figures of one row (its id in `ids`, the view named by `source`)
-- to the counts, in key order so concurrent writers lock counter rows in one order.
CREATE FUNCTION count_figures(source TEXT, ids TEXT[], sign BIGINT) RETURNS void AS $$
BEGIN
    IF source = 'participant' THEN
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, pg_backend_pid() % 8, sign * SUM(n) FROM participant_figures
        WHERE id = ANY(ids) GROUP BY campaign_id, figure, bucket ORDER BY campaign_id, figure, bucket
        ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
    ELSIF source = 'referral' THEN
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, pg_backend_pid() % 8, sign * SUM(n) FROM referral_figures
        WHERE id = ANY(ids) GROUP BY campaign_id, figure, bucket ORDER BY campaign_id, figure, bucket
        ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
        INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
        SELECT campaign_id, quarter, pg_backend_pid() % 8, 0, 0, 0, 0, sign * SUM(qualified) FROM referral_quarters
        WHERE id = ANY(ids) GROUP BY campaign_id, quarter ORDER BY campaign_id, quarter
        ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET qualified = quarter_hour_counts.qualified + excluded.qualified;
    ELSIF source = 'holder' THEN
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, pg_backend_pid() % 8, sign * SUM(n) FROM holder_figures
        WHERE id = ANY(ids) GROUP BY campaign_id, figure, bucket ORDER BY campaign_id, figure, bucket
        ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
    ELSIF source = 'grant' THEN
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, pg_backend_pid() % 8, sign * SUM(n) FROM grant_figures
        WHERE id = ANY(ids) GROUP BY campaign_id, figure, bucket ORDER BY campaign_id, figure, bucket
        ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
    ELSIF source = 'stay' THEN
        INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
        SELECT campaign_id, quarter, pg_backend_pid() % 8, sign * SUM(first_joins), sign * SUM(kept_1d),
            sign * SUM(kept_7d), sign * SUM(kept_30d), 0 FROM stay_quarters
        WHERE id = ANY(ids) GROUP BY campaign_id, quarter ORDER BY campaign_id, quarter
        ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET first_joins = quarter_hour_counts.first_joins + excluded.first_joins,
            kept_1d = quarter_hour_counts.kept_1d + excluded.kept_1d, kept_7d = quarter_hour_counts.kept_7d + excluded.kept_7d,
            kept_30d = quarter_hour_counts.kept_30d + excluded.kept_30d;
    ELSE
        RAISE EXCEPTION 'count_figures: unknown source %', source;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION participants_counted() RETURNS trigger AS $$
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        IF TG_OP = 'UPDATE' AND (NEW.campaign_id IS DISTINCT FROM OLD.campaign_id OR NEW.channel IS DISTINCT FROM OLD.channel
           OR NEW.inviter_id IS DISTINCT FROM OLD.inviter_id) THEN
            RAISE EXCEPTION 'a participant''s campaign, channel and inviter are set once (campaign_counts depend on them)';
        END IF;
        PERFORM count_figures('participant', ARRAY[OLD.id], -1);
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    PERFORM count_figures('participant', ARRAY[NEW.id], 1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER participants_counted_insert AFTER INSERT ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_counted();
CREATE TRIGGER participants_counted_before BEFORE UPDATE OF status, kind, generation, created_day, campaign_id, channel, inviter_id ON participants
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.generation IS DISTINCT FROM NEW.generation OR OLD.created_day IS DISTINCT FROM NEW.created_day
        OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.channel IS DISTINCT FROM NEW.channel
        OR OLD.inviter_id IS DISTINCT FROM NEW.inviter_id)
    EXECUTE FUNCTION participants_counted();
CREATE TRIGGER participants_counted_after AFTER UPDATE OF status, kind, generation, created_day ON participants
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.generation IS DISTINCT FROM NEW.generation OR OLD.created_day IS DISTINCT FROM NEW.created_day)
    EXECUTE FUNCTION participants_counted();
CREATE TRIGGER participants_counted_delete BEFORE DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_counted();

CREATE FUNCTION referrals_counted() RETURNS trigger AS $$
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        PERFORM count_figures('referral', ARRAY[OLD.invitee_id], -1);
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    PERFORM count_figures('referral', ARRAY[NEW.invitee_id], 1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER referrals_counted_insert AFTER INSERT ON referrals
    FOR EACH ROW WHEN (NEW.state = 'qualified') EXECUTE FUNCTION referrals_counted();
CREATE TRIGGER referrals_counted_before BEFORE UPDATE OF state, qualified_at, campaign_id ON referrals
    FOR EACH ROW WHEN ((OLD.state = 'qualified' OR NEW.state = 'qualified')
        AND (OLD.state IS DISTINCT FROM NEW.state OR OLD.qualified_at IS DISTINCT FROM NEW.qualified_at
             OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id))
    EXECUTE FUNCTION referrals_counted();
CREATE TRIGGER referrals_counted_after AFTER UPDATE OF state, qualified_at, campaign_id ON referrals
    FOR EACH ROW WHEN ((OLD.state = 'qualified' OR NEW.state = 'qualified')
        AND (OLD.state IS DISTINCT FROM NEW.state OR OLD.qualified_at IS DISTINCT FROM NEW.qualified_at
             OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id))
    EXECUTE FUNCTION referrals_counted();
CREATE TRIGGER referrals_counted_delete BEFORE DELETE ON referrals
    FOR EACH ROW WHEN (OLD.state = 'qualified') EXECUTE FUNCTION referrals_counted();

-- A grant's own figures, and its holder's: the holder is rewarded while a grant stands.
-- Whether a holder has another standing grant is read under a lock per holder, so two
-- servers granting one person at once count them once. An insert cannot use a BEFORE
-- trigger (ON CONFLICT DO NOTHING would skip the AFTER), so it counts the holder when the
-- new grant is their only standing one.
CREATE FUNCTION grants_counted() RETURNS trigger AS $$
DECLARE
    holders TEXT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('reward_holder:' || NEW.participant_id, 0));
        PERFORM count_figures('grant', ARRAY[NEW.id], 1);
        IF NEW.status <> 'revoked' AND NOT EXISTS (SELECT 1 FROM grants WHERE participant_id = NEW.participant_id
                                                   AND id <> NEW.id AND status <> 'revoked') THEN
            PERFORM count_figures('holder', ARRAY[NEW.participant_id], 1);
        END IF;
        RETURN NULL;
    END IF;
    holders := CASE WHEN TG_OP = 'DELETE' THEN ARRAY[OLD.participant_id]
                    ELSE ARRAY(SELECT DISTINCT unnest(ARRAY[OLD.participant_id, NEW.participant_id])) END;
    IF TG_WHEN = 'BEFORE' THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('reward_holder:' || h, 0)) FROM unnest(holders) h ORDER BY h;
        PERFORM count_figures('grant', ARRAY[OLD.id], -1);
        PERFORM count_figures('holder', holders, -1);
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM count_figures('grant', ARRAY[NEW.id], 1);
    END IF;
    PERFORM count_figures('holder', holders, 1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER grants_counted_insert AFTER INSERT ON grants
    FOR EACH ROW EXECUTE FUNCTION grants_counted();
CREATE TRIGGER grants_counted_before BEFORE UPDATE OF status, amount, reward_type, rule_id, participant_id, campaign_id ON grants
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount IS DISTINCT FROM NEW.amount
        OR OLD.reward_type IS DISTINCT FROM NEW.reward_type OR OLD.rule_id IS DISTINCT FROM NEW.rule_id
        OR OLD.participant_id IS DISTINCT FROM NEW.participant_id OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)
    EXECUTE FUNCTION grants_counted();
CREATE TRIGGER grants_counted_after AFTER UPDATE OF status, amount, reward_type, rule_id, participant_id, campaign_id ON grants
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount IS DISTINCT FROM NEW.amount
        OR OLD.reward_type IS DISTINCT FROM NEW.reward_type OR OLD.rule_id IS DISTINCT FROM NEW.rule_id
        OR OLD.participant_id IS DISTINCT FROM NEW.participant_id OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)
    EXECUTE FUNCTION grants_counted();
CREATE TRIGGER grants_counted_delete_before BEFORE DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION grants_counted();
CREATE TRIGGER grants_counted_delete_after AFTER DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION grants_counted();

-- Group memberships: who ever joined each group, and each person's stay (only rows with
-- a join count, so routing's reservations cost nothing here). The stay is recounted from
-- the person's memberships under the lock of their group_stays row, by a statement whose
-- snapshot sees every commit before the lock was granted.
CREATE FUNCTION group_assignments_counted() RETURNS trigger AS $$
DECLARE
    who TEXT := COALESCE(NEW.participant_id, OLD.participant_id);
    campaign TEXT := COALESCE(NEW.campaign_id, OLD.campaign_id);
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, pg_backend_pid() % 8, -SUM(n) FROM assignment_figures
        WHERE participant_id = OLD.participant_id AND group_id = OLD.group_id GROUP BY campaign_id, figure, bucket
        ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, pg_backend_pid() % 8, SUM(n) FROM assignment_figures
        WHERE participant_id = NEW.participant_id AND group_id = NEW.group_id GROUP BY campaign_id, figure, bucket
        ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
    END IF;
    INSERT INTO group_stays (participant_id, campaign_id) VALUES (who, campaign) ON CONFLICT (participant_id) DO NOTHING;
    PERFORM 1 FROM group_stays WHERE participant_id = who FOR UPDATE;
    UPDATE group_stays SET (first_join, still_in, last_left) = (
        SELECT MIN(joined_at), BOOL_OR(state = 'joined'), MAX(left_at) FROM group_assignments
        WHERE participant_id = who AND joined_at IS NOT NULL)
    WHERE participant_id = who;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER group_assignments_counted_insert AFTER INSERT ON group_assignments
    FOR EACH ROW WHEN (NEW.joined_at IS NOT NULL) EXECUTE FUNCTION group_assignments_counted();
CREATE TRIGGER group_assignments_counted_before BEFORE UPDATE OF state, joined_at, left_at, group_id, campaign_id ON group_assignments
    FOR EACH ROW WHEN ((OLD.joined_at IS NOT NULL OR NEW.joined_at IS NOT NULL)
        AND (OLD.state IS DISTINCT FROM NEW.state OR OLD.joined_at IS DISTINCT FROM NEW.joined_at
             OR OLD.left_at IS DISTINCT FROM NEW.left_at OR OLD.group_id IS DISTINCT FROM NEW.group_id
             OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id))
    EXECUTE FUNCTION group_assignments_counted();
CREATE TRIGGER group_assignments_counted_after AFTER UPDATE OF state, joined_at, left_at, group_id, campaign_id ON group_assignments
    FOR EACH ROW WHEN ((OLD.joined_at IS NOT NULL OR NEW.joined_at IS NOT NULL)
        AND (OLD.state IS DISTINCT FROM NEW.state OR OLD.joined_at IS DISTINCT FROM NEW.joined_at
             OR OLD.left_at IS DISTINCT FROM NEW.left_at OR OLD.group_id IS DISTINCT FROM NEW.group_id
             OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id))
    EXECUTE FUNCTION group_assignments_counted();
CREATE TRIGGER group_assignments_counted_delete_before BEFORE DELETE ON group_assignments
    FOR EACH ROW WHEN (OLD.joined_at IS NOT NULL) EXECUTE FUNCTION group_assignments_counted();
CREATE TRIGGER group_assignments_counted_delete_after AFTER DELETE ON group_assignments
    FOR EACH ROW WHEN (OLD.joined_at IS NOT NULL) EXECUTE FUNCTION group_assignments_counted();

CREATE FUNCTION group_stays_counted() RETURNS trigger AS $$
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        PERFORM count_figures('stay', ARRAY[OLD.participant_id], -1);
        RETURN NEW;
    END IF;
    PERFORM count_figures('stay', ARRAY[NEW.participant_id], 1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER group_stays_counted_insert AFTER INSERT ON group_stays
    FOR EACH ROW WHEN (NEW.first_join IS NOT NULL) EXECUTE FUNCTION group_stays_counted();
CREATE TRIGGER group_stays_counted_before BEFORE UPDATE ON group_stays
    FOR EACH ROW WHEN (OLD.first_join IS DISTINCT FROM NEW.first_join OR OLD.still_in IS DISTINCT FROM NEW.still_in
        OR OLD.last_left IS DISTINCT FROM NEW.last_left)
    EXECUTE FUNCTION group_stays_counted();
CREATE TRIGGER group_stays_counted_after AFTER UPDATE ON group_stays
    FOR EACH ROW WHEN (OLD.first_join IS DISTINCT FROM NEW.first_join OR OLD.still_in IS DISTINCT FROM NEW.still_in
        OR OLD.last_left IS DISTINCT FROM NEW.last_left)
    EXECUTE FUNCTION group_stays_counted();

-- The group events list pages newest first by (received_at, id).
CREATE INDEX group_events_newest ON group_events (campaign_id, status, received_at DESC, id);
CREATE INDEX group_events_newest_any ON group_events (status, received_at DESC, id);
