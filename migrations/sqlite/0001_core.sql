-- Times are unix milliseconds (UTC), money is integer minor units, ids are UUIDv7 text.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'marketer', 'finance', 'viewer')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    byte_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_at BIGINT,
    ends_at BIGINT,
    spec TEXT NOT NULL,
    currency TEXT NOT NULL,
    budget_amount BIGINT,
    budget_granted BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE participants (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    code TEXT NOT NULL UNIQUE,
    phone TEXT,
    name TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('lead', 'seed')),
    channel TEXT NOT NULL DEFAULT '',
    inviter_id TEXT REFERENCES participants (id),
    generation BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    visitor_hash TEXT,
    ip_hash TEXT,
    created_at BIGINT NOT NULL,
    created_day TEXT NOT NULL,
    UNIQUE (campaign_id, phone)
);
CREATE INDEX participants_by_inviter ON participants (inviter_id);
CREATE INDEX participants_by_channel ON participants (campaign_id, channel);
CREATE INDEX participants_by_ip ON participants (campaign_id, ip_hash, created_at);
CREATE INDEX participants_by_visitor ON participants (campaign_id, visitor_hash);

-- One row per invitee: a participant is credited to at most one inviter, once.
CREATE TABLE referrals (
    invitee_id TEXT PRIMARY KEY REFERENCES participants (id),
    inviter_id TEXT NOT NULL REFERENCES participants (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    joined_at BIGINT,
    hold_until BIGINT,
    qualified_at BIGINT,
    cancelled_at BIGINT,
    cancel_reason TEXT
);
CREATE INDEX referrals_by_inviter ON referrals (inviter_id, state);
CREATE INDEX referrals_by_campaign ON referrals (campaign_id, state);

CREATE TABLE fraud_flags (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (participant_id, rule)
);
CREATE INDEX fraud_flags_by_campaign ON fraud_flags (campaign_id);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    ref_code TEXT,
    visitor_hash TEXT NOT NULL,
    is_bot BOOLEAN NOT NULL,
    user_agent TEXT,
    visited_at BIGINT NOT NULL
);

-- Counters are kept beside the raw visits so stats never count over the visit log.
CREATE TABLE visit_counters (
    campaign_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    day TEXT NOT NULL,
    visits BIGINT NOT NULL DEFAULT 0,
    unique_visitors BIGINT NOT NULL DEFAULT 0,
    bot_visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, channel, day)
);

CREATE TABLE visitors (
    campaign_id TEXT NOT NULL,
    visitor_hash TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, visitor_hash)
);
