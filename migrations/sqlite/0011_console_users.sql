-- Issue 9 item 1: people who sign in to the console at /admin. Emails are stored
-- lower-cased and unique whatever their case; passwords only as argon2id PHC strings.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'marketer', 'finance', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

-- A signed-in browser. The id is the SHA-256 of the cookie's random secret, so a leaked
-- table does not sign anyone in. Sessions live in the database (not in a cookie) so that
-- every server behind a load balancer sees the same ones and sign-out is final.
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    signed_out_at BIGINT
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- Failed sign-ins, counted per account and per client address over a sliding window
-- (shared by all servers); rows older than the window are deleted on later failures.
CREATE TABLE sign_in_failures (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_account ON sign_in_failures (account, at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);

-- The campaign list shows each campaign's leads of today.
CREATE INDEX participants_by_day ON participants (created_day, campaign_id);
