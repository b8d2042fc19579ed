#!/usr/bin/env bash
# What a test run's sandbox costs: the blog example's suite run RUNS times on
# SQLite and (with PG_URL, a database this may fill and empty) on PostgreSQL;
# each run's set-up (store created, tables migrated, settings read), its cases
# (fixtures loaded, callers signed in, every case) and its tear-down (store
# and files dropped), as the server logs them, with the median of each.
# Usage: bench/sandbox.sh [SERVERKIT_BIN]   (env: RUNS=10, PG_URL=postgres://…;
# more than 5 runs a minute sign the admin in more often than the default
# allows: set SERVERKIT_LOGIN_ATTEMPTS_PER_MINUTE=1000)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-${CARGO_TARGET_DIR:-/root/.cache/serverkit-target}/release/serverkit}
RUNS=${RUNS:-10}
export SERVERKIT_ADMIN_EMAIL=bench-owner@example.com SERVERKIT_ADMIN_PASSWORD='bench owner password 1234'
export SERVERKIT_LOG_FORMAT=json RUST_LOG=${RUST_LOG:-info}
WORK=$(mktemp -d)
SERVER=
# The server is stopped however the script ends (a failed suite run included).
trap '[[ -n $SERVER ]] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }; rm -rf "$WORK"' EXIT
stores=("sqlite:")
[[ -n ${PG_URL:-} ]] && stores+=("postgres:$PG_URL")
for store in "${stores[@]}"; do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  args=(serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data-$PORT")
  if [[ ${store%%:*} == postgres ]]; then
    url=${store#postgres:}
    psql "$url" -qtAc "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public" >/dev/null
    export SERVERKIT_DATABASE_URL=$url
  else
    unset SERVERKIT_DATABASE_URL
  fi
  "$BIN" "${args[@]}" >"$WORK/server-$PORT.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  for _ in $(seq "$RUNS"); do
    python3 "$ROOT/bench/suite/run.py" "http://127.0.0.1:$PORT" "$ROOT/examples/blog.json" "blog" >>"$WORK/suite-$PORT.jsonl"
  done
  kill $SERVER; wait $SERVER 2>/dev/null || true
  SERVER=
  python3 - "${store%%:*}" "$WORK/server-$PORT.log" "$WORK/suite-$PORT.jsonl" <<'PY'
import json, statistics, sys
store, log, suite = sys.argv[1:4]
runs = [json.loads(l)["fields"] for l in open(log) if '"test run served in its sandbox"' in l]
suites = [json.loads(l) for l in open(suite)]
median = lambda key: round(statistics.median(r[key] for r in runs), 1)
print(json.dumps({
    "store": store, "runs": len(runs), "cases": runs[0]["cases"] if runs else None,
    "sandbox_setup_ms": median("sandbox_setup_ms"), "sandbox_teardown_ms": median("sandbox_teardown_ms"),
    "cases_ms": median("cases_ms"), "suite_run_s": round(statistics.median(s["run_s"] for s in suites), 3),
    "all_passed": all(s["status"] == "PASSED" for s in suites),
}))
PY
done
