#!/usr/bin/env bash
# ServerKit throughput benchmark against a hand-written axum + sqlx baseline.
# One command: builds both, starts both on free ports, seeds 100k posts in each,
# runs wrk on every scenario and prints req/s, p50, p99 and the ratios.
# ServerKit's GET by id runs twice per round, with request logs + monitoring on
# (the test environment's defaults) and with both off. Then an overload pass
# (OVERLOAD=1, default) and, with TAIL=1, the live-tail latency probe (bench/tail).
# With PG=1, a second ServerKit on a fresh PostgreSQL database runs GET, create and
# list too (pg_* scenarios), in the same rounds.
# See bench/README.md. Usage: bench/run.sh   (env: ROUNDS, DURATION, … below)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
# The reference kit (wrk scripts, seed.py, the baseline) sits beside the checkout, so
# another clone or machine finds its own; made absolute, since later steps cd.
REF=${BENCH_REFERENCE:-$ROOT/../shared/bench-reference}
if [[ -d $REF ]]; then REF=$(cd "$REF" && pwd); fi
# The ServerKit source tree to build (default: this checkout). Another one, e.g. a
# `git archive HEAD` export, measures a commit while the checkout is being edited.
SERVERKIT_SRC=$(cd "${SERVERKIT_SRC:-$ROOT}" && pwd)
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
OVERLOAD=${OVERLOAD:-1}           # 1: overload pass (GET by id, logs on, many connections) after the rounds
OVERLOAD_CONNECTIONS=${OVERLOAD_CONNECTIONS:-1024}
OVERLOAD_DURATION=${OVERLOAD_DURATION:-$DURATION}
TAIL=${TAIL:-0}                   # 1: live-tail latency (bench/tail, built here) before the overload pass
TAIL_RATE=${TAIL_RATE:-2000}      # requests/s, open loop
TAIL_DURATION=${TAIL_DURATION:-20}
QUIET_WAIT=${QUIET_WAIT:-0}       # up to this many s, wait before measuring until other processes leave the CPUs
QUIET_BUSY=${QUIET_BUSY:-0.5}     # …i.e. until the CPUs are less busy than this (0..1, over 3 s)
PG=${PG:-0}                       # 1: also a ServerKit on PostgreSQL (pg_* scenarios)
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}   # …on this server (URL without a database); a database is created and dropped
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
[[ $PG != 1 ]] || command -v psql >/dev/null || die "psql is needed for PG=1"

SK_BIN=$CARGO_TARGET_DIR/release/serverkit
BL_BIN=$BASELINE_TARGET_DIR/release/peer-baseline
if [[ $SKIP_BUILD != 1 ]]; then
  say "building ServerKit from $SERVERKIT_SRC (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$SERVERKIT_SRC" && cargo build --release -p serverkit)
  say "building the baseline (CARGO_TARGET_DIR=$BASELINE_TARGET_DIR)"
  CARGO_TARGET_DIR=$BASELINE_TARGET_DIR cargo build --release --manifest-path "$REF/baseline/Cargo.toml"
fi
TAIL_BIN=$CARGO_TARGET_DIR/release/serverkit-tail-bench
if [[ $TAIL == 1 && ( $SKIP_BUILD != 1 || ! -x $TAIL_BIN ) ]]; then
  say "building the live-tail probe (bench/tail, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release --locked --manifest-path "$BENCH/tail/Cargo.toml"
fi
[[ -x $SK_BIN ]] || die "no $SK_BIN"
[[ -x $BL_BIN ]] || die "no $BL_BIN"
[[ $TAIL != 1 || -x $TAIL_BIN ]] || die "no $TAIL_BIN"

