"""Fills a campaign's ledger with N grants straight in the database (not over HTTP),
for the export benchmark. usage: ledger_data.py sqlite:PATH|postgres:SCHEMA SLUG N"""
import subprocess, sys, uuid

target, slug, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
# A fixed start (2026-12-01T00:00:00Z, one grant a millisecond) keeps the files comparable between runs.
start = 1796083200000
if target.startswith("sqlite:"):
    import sqlite3
    db = sqlite3.connect(target[len("sqlite:"):], timeout=30)
    (campaign_id,) = db.execute("SELECT id FROM campaigns WHERE slug = ?", (slug,)).fetchone()
    pid = str(uuid.uuid4())
    db.execute("INSERT INTO participants (id, campaign_id, code, phone, kind, channel, status, created_at, created_day) "
               "VALUES (?, ?, 'benchledger', '13900000000', 'lead', '', 'lead', ?, '2026-11-24')", (pid, campaign_id, start))
    rows = ((f"g{i:09d}", campaign_id, pid, "pi", f"bench:{i}", "cash", 100, "CNY", "granted", start + i) for i in range(n))
    db.executemany("INSERT INTO grants (id, campaign_id, participant_id, rule_id, reason, reward_type, amount, currency, status, granted_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.execute("ANALYZE")
else:
    schema = target[len("postgres:"):]
    # The counter triggers (migration 0024) are off for the bulk insert and the counts are
    # made afterwards from the migration's own views: a million trigger calls in one
    # statement update the same counter rows a million times in one transaction (it ran
    # for over 20 minutes).
    sql = f"""
SET search_path = {schema};
SET session_replication_role = replica;
INSERT INTO participants (id, campaign_id, code, phone, kind, channel, status, created_at, created_day)
  SELECT 'benchledger', id, 'benchledger', '13900000000', 'lead', '', 'lead', {start}, '2026-11-24' FROM campaigns WHERE slug = '{slug}';
INSERT INTO grants (id, campaign_id, participant_id, rule_id, reason, reward_type, amount, currency, status, granted_at)
  SELECT 'g' || lpad(i::text, 9, '0'), c.id, 'benchledger', 'pi', 'bench:' || i, 'cash', 100, 'CNY', 'granted', {start} + i
  FROM campaigns c, generate_series(0, {n - 1}) i WHERE c.slug = '{slug}';
DELETE FROM campaign_counts WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = '{slug}');
INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
  SELECT campaign_id, figure, bucket, 0, SUM(n) FROM (
      SELECT campaign_id, figure, bucket, n FROM participant_figures
      UNION ALL SELECT campaign_id, figure, bucket, n FROM grant_figures
      UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures
  ) f WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = '{slug}') GROUP BY campaign_id, figure, bucket;
ANALYZE grants;
ANALYZE participants;
"""
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-q", "-c", sql], check=True)
print(f"{n} grants written")
