-- Counters behind the stats (issue 14): what the funnel, the channels, the days, the
-- generations, the budget and the groups show, kept by triggers in the transaction that
-- changes the rows, so the stats read a few hundred rows instead of every participant.
--
-- Each counted table has a view saying what one of its rows adds to the counts; the
-- migration's backfill sums the views, and the triggers subtract a row's figures before it
-- changes (BEFORE UPDATE/DELETE sees the old row) and add them after (AFTER INSERT/UPDATE
-- sees the new one). A row only counts through its own columns and the campaign and
-- channel of the participants it names, which are set once (enforced below), so the
-- counts are exact. `shard` spreads the rows PostgreSQL servers write at once; SQLite has
-- one writer and always writes shard 0. Readers sum over shards.
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
SELECT id, campaign_id, 'grants' AS figure, rule_id AS bucket, 1 AS n FROM grants WHERE status <> 'revoked'
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
SELECT participant_id, MIN(campaign_id), MIN(joined_at), MAX(state = 'joined'), MAX(left_at)
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

-- The counts follow a participant's status (kind, generation and day never change after
-- capture; they are listed so a change would still be counted).
CREATE TRIGGER participants_fixed_campaign_and_channel BEFORE UPDATE OF campaign_id, channel, inviter_id ON participants
WHEN OLD.campaign_id IS NOT NEW.campaign_id OR OLD.channel IS NOT NEW.channel OR OLD.inviter_id IS NOT NEW.inviter_id
BEGIN
    SELECT RAISE(ABORT, 'a participant''s campaign, channel and inviter are set once (campaign_counts depend on them)');
END;

CREATE TRIGGER participants_counted_insert AFTER INSERT ON participants BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM participant_figures WHERE id = NEW.id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER participants_counted_before BEFORE UPDATE OF status, kind, generation, created_day ON participants
WHEN OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind OR OLD.generation IS NOT NEW.generation OR OLD.created_day IS NOT NEW.created_day
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM participant_figures WHERE id = OLD.id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER participants_counted_after AFTER UPDATE OF status, kind, generation, created_day ON participants
WHEN OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind OR OLD.generation IS NOT NEW.generation OR OLD.created_day IS NOT NEW.created_day
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM participant_figures WHERE id = NEW.id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER participants_counted_delete BEFORE DELETE ON participants BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM participant_figures WHERE id = OLD.id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER referrals_counted_insert AFTER INSERT ON referrals WHEN NEW.state = 'qualified' BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM referral_figures WHERE id = NEW.invitee_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, 0, 0, 0, 0, qualified FROM referral_quarters WHERE id = NEW.invitee_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET qualified = qualified + excluded.qualified;
END;
CREATE TRIGGER referrals_counted_before BEFORE UPDATE OF state, qualified_at, campaign_id ON referrals
WHEN (OLD.state = 'qualified' OR NEW.state = 'qualified')
 AND (OLD.state IS NOT NEW.state OR OLD.qualified_at IS NOT NEW.qualified_at OR OLD.campaign_id IS NOT NEW.campaign_id)
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM referral_figures WHERE id = OLD.invitee_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, 0, 0, 0, 0, -qualified FROM referral_quarters WHERE id = OLD.invitee_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET qualified = qualified + excluded.qualified;
END;
CREATE TRIGGER referrals_counted_after AFTER UPDATE OF state, qualified_at, campaign_id ON referrals
WHEN (OLD.state = 'qualified' OR NEW.state = 'qualified')
 AND (OLD.state IS NOT NEW.state OR OLD.qualified_at IS NOT NEW.qualified_at OR OLD.campaign_id IS NOT NEW.campaign_id)
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM referral_figures WHERE id = NEW.invitee_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, 0, 0, 0, 0, qualified FROM referral_quarters WHERE id = NEW.invitee_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET qualified = qualified + excluded.qualified;
END;
CREATE TRIGGER referrals_counted_delete BEFORE DELETE ON referrals WHEN OLD.state = 'qualified' BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM referral_figures WHERE id = OLD.invitee_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, 0, 0, 0, 0, -qualified FROM referral_quarters WHERE id = OLD.invitee_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET qualified = qualified + excluded.qualified;
END;

