#!/usr/bin/env python3
"""Turn bench/run.sh's raw wrk summaries into the table and bench/results/latest.json.

usage: report.py --raw raw.jsonl --setup setup.json [--setup-pg setup_pg.json] [--tail tail.json] [--idle idle.json]
                 --out latest.json [--meta k=v ...]
Each raw line is one wrk run (summary.lua's SUMMARY object plus scenario, server,
round, server_cpu_s, the server's peak RSS over it, and for ServerKit its mode and
requestLogStats deltas; for ServerKit on PostgreSQL, pg_*, also postgres_cpu_s, the
postgres processes' CPU over it). With several rounds every figure is the median over
rounds, except peak RSS (the max). Every scenario's CPU per request is also given
as a multiple of the ceiling's (bl_const, same run). `sk_overload` (one run) and the live tail
(tail.json, bench/tail's TAIL object) get sections of their own; idle.json holds
the servers' RSS at start and idle after setup.
"""
import argparse
import json
import statistics
import sys
from datetime import datetime, timezone

ap = argparse.ArgumentParser()
ap.add_argument("--raw", required=True)
ap.add_argument("--setup", required=True)
ap.add_argument("--setup-pg")
ap.add_argument("--tail")
ap.add_argument("--idle")
ap.add_argument("--out", required=True)
ap.add_argument("--meta", nargs="*", default=[])
a = ap.parse_args()

# ServerKit's mode: "logs on" = requestLogs + monitoring on (the test
# environment's defaults), "logs off" = both off.
SCENARIOS = {
    "sk_get": "ServerKit  GET  /env/test/posts/{id}  logs on",
    "sk_get_off": "ServerKit  GET  /env/test/posts/{id}  logs off",
    "bl_get": "baseline   GET  /posts/{id}",
    "sk_post": "ServerKit  POST /env/test/posts (bearer) logs on",
    "sk_post_nofeed": "ServerKit  POST /env/test/posts (bearer) logs on, feed triggers dropped",
    "bl_post": "baseline   POST /posts",
    "sk_list": "ServerKit  GET  /env/test/posts?limit=20 logs on",
    "bl_const": "baseline   GET  /const (HTTP ceiling)",
    "pg_get": "SK on PG   GET  /env/test/posts/{id}  logs on",
    "pg_get_off": "SK on PG   GET  /env/test/posts/{id}  logs off",
    "pg_post": "SK on PG   POST /env/test/posts (bearer) logs on",
    "pg_list": "SK on PG   GET  /env/test/posts?limit=20 logs on",
    "sk_overload": "ServerKit  GET  /env/test/posts/{id}  logs on, overload",
}
RATIOS = [
    ("logs_on_vs_off", "sk_get", "sk_get_off", "GET by id, logs on / logs off (target >= 0.90)"),
    ("get_vs_baseline", "sk_get", "bl_get", "ServerKit GET by id (logs on) / baseline GET by id"),
    ("get_off_vs_baseline", "sk_get_off", "bl_get", "ServerKit GET by id (logs off) / baseline GET by id"),
    ("post_vs_baseline", "sk_post", "bl_post", "ServerKit POST / baseline POST"),
    ("post_feed_on_vs_off", "sk_post", "sk_post_nofeed", "POST with the change feed / without it (target >= 0.85)"),
    ("get_vs_const", "sk_get", "bl_const", "ServerKit GET by id (logs on) / const ceiling"),
    ("get_off_vs_const", "sk_get_off", "bl_const", "ServerKit GET by id (logs off) / const ceiling"),
    ("post_vs_const", "sk_post", "bl_const", "ServerKit POST / const ceiling"),
    ("list_vs_const", "sk_list", "bl_const", "ServerKit list 20 / const ceiling"),
    # PG=1: ServerKit on PostgreSQL. The reference has no PostgreSQL mode, so no
    # plain-handler ratio: against ServerKit on SQLite and against the ceiling.
    ("pg_logs_on_vs_off", "pg_get", "pg_get_off", "PostgreSQL: GET by id, logs on / logs off"),
    ("pg_get_vs_sqlite", "pg_get", "sk_get", "GET by id (logs on), PostgreSQL / SQLite"),
    ("pg_get_off_vs_sqlite", "pg_get_off", "sk_get_off", "GET by id (logs off), PostgreSQL / SQLite"),
    ("pg_post_vs_sqlite", "pg_post", "sk_post", "POST, PostgreSQL / SQLite"),
    ("pg_list_vs_sqlite", "pg_list", "sk_list", "list 20, PostgreSQL / SQLite"),
    ("pg_get_vs_const", "pg_get", "bl_const", "PostgreSQL GET by id (logs on) / const ceiling"),
    ("pg_get_off_vs_const", "pg_get_off", "bl_const", "PostgreSQL GET by id (logs off) / const ceiling"),
    ("pg_post_vs_const", "pg_post", "bl_const", "PostgreSQL POST / const ceiling"),
    ("pg_list_vs_const", "pg_list", "bl_const", "PostgreSQL list 20 / const ceiling"),
]

