-- The audit log of every admin change (issue 9, item 7): who (a token or a console
-- user, by id), the state before and after as JSON text, and changes outside any
-- campaign (tokens, users), so campaign_id may be empty. Entries written so far keep
-- their actor text as its id.
ALTER TABLE audit_log ALTER COLUMN campaign_id DROP NOT NULL;
ALTER TABLE audit_log ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'token';
ALTER TABLE audit_log ADD COLUMN actor_id TEXT;
ALTER TABLE audit_log ADD COLUMN before_json TEXT;
ALTER TABLE audit_log ADD COLUMN after_json TEXT;
UPDATE audit_log SET actor_id = actor;
-- Pages are newest first, by time then id; filters narrow by campaign or actor.
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at);
