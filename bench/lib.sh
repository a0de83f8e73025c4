# Shared by the benchmark scripts: start a release server on loopback with a fresh
# database, make a campaign, stop everything on exit. Source it; do not run it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# FISSION_BIN: run a given binary (e.g. one built from an older commit) instead of building.
BIN="${FISSION_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fission}"
WORK=$(mktemp -d /tmp/fission-bench.XXXXXX)
PIDS=()
SCHEMAS=()
# Stops the servers, then drops the PostgreSQL schemas the run made.
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for s in "${SCHEMAS[@]}"; do psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# need CMD PACKAGE: installs a Debian package when its command is missing (wrk, nginx).
need() {
  command -v "$1" >/dev/null && return 0
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing $2 (Debian package) for $1"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null; }
}
need wrk wrk

# What a phone's browser sends to the landing page: its user agent, and its Accept-Encoding
# unless ACCEPT=identity. PHONE holds them as curl/wrk -H arguments; UA the agent alone.
UA='Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
ACCEPT=${ACCEPT:-gzip}
case $ACCEPT in
  gzip) PHONE=(-H "User-Agent: $UA" -H "Accept-Encoding: gzip, deflate, br") ;;
  identity) PHONE=(-H "User-Agent: $UA") ;;
  *) echo "ACCEPT is gzip or identity" >&2; exit 2 ;;
esac

build_release() { [ -n "${FISSION_BIN:-}" ] || (cd "$ROOT" && cargo build --release --locked --quiet); }

# start_fission sqlite|postgres [port] -> sets BASE, TOKEN (SERVE_CPU=N pins it to core N)
start_fission() {
  local backend=$1 port=${2:-18080}
  case $backend in
    sqlite) export FISSION_DATABASE_URL="sqlite://$WORK/bench-$port-$RANDOM.db" ;;
    postgres)
      local schema="bench_$(date +%s)_$RANDOM"
      psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $schema"
      SCHEMAS+=("$schema")
      export FISSION_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test?options[search_path]=$schema" ;;
  esac
  export FISSION_BIND="127.0.0.1:$port" FISSION_PUBLIC_URL="http://127.0.0.1:$port"
  export FISSION_DATA_DIR="$WORK/data-$port" FISSION_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn FISSION_TRUSTED_PROXIES=127.0.0.1
  export FISSION_SECRET_KEY="bench-secret-key-0123456789-0123456789-abcdef"
  TOKEN=$("$BIN" token create --name bench --role admin 2>/dev/null)
  # SERVE_CPU=N: the server pinned to that one core with one worker (the one-core protocol).
  local pin=()
  [ -z "${SERVE_CPU:-}" ] || { pin=(taskset -c "$SERVE_CPU"); export FISSION_WORKERS=1; }
  "${pin[@]}" "$BIN" serve > "$WORK/serve-$port.log" 2>&1 &
  PIDS+=($!)
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "fission did not start"; cat "$WORK/serve-$port.log"; exit 1
}

# sql STATEMENT: runs it on the running server's database (the latest start_fission's).
sql() {
  case $FISSION_DATABASE_URL in
    sqlite://*) sqlite3 -cmd '.timeout 5000' "${FISSION_DATABASE_URL#sqlite://}" "$1" ;;
    postgres://*) psql -h 127.0.0.1 -U postgres -d test -qAtc "SET search_path = ${FISSION_DATABASE_URL##*search_path]=}; $1" ;;
  esac
}

api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' "$@"; }

# add_groups N [SLUG]: N open groups of 100,000 seats with the demo group QR, made through
# the API (named g1..gN, or g when N is 1) in the campaign SLUG (default bench).
add_groups() {
  local n=$1 slug=${2:-bench} qr i name
  qr=$(curl -fsS -H "Authorization: Bearer $TOKEN" -F "file=@$ROOT/static/demo/group-qr.png" "$BASE/api/v1/assets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for i in $(seq 1 "$n"); do
    name="g$i"; [ "$n" -gt 1 ] || name=g
    api -d "{\"name\": \"$name\", \"capacity\": 100000, \"qr_asset\": \"$qr\"}" "$BASE/api/v1/campaigns/$slug/groups" >/dev/null
  done
}

# create_campaign SLUG: the demo campaign's content with a poster background
create_campaign() {
  local slug=$1 bg
  bg=$(curl -fsS -H "Authorization: Bearer $TOKEN" -F "file=@$ROOT/static/demo/poster-bg.jpg" "$BASE/api/v1/assets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  api -d @- "$BASE/api/v1/campaigns" >/dev/null <<JSON
{"slug": "$slug", "title": "春茶上新 · 邀友品鉴", "status": "active",
 "page": {"hero": {"headline": "春茶上新，邀好友一起品鉴", "subtitle": "明前龙井 · 产地直发", "incentive": "邀请3位好友入群得5元红包", "cta": "免费领取"},
          "proof": {"certifications": ["SC食品生产许可", "有机产品认证"], "experts": [{"name": "王师傅", "title": "国家一级评茶师"}],
                    "testimonials": [{"name": "李女士", "quote": "茶很香，群里每天都有品茶知识分享。"}]},
          "closing": {"title": "还没领取？现在加入", "cta": "立即领取"}},
 "poster": {"background_asset": "$bg", "qr": {"x": 452, "y": 1004, "size": 256}},
 "budget": {"amount": 100000}, "rules": [{"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}}]}
JSON
}

# wrk_summary FILE -> "req/s p50 p99"
wrk_summary() {
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%s req/s, p50 %s, p99 %s\n", rps, p50, p99}' "$1"
}

machine() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
}