runs = [json.loads(line) for line in open(a.raw) if line.strip()]


def load_setup(path):
    if not path:
        return None
    out = json.load(open(path))
    out.pop("user_token", None)
    out.pop("api_token", None)
    return out


setup = load_setup(a.setup)
setup_pg = load_setup(a.setup_pg)
by = {}
for r in runs:
    r["server_cpu_us_per_req"] = 1e6 * r["server_cpu_s"] / r["requests"] if r["requests"] else None
    if "postgres_cpu_s" in r:
        r["postgres_cpu_us_per_req"] = 1e6 * r["postgres_cpu_s"] / r["requests"] if r["requests"] else None
        r["postgres_own_backends_cpu_us_per_req"] = 1e6 * r["postgres_own_backends_cpu_s"] / r["requests"] if r["requests"] else None
    r["errors"] = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"] + r["non2xx"]
    by.setdefault(r["scenario"], []).append(r)


def optional_json(path):
    """The object in path, or None if there is no path, no file or nothing in it."""
    if not path:
        return None
    try:
        text = open(path).read().strip()
    except FileNotFoundError:
        return None
    return json.loads(text) if text else None


tail = optional_json(a.tail)
idle = optional_json(a.idle)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


scenarios = {}
for key, label in SCENARIOS.items():
    rs = by.get(key, [])
    if not rs:
        continue
    scenarios[key] = {
        "label": label,
        "rounds": len(rs),
        "rps": med([r["rps"] for r in rs]),
        "p50_ms": med([r["p50_ms"] for r in rs]),
        "p90_ms": med([r["p90_ms"] for r in rs]),
        "p99_ms": med([r["p99_ms"] for r in rs]),
        "max_ms": med([r["max_ms"] for r in rs]),
        "server_cpu_us_per_req": med([r["server_cpu_us_per_req"] for r in rs]),
        "server_cpu_cores": med([r["server_cpu_s"] / r["wall_s"] for r in rs]),
        "requests": sum(r["requests"] for r in rs),
        "errors": sum(r["errors"] for r in rs),
        # None on PostgreSQL (no WAL file of its own).
        "wal_mb_after": max((r.get("wal_bytes_after", 0) for r in rs if r.get("wal_bytes_after", 0) is not None), default=None),
        # The worst round: memory is a bound, not a rate. None in raw files from before the field.
        "peak_rss_mb": max((r["peak_rss_kb"] for r in rs if r.get("peak_rss_kb")), default=0) / 1024 or None,
        # False if any round's VmHWM could not be reset: then it is the peak since the server started.
        "peak_rss_reset": all(r.get("peak_rss_reset", False) for r in rs),
        "rss_mb_after": max((r["rss_kb_after"] for r in rs if r.get("rss_kb_after")), default=0) / 1024 or None,
        "rps_per_round": [r["rps"] for r in rs],
        "cpu_us_per_req_per_round": [r["server_cpu_us_per_req"] for r in rs],
    }
    if scenarios[key]["wal_mb_after"] is not None:
        scenarios[key]["wal_mb_after"] /= 1e6
    if any("postgres_cpu_s" in r for r in rs):
        # On PostgreSQL the queries' own work is in the postgres processes, not in ServerKit's:
        # their CPU per request (all postgres processes; own = this run's database's backends) and the sum.
        pg = med([r.get("postgres_cpu_us_per_req") for r in rs])
        scenarios[key].update(
            postgres_cpu_us_per_req=pg,
            postgres_own_backends_cpu_us_per_req=med([r.get("postgres_own_backends_cpu_us_per_req") for r in rs]),
            # Backends of this run's database that exited during the scenario (their CPU is in the total only).
            postgres_own_backends_gone=sum(r.get("postgres_own_backends_gone", 0) for r in rs),
            postgres_cpu_cores=med([r["postgres_cpu_s"] / r["wall_s"] for r in rs if "postgres_cpu_s" in r]),
            total_cpu_us_per_req=med([r["server_cpu_us_per_req"] + r["postgres_cpu_us_per_req"] for r in rs
                                      if r["server_cpu_us_per_req"] is not None and r.get("postgres_cpu_us_per_req") is not None]),
        )
    if rs[0].get("mode"):
        scenarios[key]["mode"] = rs[0]["mode"]
    if any("log_dropped" in r for r in rs):
        scenarios[key]["log_dropped"] = sum(r.get("log_dropped", 0) for r in rs)
        scenarios[key]["log_store_mb_after"] = max(r.get("log_store_bytes_after", 0) for r in rs) / 1e6

