#!/usr/bin/env bash
# Where the landing page's time goes on one core: fission pinned to core 0 with one worker
# (as in bench/landing.sh), wrk on core 1, `perf record` (software cpu-clock, so it works
# in virtual machines without hardware counters) sampling the server for the run. Prints
# the top symbols by self time and the shares by library.
#
#   bench/profile-landing.sh [seconds] [top]      # defaults: 10 30
#
# Requests carry a phone browser's Accept-Encoding (gzip) as in bench/landing.sh;
# ACCEPT=identity leaves it out. KEEP=FILE keeps the perf data.
source "$(dirname "$0")/lib.sh"
need perf linux-perf
SECS=${1:-10}; TOP=${2:-30}
build_release
SERVE_CPU=0 start_fission sqlite 18090
create_campaign bench
server=${PIDS[-1]}
taskset -c 1 wrk -t1 -c64 -d2s "${PHONE[@]}" "$BASE/c/bench?ch=bench" >/dev/null   # warm up
perf record -e cpu-clock -F 1999 -p "$server" -o "$WORK/perf.data" -- sleep "$SECS" 2>/dev/null &
rec=$!
taskset -c 1 wrk -t1 -c64 -d"${SECS}s" --latency "${PHONE[@]}" "$BASE/c/bench?ch=bench" > "$WORK/wrk.txt"
wait $rec
if [ -n "${KEEP:-}" ]; then cp "$WORK/perf.data" "$KEEP"; echo "perf data kept in $KEEP"; fi
machine
echo "load: $(wrk_summary "$WORK/wrk.txt")"
echo; echo "by library (self time):"
perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8
echo; echo "top $TOP symbols (self time):"
perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -"$TOP" \
  | sed -E 's/\[\.\] //; s/(.{150}).*/\1.../'
