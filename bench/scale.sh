#!/usr/bin/env bash
# Costs at scale: a campaign bulk-loaded with a million participants in referral chains
# and 10,000 open groups (bench/scale_data.py), beside a small campaign with 10 open groups
# on the same server; then lead capture with routing on both, and the participant's page,
# stats, leaderboard and group list of the large one. On SQLite and PostgreSQL.
#
#   bench/scale.sh [participants] [groups] [connections] [seconds]   # defaults: 1000000 10000 32 8
#
# Single requests are timed with curl, 21 times each after one warm-up; the median and the
# slowest are printed. Lead capture: wrk -t2 as in bench/leads.sh, every lead routed.
source "$(dirname "$0")/lib.sh"
N=${1:-1000000}; G=${2:-10000}; CONNS=${3:-32}; SECS=${4:-8}
BACKENDS=${BACKENDS:-sqlite postgres}
build_release
machine
echo "$N participants and $G groups; lead capture wrk -t2 -c$CONNS -d${SECS}s"


# timed LABEL URL [curl args]: median and slowest of 21 requests, in ms
timed() {
  local label=$1 url=$2; shift 2
  curl -fsS -o /dev/null "$@" "$url"
  local times
  times=$(for _ in $(seq 1 21); do curl -fsS -o /dev/null -w '%{time_total}\n' "$@" "$url"; done | sort -g)
  printf '%-34s median %6.1f ms, slowest %6.1f ms\n' "$label" \
    "$(echo "$times" | sed -n 11p | awk '{print $1 * 1000}')" "$(echo "$times" | tail -1 | awk '{print $1 * 1000}')"
}

leads() {
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$BASE/api/v1/public/campaigns/$1/participants" > "$WORK/leads-$1.txt"
  echo "lead capture, $2: $(wrk_summary "$WORK/leads-$1.txt") $(grep -E 'Non-2xx|Socket errors' "$WORK/leads-$1.txt" || true)"
}

port=18600
for backend in $BACKENDS; do
  port=$((port + 1))
  echo; echo "== $backend"
  start_fission "$backend" $port
  create_campaign small
  add_groups 1 small
  sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
       INSERT INTO groups (id, campaign_id, name, kind, capacity, qr_asset, expires_at, position, closed, created_at, updated_at)
       SELECT g.id || '-' || n.i, g.campaign_id, g.name || n.i, g.kind, g.capacity, g.qr_asset, NULL, g.position + n.i, g.closed, g.created_at, g.updated_at
       FROM groups g, n"
  create_campaign bench
  add_groups 1 bench
  case $backend in
    sqlite) target="sqlite:${FISSION_DATABASE_URL#sqlite://}" ;;
    postgres) target="postgres:${FISSION_DATABASE_URL##*search_path]=}" ;;
  esac
  python3 "$ROOT/bench/scale_data.py" "$target" bench "$N" "$G"
  echo "open groups: small $(sql "SELECT COUNT(*) FROM groups g JOIN campaigns c ON c.id = g.campaign_id WHERE c.slug = 'small' AND NOT g.closed"), bench $(sql "SELECT COUNT(*) FROM groups g JOIN campaigns c ON c.id = g.campaign_id WHERE c.slug = 'bench' AND NOT g.closed")"

  # A participant of the large campaign with a page of their own: joined through the
  # form, invited by the top inviter.
  top=$(sql "SELECT p.code FROM participants p JOIN campaigns c ON c.id = p.campaign_id WHERE c.slug = 'bench' AND p.kind = 'seed' ORDER BY (SELECT COUNT(*) FROM participants i WHERE i.inviter_id = p.id) DESC LIMIT 1")
  jar="$WORK/jar-$backend"
  csrf=$(curl -fsS -c "$jar" -b "$jar" "$BASE/c/bench?ref=$top" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -fsS -o /dev/null -c "$jar" -b "$jar" -H "Origin: $BASE" --data-urlencode "phone=19912345678" --data-urlencode "consent=yes" --data-urlencode "csrf=$csrf" "$BASE/c/bench/join"

  timed "GET /c/bench/me" "$BASE/c/bench/me" -b "$jar"
  timed "GET /c/bench (landing)" "$BASE/c/bench?ch=scale"
  timed "GET .../stats" "$BASE/api/v1/campaigns/bench/stats" -H "Authorization: Bearer $TOKEN"
  timed "GET .../leaderboard?limit=50" "$BASE/api/v1/campaigns/bench/leaderboard?limit=50" -H "Authorization: Bearer $TOKEN"
  timed "GET .../groups (first page)" "$BASE/api/v1/campaigns/bench/groups" -H "Authorization: Bearer $TOKEN"
  echo "group list first page: $(api "$BASE/api/v1/campaigns/bench/groups" | wc -c) bytes, $(api "$BASE/api/v1/campaigns/bench/groups" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') groups; next: $(curl -fsS -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/campaigns/bench/groups" | grep -i '^link' | tr -d '\r' || echo none)"
  leads small "10 open groups, empty campaign"
  leads bench "$G open groups, $N participants"
done
