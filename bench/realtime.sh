#!/usr/bin/env bash
# Realtime delivery: a release ServerKit serving the blog with two watch
# routers (`/posts/live`, public, published posts; `/posts/mine/live`, owner
# only), then bench/realtime (built here) with N subscribers while a writer
# inserts RATE posts a second for SECONDS:
#   public: N anonymous subscribers on one feed, each must get every insert;
#   owner:  N end users each on their own feed, each must get exactly theirs.
# Prints one JSON line per scenario: events expected/received/lost/leaked,
# delivery latency p50/p95/p99 (row's created_at → event read), the server's
# CPU per delivered event and its peak RSS from the moment all subscribers are
# attached to the end of delivery (sign-ups and connects excluded).
# Usage: bench/realtime.sh   (env: N=1000 RATE=200 SECONDS=20 SKIP_BUILD=0 MODES="public owner")
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/serverkit-target}
N=${N:-1000}; RATE=${RATE:-200}; SECONDS_=${SECONDS:-20}; MODES=${MODES:-public owner}
export SERVERKIT_ADMIN_EMAIL=bench-owner@example.com SERVERKIT_ADMIN_PASSWORD='bench owner password 1234'
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  (cd "$ROOT" && cargo build --release --locked -p serverkit)
  cargo build --release --locked --manifest-path "$ROOT/bench/realtime/Cargo.toml"
fi
SK_BIN=$CARGO_TARGET_DIR/release/serverkit
PROBE=$CARGO_TARGET_DIR/release/serverkit-realtime-bench
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d)
SERVER=
cleanup() { [[ -n $SERVER ]] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
SERVERKIT_DATA_DIR=$WORK/data SERVERKIT_LISTEN=127.0.0.1:$PORT SERVERKIT_LOG=warn \
  SERVERKIT_LOGIN_ATTEMPTS_PER_MINUTE=1000000 "$SK_BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

# The blog with the two watch routers, imported and refreshed by the run's setup.
python3 - "$ROOT/examples/blog.json" "$WORK/workspace.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["routers"] += [
    {"name": "watchPosts", "method": "GET", "path": "/posts/live", "access": {"allow": "public"},
     "steps": [{"watch": {"table": "posts", "where": {"published": True}}}]},
    {"name": "myPosts", "method": "GET", "path": "/posts/mine/live", "access": {"allow": "signedIn", "ownerOnly": True},
     "steps": [{"watch": {"table": "posts"}}]},
]
json.dump(doc, open(sys.argv[2], "w"))
PY
python3 "$ROOT/bench/lib/setup_serverkit.py" --url "$BASE" --data-dir "$WORK/data" --workspace "$WORK/workspace.json" --n 100 >"$WORK/setup.json"
API_TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' "$WORK/setup.json")
python3 - "$BASE" "$API_TOKEN" "$N" <<'PY'
import json, sys, urllib.request
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
limits = {"requestsPerSecond": 1000000, "maxConcurrentRequests": 100000, "maxSubscribers": n * 4, "maxSubscribersPerUser": n * 4, "maxEventsPerSecond": 1000000}
query = "mutation($l: EnvironmentLimitsInput!) { updateEnvironment(slug: \"test\", input: { limits: $l }) { slug } }"
req = urllib.request.Request(base + "/graphql", data=json.dumps({"query": query, "variables": {"l": limits}}).encode(), method="POST")
req.add_header("content-type", "application/json"); req.add_header("authorization", f"Bearer {token}")
answer = json.load(urllib.request.urlopen(req))
assert not answer.get("errors"), answer
PY

for mode in $MODES; do
  SERVER_PID=$SERVER CLK_TCK=$(getconf CLK_TCK) "$PROBE" "$BASE/env/test" "$mode" "$N" "$RATE" "$SECONDS_"
done
