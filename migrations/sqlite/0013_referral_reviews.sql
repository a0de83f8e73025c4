-- The review queue (issue 10, item 3): a marketer's decision about a referral a fraud
-- rule held, one per referral (a later flag that holds it again is decided anew).
CREATE TABLE referral_reviews (
    invitee_id TEXT PRIMARY KEY REFERENCES participants (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    note TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
-- The queue is a campaign's held referrals, oldest first.
CREATE INDEX referrals_review_queue ON referrals (campaign_id, state, created_at, invitee_id);
