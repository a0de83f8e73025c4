-- Raw visits past retention are found from the start of the table, in the order they were
-- written (which is the order they were made, give or take a batch's linger), not through
-- an index on their time: that index was read once a tick by the retention job and
-- written by every page view, the hottest write there is (issue 14).
DROP INDEX visits_by_time;
