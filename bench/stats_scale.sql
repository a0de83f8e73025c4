-- Bulk-loads a campaign at scale into a fission SQLite database (after `fission migrate`,
-- with the campaign `bench` and one group made through the API): :groups groups in all,
-- :n participants in referral trees four wide (1,000 seeds on five channels, generations
-- 0-5 at 1M), spread over 30 days; their referrals (half qualified), group memberships
-- (60% still in, 10% left after 0-39 days) and a 500-fen grant per qualified referral
-- (a third paid), and visit counters. Run with the parameters set first:
--   sqlite3 DB -cmd ".parameter set :n 1000000" -cmd ".parameter set :groups 10000" < bench/stats_scale.sql
-- Every row goes through the database's triggers, as the server's writes do.
PRAGMA foreign_keys = OFF;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;

CREATE TEMP TABLE bench AS SELECT id AS campaign_id, 1764547200000 AS t0 FROM campaigns WHERE slug = 'bench';

INSERT INTO groups (id, campaign_id, name, kind, capacity, qr_asset, expires_at, position, closed, created_at, updated_at)
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < :groups - 1)
SELECT g.id || '-' || k.i, g.campaign_id, g.name || k.i, g.kind, 1000000, g.qr_asset, NULL, g.position + k.i, g.closed,
       g.created_at + k.i, g.updated_at
FROM groups g, k WHERE g.campaign_id = (SELECT campaign_id FROM bench);

INSERT INTO participants (id, campaign_id, code, phone, kind, channel, inviter_id, generation, status, created_at, created_day)
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < :n - 1),
     p AS (SELECT i, (SELECT t0 FROM bench) + i * (2592000000 / :n) AS at FROM k)
SELECT printf('p%08d', i), (SELECT campaign_id FROM bench), printf('C%08d', i), printf('139%08d', i),
       CASE WHEN i < 1000 THEN 'seed' ELSE 'lead' END, 'ch' || (i % 5),
       CASE WHEN i < 1000 THEN NULL ELSE printf('p%08d', i / 4) END,
       CASE WHEN i < 1000 THEN 0 WHEN i < 4000 THEN 1 WHEN i < 16000 THEN 2 WHEN i < 64000 THEN 3
            WHEN i < 256000 THEN 4 WHEN i < 1024000 THEN 5 ELSE 6 END,
       CASE WHEN i % 10 < 6 THEN 'joined' WHEN i % 10 = 6 THEN 'left' ELSE 'lead' END,
       at, strftime('%Y-%m-%d', at / 1000 + 8 * 3600, 'unixepoch')
FROM p;

INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at, joined_at, qualified_at)
SELECT id, inviter_id, campaign_id, CASE WHEN status = 'joined' AND CAST(substr(id, 2) AS INTEGER) % 10 < 5 THEN 'qualified'
                                         WHEN status = 'lead' THEN 'pending' ELSE 'cancelled' END,
       created_at, CASE WHEN status <> 'lead' THEN created_at + 600000 END,
       CASE WHEN status = 'joined' AND CAST(substr(id, 2) AS INTEGER) % 10 < 5 THEN created_at + 4200000 END
FROM participants WHERE campaign_id = (SELECT campaign_id FROM bench) AND inviter_id IS NOT NULL;

INSERT INTO group_assignments (participant_id, group_id, campaign_id, state, assigned_at, joined_at, left_at, last_event_at)
SELECT p.id, g.id, p.campaign_id, p.status, p.created_at, p.created_at + 600000,
       CASE WHEN p.status = 'left' THEN p.created_at + 600000 + (CAST(substr(p.id, 2) AS INTEGER) % 40) * 86400000 END,
       p.created_at + 600000
FROM participants p JOIN groups g ON g.campaign_id = p.campaign_id
     AND g.position = (SELECT MIN(position) FROM groups WHERE campaign_id = p.campaign_id) + CAST(substr(p.id, 2) AS INTEGER) % :groups
WHERE p.campaign_id = (SELECT campaign_id FROM bench) AND p.status IN ('joined', 'left');

INSERT INTO grants (id, campaign_id, participant_id, rule_id, reason, referral_id, reward_type, amount, currency, status, granted_at, paid_at)
SELECT 'g' || invitee_id, campaign_id, inviter_id, 'm3', 'invite:' || invitee_id, invitee_id, 'cash', 500, 'CNY',
       CASE WHEN CAST(substr(invitee_id, 2) AS INTEGER) % 3 = 0 THEN 'paid' ELSE 'granted' END, qualified_at,
       CASE WHEN CAST(substr(invitee_id, 2) AS INTEGER) % 3 = 0 THEN qualified_at + 86400000 END
FROM referrals WHERE campaign_id = (SELECT campaign_id FROM bench) AND state = 'qualified';

INSERT INTO visit_counters (campaign_id, channel, day, visits, unique_visitors, bot_visits)
WITH RECURSIVE d(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM d WHERE j < 29), c(ch) AS (SELECT 0 UNION ALL SELECT ch + 1 FROM c WHERE ch < 4)
SELECT (SELECT campaign_id FROM bench), 'ch' || ch, strftime('%Y-%m-%d', (SELECT t0 FROM bench) / 1000 + j * 86400 + 8 * 3600, 'unixepoch'),
       :n / 10, :n / 20, :n / 100
FROM d, c WHERE true
ON CONFLICT (campaign_id, channel, day) DO UPDATE SET visits = excluded.visits;

ANALYZE;