# ---------------------------------------------------------------- processes and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/serverkit-bench.XXXXXX")
PIDS=()
PG_DB=   # the PostgreSQL database this run created (PG=1), dropped on exit
pg_admin() { psql "$PG_SERVER/postgres" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n $PG_DB ]]; then
    timeout 60 psql "$PG_SERVER/postgres" -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null \
      || echo "bench: could not drop the database $PG_DB on $PG_SERVER" >&2
  fi
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
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }   # VmHWM, VmRSS… of a process, in kB
# CPU of the PostgreSQL server, in clock ticks, as JSON: {"total": T, "own": {"pid:start": ticks}}.
# total = utime + stime of every process named postgres (the postmaster, its helpers,
# every backend) plus their reaped children's (cutime + cstime: backends that exited
# meanwhile); own = each backend connected to database $1, by process (a backend
# that exits between two snapshots drops out of own, not of total).
pg_cpu_snapshot() {
  python3 - "$1" <<'PY'
import glob, json, sys
db = sys.argv[1]
total, own = 0, {}
for d in glob.glob("/proc/[0-9]*"):
    try:
        stat = open(d + "/stat").read()
        if stat.split(" ", 2)[1] != "(postgres)":
            continue
        f = stat[stat.rindex(")") + 2:].split()
        ticks = sum(int(x) for x in f[11:15])   # utime stime cutime cstime
        title = open(d + "/cmdline").read().replace("\0", " ")
    except (OSError, IndexError, ValueError):
        continue   # gone meanwhile
    total += ticks
    if f" {db} " in title:   # "postgres: 15/main: postgres <db> 127.0.0.1(port) idle"
        own[f"{d[6:]}:{f[19]}"] = ticks   # pid:starttime (a pid may be reused)
print(json.dumps({"total": total, "own": own}))
PY
}
# How busy the CPUs are (0..1) over $1 s, from /proc/stat.
cpu_busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat); sleep "$1"
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  python3 -c 'import sys; b0,i0,b1,i1 = map(int, sys.argv[1:]); print(f"{(b1-b0)/max(1,(b1-b0)+(i1-i0)):.2f}")' $a $b
}
# With QUIET_WAIT, waits (at most that long) until neighbours leave the CPUs.
wait_quiet() {
  [[ $QUIET_WAIT -gt 0 ]] || return 0
  local deadline=$(( $(date +%s) + QUIET_WAIT )) busy
  while :; do
    busy=$(cpu_busy 3)
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$busy" "$QUIET_BUSY" && { say "CPUs $busy busy: measuring ($1)"; return 0; }
    [[ $(date +%s) -lt $deadline ]] || { say "CPUs still $busy busy after ${QUIET_WAIT} s: measuring anyway ($1)"; return 0; }
    say "CPUs $busy busy (load $(cut -d' ' -f1 /proc/loadavg)): waiting for a quieter moment ($1)"
    sleep 7
  done
}

# ServerKit: fresh data dir, SQLite default, the owner from the environment.
SK_PORT=$(free_port)
SK_URL=http://127.0.0.1:$SK_PORT
SK_DATA=$WORK/serverkit-data
say "starting ServerKit on $SK_URL (data $SK_DATA)"
SERVERKIT_DATA_DIR=$SK_DATA SERVERKIT_LISTEN=127.0.0.1:$SK_PORT SERVERKIT_LOG=${SERVERKIT_LOG:-warn} \
  "$SK_BIN" serve >"$WORK/serverkit.log" 2>&1 &
SK_PID=$!; PIDS+=("$SK_PID")
wait_ready "$SK_URL/readyz" "$SK_PID" ServerKit "$WORK/serverkit.log"
SK_RSS_START=$(status_kb "$SK_PID" VmRSS)   # before any setup: what the bare server holds

say "preparing ServerKit: import examples/blog.json, refresh test, raise limits, seed $SEED_ROWS posts"
python3 "$BENCH/lib/setup_serverkit.py" --url "$SK_URL" --data-dir "$SK_DATA" \
  --workspace "$ROOT/examples/blog.json" --n "$SEED_ROWS" >"$WORK/setup.json"
