-- Participant search and lists (issue 10, item 2): by the last four digits of a phone
-- (phones are stored as 11 digits, so substr(phone, 8) is the last four) and pages of a
-- campaign's participants, newest first.
CREATE INDEX participants_by_last_four ON participants (campaign_id, substr(phone, 8));
CREATE INDEX participants_by_campaign_time ON participants (campaign_id, created_at, id);
