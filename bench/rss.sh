#!/usr/bin/env bash
# Memory by step: a release ServerKit on a fresh data folder (SQLite), then
# bench/lib/rss_steps.py reads its RssAnon, RssFile and peak after each step
# (admin sign-in, import, refresh with its test run, sign-ups, writes, GETs,
# lists, idle), so the idle figure can be taken again and explained.
# Usage: bench/rss.sh   (env: SKIP_BUILD=1 USERS=100 GETS=2000 LISTS=200 IDLE=10)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/serverkit-target}
[[ ${SKIP_BUILD:-0} == 1 ]] || (cd "$ROOT" && cargo build --release --locked -p serverkit)
export SERVERKIT_ADMIN_EMAIL=rss-owner@example.com SERVERKIT_ADMIN_PASSWORD='rss owner password 1234'
WORK=$(mktemp -d)
SERVER=
cleanup() { [[ -n $SERVER ]] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVERKIT_DATA_DIR=$WORK/data SERVERKIT_LISTEN=127.0.0.1:$PORT SERVERKIT_LOG=warn SERVERKIT_LOGIN_ATTEMPTS_PER_MINUTE=1000000 \
  "$CARGO_TARGET_DIR/release/serverkit" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
python3 "$ROOT/bench/lib/rss_steps.py" --url "http://127.0.0.1:$PORT" --pid "$SERVER" --workspace "$ROOT/examples/blog.json" \
  --users "${USERS:-100}" --gets "${GETS:-2000}" --lists "${LISTS:-200}" --idle "${IDLE:-10}"
