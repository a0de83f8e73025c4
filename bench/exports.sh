#!/usr/bin/env bash
# Finance exports of N ledger rows: the contract's CSV, the finance CSV (lang=zh: yuan,
# Beijing time, total row) and the finance XLSX, on both backends, with the server's
# peak resident memory before and after each, and a checksum of each CSV (the data is
# fixed, so a change in the code must leave it alone; an XLSX records when it was made). Usage: bench/exports.sh [rows]; BACKENDS="sqlite" for one.
source "$(dirname "$0")/lib.sh"
ROWS=${1:-1000000}
build_release
machine

for backend in ${BACKENDS:-sqlite postgres}; do
  port=$((18900 + RANDOM % 500))
  start_fission $backend $port
  api -d '{"slug": "ledger", "title": "bench", "budget": {"amount": 1}}' "$BASE/api/v1/campaigns" >/dev/null
  case $backend in
    sqlite) python3 "$ROOT/bench/ledger_data.py" "sqlite:${FISSION_DATABASE_URL#sqlite://}" ledger "$ROWS" ;;
    postgres) python3 "$ROOT/bench/ledger_data.py" "postgres:${FISSION_DATABASE_URL##*=}" ledger "$ROWS" ;;
  esac
  pid=${PIDS[-1]}
  for export in "ledger.csv" "ledger.csv?lang=zh" "ledger.xlsx"; do
    before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    out=$(curl -fsS -o "$WORK/export" -w '%{time_total} %{size_download}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/campaigns/ledger/$export")
    after=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    sum=$(case $export in *.csv*) sha256sum "$WORK/export" | cut -c1-12 ;; *) echo "- (dated)" ;; esac)
    echo "$backend $export: $(echo $out | awk '{printf "%.2f s, %.1f MB", $1, $2/1e6}'), server peak RSS $((before / 1024)) -> $((after / 1024)) MiB, sha256 $sum"
  done
done
