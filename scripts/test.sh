#!/usr/bin/env bash
# Runs nimo's whole test suite, every storage test on SQLite and on PostgreSQL, after formatting,
# lint and migration checks. Installs what the tests need on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test

# PostgreSQL is the production backend: the suite needs it. Start the local cluster if it is down.
export NIMO_TEST_POSTGRES_URL="${NIMO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -d "$NIMO_TEST_POSTGRES_URL" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -d "$NIMO_TEST_POSTGRES_URL" && break; sleep 1; done
  pg_isready -q -d "$NIMO_TEST_POSTGRES_URL" || { echo "PostgreSQL is not reachable at $NIMO_TEST_POSTGRES_URL" >&2; exit 1; }
fi

# Every migration exists for both backends, under the same name.
if ! diff <(ls crates/store/migrations/sqlite) <(ls crates/store/migrations/postgres); then
  echo "migration folders differ: every migration must exist for sqlite and postgres" >&2
  exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# Licences (AGPL-compatible only), duplicate versions and sources (crates.io only): deny.toml.
# The tidy rules (//! lines, file size, unwrap) and the schema comparison are tests of the suite
# below: crates/tidy and crates/store/tests/it/schema.rs.
cargo deny check bans licenses sources
# cargo-nextest (on this kind of machine) runs each test in its own process and ends with one
# summary line for the whole suite; plain cargo test is the fallback.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
# API fuzzing (schemathesis) of every operation and role against the `nimo` binary the suite
# built, on SQLite and on PostgreSQL: no 5xx, no answer off the document (scripts/api-fuzz.sh).
scripts/api-fuzz.sh sqlite
scripts/api-fuzz.sh postgres