USER_TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user_token"])' "$WORK/setup.json")
API_TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' "$WORK/setup.json")
# Each ServerKit (serverkit: SQLite; serverkit_pg: PostgreSQL, PG=1) by name: URL, admin API token, PID, mode.
declare -A SRV_URL=([serverkit]=$SK_URL) SRV_TOKEN=([serverkit]=$API_TOKEN) SRV_PID=([serverkit]=$SK_PID) SRV_MODE=([serverkit]=on)
sk_admin_at() { local server=$1; shift; python3 "$BENCH/lib/sk_admin.py" --url "${SRV_URL[$server]}" --token "${SRV_TOKEN[$server]}" "$@"; }
sk_admin() { sk_admin_at serverkit "$@"; }
# Request logs + monitoring on `test`: on (the test defaults; setup_serverkit.py states it) or off.
sk_mode() { # on|off [server]
  local server=${2:-serverkit}
  [[ ${SRV_MODE[$server]} == "$1" ]] && return 0
  sk_admin_at "$server" mode "$1" >/dev/null || die "could not turn request logs and monitoring $1 on $server"
  SRV_MODE[$server]=$1
}
sk_log_stats() { # [server]
  local server=${1:-serverkit}
  if [[ ${SRV_MODE[$server]} == on ]]; then sk_admin_at "$server" stats 2>/dev/null || echo '{}'; else echo '{}'; fi
}

# ServerKit on PostgreSQL (PG=1): a fresh database, its own data dir and port; the
# environment's data in schema env_test of that database, its request logs there too.
if [[ $PG == 1 ]]; then
  db=serverkit_bench_$$
  pg_admin -c "CREATE DATABASE \"$db\"" >/dev/null || die "could not create the database $db on $PG_SERVER"
  PG_DB=$db
  PG_DB_URL=$PG_SERVER/$PG_DB
  PG_SK_PORT=$(free_port)
  PG_SK_URL=http://127.0.0.1:$PG_SK_PORT
  PG_SK_DATA=$WORK/serverkit-pg-data
  say "starting ServerKit on PostgreSQL ($PG_SERVER/$PG_DB) on $PG_SK_URL (data $PG_SK_DATA)"
  SERVERKIT_DATABASE_URL=$PG_DB_URL SERVERKIT_DATA_DIR=$PG_SK_DATA SERVERKIT_LISTEN=127.0.0.1:$PG_SK_PORT \
    SERVERKIT_LOG=${SERVERKIT_LOG:-warn} "$SK_BIN" serve >"$WORK/serverkit-pg.log" 2>&1 &
  PG_SK_PID=$!; PIDS+=("$PG_SK_PID")
  wait_ready "$PG_SK_URL/readyz" "$PG_SK_PID" "ServerKit (PostgreSQL)" "$WORK/serverkit-pg.log"
  PG_SK_RSS_START=$(status_kb "$PG_SK_PID" VmRSS)
  say "preparing ServerKit on PostgreSQL: the same, $SEED_ROWS posts copied into env_test.posts"
  python3 "$BENCH/lib/setup_serverkit.py" --url "$PG_SK_URL" --pg-url "$PG_DB_URL" \
    --workspace "$ROOT/examples/blog.json" --n "$SEED_ROWS" >"$WORK/setup_pg.json"
  PG_USER_TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user_token"])' "$WORK/setup_pg.json")
  SRV_URL[serverkit_pg]=$PG_SK_URL
  SRV_TOKEN[serverkit_pg]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' "$WORK/setup_pg.json")
  SRV_PID[serverkit_pg]=$PG_SK_PID
  SRV_MODE[serverkit_pg]=on
fi