-- A grant's own figures, and its holder's: the holder is rewarded while a grant stands.
-- An insert cannot use a BEFORE trigger (ON CONFLICT DO NOTHING would skip the AFTER),
-- so it counts the holder when the new grant is their only standing one.
CREATE TRIGGER grants_counted_insert AFTER INSERT ON grants BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM (
        SELECT campaign_id, figure, bucket, n FROM grant_figures WHERE id = NEW.id
        UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures WHERE id = NEW.participant_id
            AND NOT EXISTS (SELECT 1 FROM grants WHERE participant_id = NEW.participant_id AND id <> NEW.id AND status <> 'revoked')
    ) f WHERE true GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER grants_counted_before BEFORE UPDATE OF status, amount, reward_type, rule_id, participant_id, campaign_id ON grants
WHEN OLD.status IS NOT NEW.status OR OLD.amount IS NOT NEW.amount OR OLD.reward_type IS NOT NEW.reward_type
  OR OLD.rule_id IS NOT NEW.rule_id OR OLD.participant_id IS NOT NEW.participant_id OR OLD.campaign_id IS NOT NEW.campaign_id
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM (
        SELECT campaign_id, figure, bucket, n FROM grant_figures WHERE id = OLD.id
        UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures WHERE id IN (OLD.participant_id, NEW.participant_id)
    ) f WHERE true GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER grants_counted_after AFTER UPDATE OF status, amount, reward_type, rule_id, participant_id, campaign_id ON grants
WHEN OLD.status IS NOT NEW.status OR OLD.amount IS NOT NEW.amount OR OLD.reward_type IS NOT NEW.reward_type
  OR OLD.rule_id IS NOT NEW.rule_id OR OLD.participant_id IS NOT NEW.participant_id OR OLD.campaign_id IS NOT NEW.campaign_id
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM (
        SELECT campaign_id, figure, bucket, n FROM grant_figures WHERE id = NEW.id
        UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures WHERE id IN (OLD.participant_id, NEW.participant_id)
    ) f WHERE true GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER grants_counted_delete_before BEFORE DELETE ON grants BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM (
        SELECT campaign_id, figure, bucket, n FROM grant_figures WHERE id = OLD.id
        UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures WHERE id = OLD.participant_id
    ) f WHERE true GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER grants_counted_delete_after AFTER DELETE ON grants BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM holder_figures WHERE id = OLD.participant_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;

-- Group memberships: who ever joined each group, and each person's stay (only rows with
-- a join count, so routing's reservations cost nothing here). No INSERT OR IGNORE: the
-- upsert that fires these triggers would turn its IGNORE into ABORT.
CREATE TRIGGER group_assignments_counted_insert AFTER INSERT ON group_assignments WHEN NEW.joined_at IS NOT NULL BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM assignment_figures
    WHERE participant_id = NEW.participant_id AND group_id = NEW.group_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO group_stays (participant_id, campaign_id) SELECT NEW.participant_id, NEW.campaign_id
    WHERE NOT EXISTS (SELECT 1 FROM group_stays WHERE participant_id = NEW.participant_id);
    UPDATE group_stays SET (first_join, still_in, last_left) = (
        SELECT MIN(joined_at), MAX(state = 'joined'), MAX(left_at) FROM group_assignments
        WHERE participant_id = NEW.participant_id AND joined_at IS NOT NULL)
    WHERE participant_id = NEW.participant_id;
END;
CREATE TRIGGER group_assignments_counted_before BEFORE UPDATE OF joined_at, group_id, campaign_id ON group_assignments
WHEN (OLD.joined_at IS NULL) IS NOT (NEW.joined_at IS NULL) OR OLD.group_id IS NOT NEW.group_id OR OLD.campaign_id IS NOT NEW.campaign_id
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM assignment_figures
    WHERE participant_id = OLD.participant_id AND group_id = OLD.group_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER group_assignments_counted_after AFTER UPDATE OF joined_at, group_id, campaign_id ON group_assignments
