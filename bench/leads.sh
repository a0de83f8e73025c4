#!/usr/bin/env bash
# Lead capture (public JSON API, a new phone per request) on SQLite and PostgreSQL.
# Usage: bench/leads.sh [connections] [seconds]
source "$(dirname "$0")/lib.sh"
CONNS=${1:-64}; SECS=${2:-15}
build_release
machine
for backend in sqlite postgres; do
  port=$([ $backend = sqlite ] && echo 18090 || echo 18091)
  start_fission $backend $port
  create_campaign bench
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$BASE/api/v1/public/campaigns/bench/participants" > "$WORK/leads-$backend.txt"
  leads=$(api "$BASE/api/v1/campaigns/bench/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["leads"])')
  errors=$(grep -E "Non-2xx|Socket errors" "$WORK/leads-$backend.txt" || true)
  echo "$backend: $(wrk_summary "$WORK/leads-$backend.txt"); leads stored: $leads ${errors:+($errors)}"
done