# Baseline: its own DB with seed.py's rows.
BL_PORT=$(free_port)
BL_URL=http://127.0.0.1:$BL_PORT
say "seeding the baseline DB ($SEED_ROWS rows) and starting it on $BL_URL"
python3 "$REF/seed.py" "$WORK/baseline.db" --create --n "$SEED_ROWS" >&2
BIND=127.0.0.1:$BL_PORT DB=$WORK/baseline.db "$BL_BIN" >"$WORK/baseline.log" 2>&1 &
BL_PID=$!; PIDS+=("$BL_PID")
wait_ready "$BL_URL/const" "$BL_PID" baseline "$WORK/baseline.log"

# Idle RSS once setup is done (import, refresh, sign-in, sign-up, seed) and before
# any load: the footprint a deployment pays for doing nothing. 3 s lets the setup's
# last requests and the log writer settle.
IDLE_JSON=$WORK/idle.json
sleep 3
printf '{"serverkit_rss_kb_start": %d, "serverkit_rss_kb_idle": %d, "baseline_rss_kb_idle": %d%s}\n' \
  "$SK_RSS_START" "$(status_kb "$SK_PID" VmRSS)" "$(status_kb "$BL_PID" VmRSS)" \
  "$([[ $PG == 1 ]] && printf ', "serverkit_pg_rss_kb_start": %d, "serverkit_pg_rss_kb_idle": %d' "$PG_SK_RSS_START" "$(status_kb "$PG_SK_PID" VmRSS)")" \
  >"$IDLE_JSON"

# ---------------------------------------------------------------- scenarios
# name | server | mode | url | script | extra env (space-separated k=v)
# mode (ServerKit only): on = request logs + monitoring on (the test defaults), off = both off.
SCENARIOS=(
  "sk_get|serverkit|on|$SK_URL/|$REF/get.lua|PREFIX=/env/test/posts/ MAX_ID=$SEED_ROWS"
  "sk_get_off|serverkit|off|$SK_URL/|$REF/get.lua|PREFIX=/env/test/posts/ MAX_ID=$SEED_ROWS"
  "bl_get|baseline|-|$BL_URL/|$REF/get.lua|PREFIX=/posts/ MAX_ID=$SEED_ROWS"
  "sk_post|serverkit|on|$SK_URL/env/test/posts|$BENCH/wrk/post_serverkit.lua|AUTH_TOKEN=$USER_TOKEN"
  "sk_post_nofeed|serverkit|on|$SK_URL/env/test/posts|$BENCH/wrk/post_serverkit.lua|AUTH_TOKEN=$USER_TOKEN"
  "bl_post|baseline|-|$BL_URL/posts|$REF/post.lua|"
  "sk_list|serverkit|on|$SK_URL/env/test/posts?limit=20|$REF/const.lua|"
  "bl_const|baseline|-|$BL_URL/const|$REF/const.lua|"
)
# On PostgreSQL (PG=1): the same requests to the second ServerKit.
if [[ $PG == 1 ]]; then
  SCENARIOS+=(
    "pg_get|serverkit_pg|on|$PG_SK_URL/|$REF/get.lua|PREFIX=/env/test/posts/ MAX_ID=$SEED_ROWS"
    "pg_get_off|serverkit_pg|off|$PG_SK_URL/|$REF/get.lua|PREFIX=/env/test/posts/ MAX_ID=$SEED_ROWS"
    "pg_post|serverkit_pg|on|$PG_SK_URL/env/test/posts|$BENCH/wrk/post_serverkit.lua|AUTH_TOKEN=$PG_USER_TOKEN"
    "pg_list|serverkit_pg|on|$PG_SK_URL/env/test/posts?limit=20|$REF/const.lua|"
  )
fi
RAW=$WORK/raw.jsonl
: >"$RAW"
mkdir -p "$WORK/wrk"

run_wrk() { # seconds script url envs... ; prints wrk's output (WRK_CONNECTIONS overrides CONNECTIONS)
  local secs=$1 script=$2 url=$3; shift 3
  env SUMMARY_LUA="$REF/summary.lua" "$@" \
    wrk -t"$THREADS" -c"${WRK_CONNECTIONS:-$CONNECTIONS}" -d"${secs}s" --timeout 10s --latency -s "$script" "$url"
}

