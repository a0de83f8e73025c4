#!/usr/bin/env bash
# Issue 13: the attack corpus (tests/api/fraud_corpus.rs) sent through the public pages as
# phones send it, honest traffic beside it; prints the per-scenario table and the two
# figures (fraud credit withheld, honest referrals held) for SQLite, and for PostgreSQL
# when FISSION_TEST_POSTGRES_URL is set. The test itself asserts the targets.
# Usage: bench/fraud.sh            (FISSION_TEST_POSTGRES_URL=postgres://... for both)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --quiet --no-run --test api
backends=sqlite
[ -n "${FISSION_TEST_POSTGRES_URL:-}" ] && backends="sqlite postgres"
for backend in $backends; do
  echo "== $backend"
  cargo test --quiet --test api "fraud_corpus::the_attack_corpus_is_withheld_and_honest_people_pass::$backend" \
    -- --exact --nocapture 2>&1 | grep -E '^\||withheld:|^test result|panicked' || true
done
