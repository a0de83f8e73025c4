-- WeChat (issue 12): single-use authorisation states, the openid each participant is
-- bound to (one participant per openid per campaign), every participant an openid
-- joined as (a fraud signal), and WeChat Pay transfers, each stored with its
-- out_bill_no before WeChat Pay is called.
CREATE TABLE wechat_oauth_states (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    return_to TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX wechat_oauth_states_by_time ON wechat_oauth_states (created_at);

CREATE TABLE wechat_identities (
    participant_id TEXT PRIMARY KEY REFERENCES participants (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    openid TEXT NOT NULL,
    nickname TEXT,
    avatar_url TEXT,
    bound_at BIGINT NOT NULL,
    UNIQUE (campaign_id, openid)
);

CREATE TABLE wechat_sightings (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    openid TEXT NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, openid, participant_id)
);

CREATE TABLE wechat_transfers (
    out_bill_no TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL UNIQUE REFERENCES grants (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    openid TEXT NOT NULL,
    amount BIGINT NOT NULL,
    -- The transfer's remark and scene report, fixed when stored: a retry sends the same.
    remark TEXT NOT NULL,
    -- 'created' until WeChat Pay has the bill; then its own states (ACCEPTED, PROCESSING,
    -- WAIT_USER_CONFIRM, TRANSFERING, SUCCESS, FAIL, CANCELING, CANCELLED); 'held' when
    -- a limit keeps it back (held_reason says which).
    state TEXT NOT NULL,
    transfer_bill_no TEXT,
    package_info TEXT,
    fail_reason TEXT,
    held_reason TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    settled_at BIGINT
);
CREATE INDEX wechat_transfers_open ON wechat_transfers (state, lease_until);
CREATE INDEX wechat_transfers_by_openid ON wechat_transfers (openid, created_at);
CREATE INDEX wechat_transfers_by_participant ON wechat_transfers (participant_id);

-- The nickname and avatar WeChat gave (snsapi_userinfo) before the person joined.
CREATE TABLE wechat_profiles (
    openid TEXT PRIMARY KEY,
    nickname TEXT,
    avatar_url TEXT,
    updated_at BIGINT NOT NULL
);
