#!/usr/bin/env bash
# ServerKit throughput benchmark against a hand-written axum + sqlx baseline.
# One command: builds both, starts both on free ports, seeds 100k posts in each,
# runs wrk on every scenario and prints req/s, p50, p99 and the ratios.
# See bench/README.md. Usage: bench/run.sh   (env: ROUNDS, DURATION, … below)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
REF=${BENCH_REFERENCE:-/work/shared/bench-reference}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/serverkit-target}
BASELINE_TARGET_DIR=${BASELINE_TARGET_DIR:-/root/.cache/bench-baseline-target}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-15}          # seconds per scenario and round
WARMUP=${WARMUP:-3}               # seconds of GET on each server before round 1 (0: none)
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
SEED_ROWS=${SEED_ROWS:-100000}
SKIP_BUILD=${SKIP_BUILD:-0}       # 1: use the binaries already built
KEEP_WORK=${KEEP_WORK:-0}         # 1: keep the temp folder (data dirs, logs, raw wrk output)
OUT=${OUT:-$BENCH/results/latest.json}
export SERVERKIT_ADMIN_EMAIL=${SERVERKIT_ADMIN_EMAIL:-bench-owner@example.com}
export SERVERKIT_ADMIN_PASSWORD=${SERVERKIT_ADMIN_PASSWORD:-bench owner password 1234}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

for f in get.lua post.lua summary.lua const.lua seed.py baseline/Cargo.toml; do
  [[ -e $REF/$f ]] || die "missing $REF/$f (set BENCH_REFERENCE)"
done

# ---------------------------------------------------------------- tools and builds
if ! command -v wrk >/dev/null; then
  say "installing wrk from Debian"
  if [[ $(id -u) -eq 0 ]]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
command -v python3 >/dev/null || die "python3 is needed"
command -v curl >/dev/null || die "curl is needed"

SK_BIN=$CARGO_TARGET_DIR/release/serverkit
BL_BIN=$BASELINE_TARGET_DIR/release/peer-baseline
if [[ $SKIP_BUILD != 1 ]]; then
  say "building ServerKit (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release -p serverkit)
  say "building the baseline (CARGO_TARGET_DIR=$BASELINE_TARGET_DIR)"
  CARGO_TARGET_DIR=$BASELINE_TARGET_DIR cargo build --release --manifest-path "$REF/baseline/Cargo.toml"
fi
[[ -x $SK_BIN ]] || die "no $SK_BIN"
[[ -x $BL_BIN ]] || die "no $BL_BIN"

# ---------------------------------------------------------------- processes and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/serverkit-bench.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $KEEP_WORK == 1 ]]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() { # url pid name log
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$4" >&2; die "$3 exited at start"; }
    sleep 0.1
  done
  tail -n 30 "$4" >&2; die "$3 not ready after 60 s"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of a process, in clock ticks

# ServerKit: fresh data dir, SQLite default, the owner from the environment.
SK_PORT=$(free_port)
SK_URL=http://127.0.0.1:$SK_PORT
SK_DATA=$WORK/serverkit-data
say "starting ServerKit on $SK_URL (data $SK_DATA)"
SERVERKIT_DATA_DIR=$SK_DATA SERVERKIT_LISTEN=127.0.0.1:$SK_PORT SERVERKIT_LOG=${SERVERKIT_LOG:-warn} \
  "$SK_BIN" serve >"$WORK/serverkit.log" 2>&1 &
SK_PID=$!; PIDS+=("$SK_PID")
wait_ready "$SK_URL/readyz" "$SK_PID" ServerKit "$WORK/serverkit.log"

say "preparing ServerKit: import examples/blog.json, refresh test, raise limits, seed $SEED_ROWS posts"
python3 "$BENCH/lib/setup_serverkit.py" --url "$SK_URL" --data-dir "$SK_DATA" \
  --workspace "$ROOT/examples/blog.json" --n "$SEED_ROWS" >"$WORK/setup.json"
USER_TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user_token"])' "$WORK/setup.json")

# Baseline: its own DB with seed.py's rows.
BL_PORT=$(free_port)
BL_URL=http://127.0.0.1:$BL_PORT
say "seeding the baseline DB ($SEED_ROWS rows) and starting it on $BL_URL"
python3 "$REF/seed.py" "$WORK/baseline.db" --create --n "$SEED_ROWS" >&2
BIND=127.0.0.1:$BL_PORT DB=$WORK/baseline.db "$BL_BIN" >"$WORK/baseline.log" 2>&1 &
BL_PID=$!; PIDS+=("$BL_PID")
wait_ready "$BL_URL/const" "$BL_PID" baseline "$WORK/baseline.log"

