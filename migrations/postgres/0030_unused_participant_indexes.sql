-- Two indexes of participants that no query reads, written by every lead.
-- participants_by_visitor (campaign_id, visitor_hash): a lead's visitor_hash is its device
-- id, which is read through participants_by_device; nothing looks a participant up by it.
-- Its key is random, so at a million participants nearly every lead dirtied a page of it
-- of its own, one more page in each commit's write-ahead log.
-- participants_by_day (created_day, campaign_id): read by the daily lead counts before
-- they were kept as counters (migration 0024); nothing reads it since.
DROP INDEX participants_by_visitor;
DROP INDEX participants_by_day;