# Resets the peak RSS (VmHWM) of process $1 to its current RSS, so the next VmHWM
# read is the peak since now. Prints true, or false if the kernel refuses (then
# VmHWM stays the peak since start: an upper bound).
reset_peak_rss() { if echo 5 >"/proc/$1/clear_refs" 2>/dev/null; then echo true; else echo false; fi; }

# What the change feed costs a write: `sk_post_nofeed` runs with the feed's
# triggers on `posts` dropped (straight in the SQLite file; the server's
# statements are prepared again), and they are put back as they were after it.
FEED_TRIGGERS=$WORK/feed_triggers.sql
sk_feed() { # off | on
  python3 - "$SK_DATA/envs/test.db" "$FEED_TRIGGERS" "$1" <<'PY'
import sqlite3, sys
db, saved, what = sys.argv[1:]
conn = sqlite3.connect(db, timeout=30)
if what == "off":
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'posts' AND name LIKE '_sk_feed_%'").fetchall()
    assert rows, "no feed triggers on posts"
    open(saved, "w").write(";\n".join(sql for _, sql in rows) + ";\n")
    for name, _ in rows:
        conn.execute(f'DROP TRIGGER "{name}"')
else:
    conn.executescript(open(saved).read())
conn.commit()
PY
}

# One scenario: wrk on it, the server's CPU and peak RSS over it and, for ServerKit
# with logs on, requestLogStats before and after; on PostgreSQL also the CPU of the
# postgres processes. Appends a line to $RAW.
run_scenario() { # name server mode url script extra round seconds
  local name=$1 server=$2 mode=$3 url=$4 script=$5 extra=$6 round=$7 secs=$8 pid out snap c0 c1 t0 t1 wal_bytes log_bytes s0 s1 hwm_reset hwm rss pg0='' pg1=''
  if [[ $server == serverkit* ]]; then pid=${SRV_PID[$server]}; sk_mode "$mode" "$server"; else pid=$BL_PID; fi
  say "round $round/$ROUNDS: $name (${secs} s${WRK_CONNECTIONS:+, $WRK_CONNECTIONS connections}$([[ $server == serverkit* ]] && echo ", request logs + monitoring $mode"))"
  out=$WORK/wrk/$name.r$round.txt
  s0='{}'; [[ $server == serverkit* ]] && s0=$(sk_log_stats "$server")
  # A thread snapshot of the server halfway through (profile hint for the report).
  ( sleep "$(( secs / 2 ))"; top -H -b -n 1 -w 200 -p "$pid" 2>/dev/null | head -n 20 >"$WORK/wrk/$name.r$round.top" ) &
  snap=$!
  hwm_reset=$(reset_peak_rss "$pid")
  [[ $server == serverkit_pg ]] && pg0=$(pg_cpu_snapshot "$PG_DB")
  c0=$(cpu_ticks "$pid"); t0=$(date +%s%N)
  # shellcheck disable=SC2086
  run_wrk "$secs" "$script" "$url" $extra >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed on $name"; }
  c1=$(cpu_ticks "$pid"); t1=$(date +%s%N)
  [[ $server == serverkit_pg ]] && pg1=$(pg_cpu_snapshot "$PG_DB")
  hwm=$(status_kb "$pid" VmHWM); rss=$(status_kb "$pid" VmRSS)
  wait "$snap" 2>/dev/null || true
  s1='{}'; [[ $server == serverkit* ]] && s1=$(sk_log_stats "$server")
  # Size of the server's SQLite WAL after the scenario (a WAL that never restarts slows every read).
  # On PostgreSQL none (-1: the cluster's WAL is not this run's alone).
  case $server in
    serverkit) wal_bytes=$(stat -c %s "$SK_DATA/envs/test.db-wal" 2>/dev/null || echo 0) ;;
    serverkit_pg) wal_bytes=-1 ;;
    *) wal_bytes=$(stat -c %s "$WORK/baseline.db-wal" 2>/dev/null || echo 0) ;;
  esac
  # ServerKit's request-log store for `test` (file + WAL; on PostgreSQL the table
  # env_test._sk_request_logs with its indexes and TOAST): what the logs-on scenarios wrote.
  log_bytes=0
  if [[ $server == serverkit ]]; then log_bytes=$(( $(stat -c %s "$SK_DATA/envs/test.logs.db" 2>/dev/null || echo 0) + $(stat -c %s "$SK_DATA/envs/test.logs.db-wal" 2>/dev/null || echo 0) )); fi
  if [[ $server == serverkit_pg ]]; then
    log_bytes=$(timeout 30 psql "$PG_DB_URL" -X -q -A -t -c "SELECT pg_total_relation_size('env_test._sk_request_logs')" 2>/dev/null || echo 0)
  fi
  grep -q '^SUMMARY ' "$out" || { cat "$out" >&2; die "no SUMMARY line from wrk on $name"; }
  python3 - "$name" "$server" "$round" "$out" "$(( c1 - c0 ))" "$(getconf CLK_TCK)" "$(( (t1 - t0) / 1000000 ))" "$wal_bytes" \
    "$mode" "$s0" "$s1" "${WRK_CONNECTIONS:-$CONNECTIONS}" "${log_bytes:-0}" "$hwm" "$hwm_reset" "$rss" "$pg0" "$pg1" >>"$RAW" <<'PY'
