-- A new participant's figures straight from the inserted row (issue 14, lead capture on
-- PostgreSQL). Every lead's insert counted itself through count_figures('participant'),
-- which reads participant_figures back by id: six UNION ALL branches, each an index
-- lookup of the row just inserted, started as one executor per lead, inside the batch
-- where every lead waits for the one before it. For an insert the figures are known from
-- NEW; only the inviter's channel is read. This restates participant_figures (0024) for
-- one new row, branch for branch; updates and deletes still count through the view
-- (participants_counted), and tests/api/stats_counters.rs compares every counter with a
-- recount of the rows.
CREATE FUNCTION participant_inserted_counted() RETURNS trigger AS $$
BEGIN
    -- One row per figure (no two share a key), in key order as count_figures takes them.
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT NEW.campaign_id, f.figure, f.bucket, pg_backend_pid() % 8, 1 FROM (
        SELECT 'participants' AS figure, NEW.channel AS bucket
        UNION ALL SELECT 'leads', NEW.channel WHERE NEW.kind = 'lead'
        UNION ALL SELECT 'leads_on', NEW.created_day WHERE NEW.kind = 'lead'
        UNION ALL SELECT 'joined', NEW.channel WHERE NEW.status IN ('joined', 'left')
        UNION ALL SELECT 'generation', CAST(NEW.generation AS TEXT)
        UNION ALL SELECT 'invited', i.channel FROM participants i WHERE i.id = NEW.inviter_id
    ) f ORDER BY f.figure, f.bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER participants_counted_insert ON participants;
CREATE TRIGGER participants_counted_insert AFTER INSERT ON participants
    FOR EACH ROW EXECUTE FUNCTION participant_inserted_counted();
