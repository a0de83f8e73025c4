-- Routing reads the next open group of a campaign's pool in fill order. This partial
-- index holds only the groups a person can be routed to with a seat left (counting seats
-- held for people not yet joined): a group leaves it as it fills or closes and returns
-- when a seat comes back, so the first rows are the next groups to fill, however many
-- groups the campaign has. `expires_at` is carried so expired codes are skipped in the
-- index. The routing query repeats this predicate word for word (planners match it).
CREATE INDEX groups_open_in_fill_order ON groups (campaign_id, position, created_at, id, expires_at)
    WHERE NOT closed AND kind <> 'vip' AND capacity > members + reserved;