import json, sys
name, server, rnd, out, ticks, hz, wall_ms, wal_bytes, mode, s0, s1, conns, log_bytes, hwm, hwm_reset, rss, pg0, pg1 = sys.argv[1:]
line = next(l for l in open(out) if l.startswith("SUMMARY "))
s = json.loads(line[len("SUMMARY "):])
s.update(scenario=name, server=server, round=int(rnd), server_cpu_s=int(ticks) / int(hz), wall_s=int(wall_ms) / 1000,
         wal_bytes_after=int(wal_bytes) if int(wal_bytes) >= 0 else None, connections=int(conns),
         peak_rss_kb=int(hwm), peak_rss_reset=hwm_reset == "true", rss_kb_after=int(rss))
if pg0 and pg1:
    pg0, pg1 = json.loads(pg0), json.loads(pg1)
    # Every postgres process's CPU over the scenario; own: this run's database's backends
    # there at the end (those that started meanwhile from 0).
    own = sum(t - pg0["own"].get(k, 0) for k, t in pg1["own"].items())
    s.update(postgres_cpu_s=(pg1["total"] - pg0["total"]) / int(hz), postgres_own_backends_cpu_s=own / int(hz),
             postgres_own_backends=len(pg1["own"]), postgres_own_backends_gone=len(set(pg0["own"]) - set(pg1["own"])))
if server.startswith("serverkit"):
    s["mode"] = "request logs + monitoring " + mode
    s["log_store_bytes_after"] = int(log_bytes)
    s0, s1 = json.loads(s0), json.loads(s1)
    if "dropped" in s0 and "dropped" in s1:
        s.update(log_dropped=s1["dropped"] - s0["dropped"], log_stored_before=s0["stored"], log_stored_after=s1["stored"])
print(json.dumps(s))
PY
}

if [[ $WARMUP -gt 0 ]]; then
  say "warming up (${WARMUP} s per server)"
  run_wrk "$WARMUP" "$REF/get.lua" "$SK_URL/" PREFIX=/env/test/posts/ MAX_ID="$SEED_ROWS" >/dev/null
  run_wrk "$WARMUP" "$REF/get.lua" "$BL_URL/" PREFIX=/posts/ MAX_ID="$SEED_ROWS" >/dev/null
  [[ $PG != 1 ]] || run_wrk "$WARMUP" "$REF/get.lua" "$PG_SK_URL/" PREFIX=/env/test/posts/ MAX_ID="$SEED_ROWS" >/dev/null
