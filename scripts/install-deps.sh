#!/usr/bin/env bash
# Installs the system packages nimo needs on Debian 12: the Japanese font for PDFs (fonts-noto-cjk)
# and, with --test, poppler-utils for the PDF checks, chromium with chromium-driver for the
# browser tests (crates/web/tests/it/browser.rs), cargo-deny for the licence and dependency checks
# (deny.toml), openapi-spec-validator (PyPI, pinned) for the API contract test
# (crates/web/tests/it/openapi.rs) and schemathesis (PyPI, pinned) for the API fuzzing of
# scripts/api-fuzz.sh, and axe-core (npm, pinned by crates/web/tests/js/package-lock.json) for the
# accessibility test (crates/web/tests/it/a11y.rs), which reads it from that folder's node_modules
# and never from the network at test time. Does nothing for what is already there.
set -euo pipefail

OPENAPI_SPEC_VALIDATOR=0.9.0
SCHEMATHESIS=4.32.5
# The axe-core version the lock file pins (crates/web/tests/js/package.json says the same).
AXE_DIR="$(cd "$(dirname "$0")/.." && pwd)/crates/web/tests/js"

# cargo-deny builds from crates.io (about 5 minutes on 2 cores), once per machine.
if [ "${1:-}" = "--test" ] && ! cargo deny --version >/dev/null 2>&1; then
  echo "installing: cargo-deny" >&2
  cargo install --locked cargo-deny --version '^0.20' >&2
fi

need=()
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
want_validator=""
want_fuzzer=""
want_axe=""
if [ "${1:-}" = "--test" ]; then
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  [ -x /usr/bin/chromedriver ] || need+=(chromium chromium-driver)
  # nimo backup / restore on PostgreSQL use its own tools (the backup tests run them).
  command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || need+=(postgresql-client)
  if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    want_validator=1
  fi
  if [ "$(python3 -c 'from importlib.metadata import version; print(version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS" ]; then
    want_fuzzer=1
  fi
  axe_pinned="$(sed -n 's/.*"axe-core": "\([0-9.]*\)".*/\1/p' "$AXE_DIR/package.json")"
  axe_installed=""
  if [ -e "$AXE_DIR/node_modules/axe-core/package.json" ]; then
    axe_installed="$(sed -n 's/^ *"version": "\([0-9.]*\)".*/\1/p' "$AXE_DIR/node_modules/axe-core/package.json" | head -1)"
  fi
  if [ "$axe_installed" != "$axe_pinned" ] || [ ! -e "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    want_axe=1
    command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
  fi
  if [ -n "$want_validator$want_fuzzer" ]; then
    python3 -m pip --version >/dev/null 2>&1 || need+=(python3 python3-pip)
  fi
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

pip_install() {
  echo "installing: $1 (pip)" >&2
  # Debian's own python3 refuses user installs into its site-packages (PEP 668) without the flag.
  python3 -m pip install --quiet "$1" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "$1"
}
[ -z "$want_validator" ] || pip_install "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR"
[ -z "$want_fuzzer" ] || pip_install "schemathesis==$SCHEMATHESIS"
if [ -n "$want_axe" ]; then
  echo "installing: axe-core (npm ci in crates/web/tests/js)" >&2
  # The lock file pins the version and its integrity hash; no install scripts run.
  (cd "$AXE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
