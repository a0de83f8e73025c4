#!/usr/bin/env bash
# Lead capture with group routing against a small and a large pool of open groups, on
# SQLite and PostgreSQL: every lead takes a seat, so the cost of finding the next open
# group shows in the rate. The pool is bulk-loaded with SQL (copies of one group made
# through the API, all open, 100,000 seats each).
# Usage: bench/routing.sh [connections] [seconds] [pool sizes...]   (default: 32 8 10 10000)
# BACKENDS="postgres" runs one backend; BENCH_PORT moves the ports (another bench running).
source "$(dirname "$0")/lib.sh"
CONNS=${1:-32}; SECS=${2:-8}; shift $(( $# < 2 ? $# : 2 ))
POOLS=("$@"); [ ${#POOLS[@]} -gt 0 ] || POOLS=(10 10000)
build_release
machine
echo "binary: $BIN, wrk -t2 -c$CONNS -d${SECS}s"


port=${BENCH_PORT:-18500}
for backend in ${BACKENDS:-sqlite postgres}; do
  for pool in "${POOLS[@]}"; do
    port=$((port + 1))
    start_fission $backend $port
    create_campaign bench
    add_groups 1
    sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $pool - 1)
         INSERT INTO groups (id, campaign_id, name, kind, capacity, qr_asset, expires_at, position, closed, created_at, updated_at)
         SELECT g.id || '-' || n.i, g.campaign_id, g.name || n.i, g.kind, g.capacity, g.qr_asset, NULL, g.position + n.i, g.closed, g.created_at, g.updated_at
         FROM groups g, n; ANALYZE groups;"
    open=$(sql "SELECT COUNT(*) FROM groups WHERE NOT closed")
    wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$BASE/api/v1/public/campaigns/bench/participants" > "$WORK/routing-$backend-$pool.txt"
    routed=$(sql "SELECT COUNT(*) FROM group_assignments")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/routing-$backend-$pool.txt" || true)
    echo "$backend, $open open groups: $(wrk_summary "$WORK/routing-$backend-$pool.txt"); routed: $routed ${errors:+($errors)}"
  done
done
