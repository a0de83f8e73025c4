-- The stats (issue 10, item 1) count participants per generation and follow the deepest
-- referral chain from its last participant; both read this index, not the campaign's rows.
CREATE INDEX participants_by_generation ON participants (campaign_id, generation, created_at);
