#!/usr/bin/env bash
# The generated test suite, timed: the blog example (must run in under 2 s)
# and a 200-router, 30-table workspace (bench/suite/workspace.py).
# Usage: bench/suite.sh [SERVERKIT_BIN]   (default: the release build)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-${CARGO_TARGET_DIR:-/root/.cache/serverkit-target}/release/serverkit}
export SERVERKIT_ADMIN_EMAIL=bench-owner@example.com SERVERKIT_ADMIN_PASSWORD='bench owner password 1234'
WORK=$(mktemp -d)
python3 "$ROOT/bench/suite/workspace.py" > "$WORK/large.json"
for workspace in "blog:$ROOT/examples/blog.json" "200 routers:$WORK/large.json"; do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data-$PORT" >"$WORK/server-$PORT.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  python3 "$ROOT/bench/suite/run.py" "http://127.0.0.1:$PORT" "${workspace#*:}" "${workspace%%:*}"
  kill $SERVER; wait $SERVER 2>/dev/null || true
done
rm -rf "$WORK"
