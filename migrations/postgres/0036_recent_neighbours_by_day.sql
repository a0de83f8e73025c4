-- The fraud rules look up a lead's neighbours by network hint and by address only within
-- the IP-burst window, at most a day (`fraud.ip_burst_minutes` is 1..=1440). Their
-- indexes were led by the hash, so in a large campaign every lead's two entries landed on
-- pages anywhere in two indexes as large as the campaign: at a million participants two
-- more pages changed per lead, logged and checkpointed, and read back when the writer's
-- cache had dropped them. Led by the day the person came (UTC days of `created_at`, the
-- same expression the query names), new entries land among today's only; the lookup seeks
-- the window's day (`created_at / 86400000 = $day`), or its two when it spans midnight.
DROP INDEX participants_by_net_hint;
DROP INDEX participants_by_ip;
CREATE INDEX participants_by_day_net_hint
    ON participants (campaign_id, (created_at / 86400000), net_hint, created_at);
CREATE INDEX participants_by_day_address
    ON participants (campaign_id, (created_at / 86400000), ip_hash, created_at);