# CPU per request as a multiple of the ceiling's (bl_const: the HTTP stack alone, same run).
ceiling_cpu = scenarios.get("bl_const", {}).get("server_cpu_us_per_req")
for s in scenarios.values():
    s["cpu_vs_const"] = s["server_cpu_us_per_req"] / ceiling_cpu if ceiling_cpu and s["server_cpu_us_per_req"] is not None else None
    if "total_cpu_us_per_req" in s:
        s["total_cpu_vs_const"] = s["total_cpu_us_per_req"] / ceiling_cpu if ceiling_cpu and s["total_cpu_us_per_req"] is not None else None

ratios = {}
for key, num, den, label in RATIOS:
    if num in scenarios and den in scenarios and scenarios[den]["rps"]:
        ratios[key] = {"label": label, "value": scenarios[num]["rps"] / scenarios[den]["rps"]}
# Logs on / off, round by round (each round runs the two back to back).
if "sk_get" in by and "sk_get_off" in by:
    on = {r["round"]: r for r in by["sk_get"]}
    off = {r["round"]: r for r in by["sk_get_off"]}
    # Paired by round (the two ran back to back): the median of the rounds' values
    # is the figure; the ratio of the medians is kept beside it.
    paired = [k for k in sorted(on) if k in off and off[k]["rps"] and on[k]["requests"] and off[k]["requests"]]
    per_round = [on[k]["rps"] / off[k]["rps"] for k in paired]
    if per_round:
        ratios["logs_on_vs_off"].update(of_medians=ratios["logs_on_vs_off"]["value"], value=med(per_round), per_round=per_round)
        cpu_rounds = [on[k]["server_cpu_us_per_req"] - off[k]["server_cpu_us_per_req"] for k in paired]
        ratios["logs_cpu_us_per_req_added"] = {
            "label": "GET by id, CPU µs/req logs on - logs off (target <= 10)",
            "value": med(cpu_rounds),
            "unit": "µs",
            "per_round": cpu_rounds,
            "of_medians": scenarios["sk_get"]["server_cpu_us_per_req"] - scenarios["sk_get_off"]["server_cpu_us_per_req"],
        }
        ratios["logs_cpu_per_req_on_vs_off"] = {
            "label": "GET by id, CPU per request logs on / logs off",
            "value": med([on[k]["server_cpu_us_per_req"] / off[k]["server_cpu_us_per_req"] for k in paired]),
        }