fi

wait_quiet "rounds"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
  order=("${SCENARIOS[@]}")
  # Logs on and off back to back (X_get, X_get_off); every other round the other way round, so neither always goes first.
  if (( round % 2 == 0 )); then
    for (( i = 0; i + 1 < ${#order[@]}; i++ )); do
      if [[ ${order[i + 1]%%|*} == "${order[i]%%|*}_off" ]]; then
        entry=${order[i]}; order[i]=${order[i + 1]}; order[i + 1]=$entry; (( i++ )) || true
      fi
    done
  fi
  for entry in "${order[@]}"; do
    IFS='|' read -r name server mode url script extra <<<"$entry"
    [[ $name == *_nofeed ]] && sk_feed off
    run_scenario "$name" "$server" "$mode" "$url" "$script" "$extra" "$round" "$DURATION"
    [[ $name == *_nofeed ]] && sk_feed on
  done
done
sk_mode on

# ---------------------------------------------------------------- live tail (TAIL=1)
TAIL_JSON=$WORK/tail.json
: >"$TAIL_JSON"
if [[ $TAIL == 1 ]]; then
  wait_quiet "live tail"
  VIEWER_TOKEN=$(sk_admin viewer-token)
  say "live tail: $TAIL_RATE req/s for $TAIL_DURATION s on GET /env/test/posts/{id}, request logs + monitoring on, subscriber on /graphql/ws"
  s0=$(sk_log_stats); c0=$(cpu_ticks "$SK_PID"); t0=$(date +%s%N)
  "$TAIL_BIN" --url "$SK_URL" --token "$VIEWER_TOKEN" --env test --rate "$TAIL_RATE" --duration "$TAIL_DURATION" \
    --max-id "$SEED_ROWS" >"$WORK/tail.out" 2>"$WORK/tail.err" || { cat "$WORK/tail.err" >&2; die "the live-tail probe failed"; }
  c1=$(cpu_ticks "$SK_PID"); t1=$(date +%s%N); s1=$(sk_log_stats)
  cat "$WORK/tail.err" >&2
  python3 - "$WORK/tail.out" "$(( c1 - c0 ))" "$(getconf CLK_TCK)" "$(( (t1 - t0) / 1000000 ))" "$s0" "$s1" >"$TAIL_JSON" <<'PY'
import json, sys
out, ticks, hz, wall_ms, s0, s1 = sys.argv[1:]
t = json.loads(next(l for l in open(out) if l.startswith("TAIL "))[len("TAIL "):])
s0, s1 = json.loads(s0), json.loads(s1)
# The server's CPU over the whole probe (attach probes and drain included), per request sent.
t.update(server_cpu_s=int(ticks) / int(hz), wall_s=int(wall_ms) / 1000, server_cpu_us_per_req=1e6 * int(ticks) / int(hz) / max(1, t["sent"]))
if "dropped" in s0 and "dropped" in s1:
    t["log_dropped"] = s1["dropped"] - s0["dropped"]
print(json.dumps(t))
PY
fi

# ---------------------------------------------------------------- overload (OVERLOAD=1)
# GET by id, logs on, as many connections as OVERLOAD_CONNECTIONS: do requests still
# succeed, how many records are dropped, how high does the server's RSS go?
if [[ $OVERLOAD == 1 ]]; then
  wait_quiet "overload"
  hwm_before=$(status_kb "$SK_PID" VmHWM)
  # The peak below is this pass's (run_scenario resets it again just before wrk).
  hwm_reset=$(reset_peak_rss "$SK_PID")
  rss_before=$(status_kb "$SK_PID" VmRSS)
  # Sampled too, in case clear_refs is refused.
  ( peak=0; while kill -0 "$SK_PID" 2>/dev/null; do r=$(status_kb "$SK_PID" VmRSS); (( r > peak )) && peak=$r; echo "$peak" >"$WORK/rss_peak"; sleep 0.2; done ) &
  sampler=$!
  WRK_CONNECTIONS=$OVERLOAD_CONNECTIONS \
    run_scenario sk_overload serverkit on "$SK_URL/" "$REF/get.lua" "PREFIX=/env/test/posts/ MAX_ID=$SEED_ROWS" 1 "$OVERLOAD_DURATION"
  hwm_after=$(status_kb "$SK_PID" VmHWM); rss_after=$(status_kb "$SK_PID" VmRSS)
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  sleep 3   # the log writer catches up (or not)
  settled=$(sk_log_stats); rss_settled=$(status_kb "$SK_PID" VmRSS)
  python3 - "$RAW" "$hwm_before" "$hwm_reset" "$rss_before" "$hwm_after" "$rss_after" "$(cat "$WORK/rss_peak" 2>/dev/null || echo 0)" "$settled" "$rss_settled" <<'PY'
import json, sys
raw, hwm_before, reset, rss_before, hwm_after, rss_after, sampled, settled, rss_settled = sys.argv[1:]
lines = [json.loads(l) for l in open(raw) if l.strip()]
last = lines[-1]
assert last["scenario"] == "sk_overload"
last.update(vmhwm_kb_before=int(hwm_before), vmhwm_reset=reset == "true", vmrss_kb_before=int(rss_before),
            vmhwm_kb=int(hwm_after), vmrss_kb_after=int(rss_after), vmrss_kb_sampled_peak=int(sampled),
            vmrss_kb_3s_after=int(rss_settled), log_stored_3s_after=json.loads(settled).get("stored"))
with open(raw, "w") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")
PY
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
source_commit() { # of SERVERKIT_SRC: its git HEAD (+dirty), or the commit an export was made from (.bench-commit)
  if git -C "$SERVERKIT_SRC" rev-parse --show-toplevel >/dev/null 2>&1; then
    echo "$(git -C "$SERVERKIT_SRC" rev-parse --short HEAD)$(git -C "$SERVERKIT_SRC" diff --quiet HEAD 2>/dev/null || echo +dirty)"
  else
    cat "$SERVERKIT_SRC/.bench-commit" 2>/dev/null || echo unknown
  fi
}
mkdir -p "$(dirname "$OUT")"
PG_ARGS=() PG_META=()
if [[ $PG == 1 ]]; then
  PG_ARGS=(--setup-pg "$WORK/setup_pg.json")
  PG_META=("postgres=$(pg_admin -c 'SHOW server_version' 2>/dev/null || echo unknown)" "postgres_database=$PG_DB")
fi
python3 "$BENCH/lib/report.py" --raw "$RAW" --setup "$WORK/setup.json" --tail "$TAIL_JSON" --idle "$IDLE_JSON" --out "$OUT" \
  ${PG_ARGS[@]+"${PG_ARGS[@]}"} \
  --meta "rounds=$ROUNDS" "duration_s=$DURATION" "threads=$THREADS" "connections=$CONNECTIONS" \
  "seed_rows=$SEED_ROWS" "loadavg_before=$LOAD_BEFORE" "loadavg_after=$LOAD_AFTER" \
  "serverkit_src=$SERVERKIT_SRC" \
  "serverkit_commit=$(source_commit)" \
  "serverkit_binary_mtime=$(date -u -r "$SK_BIN" +%FT%TZ)" "cpus=$(nproc)" "wrk=$(wrk -v 2>&1 | head -n1)" \
  ${PG_META[@]+"${PG_META[@]}"}
# Keep the thread snapshots next to the JSON.
mkdir -p "$(dirname "$OUT")/top"
cp "$WORK"/wrk/*.top "$(dirname "$OUT")/top/" 2>/dev/null || true
