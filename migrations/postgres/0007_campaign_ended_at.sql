-- When a campaign was ended by its status (`ended`), so prizes due at the end (the
-- leaderboard) know the end without `ends_at`. Set by the database whenever the status
-- becomes `ended` (cleared if it is reopened), whoever writes it. Campaigns ended before
-- this migration take their last change as the moment.
ALTER TABLE campaigns ADD COLUMN ended_at BIGINT;
UPDATE campaigns SET ended_at = updated_at WHERE status = 'ended';
CREATE FUNCTION campaigns_ended_at() RETURNS trigger AS $$
BEGIN
    IF NEW.status <> 'ended' THEN
        NEW.ended_at := NULL;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.ended_at := NEW.updated_at;
    ELSIF OLD.status <> 'ended' THEN
        NEW.ended_at := NEW.updated_at;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER campaigns_ended_at BEFORE INSERT OR UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION campaigns_ended_at();