# PostgreSQL, logs on / off, paired by round as well.
if "pg_get" in by and "pg_get_off" in by:
    on = {r["round"]: r for r in by["pg_get"]}
    off = {r["round"]: r for r in by["pg_get_off"]}
    paired = [k for k in sorted(on) if k in off and off[k]["rps"] and on[k]["requests"] and off[k]["requests"]]
    if paired:
        per_round = [on[k]["rps"] / off[k]["rps"] for k in paired]
        ratios["pg_logs_on_vs_off"].update(of_medians=ratios["pg_logs_on_vs_off"]["value"], value=med(per_round), per_round=per_round)
        cpu_rounds = [on[k]["server_cpu_us_per_req"] - off[k]["server_cpu_us_per_req"] for k in paired]
        ratios["pg_logs_cpu_us_per_req_added"] = {
            "label": "PostgreSQL: GET by id, CPU µs/req logs on - logs off",
            "value": med(cpu_rounds),
            "unit": "µs",
            "per_round": cpu_rounds,
        }
# CPU spent by the server per request: robust against wrk and neighbours taking cores.
for key, num, den in [("get_cpu_per_req_vs_baseline", "sk_get", "bl_get"), ("post_cpu_per_req_vs_baseline", "sk_post", "bl_post")]:
    if num in scenarios and den in scenarios and scenarios[den]["server_cpu_us_per_req"]:
        ratios[key] = {
            "label": f"server CPU per request, {num} / {den}",
            "value": scenarios[num]["server_cpu_us_per_req"] / scenarios[den]["server_cpu_us_per_req"],
        }
# PostgreSQL against SQLite in CPU per request: ServerKit's alone, and ServerKit's + the
# postgres processes' (on SQLite the database work is inside ServerKit's process).
for what, num, den, text in [("get", "pg_get", "sk_get", "GET logs on"), ("get_off", "pg_get_off", "sk_get_off", "GET logs off"),
                             ("post", "pg_post", "sk_post", "POST"), ("list", "pg_list", "sk_list", "list 20")]:
    if num in scenarios and den in scenarios and scenarios[den]["server_cpu_us_per_req"]:
        d = scenarios[den]["server_cpu_us_per_req"]
        ratios[f"pg_{what}_cpu_per_req_vs_sqlite"] = {
            "label": f"CPU/req PostgreSQL / SQLite, {text}: ServerKit",
            "value": scenarios[num]["server_cpu_us_per_req"] / d,
        }
        if scenarios[num].get("total_cpu_us_per_req") is not None:
            ratios[f"pg_{what}_total_cpu_per_req_vs_sqlite"] = {
                "label": f"CPU/req PostgreSQL / SQLite, {text}: ServerKit + postgres",
                "value": scenarios[num]["total_cpu_us_per_req"] / d,
            }

overload = None
if by.get("sk_overload"):
    r = by["sk_overload"][-1]
    overload = {k: r.get(k) for k in (
        "connections", "requests", "rps", "p50_ms", "p99_ms", "max_ms", "non2xx", "err_connect", "err_read", "err_write", "err_timeout",
        "server_cpu_us_per_req", "log_dropped", "log_stored_before", "log_stored_after", "log_stored_3s_after", "log_store_bytes_after",
        "vmhwm_kb_before", "vmhwm_reset", "vmrss_kb_before", "vmhwm_kb", "vmrss_kb_sampled_peak", "vmrss_kb_after", "vmrss_kb_3s_after")}
    overload["succeeded"] = r["requests"] - r["non2xx"] - r["err_read"] - r["err_write"] - r["err_timeout"]
    overload["dropped_share"] = r["log_dropped"] / r["requests"] if r.get("log_dropped") is not None and r["requests"] else None

