"""Bulk-loads a campaign at scale straight into the database (not over HTTP), for
bench/scale.sh: N participants in referral chains, and the group pool grown to G open
groups (copies of the campaign's first group).

usage: scale_data.py sqlite:PATH|postgres:SCHEMA SLUG PARTICIPANTS GROUPS

The chains: 1,000 seeds; every later participant was invited by an earlier one, picked
so that most people invite nobody, many invite one to three and a few invite hundreds
(a fixed random seed, so every run loads the same campaign). Referrals: 60% qualified,
15% holding, 15% pending, 5% held for review, 5% cancelled; the joined ones are members
of a group; the qualified ones are marked rewarded (the reward engine has seen them;
their grants are not loaded). Phones are 11-digit numbers; everyone consented. Triggers on the tables keep
their counters as the rows go in, as they do for rows written by the server.
"""
import hashlib, io, os, random, subprocess, sys, time

target, slug, n, pool = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(14)
now = int(time.time() * 1000)
day_ms = 86_400_000
start = now - 30 * day_ms
SEEDS = 1000

if target.startswith("sqlite:"):
    import sqlite3
    db = sqlite3.connect(target[len("sqlite:"):], timeout=60)
    db.execute("PRAGMA synchronous = OFF")
    one = lambda sql: db.execute(sql).fetchone()
else:
    schema = target[len("postgres:"):]
    def psql(sql, stdin=None):
        return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qAt",
                               "-v", "ON_ERROR_STOP=1", "-c", f"SET search_path = {schema}; {sql}"],
                              input=stdin, check=True, capture_output=True, text=True).stdout.strip()
    one = lambda sql: tuple(psql(sql).split("|"))

(campaign_id,) = one(f"SELECT id FROM campaigns WHERE slug = '{slug}'")
group = one(f"SELECT id, capacity FROM groups WHERE campaign_id = '{campaign_id}' ORDER BY position LIMIT 1")
group_id = group[0]

# Who invited whom: inviters are drawn from a growing list in which every participant
# appears once and gets another entry for each person they bring (preferential
# attachment), giving the long tail real campaigns have.
inviter = [None] * n
generation = [0] * n
weights = list(range(SEEDS))
for i in range(SEEDS, n):
    j = rng.choice(weights) if rng.random() < 0.9 else rng.randrange(i)
    inviter[i] = j
    generation[i] = generation[j] + 1
    weights.append(j)
    if rng.random() < 0.3:
        weights.append(i)

def states():
    r = rng.random()
    return ("qualified" if r < 0.60 else "holding" if r < 0.75 else "pending" if r < 0.90
            else "held" if r < 0.95 else "cancelled")

