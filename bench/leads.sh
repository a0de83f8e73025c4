#!/usr/bin/env bash
# Lead capture (public JSON API, a new phone per request) on SQLite and PostgreSQL.
# Usage: bench/leads.sh [connections] [seconds]
source "$(dirname "$0")/lib.sh"
CONNS=${1:-64}; SECS=${2:-15}
build_release
machine
# Each backend twice: a campaign without groups, and one whose leads are also routed to
# a group (a seat taken per lead, as the live code does).
port=18400
for run in sqlite postgres sqlite+groups postgres+groups; do
  backend=${run%+groups}
  port=$((port + 1))
  start_fission $backend $port
  create_campaign bench
  if [ "$run" != "$backend" ]; then
    add_groups 3
  fi
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$BASE/api/v1/public/campaigns/bench/participants" > "$WORK/leads-$backend.txt"
  leads=$(api "$BASE/api/v1/campaigns/bench/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["leads"])')
  errors=$(grep -E "Non-2xx|Socket errors" "$WORK/leads-$backend.txt" || true)
  echo "$run: $(wrk_summary "$WORK/leads-$backend.txt"); leads stored: $leads ${errors:+($errors)}"
done
