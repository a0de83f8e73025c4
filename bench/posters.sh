#!/usr/bin/env bash
# Posters: cold render time over HTTP (each participant's first request) and the rate of
# serving cached posters. Usage: bench/posters.sh [participants] [seconds]
source "$(dirname "$0")/lib.sh"
N=${1:-60}; SECS=${2:-10}
build_release
machine
start_fission sqlite 18095
create_campaign bench
api -d "{\"channel\":\"bench\",\"count\":$N}" "$BASE/api/v1/campaigns/bench/seeds" \
  | python3 -c 'import json,sys; [print(p["code"]) for p in json.load(sys.stdin)]' > "$WORK/codes"
# The first request warms the background decode, as the first poster of a campaign does.
curl -fsS -o /dev/null "$BASE/c/bench/p/$(head -1 "$WORK/codes").png"
for ext in png jpg; do
  tail -n +2 "$WORK/codes" | while read -r code; do
    curl -fsS -o /dev/null -w '%{time_total}\n' "$BASE/c/bench/p/$code.$ext"
  done | sort -n | awk -v ext=$ext '{a[NR]=$1*1000} END {printf "cold %s over HTTP: median %.1f ms, p95 %.1f ms, max %.1f ms (n=%d)\n", ext, a[int(NR/2)+1], a[int(NR*0.95)], a[NR], NR}'
done
code=$(head -1 "$WORK/codes")
wrk -t2 -c64 -d"${SECS}s" --latency "$BASE/c/bench/p/$code.jpg" > "$WORK/cached.txt"
echo "cached jpg, 64 connections: $(wrk_summary "$WORK/cached.txt")"
