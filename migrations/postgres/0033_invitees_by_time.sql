-- What the fraud rules read for every invited lead (twice: before its write and after it)
-- grew with the campaign; read by time now, it stops where the rules' window ends.
--
-- An inviter's latest invitees (newest first, at most 500): with the inviter alone in the
-- index, every invitee of the inviter was read and sorted each time. With the time in the
-- index the latest ones are read in order and the read stops at its limit. Lookups by
-- inviter alone (the inviter's page, the foreign key) use the same index.
CREATE INDEX participants_by_inviter_time ON participants (inviter_id, created_at);
DROP INDEX participants_by_inviter;

-- The campaign's normal pace (referrals and inviters in the last ten minutes), read once an
-- inviter has ten invitees in that window: it walked every referral of the campaign.
CREATE INDEX referrals_by_campaign_time ON referrals (campaign_id, created_at, inviter_id);
