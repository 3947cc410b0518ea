#!/usr/bin/env bash
# Brings nimo up on its embedded default (SQLite in ./data) with the 目黒区 令和4年度 demo sheet:
# installs the font, builds, and serves on http://127.0.0.1:8080/ (NIMO_ADDR to change).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --bin nimo
exec ./target/debug/nimo demo --addr "${NIMO_ADDR:-127.0.0.1:8080}" "$@"
