-- New participants counted once per statement, not once per row. A batch of leads is one
-- INSERT (src/participants/lead_write.rs, POSTGRES_LEADS); counted row by row, every lead's
-- trigger ran an upsert of its four or five counter rows, the same rows for every lead of the
-- batch, each update a new version of a row the batch had already updated. Counted over the
-- statement's new rows (a transition table), each counter row is updated once per batch by
-- the sum. The figures are 0029's, branch for branch, grouped; tests/api/stats_counters.rs
-- compares every counter with a recount of the rows.
DROP TRIGGER participants_counted_insert ON participants;
DROP FUNCTION participant_inserted_counted();

CREATE FUNCTION participants_inserted_counted() RETURNS trigger AS $$
BEGIN
    -- One row per counter (grouped), in key order as count_figures takes them.
    INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
    SELECT f.campaign_id, f.figure, f.bucket, pg_backend_pid() % 8, COUNT(*) FROM (
        SELECT campaign_id, 'participants' AS figure, channel AS bucket FROM inserted
        UNION ALL SELECT campaign_id, 'leads', channel FROM inserted WHERE kind = 'lead'
        UNION ALL SELECT campaign_id, 'leads_on', created_day FROM inserted WHERE kind = 'lead'
        UNION ALL SELECT campaign_id, 'joined', channel FROM inserted WHERE status IN ('joined', 'left')
        UNION ALL SELECT campaign_id, 'generation', CAST(generation AS TEXT) FROM inserted
        UNION ALL SELECT n.campaign_id, 'invited', i.channel FROM inserted n JOIN participants i ON i.id = n.inviter_id
    ) f GROUP BY f.campaign_id, f.figure, f.bucket ORDER BY f.campaign_id, f.figure, f.bucket
    ON CONFLICT (campaign_id, figure, bucket, shard) DO UPDATE SET n = campaign_counts.n + excluded.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER participants_counted_insert AFTER INSERT ON participants
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION participants_inserted_counted();