meta = dict(kv.split("=", 1) for kv in a.meta)
meta["finished_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
result = {"meta": meta, "setup": setup, "idle": idle, "scenarios": scenarios, "ratios": ratios, "overload": overload, "tail": tail,
          "runs": runs}
if setup_pg:
    result["setup_pg"] = setup_pg
with open(a.out, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

rounds = meta.get("rounds", "1")
agg = "medians of " + rounds + " rounds" if rounds != "1" else "1 round"
print()
print(f"ServerKit benchmark — {agg}, {meta.get('duration_s')} s each, wrk -t{meta.get('threads')} -c{meta.get('connections')}, "
      f"{meta.get('cpus')} CPUs shared with wrk, load {meta.get('loadavg_before')} → {meta.get('loadavg_after')}")
print()
has_pg = any("postgres_cpu_us_per_req" in s for s in scenarios.values())
pg_head = f"{'PG CPU µs/req':>15}" if has_pg else ""
print(f"{'scenario':<54}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU µs/req':>12}{pg_head}{'CPU ×const':>12}{'errors':>8}{'WAL MB':>8}"
      f"{'dropped':>9}{'peak RSS MB':>13}")
print("-" * (143 + len(pg_head)))
for key, s in scenarios.items():
    if key == "sk_overload":
        continue
    cpu = f"{s['server_cpu_us_per_req']:.1f}" if s["server_cpu_us_per_req"] is not None else "-"
    pg_cpu = ""
    if has_pg:
        pg_cpu = f"{s['postgres_cpu_us_per_req']:.1f}" if s.get("postgres_cpu_us_per_req") is not None else "-"
        pg_cpu = f"{pg_cpu:>15}"
    multiple = f"{s['cpu_vs_const']:.1f}" if s.get("cpu_vs_const") is not None else "-"
    wal = f"{s['wal_mb_after']:.0f}" if s["wal_mb_after"] is not None else "-"
    dropped = str(s["log_dropped"]) if "log_dropped" in s else "-"
    peak = f"{s['peak_rss_mb']:.1f}{'' if s['peak_rss_reset'] else '*'}" if s["peak_rss_mb"] else "-"
    print(f"{s['label']:<54}{s['rps']:>9.0f}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}{cpu:>12}{pg_cpu}{multiple:>12}{s['errors']:>8}{wal:>8}"
          f"{dropped:>9}{peak:>13}")
print()
for key, r in sorted(ratios.items(), key=lambda kv: not kv[0].startswith("logs_")):
    value = f"{r['value']:+6.1f} {r['unit']}" if r.get("unit") else f"{r['value']:>6.2f}"
    rounds_txt = ""
    if len(r.get("per_round", [])) > 1:
        rounds_txt = "   rounds: " + " ".join(f"{v:.2f}" if not r.get("unit") else f"{v:+.1f}" for v in r["per_round"])
    print(f"  {r['label']:<58} {value}{rounds_txt}")
print("  logs on: request logs + monitoring on (the test environment's defaults); logs off: both off.")
if len(ratios.get("logs_on_vs_off", {}).get("per_round", [])) > 1:
    print("  logs on/off figures: median of the rounds' paired values (the two run back to back each round)")
print("  CPU µs/req: that server process's CPU per request; CPU ×const: the same as a multiple of the ceiling's (baseline /const)")
if has_pg:
    print("  PG CPU µs/req (SK on PG rows): CPU of all postgres processes per request (the queries' work, outside ServerKit's process);"
          " the reference has no PostgreSQL mode: no plain-handler ratio there")
print("  WAL MB: size of that server's SQLite -wal file after the scenario (largest over rounds; - on PostgreSQL)")
print("  dropped: request-log records dropped (writer queue full) during the scenario, from requestLogStats")
print("  peak RSS MB: that server's VmHWM over the scenario, reset just before wrk (largest over rounds)")
if any(s["peak_rss_mb"] and not s["peak_rss_reset"] for s in scenarios.values()):
    print("  *: the kernel refused to reset VmHWM (clear_refs): the peak since the server started, an upper bound")
print()
if idle:
    mb1 = lambda kb: f"{kb / 1024:.1f} MB" if kb else "-"
    print(f"Idle RSS after setup (import, refresh, sign-in, sign-up, seed; 3 s idle): ServerKit {mb1(idle.get('serverkit_rss_kb_start'))} "
          f"at start → {mb1(idle.get('serverkit_rss_kb_idle'))} (target < 40 MB), baseline {mb1(idle.get('baseline_rss_kb_idle'))}")
    if "serverkit_pg_rss_kb_idle" in idle:
        print(f"  ServerKit on PostgreSQL: {mb1(idle.get('serverkit_pg_rss_kb_start'))} at start → {mb1(idle.get('serverkit_pg_rss_kb_idle'))}")
    print()
if overload:
    mb = lambda kb: f"{kb / 1024:.0f} MB" if kb else "-"
    share = f" ({100 * overload['dropped_share']:.1f}%)" if overload.get("dropped_share") is not None else ""
    print(f"Overload: GET by id, logs on, wrk -c{overload['connections']}: {overload['rps']:.0f} req/s, p50 {overload['p50_ms']:.1f} ms, "
          f"p99 {overload['p99_ms']:.1f} ms, max {overload['max_ms']:.0f} ms")
    print(f"  {overload['succeeded']} of {overload['requests']} requests succeeded; non-2xx {overload['non2xx']}, socket errors "
          f"connect {overload['err_connect']} read {overload['err_read']} write {overload['err_write']} timeout {overload['err_timeout']}")
    print(f"  request-log records dropped {overload['log_dropped']}{share}; stored {overload['log_stored_before']} → "
          f"{overload['log_stored_after']} ({overload['log_stored_3s_after']} 3 s later); CPU {overload['server_cpu_us_per_req']:.1f} µs/req")
    print(f"  server peak RSS (VmHWM{', reset before the pass' if overload['vmhwm_reset'] else ', since start'}) {mb(overload['vmhwm_kb'])}; "
          f"RSS before {mb(overload['vmrss_kb_before'])}, after {mb(overload['vmrss_kb_after'])}, 3 s later {mb(overload['vmrss_kb_3s_after'])}; "
          f"peak since start before the pass {mb(overload['vmhwm_kb_before'])}")
    print()
if tail:
    f = lambda v: "-" if v is None else f"{v:.2f}"
    print(f"Live tail: GET by id at {tail['rate_target']:.0f} req/s for {tail['duration_target_s']:.0f} s "
          f"(sent {tail['sent']} at {tail['send_rate']:.0f}/s, max send lag {tail['max_send_lag_ms']:.1f} ms), subscriber on /graphql/ws")
    print(f"  response → record at the subscriber: p50 {f(tail['p50_ms'])} ms, p99 {f(tail['p99_ms'])} ms, max {f(tail['max_ms'])} ms "
          f"({tail['negative']} records came before their response)")
    print(f"  records received {tail['received']} / requests sent {tail['sent']} ({'equal' if tail['received_equals_sent'] else 'NOT equal'}); "
          f"2xx {tail['answered_2xx']}, other {tail['answered_other']}, failed {tail['failed']}; tail errors {tail['tail_errors']} "
          f"(missed {tail['lagged_missed']}); records dropped {tail.get('log_dropped', '-')}; server CPU {tail['server_cpu_us_per_req']:.1f} µs/req")
    print()
if any(s["errors"] for s in scenarios.values()):
    print("warning: some requests failed (non-2xx or socket errors); see runs[] in the JSON", file=sys.stderr)
print(f"written {a.out}")
