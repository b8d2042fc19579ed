#!/usr/bin/env bash
# Startup time and idle memory of the release binary on the SQLite default.
# Usage: bench/startup.sh [path/to/serverkit]   (default: target/release/serverkit)
# Prints the time from exec to the first 200 from /readyz, and the RSS after 3 s idle,
# for a first start (fresh data dir) and two restarts on the same data.
set -euo pipefail
BIN=${1:-${CARGO_TARGET_DIR:-target}/release/serverkit}
DIR=$(mktemp -d)
PORT=${PORT:-18081}
trap 'rm -rf "$DIR"' EXIT
for run in first-start restart restart; do
  start=$(date +%s%N)
  SERVERKIT_DATA_DIR=$DIR/data SERVERKIT_LISTEN=127.0.0.1:$PORT SERVERKIT_LOG=warn "$BIN" serve >"$DIR/out" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do sleep 0.005; done
  ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 3
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid"
  printf '%-12s ready in %4d ms   idle RSS %6.1f MB\n' "$run" "$ready_ms" "$(echo "$rss_kb/1024" | bc -l)"
done
