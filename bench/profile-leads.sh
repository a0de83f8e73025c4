#!/usr/bin/env bash
# Where lead capture's time goes: the JSON lead route with group routing (as in
# bench/routing.sh, 10 open groups) under wrk, `perf record` (software cpu-clock) sampling
# the server. Prints the load, the shares by thread, the top symbols by self time, and
# how many leads the fraud rules flagged (a flagged lead takes the slower, general write).
#
#   bench/profile-leads.sh [backend] [seconds] [top]      # defaults: sqlite 10 30
#   NOPERF=1 bench/profile-leads.sh                        # the same load, no profiler
source "$(dirname "$0")/lib.sh"
need perf linux-perf
BACKEND=${1:-sqlite}; SECS=${2:-10}; TOP=${3:-30}
build_release
start_fission "$BACKEND" 18095
create_campaign bench
server=${PIDS[-1]}
add_groups 10
url="$BASE/api/v1/public/campaigns/bench/participants"
if [ -n "${NOPERF:-}" ]; then
  wrk -t2 -c32 -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$url" > "$WORK/wrk.txt"
  echo "load: $(wrk_summary "$WORK/wrk.txt")"
  echo "leads stored: $(sql 'SELECT COUNT(*) FROM participants'), routed: $(sql 'SELECT COUNT(*) FROM group_assignments'), flagged: $(sql 'SELECT COUNT(DISTINCT participant_id) FROM fraud_flags')"
  exit 0
fi
perf record -e cpu-clock -F 1999 -g -p "$server" -o "$WORK/perf.data" -- sleep "$SECS" 2>/dev/null &
rec=$!
wrk -t2 -c32 -d"${SECS}s" --latency -s "$ROOT/bench/leads.lua" "$url" > "$WORK/wrk.txt"
wait $rec
if [ -n "${KEEP:-}" ]; then cp "$WORK/perf.data" "$KEEP"; echo "perf data kept in $KEEP"; fi
machine
echo "load: $(wrk_summary "$WORK/wrk.txt")"
echo "leads stored: $(sql 'SELECT COUNT(*) FROM participants'), flagged: $(sql 'SELECT COUNT(DISTINCT participant_id) FROM fraud_flags')"
echo; echo "by thread (self time):"
perf report -i "$WORK/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8
echo; echo "top $TOP symbols (self time):"
perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -"$TOP" \
  | sed -E 's/\[\.\] //; s/(.{150}).*/\1.../'
