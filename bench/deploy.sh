#!/usr/bin/env bash
# Deploy and rollback of a 200-router, 30-table workspace under GET and POST
# load (bench/deploy/run.py). Usage: bench/deploy.sh [SERVERKIT_BIN]
# (default: the release build); DURATION (10 s) per load window.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-${CARGO_TARGET_DIR:-/root/.cache/serverkit-target}/release/serverkit}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
export SERVERKIT_ADMIN_EMAIL=bench-owner@example.com SERVERKIT_ADMIN_PASSWORD='bench owner password 1234'
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVERKIT_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
python3 "$ROOT/bench/deploy/run.py" "http://127.0.0.1:$PORT"
