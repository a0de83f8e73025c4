-- When a campaign was ended by its status (`ended`), so prizes due at the end (the
-- leaderboard) know the end without `ends_at`. Set by the database whenever the status
-- becomes `ended` (cleared if it is reopened), whoever writes it. Campaigns ended before
-- this migration take their last change as the moment.
ALTER TABLE campaigns ADD COLUMN ended_at BIGINT;
UPDATE campaigns SET ended_at = updated_at WHERE status = 'ended';
CREATE TRIGGER campaigns_ended_at_on_insert AFTER INSERT ON campaigns WHEN NEW.status = 'ended'
BEGIN
    UPDATE campaigns SET ended_at = NEW.updated_at WHERE id = NEW.id;
END;
CREATE TRIGGER campaigns_ended_at_on_update AFTER UPDATE OF status ON campaigns
    WHEN NEW.status IS NOT OLD.status AND (NEW.status = 'ended' OR OLD.status = 'ended')
BEGIN
    UPDATE campaigns SET ended_at = CASE WHEN NEW.status = 'ended' THEN NEW.updated_at END WHERE id = NEW.id;
END;
