#!/usr/bin/env bash
# Landing page (visit recording on) against nginx serving the same HTML as a file, in
# the same run under the same load. Usage: bench/landing.sh [connections] [seconds]
source "$(dirname "$0")/lib.sh"
CONNS=${1:-256}; SECS=${2:-15}
build_release
start_fission sqlite 18080
create_campaign bench
curl -fsS "$BASE/c/bench" > "$WORK/landing.html"
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:18081; root $WORK; location / { default_type text/html; } }
}
CONF
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5
machine
echo "page: $(wc -c < "$WORK/landing.html") bytes; $CONNS connections, ${SECS}s, wrk -t2"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$BASE/c/bench?ch=bench" > "$WORK/fission.txt"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:18081/landing.html" > "$WORK/nginx.txt"
echo "fission /c/bench: $(wrk_summary "$WORK/fission.txt")"
echo "nginx static:     $(wrk_summary "$WORK/nginx.txt")"
sleep 2
echo "visits recorded: $(api "$BASE/api/v1/campaigns/bench/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["visits"] + s["bot_visits"])')"
grep -E "fission_visits_dropped_total" <(curl -fsS "$BASE/metrics") || echo "visits dropped: 0"