WHEN (OLD.joined_at IS NULL) IS NOT (NEW.joined_at IS NULL) OR OLD.group_id IS NOT NEW.group_id OR OLD.campaign_id IS NOT NEW.campaign_id
BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, SUM(n) FROM assignment_figures
    WHERE participant_id = NEW.participant_id AND group_id = NEW.group_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER group_assignments_stay_update AFTER UPDATE OF state, joined_at, left_at ON group_assignments
WHEN (OLD.joined_at IS NOT NULL OR NEW.joined_at IS NOT NULL)
 AND (OLD.state IS NOT NEW.state OR OLD.joined_at IS NOT NEW.joined_at OR OLD.left_at IS NOT NEW.left_at)
BEGIN
    INSERT INTO group_stays (participant_id, campaign_id) SELECT NEW.participant_id, NEW.campaign_id
    WHERE NOT EXISTS (SELECT 1 FROM group_stays WHERE participant_id = NEW.participant_id);
    UPDATE group_stays SET (first_join, still_in, last_left) = (
        SELECT MIN(joined_at), MAX(state = 'joined'), MAX(left_at) FROM group_assignments
        WHERE participant_id = NEW.participant_id AND joined_at IS NOT NULL)
    WHERE participant_id = NEW.participant_id;
END;
CREATE TRIGGER group_assignments_counted_delete BEFORE DELETE ON group_assignments WHEN OLD.joined_at IS NOT NULL BEGIN
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT campaign_id, figure, bucket, 0, -SUM(n) FROM assignment_figures
    WHERE participant_id = OLD.participant_id AND group_id = OLD.group_id GROUP BY campaign_id, figure, bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER group_assignments_stay_delete AFTER DELETE ON group_assignments WHEN OLD.joined_at IS NOT NULL BEGIN
    UPDATE group_stays SET (first_join, still_in, last_left) = (
        SELECT MIN(joined_at), MAX(state = 'joined'), MAX(left_at) FROM group_assignments
        WHERE participant_id = OLD.participant_id AND joined_at IS NOT NULL)
    WHERE participant_id = OLD.participant_id;
END;

CREATE TRIGGER group_stays_counted_insert AFTER INSERT ON group_stays WHEN NEW.first_join IS NOT NULL BEGIN
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, first_joins, kept_1d, kept_7d, kept_30d, 0 FROM stay_quarters WHERE id = NEW.participant_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET first_joins = first_joins + excluded.first_joins,
        kept_1d = kept_1d + excluded.kept_1d, kept_7d = kept_7d + excluded.kept_7d, kept_30d = kept_30d + excluded.kept_30d;
END;
CREATE TRIGGER group_stays_counted_before BEFORE UPDATE ON group_stays
WHEN OLD.first_join IS NOT NEW.first_join OR OLD.still_in IS NOT NEW.still_in OR OLD.last_left IS NOT NEW.last_left
BEGIN
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, -first_joins, -kept_1d, -kept_7d, -kept_30d, 0 FROM stay_quarters WHERE id = OLD.participant_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET first_joins = first_joins + excluded.first_joins,
        kept_1d = kept_1d + excluded.kept_1d, kept_7d = kept_7d + excluded.kept_7d, kept_30d = kept_30d + excluded.kept_30d;
END;
CREATE TRIGGER group_stays_counted_after AFTER UPDATE ON group_stays
WHEN OLD.first_join IS NOT NEW.first_join OR OLD.still_in IS NOT NEW.still_in OR OLD.last_left IS NOT NEW.last_left
BEGIN
    INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
    SELECT campaign_id, quarter, 0, first_joins, kept_1d, kept_7d, kept_30d, 0 FROM stay_quarters WHERE id = NEW.participant_id
    ON CONFLICT (campaign_id, quarter, shard) DO UPDATE SET first_joins = first_joins + excluded.first_joins,
        kept_1d = kept_1d + excluded.kept_1d, kept_7d = kept_7d + excluded.kept_7d, kept_30d = kept_30d + excluded.kept_30d;
END;

-- The group events list pages newest first by (received_at, id).
CREATE INDEX group_events_newest ON group_events (campaign_id, status, received_at DESC, id);
CREATE INDEX group_events_newest_any ON group_events (status, received_at DESC, id);
