#!/usr/bin/env bash
# Group-event ingestion (signed webhook), one event per request and batches of 100, on
# SQLite and PostgreSQL. Usage: bench/group_events.sh [events] [threads]
source "$(dirname "$0")/lib.sh"
EVENTS=${1:-3000}; THREADS=${2:-8}
build_release
machine
export FISSION_WEBHOOK_SECRET=bench-webhook-secret
for backend in sqlite postgres; do
  for batch in 1 100; do
    port=$((18100 + RANDOM % 800))
    start_fission $backend $port
    create_campaign bench
    echo -n "$backend, batch $batch: "
    python3 "$ROOT/bench/group_events.py" "$BASE" "$TOKEN" "$FISSION_WEBHOOK_SECRET" bench "$EVENTS" "$batch" "$THREADS" "$ROOT/static/demo/poster-bg.jpg"
  done
done
