-- Two more indexes of participants that no query reads by their second column, written by
-- every lead.
-- participants_by_channel (campaign_id, channel): the funnel by channel comes from counters
-- (migration 0024) and nothing looks participants up by channel since.
-- participants_by_ua_profile (campaign_id, ua_profile): the one query that reads the
-- profile (the fraud rules' share of a rare profile across the campaign) counts every lead
-- of the campaign, which the other indexes led by campaign_id serve as well.
DROP INDEX participants_by_channel;
DROP INDEX participants_by_ua_profile;
