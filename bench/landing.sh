#!/usr/bin/env bash
# Landing page on one core against nginx on the same core, serving the same HTML as a file.
#
#   bench/landing.sh [connections] [seconds] [runs]      # defaults: 64 10 3
#   ACCEPT=identity bench/landing.sh ...                  # without Accept-Encoding
#
# Requests carry what a phone's browser sends, `Accept-Encoding: gzip, deflate, br`: fission
# answers with its gzip page, nginx with the same page compressed ahead (`gzip_static`, the
# file gzipped at -9). ACCEPT=identity sends no Accept-Encoding, as this script did until
# 2026-12-06, and both servers send the page uncompressed.
# The protocol (issue 14): fission (one worker) and nginx (one worker process) are each
# pinned to core 0 in turn, wrk runs pinned to core 1 (`-t1`), with a phone's user agent
# and visit recording on (every request is a new visitor: cookie issued, visit queued and
# written in batches on the same core). Peak rate: `runs` runs of each, alternating,
# medians. Latency: wrk paced (bench/paced.lua) to 70% of fission's median peak, `runs`
# runs, medians of p50/p99, so queueing does not hide in an average of a saturated run.
source "$(dirname "$0")/lib.sh"
need nginx nginx-light
CONNS=${1:-64}; SECS=${2:-10}; RUNS=${3:-3}
SERVER_CPU=0; LOAD_CPU=1
build_release
SERVE_CPU=$SERVER_CPU start_fission sqlite 18080
create_campaign bench
curl -fsS -A "$UA" "$BASE/c/bench?ch=bench" > "$WORK/landing.html"
gzip -9 -k "$WORK/landing.html"
# nginx's worker runs as `nobody`: it must be able to read the page (mktemp's directory is
# private; until 2026-12-06 nginx answered 403 here and the script measured that).
chmod 755 "$WORK"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  gzip_static on;
  server { listen 127.0.0.1:18081; root $WORK; location / { default_type text/html; } }
}
CONF
taskset -c $SERVER_CPU nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5
machine
fission_gz=$(curl -fsS "${PHONE[@]}" "$BASE/c/bench?ch=bench" | wc -c)
nginx_gz=$(curl -fsS "${PHONE[@]}" "http://127.0.0.1:18081/landing.html" | wc -c)
echo "page: $(wc -c < "$WORK/landing.html") bytes, as sent with ACCEPT=$ACCEPT: fission $fission_gz, nginx $nginx_gz; server and nginx on core $SERVER_CPU, wrk -t1 -c$CONNS -d${SECS}s on core $LOAD_CPU"

# load NAME URL [extra wrk args] -> prints the summary, leaves $WORK/NAME.txt
load() {
  local name=$1 url=$2; shift 2
  taskset -c $LOAD_CPU wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "${PHONE[@]}" "$@" "$url" > "$WORK/$name.txt"
  if grep -q 'Non-2xx' "$WORK/$name.txt"; then
    echo "$name: answers other than 200, the run measures nothing:" >&2; cat "$WORK/$name.txt" >&2; exit 1
  fi
  echo "$(wrk_summary "$WORK/$name.txt")"
}
rps() { awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt"; }
pct() { awk -v p="$2" '$1 == p {v=$2; if (v ~ /us$/) {sub(/us/, "", v); v/=1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v*=1000}; print v}' "$WORK/$1.txt"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

FISSION_URL="$BASE/c/bench?ch=bench"; NGINX_URL="http://127.0.0.1:18081/landing.html"
echo "| run | fission req/s | p50 / p99 | nginx req/s | p50 / p99 | ratio |"
echo "|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  load "fission-$run" "$FISSION_URL" >/dev/null
  load "nginx-$run" "$NGINX_URL" >/dev/null
  f=$(rps "fission-$run"); n=$(rps "nginx-$run")
  echo "| $run | $f | $(pct "fission-$run" 50%) / $(pct "fission-$run" 99%) ms | $n | $(pct "nginx-$run" 50%) / $(pct "nginx-$run" 99%) ms | $(python3 -c "print(f'{$f/$n:.2f}x')") |"
done
F=$(for r in $(seq 1 "$RUNS"); do rps "fission-$r"; done | median)
N=$(for r in $(seq 1 "$RUNS"); do rps "nginx-$r"; done | median)
echo "medians: fission $F req/s, nginx $N req/s, ratio $(python3 -c "print(f'{$F/$N:.2f}x')")"

# Paced at 70% of fission's median peak. wrk's delay() is in whole milliseconds, so the
# rate is set by the number of connections, each waiting 1 ms between requests (a cycle is
# 1 ms + latency): calibrated with a short run, then measured.
TARGET=$(python3 -c "print(int($F * 0.7))")
DELAY=1
C0=$(python3 -c "print(max(1, round($TARGET * ($DELAY + 0.5) / 1000)))")
# The peak runs leave visits queued; a calibration run while the writer catches up would
# see the server slower than it is and pace the runs near saturation (2026-12-07: 95
# connections instead of ~34). Wait until the stats stop moving.
visits_now() { api "$BASE/api/v1/campaigns/bench/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["visits"] + s["bot_visits"])'; }
before=$(visits_now)
for _ in $(seq 1 30); do sleep 1; now=$(visits_now); [ "$now" = "$before" ] && break; before=$now; done
CONNS_SAVED=$CONNS; SECS_SAVED=$SECS; CONNS=$C0; SECS=3
export DELAY_MS=$DELAY; load calibrate "$FISSION_URL" -s "$ROOT/bench/paced.lua" >/dev/null
R0=$(rps calibrate)
CONNS=$(python3 -c "print(max(1, round($C0 * $TARGET / $R0)))"); SECS=$SECS_SAVED
echo
echo "paced to $TARGET req/s (70% of $F): $CONNS connections, each waiting $DELAY ms between requests"
echo "| run | achieved req/s | p50 | p99 |"
echo "|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  export DELAY_MS=$DELAY
  load "paced-$run" "$FISSION_URL" -s "$ROOT/bench/paced.lua" >/dev/null
  echo "| $run | $(rps "paced-$run") | $(pct "paced-$run" 50%) ms | $(pct "paced-$run" 99%) ms |"
done
CONNS=$CONNS_SAVED
echo "medians: achieved $(for r in $(seq 1 "$RUNS"); do rps "paced-$r"; done | median) req/s, p50 $(for r in $(seq 1 "$RUNS"); do pct "paced-$r" 50%; done | median) ms, p99 $(for r in $(seq 1 "$RUNS"); do pct "paced-$r" 99%; done | median) ms"
sleep 2
echo "visits recorded: $(visits_now)"
grep -E "^fission_visits_dropped_total" <(curl -fsS "$BASE/metrics") || echo "visits dropped: 0"
