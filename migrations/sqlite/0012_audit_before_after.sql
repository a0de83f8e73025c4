-- The audit log of every admin change (issue 9, item 7): who (a token or a console
-- user, by id), the state before and after as JSON text, and changes outside any
-- campaign (tokens, users), so campaign_id may be empty. SQLite cannot drop a NOT NULL,
-- so the table is rebuilt; entries written so far keep their actor text as its id.
CREATE TABLE audit_log_new (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_kind TEXT NOT NULL DEFAULT 'token',
    actor_id TEXT,
    action TEXT NOT NULL,
    campaign_id TEXT REFERENCES campaigns (id),
    subject TEXT NOT NULL,
    detail TEXT,
    before_json TEXT,
    after_json TEXT
);
INSERT INTO audit_log_new (id, at, actor, actor_kind, actor_id, action, campaign_id, subject, detail)
    SELECT id, at, actor, 'token', actor, action, campaign_id, subject, detail FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
-- Pages are newest first, by time then id; filters narrow by campaign or actor.
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, at);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at);
