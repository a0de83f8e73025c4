-- Rewards: grants (one per reason, never duplicated), the append-only ledger of what
-- happened to each, the resources they draw on (budget on campaigns, stock, coupon
-- codes), and payout batches.
ALTER TABLE referrals ADD COLUMN rewarded_at BIGINT;
ALTER TABLE referrals ADD COLUMN revoked_at BIGINT;
CREATE INDEX referrals_to_reward ON referrals (state, rewarded_at);
CREATE INDEX referrals_to_revoke ON referrals (state, revoked_at);

CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    rule_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    referral_id TEXT,
    reward_type TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    coupon_code TEXT,
    sku TEXT,
    status TEXT NOT NULL CHECK (status IN ('granted', 'paying', 'paid', 'revoked')),
    flag TEXT,
    payout_id TEXT,
    provider_ref TEXT,
    shipping TEXT,
    granted_at BIGINT NOT NULL,
    paid_at BIGINT,
    revoked_at BIGINT,
    UNIQUE (campaign_id, rule_id, participant_id, reason)
);
CREATE INDEX grants_by_participant ON grants (participant_id);
CREATE INDEX grants_by_campaign ON grants (campaign_id, granted_at, id);
CREATE INDEX grants_by_referral ON grants (referral_id);
CREATE INDEX grants_to_pay ON grants (campaign_id, status, reward_type, payout_id);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id TEXT NOT NULL REFERENCES grants (id),
    campaign_id TEXT NOT NULL,
    event TEXT NOT NULL,
    amount BIGINT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX ledger_by_grant ON ledger_entries (grant_id);

CREATE TABLE reward_stock (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    rule_id TEXT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, rule_id)
);

CREATE TABLE coupon_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    pool TEXT NOT NULL,
    code TEXT NOT NULL,
    grant_id TEXT,
    imported_at BIGINT NOT NULL,
    UNIQUE (campaign_id, pool, code)
);
CREATE INDEX coupon_codes_free ON coupon_codes (campaign_id, pool, grant_id);

CREATE TABLE leaderboard_awards (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    rule_id TEXT NOT NULL,
    awarded_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, rule_id)
);

CREATE TABLE payouts (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    count BIGINT NOT NULL,
    total BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE payout_lines (
    payout_id TEXT NOT NULL REFERENCES payouts (id),
    grant_id TEXT NOT NULL REFERENCES grants (id),
    line_no BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    provider_ref TEXT,
    result_note TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (payout_id, grant_id)
);
