#!/usr/bin/env bash
# Lead capture where every lead is a friend of an inviter, as on a real campaign: the fraud
# rules then read the inviter and its latest invitees (twice a lead: before the write, and
# the look back after it), and each referral is written and counted. Two shapes: all leads
# from one inviter (a KOC's poster), and leads spread over 1,000 inviters. Each lead is
# routed to a group (10 open groups), as in bench/routing.sh, and comes from its own address
# with one of 80 phones' user agents and a scattered number (PHONES=1 in bench/leads.lua).
# Usage: bench/invited.sh [connections] [seconds] [inviters...]   (default: 32 8 1 1000)
# BACKENDS="postgres" runs one backend; BENCH_PORT moves the ports.
source "$(dirname "$0")/lib.sh"
CONNS=${1:-32}; SECS=${2:-8}; shift $(( $# < 2 ? $# : 2 ))
SPREADS=("$@"); [ ${#SPREADS[@]} -gt 0 ] || SPREADS=(1 1000)
build_release
machine
echo "binary: $BIN, wrk -t2 -c$CONNS -d${SECS}s"

port=${BENCH_PORT:-18700}
for backend in ${BACKENDS:-sqlite postgres}; do
  for inviters in "${SPREADS[@]}"; do
    port=$((port + 1))
    start_fission $backend $port
    create_campaign bench
    add_groups 10
    refs=$(api -d "{\"channel\": \"koc\", \"count\": $inviters}" "$BASE/api/v1/campaigns/bench/seeds" \
      | python3 -c 'import json,sys; print(",".join(p["code"] for p in json.load(sys.stdin)))')
    PHONES=1 REFS=$refs wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$BASE/api/v1/public/campaigns/bench/participants" > "$WORK/invited-$backend-$inviters.txt"
    credited=$(sql "SELECT COUNT(*) FROM referrals")
    routed=$(sql "SELECT COUNT(*) FROM group_assignments")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/invited-$backend-$inviters.txt" || true)
    echo "$backend, $inviters inviter(s): $(wrk_summary "$WORK/invited-$backend-$inviters.txt"); referrals: $credited, routed: $routed ${errors:+($errors)}"
  done
done
