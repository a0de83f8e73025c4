#!/usr/bin/env bash
# GET /api/v1/campaigns/{slug}/stats at scale on SQLite: a campaign bulk-loaded by
# bench/stats_scale.sql (participants in referral trees, referrals, group memberships,
# grants, visit counters), then the stats read RUNS times after one untimed read.
# Prints the median and the figures' digest, so two binaries (FISSION_BIN=...) can be
# compared on the same data: the digest must not change.
# Usage: bench/stats_scale.sh [participants] [groups] [runs]   (default: 1000000 10000 5)
source "$(dirname "$0")/lib.sh"
N=${1:-1000000}; GROUP_COUNT=${2:-10000}; RUNS=${3:-5}
build_release
machine
echo "binary: $BIN; $N participants, $GROUP_COUNT groups"
# The background jobs would grant milestones over the loaded data while it is timed.
export FISSION_WORKER_INTERVAL_MS=600000
start_fission sqlite 18600
# No poster: the stats do not need one (and lib.sh's create_campaign is refused by the
# poster check since issue 13's readable-QR rule).
api -d '{"slug": "bench", "title": "bench", "status": "active", "budget": {"amount": 1000000000},
         "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]}' \
  "$BASE/api/v1/campaigns" >/dev/null
qr=$(curl -fsS -H "Authorization: Bearer $TOKEN" -F "file=@$ROOT/static/demo/group-qr.png" "$BASE/api/v1/assets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
api -d "{\"name\": \"g\", \"capacity\": 100000, \"qr_asset\": \"$qr\"}" "$BASE/api/v1/campaigns/bench/groups" >/dev/null
db=${FISSION_DATABASE_URL#sqlite://}
start=$(date +%s.%N)
sqlite3 -cmd '.timeout 60000' -cmd ".parameter set :n $N" -cmd ".parameter set :groups $GROUP_COUNT" "$db" < "$ROOT/bench/stats_scale.sql" >/dev/null
echo "loaded in $(echo "$(date +%s.%N) - $start" | bc) s: $(sqlite3 "$db" 'SELECT COUNT(*) FROM participants') participants, $(sqlite3 "$db" 'SELECT COUNT(*) FROM grants') grants, $(sqlite3 "$db" 'SELECT COUNT(*) FROM group_assignments') memberships"
stats() { curl -fsS -o "$WORK/stats.json" -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/campaigns/bench/stats"; }
stats >/dev/null
times=$(for _ in $(seq 1 "$RUNS"); do stats; done | sort -n)
echo "GET .../stats, $RUNS runs (s): $(echo $times)"
echo "median: $(echo "$times" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}') s"
python3 - "$WORK/stats.json" <<'PY'
import hashlib, json, sys
s = json.load(open(sys.argv[1]))
s.pop("generated_at")
for g in s["by_group"]:
    g.pop("group_id")  # made anew by each run
print("figures:", {k: s[k] for k in ["visits", "leads", "joined", "qualified", "rewarded", "grants", "granted_amount", "paid_amount", "max_generation"]})
print("digest of every figure:", hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()[:16])
PY
