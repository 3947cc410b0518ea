#!/usr/bin/env bash
# Installs the system packages nimo needs on Debian 12: the Japanese font for PDFs (fonts-noto-cjk)
# and, with --test, poppler-utils for the PDF checks, chromium with chromium-driver for the
# browser tests (crates/web/tests/it/browser.rs) and cargo-deny for the licence and dependency
# checks (deny.toml). Does nothing for what is already there.
set -euo pipefail

# cargo-deny builds from crates.io (about 5 minutes on 2 cores), once per machine.
if [ "${1:-}" = "--test" ] && ! cargo deny --version >/dev/null 2>&1; then
  echo "installing: cargo-deny" >&2
  cargo install --locked cargo-deny --version '^0.20' >&2
fi

need=()
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
if [ "${1:-}" = "--test" ]; then
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  [ -x /usr/bin/chromedriver ] || need+=(chromium chromium-driver)
fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing: ${need[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
