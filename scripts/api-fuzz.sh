#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI, pinned in scripts/install-deps.sh) over every operation of
# /api/openapi.json, once per role, against a `nimo demo` server this script starts on a free
# loopback port with a throw-away database; it fails on any 5xx and any answer that breaks the
# document (status, content type, headers, schema), and on valid input refused or invalid input
# accepted. Configuration: scripts/api-fuzz.toml (fixed seed, deterministic generation).
#
#   scripts/api-fuzz.sh [sqlite|postgres]    (default sqlite; postgres needs NIMO_TEST_POSTGRES_URL)
#
# NIMO_BIN names the binary (default: the debug build the test suite made); NIMO_FUZZ_EXAMPLES
# changes the number of generated cases per operation and phase (default in the .toml);
# NIMO_FUZZ_ROLES=staff-meguro,hospital-meguro runs only those roles.
set -euo pipefail
cd "$(dirname "$0")/.."

backend="${1:-sqlite}"
nimo="${NIMO_BIN:-${CARGO_TARGET_DIR:-target}/debug/nimo}"
[ -x "$nimo" ] || { echo "api-fuzz: $nimo not found: build it first (cargo build -p nimo-cli)" >&2; exit 1; }
python3 -c 'import schemathesis' 2>/dev/null || { echo "api-fuzz: schemathesis is not installed: run scripts/install-deps.sh --test" >&2; exit 1; }

work="$(mktemp -d)"
server=""
pg_db=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -q "$NIMO_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

db_flags=(--data-dir "$work")
case "$backend" in
  sqlite) db_url="sqlite://$work/demo.db" ;;
  postgres)
    : "${NIMO_TEST_POSTGRES_URL:?api-fuzz postgres needs NIMO_TEST_POSTGRES_URL}"
    pg_db="nimo_fuzz_$$"
    psql -q "$NIMO_TEST_POSTGRES_URL" -c "CREATE DATABASE $pg_db" >/dev/null
    db_url="${NIMO_TEST_POSTGRES_URL%/*}/$pg_db"
    db_flags+=(--database-url "$db_url")
    ;;
  *) echo "api-fuzz: unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
esac

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# The demo's passwords go to its log, inside the throw-away directory.
NIMO_LOG=warn "$nimo" demo --addr "127.0.0.1:$port" "${db_flags[@]}" >"$work/server.log" 2>&1 &
server=$!
python3 - "$base/healthz" <<'EOF' || { cat "$work/server.log" >&2; echo "api-fuzz: the server did not start" >&2; exit 1; }
import sys, time, urllib.request
for _ in range(600):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
EOF

cli_db=(--database-url "$db_url" --data-dir "$work")
# Each role of the demo, in and out of 目黒区 and 目黒みどり病院 (role name, login; "" = no credentials).
roles=(
  "anonymous:"
  "admin:demo-admin"
  "staff-meguro:demo-hokenshi"
  "staff-meguro-district:demo-chiku"
  "staff-setagaya:demo-setagaya"
  "council:demo-kyogikai"
  "hospital-meguro:demo-byoin"
  "hospital-setagaya:demo-byoin2"
)

examples=()
[ -n "${NIMO_FUZZ_EXAMPLES:-}" ] && examples=(--max-examples "$NIMO_FUZZ_EXAMPLES")
started=$SECONDS
failed=()
summary=()
for entry in "${roles[@]}"; do
  role="${entry%%:*}"
  login="${entry#*:}"
  if [ -n "${NIMO_FUZZ_ROLES:-}" ] && [[ ",$NIMO_FUZZ_ROLES," != *",$role,"* ]]; then continue; fi
  auth=()
  if [ -n "$login" ]; then
    token="$("$nimo" token create --user "$login" --name api-fuzz "${cli_db[@]}" 2>/dev/null)"
    auth=(-H "Authorization: Bearer $token")
  fi
  echo "== api-fuzz ($backend): $role" >&2
  report="$work/$role.json"
  status=0
  python3 -m schemathesis.cli --config-file scripts/api-fuzz.toml --no-color run "$base/api/openapi.json" \
    "${auth[@]}" "${examples[@]}" --report json --report-json-path "$report" >"$work/$role.log" 2>&1 || status=$?
  line="$(python3 - "$report" "$role" "$status" <<'EOF'
import json, sys
path, role, status = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    report = json.load(open(path))
except (OSError, ValueError):
    print(f"{role}: no report (schemathesis exit {status})")
    sys.exit(0)
cases = report["test_cases"]
failures = sum(group["count"] for group in report["failures"])
errors = sum(group["count"] for group in report["errors"])
ops = report["operations"]
print(f"{role}: {cases['generated']} cases over {ops['tested']}/{ops['total']} operations, "
      f"{failures} failures, {errors} errors (exit {status})")
EOF
)"
  summary+=("$line")
  if [ "$status" -ne 0 ] || [ -n "${NIMO_FUZZ_VERBOSE:-}" ]; then
    failed+=("$role")
    cat "$work/$role.log" >&2
  fi
done

echo "api-fuzz ($backend), $((SECONDS - started)) s:" >&2
printf '  %s\n' "${summary[@]}" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "api-fuzz: schemathesis failed for: ${failed[*]}" >&2
  exit 1
fi