# ---------------------------------------------------------------- scenarios
# name | server | url | script | extra env (space-separated k=v)
SCENARIOS=(
  "sk_get|serverkit|$SK_URL/|$REF/get.lua|PREFIX=/env/test/posts/ MAX_ID=$SEED_ROWS"
  "bl_get|baseline|$BL_URL/|$REF/get.lua|PREFIX=/posts/ MAX_ID=$SEED_ROWS"
  "sk_post|serverkit|$SK_URL/env/test/posts|$BENCH/wrk/post_serverkit.lua|AUTH_TOKEN=$USER_TOKEN"
  "bl_post|baseline|$BL_URL/posts|$REF/post.lua|"
  "sk_list|serverkit|$SK_URL/env/test/posts?limit=20|$REF/const.lua|"
  "bl_const|baseline|$BL_URL/const|$REF/const.lua|"
)
RAW=$WORK/raw.jsonl
: >"$RAW"
mkdir -p "$WORK/wrk"

run_wrk() { # seconds script url envs... ; prints wrk's output
  local secs=$1 script=$2 url=$3; shift 3
  env SUMMARY_LUA="$REF/summary.lua" "$@" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s --latency -s "$script" "$url"
}

if [[ $WARMUP -gt 0 ]]; then
  say "warming up (${WARMUP} s per server)"
  run_wrk "$WARMUP" "$REF/get.lua" "$SK_URL/" PREFIX=/env/test/posts/ MAX_ID="$SEED_ROWS" >/dev/null
  run_wrk "$WARMUP" "$REF/get.lua" "$BL_URL/" PREFIX=/posts/ MAX_ID="$SEED_ROWS" >/dev/null
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
  for entry in "${SCENARIOS[@]}"; do
    IFS='|' read -r name server url script extra <<<"$entry"
    if [[ $server == serverkit ]]; then pid=$SK_PID; else pid=$BL_PID; fi
    say "round $round/$ROUNDS: $name (${DURATION} s)"
    out=$WORK/wrk/$name.r$round.txt
    # A thread snapshot of the server halfway through (profile hint for the report).
    ( sleep "$(( DURATION / 2 ))"; top -H -b -n 1 -w 200 -p "$pid" 2>/dev/null | head -n 20 >"$WORK/wrk/$name.r$round.top" ) &
    snap=$!
    c0=$(cpu_ticks "$pid"); t0=$(date +%s%N)
    # shellcheck disable=SC2086
    run_wrk "$DURATION" "$script" "$url" $extra >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed on $name"; }
    c1=$(cpu_ticks "$pid"); t1=$(date +%s%N)
    wait "$snap" 2>/dev/null || true
    # Size of the server's SQLite WAL after the scenario (a WAL that never restarts slows every read).
    if [[ $server == serverkit ]]; then wal=$SK_DATA/envs/test.db-wal; else wal=$WORK/baseline.db-wal; fi
    wal_bytes=$(stat -c %s "$wal" 2>/dev/null || echo 0)
    grep -q '^SUMMARY ' "$out" || { cat "$out" >&2; die "no SUMMARY line from wrk on $name"; }
    python3 - "$name" "$server" "$round" "$out" "$(( c1 - c0 ))" "$(getconf CLK_TCK)" "$(( (t1 - t0) / 1000000 ))" "$wal_bytes" >>"$RAW" <<'PY'
import json, sys
name, server, rnd, out, ticks, hz, wall_ms, wal_bytes = sys.argv[1:]
line = next(l for l in open(out) if l.startswith("SUMMARY "))
s = json.loads(line[len("SUMMARY "):])
s.update(scenario=name, server=server, round=int(rnd), server_cpu_s=int(ticks) / int(hz), wall_s=int(wall_ms) / 1000, wal_bytes_after=int(wal_bytes))
print(json.dumps(s))
PY
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
mkdir -p "$(dirname "$OUT")"
python3 "$BENCH/lib/report.py" --raw "$RAW" --setup "$WORK/setup.json" --out "$OUT" \
  --meta "rounds=$ROUNDS" "duration_s=$DURATION" "threads=$THREADS" "connections=$CONNECTIONS" \
  "seed_rows=$SEED_ROWS" "loadavg_before=$LOAD_BEFORE" "loadavg_after=$LOAD_AFTER" \
  "serverkit_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo +dirty)" \
  "serverkit_binary_mtime=$(date -u -r "$SK_BIN" +%FT%TZ)" "cpus=$(nproc)" "wrk=$(wrk -v 2>&1 | head -n1)"
# Keep the thread snapshots next to the JSON.
mkdir -p "$(dirname "$OUT")/top"
cp "$WORK"/wrk/*.top "$(dirname "$OUT")/top/" 2>/dev/null || true
