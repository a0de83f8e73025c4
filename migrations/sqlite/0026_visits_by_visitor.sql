-- A page view's device is its visitor key (the page always issues the visitor cookie), so
-- a visit no longer stores that key twice: the fraud rules' "came back to the page" check
-- finds a device's views by visitor_hash, and device_id (always equal to it) is left NULL
-- from now on, 76 bytes less per view on the hottest write there is.
DROP INDEX visits_by_device;
CREATE INDEX visits_by_visitor ON visits (campaign_id, visitor_hash, visited_at);
