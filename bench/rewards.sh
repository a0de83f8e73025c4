#!/usr/bin/env bash
# Rewards: grant throughput under contention (many referrals qualifying at once, the
# engine granting on every server), and ledger export of N rows (CSV and XLSX) with the
# server's peak memory. Usage: bench/rewards.sh [referrals] [ledger_rows]
source "$(dirname "$0")/lib.sh"
REFERRALS=${1:-3000}; ROWS=${2:-1000000}
build_release
machine
export FISSION_WORKER_INTERVAL_MS=20

qualify_all() {  # backend
  local sql="UPDATE referrals SET state = 'qualified', qualified_at = joined_at WHERE state = 'pending'"
  case $1 in
    sqlite) python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1], timeout=30); db.execute(\"UPDATE referrals SET state='qualified', qualified_at=created_at WHERE state='pending'\"); db.commit()" "${FISSION_DATABASE_URL#sqlite://}" ;;
    postgres) psql -h 127.0.0.1 -U postgres -d test -qc "SET search_path = ${FISSION_DATABASE_URL##*=}; UPDATE referrals SET state='qualified', qualified_at=created_at WHERE state='pending'" ;;
  esac
}

for backend in sqlite postgres; do
  port=$((18300 + RANDOM % 500))
  start_fission $backend $port
  if [ $backend = postgres ]; then  # a second server on the same database grants too
    FISSION_BIND=127.0.0.1:$((port + 1)) "$BIN" serve > "$WORK/serve-2.log" 2>&1 &
    PIDS+=($!)
  fi
  api -d @- "$BASE/api/v1/campaigns" >/dev/null <<JSON
{"slug": "grants", "title": "bench", "qualification": {"require_group_join": true, "hold_hours": 0}, "budget": {"amount": 100000000},
 "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 100}},
           {"id": "m5", "kind": "milestone", "invites": 5, "reward": {"type": "cash", "amount": 500}},
           {"id": "wb", "kind": "invitee_bonus", "reward": {"type": "points", "points": 10}}]}
JSON
  python3 - "$BASE" "$TOKEN" "$REFERRALS" <<'PY'
import http.client, json, sys, threading, urllib.parse
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("POST", "/api/v1/campaigns/grants/seeds", json.dumps({"channel": "bench", "count": 100}), {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
seeds = [s["code"] for s in json.loads(c.getresponse().read())]
def work(k):
    c = http.client.HTTPConnection(u.hostname, u.port)
    for i in range(k, n, 8):
        body = json.dumps({"phone": f"137{i:08d}", "consent": True, "ref": seeds[i % 100]})
        c.request("POST", "/api/v1/public/campaigns/grants/participants", body, {"Content-Type": "application/json", "X-Forwarded-For": f"10.9.{i // 256 % 256}.{i % 256}", "User-Agent": f"bench/{i}"})
        c.getresponse().read()
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
PY
  start=$(date +%s.%N)
  qualify_all $backend
  expected=$((REFERRALS * 2 + (REFERRALS / 100 >= 5 ? 100 : 0)))
  while :; do
    grants=$(api "$BASE/api/v1/campaigns/grants/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["grants"])')
    [ "$grants" -ge "$expected" ] && break
    sleep 0.05
  done
  end=$(date +%s.%N)
  servers=$([ $backend = postgres ] && echo "two servers" || echo "one server")
  python3 -c "import sys; g,s,e=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'$backend ($servers): {sys.argv[4]} referrals qualified at once -> {g} grants in {e-s:.2f} s = {g/(e-s):,.0f} grants/s')" "$grants" "$start" "$end" "$REFERRALS"

  # Ledger export
  api -d '{"slug": "ledger", "title": "bench", "budget": {"amount": 1}}' "$BASE/api/v1/campaigns" >/dev/null
  case $backend in
    sqlite) python3 "$ROOT/bench/ledger_data.py" "sqlite:${FISSION_DATABASE_URL#sqlite://}" ledger "$ROWS" ;;
    postgres) python3 "$ROOT/bench/ledger_data.py" "postgres:${FISSION_DATABASE_URL##*=}" ledger "$ROWS" ;;
  esac
  pid=${PIDS[-1]}; [ $backend = postgres ] && pid=${PIDS[-2]}
  for ext in csv xlsx; do
    before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    out=$(curl -fsS -o "$WORK/ledger.$ext" -w '%{time_total} %{size_download}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/campaigns/ledger/ledger.$ext")
    after=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    rows=$([ $ext = csv ] && echo $(( $(wc -l < "$WORK/ledger.csv") - 1 )) || echo "$ROWS")
    echo "$backend ledger.$ext: $rows rows, $(echo $out | awk '{printf "%.1f s, %.1f MB", $1, $2/1e6}'), server peak RSS $((before / 1024)) -> $((after / 1024)) MiB"
  done
done
