-- A transfer held back by the payee's daily limit is released on a later day (its
-- held_reason stays as history); its money counts against the day it was released on.
-- Held transfers wait in lease_until for the day they may be tried again.
ALTER TABLE wechat_transfers ADD COLUMN released_at BIGINT;

-- The WeChat avatar (snsapi_userinfo) is fetched once, by one server, into an asset.
ALTER TABLE wechat_identities ADD COLUMN avatar_tried_at BIGINT;
CREATE INDEX wechat_identities_avatar_due ON wechat_identities (avatar_tried_at);

-- A transfer of 2,000 yuan or more names its payee: the real name the person gave,
-- only as WeChat Pay's RSA-OAEP ciphertext and the serial of the key it was sealed for,
-- so a retry sends the very same request. Never stored in clear.
ALTER TABLE wechat_transfers ADD COLUMN user_name_cipher TEXT;
ALTER TABLE wechat_transfers ADD COLUMN user_name_serial TEXT;
