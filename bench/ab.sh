#!/usr/bin/env bash
# A/B of two ServerKit binaries on one scenario, alternating, each on a fresh
# server: the blog with 10k posts, request logs and monitoring on, GET by id
# (`wrk -t2 -c64`, 3 s warm-up, then DURATION s). Prints req/s, p99 and the
# server's CPU per request (from /proc/<pid>/stat) per binary and round.
# For one change's effect quickly; `bench/run.sh` is the full report.
# Usage: bench/ab.sh BEFORE_BIN AFTER_BIN   (env: ROUNDS=3 DURATION=10
#        SCENARIO=get|list: GET by id, or the list of 20 newest)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=${BENCH_REFERENCE:-$ROOT/../shared/bench-reference}
export SERVERKIT_ADMIN_EMAIL=ab-owner@example.com SERVERKIT_ADMIN_PASSWORD='ab owner password 1234'

one() { # BIN
  local bin=$1 work port pid c0 c1 out reqs rps
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  SERVERKIT_DATA_DIR=$work/data SERVERKIT_LISTEN=127.0.0.1:$port SERVERKIT_LOG=warn SERVERKIT_LOGIN_ATTEMPTS_PER_MINUTE=1000000 \
    "$bin" serve >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  python3 "$ROOT/bench/lib/setup_serverkit.py" --url "http://127.0.0.1:$port" --data-dir "$work/data" --workspace "$ROOT/examples/blog.json" --n 10000 >"$work/setup.json" 2>/dev/null
  local script=$REF/get.lua url=http://127.0.0.1:$port/
  if [[ ${SCENARIO:-get} == list ]]; then script=$REF/const.lua url="http://127.0.0.1:$port/env/test/posts?limit=20"; fi
  PREFIX=/env/test/posts/ MAX_ID=10000 SUMMARY_LUA=$REF/summary.lua wrk -t2 -c64 -d3s -s "$script" "$url" >/dev/null 2>&1
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(PREFIX=/env/test/posts/ MAX_ID=10000 SUMMARY_LUA=$REF/summary.lua wrk -t2 -c64 -d"${DURATION:-10}s" --latency -s "$script" "$url" 2>&1)
  c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$work"
  reqs=$(echo "$out" | awk '/requests in/ {print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  python3 -c 'import sys; name, rps, ticks, hz, reqs, p99 = sys.argv[1:]; print(f"{name}: {float(rps):.0f} req/s, p99 {p99}, {int(ticks) / int(hz) * 1e6 / int(reqs):.1f} µs server CPU per request")' \
    "$2" "$rps" "$(( c1 - c0 ))" "$(getconf CLK_TCK)" "$reqs" "$p99"
}

for round in $(seq "${ROUNDS:-3}"); do
  one "$1" "round $round before"
  one "$2" "round $round after"
done