participants = io.StringIO()
referrals = io.StringIO()
assignments = io.StringIO()
members = {}
for i in range(n):
    at = start + i * (29 * day_ms // n)
    day = time.strftime("%Y-%m-%d", time.gmtime((at + 8 * 3_600_000) / 1000))
    pid = f"p{i:08d}"
    phone = f"13{i:09d}"
    if i < SEEDS:
        kind, status, inv, state = "seed", "seed", r"\N", None
    else:
        kind, inv, state = "lead", f"p{inviter[i]:08d}", states()
        status = "joined" if state in ("qualified", "holding", "held") else "lead"
    # Every person came through the page on a phone of their own: a visitor key, a device,
    # a network hint, an address hash (neighbours share a hint now and then), one of 20
    # browser profiles. Left empty, a million equal values make the planner's statistics
    # call these columns useless and the fraud rules' lookups scan the campaign.
    h = lambda what, k: hashlib.md5(f"{what}{k}".encode()).hexdigest()
    device = (f"{h('visitor', i)}\t{h('device', i)}\tcookie\tua{i % 20}\t"
              f"{h('hint', i // 3)}\t{h('ip', i // 2)}")
    participants.write(f"{pid}\t{campaign_id}\tc{i:08d}\t{phone}\t{kind}\t\t{inv}\t{generation[i]}\t{status}\t{at}\t{day}\t{at}\t{device}\n")
    if state:
        joined = at + 60_000 if status == "joined" else None
        qualified = at + 3 * day_ms if state == "qualified" else None
        # Holding referrals are still inside their hold (ending in the next three days), so
        # the server's hold job has no backlog of a hundred thousand to settle while timed.
        hold = (at + 3 * day_ms if state == "qualified"
                else now + 3 * day_ms - i * (3 * day_ms // n) if state == "holding" else None)
        cancelled = at + day_ms if state == "cancelled" else None
        nul = lambda v: r"\N" if v is None else str(v)
        # A qualified referral of a running campaign has been through the reward engine
        # (rewarded_at set); its grants are not loaded. Otherwise the server's reward job
        # would work off 600,000 of them while lead capture is timed.
        rewarded = qualified
        referrals.write(f"{pid}\t{inv}\t{campaign_id}\t{state}\t{at}\t{nul(joined)}\t{nul(hold)}\t{nul(qualified)}\t{nul(cancelled)}\t{nul(rewarded)}\n")
        if joined:
            g = f"{group_id}-{i % pool}" if i % pool else group_id
            members[g] = members.get(g, 0) + 1
            assignments.write(f"{pid}\t{g}\t{campaign_id}\tjoined\t{at}\t{joined}\t{joined}\n")

P_COLS = ("id, campaign_id, code, phone, kind, channel, inviter_id, generation, status, created_at, created_day, consent_at, "
          "visitor_hash, device_id, device_source, ua_profile, net_hint, ip_hash")
R_COLS = "invitee_id, inviter_id, campaign_id, state, created_at, joined_at, hold_until, qualified_at, cancelled_at, rewarded_at"
A_COLS = "participant_id, group_id, campaign_id, state, assigned_at, joined_at, last_event_at"
GROUPS = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {pool} - 1)
INSERT INTO groups (id, campaign_id, name, kind, capacity, qr_asset, expires_at, position, closed, created_at, updated_at)
SELECT g.id || '-' || n.i, g.campaign_id, g.name || n.i, g.kind, 100000, g.qr_asset, NULL, g.position + n.i, g.closed, g.created_at, g.updated_at
FROM groups g, n WHERE g.id = '{group_id}';
UPDATE groups SET capacity = 100000 WHERE id = '{group_id}';
"""

def rows(buf):
    for line in buf.getvalue().splitlines():
        yield [None if v == r"\N" else v for v in line.split("\t")]

t0 = time.time()
if target.startswith("sqlite:"):
    db.executescript(GROUPS)
    for table, cols, buf in (("participants", P_COLS, participants), ("referrals", R_COLS, referrals),
                             ("group_assignments", A_COLS, assignments)):
        marks = ", ".join("?" * len(cols.split(",")))
        db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows(buf))
    db.executemany("UPDATE groups SET members = ? WHERE id = ?", ((m, g) for g, m in members.items()))
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    # The load's WAL (gigabytes) is copied into the database now, not by the server's
    # first write while lead capture is being timed.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
else:
    psql(GROUPS)
    # On PostgreSQL the counter triggers (migrations 0022 and 0024) are switched off for
    # the load (session_replication_role = replica) and the counts are made afterwards
    # from the same views, by the statements those migrations fill them with: a million
    # trigger calls in one COPY updated the same counter rows a million times in one
    # transaction, and the load ran for over 20 minutes without finishing its first table.
    for table, cols, buf in (("participants", P_COLS, participants), ("referrals", R_COLS, referrals),
                             ("group_assignments", A_COLS, assignments)):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-q", "-v", "ON_ERROR_STOP=1",
                        "-c", f"SET search_path = {schema}", "-c", "SET session_replication_role = replica",
                        "-c", f"\\copy {table} ({cols}) FROM STDIN"],
                       input=buf.getvalue(), check=True, text=True)
    c = f"'{campaign_id}'"
    psql(f"""
        SET session_replication_role = replica;
        INSERT INTO group_stays (participant_id, campaign_id, first_join, still_in, last_left)
        SELECT participant_id, MIN(campaign_id), MIN(joined_at), BOOL_OR(state = 'joined'), MAX(left_at)
        FROM group_assignments WHERE joined_at IS NOT NULL AND campaign_id = {c} GROUP BY participant_id;
        INSERT INTO inviter_standings (inviter_id, campaign_id, qualified, reached_at)
        SELECT inviter_id, MIN(campaign_id), COUNT(*), MAX(COALESCE(qualified_at, created_at))
        FROM referrals WHERE state = 'qualified' AND campaign_id = {c} GROUP BY inviter_id;
        DELETE FROM campaign_counts WHERE campaign_id = {c};
        INSERT INTO campaign_counts (campaign_id, figure, bucket, shard, n)
        SELECT campaign_id, figure, bucket, 0, SUM(n) FROM (
            SELECT campaign_id, figure, bucket, n FROM participant_figures
            UNION ALL SELECT campaign_id, figure, bucket, n FROM referral_figures
            UNION ALL SELECT campaign_id, figure, bucket, n FROM grant_figures
            UNION ALL SELECT campaign_id, figure, bucket, n FROM holder_figures
            UNION ALL SELECT campaign_id, figure, bucket, n FROM assignment_figures
        ) f WHERE campaign_id = {c} GROUP BY campaign_id, figure, bucket;
        DELETE FROM quarter_hour_counts WHERE campaign_id = {c};
        INSERT INTO quarter_hour_counts (campaign_id, quarter, shard, first_joins, kept_1d, kept_7d, kept_30d, qualified)
        SELECT campaign_id, quarter, 0, SUM(first_joins), SUM(kept_1d), SUM(kept_7d), SUM(kept_30d), SUM(qualified) FROM (
            SELECT * FROM stay_quarters UNION ALL SELECT * FROM referral_quarters
        ) q WHERE campaign_id = {c} GROUP BY campaign_id, quarter;""")
    counts = "\n".join(f"{g}\t{m}" for g, m in members.items()) + "\n"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", f"SET search_path = {schema}", "-c", "CREATE TEMP TABLE m (id TEXT, members BIGINT)",
                    "-c", "\\copy m FROM STDIN",
                    "-c", "UPDATE groups g SET members = m.members FROM m WHERE g.id = m.id",
                    "-c", "ANALYZE"], input=counts, check=True, text=True)
print(f"{n} participants ({SEEDS} seeds, deepest generation {max(generation)}), {pool} groups loaded in {time.time() - t0:.0f} s")
