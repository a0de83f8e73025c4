-- Posters carry the person (issue 11, item 4): an optional avatar image per participant,
-- drawn round on their poster. Set by the WeChat sign-in later; none falls back to no avatar.
ALTER TABLE participants ADD COLUMN avatar_asset TEXT REFERENCES assets (id);
