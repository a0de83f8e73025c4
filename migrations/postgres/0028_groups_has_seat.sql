-- Taking a seat changed `reserved`, a column of the open-groups index's predicate
-- (migration 0010), so PostgreSQL could never update a group in place (a HOT update):
-- each seat added an entry to each of the table's three indexes, and until the next
-- vacuum routing walked the dead versions of the group filling now (after 15 s of leads:
-- 0 of 15,845 updates in place, 195 heap fetches to find the first open group). The
-- predicate now reads `has_seat`, the same test stored with the row, which changes only
-- when the group fills or a seat comes back; routing's query repeats it (open_group! in
-- src/groups/routing.rs). Pages keep room for a group's new versions.
ALTER TABLE groups SET (fillfactor = 70);
ALTER TABLE groups ADD COLUMN has_seat BOOLEAN GENERATED ALWAYS AS (capacity > members + reserved) STORED;
DROP INDEX groups_open_in_fill_order;
CREATE INDEX groups_open_in_fill_order ON groups (campaign_id, position, created_at, id, expires_at)
    WHERE NOT closed AND kind <> 'vip' AND has_seat;
