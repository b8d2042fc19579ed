#!/usr/bin/env python3
"""Turn bench/run.sh's raw wrk summaries into the table and bench/results/latest.json.

usage: report.py --raw raw.jsonl --setup setup.json --out latest.json [--meta k=v ...]
Each raw line is one wrk run (summary.lua's SUMMARY object plus scenario, server,
round, server_cpu_s). With several rounds every figure is the median over rounds.
"""
import argparse
import json
import statistics
import sys
from datetime import datetime, timezone

ap = argparse.ArgumentParser()
ap.add_argument("--raw", required=True)
ap.add_argument("--setup", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--meta", nargs="*", default=[])
a = ap.parse_args()

SCENARIOS = {
    "sk_get": "ServerKit  GET  /env/test/posts/{id}",
    "bl_get": "baseline   GET  /posts/{id}",
    "sk_post": "ServerKit  POST /env/test/posts (bearer)",
    "bl_post": "baseline   POST /posts",
    "sk_list": "ServerKit  GET  /env/test/posts?limit=20",
    "bl_const": "baseline   GET  /const (HTTP ceiling)",
}
RATIOS = [
    ("get_vs_baseline", "sk_get", "bl_get", "ServerKit GET by id / baseline GET by id"),
    ("post_vs_baseline", "sk_post", "bl_post", "ServerKit POST / baseline POST"),
    ("get_vs_const", "sk_get", "bl_const", "ServerKit GET by id / const ceiling"),
    ("post_vs_const", "sk_post", "bl_const", "ServerKit POST / const ceiling"),
    ("list_vs_const", "sk_list", "bl_const", "ServerKit list 20 / const ceiling"),
]

runs = [json.loads(line) for line in open(a.raw) if line.strip()]
setup = json.load(open(a.setup))
setup.pop("user_token", None)
by = {}
for r in runs:
    r["server_cpu_us_per_req"] = 1e6 * r["server_cpu_s"] / r["requests"] if r["requests"] else None
    r["errors"] = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"] + r["non2xx"]
    by.setdefault(r["scenario"], []).append(r)


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
        "wal_mb_after": max(r.get("wal_bytes_after", 0) for r in rs) / 1e6,
        "rps_per_round": [r["rps"] for r in rs],
    }

ratios = {}
for key, num, den, label in RATIOS:
    if num in scenarios and den in scenarios and scenarios[den]["rps"]:
        ratios[key] = {"label": label, "value": scenarios[num]["rps"] / scenarios[den]["rps"]}
# CPU spent by the server per request: robust against wrk and neighbours taking cores.
for key, num, den in [("get_cpu_per_req_vs_baseline", "sk_get", "bl_get"), ("post_cpu_per_req_vs_baseline", "sk_post", "bl_post")]:
    if num in scenarios and den in scenarios and scenarios[den]["server_cpu_us_per_req"]:
        ratios[key] = {
            "label": f"server CPU per request, {num} / {den}",
            "value": scenarios[num]["server_cpu_us_per_req"] / scenarios[den]["server_cpu_us_per_req"],
        }

meta = dict(kv.split("=", 1) for kv in a.meta)
meta["finished_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
result = {"meta": meta, "setup": setup, "scenarios": scenarios, "ratios": ratios, "runs": runs}
with open(a.out, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

rounds = meta.get("rounds", "1")
agg = "medians of " + rounds + " rounds" if rounds != "1" else "1 round"
print()
print(f"ServerKit benchmark — {agg}, {meta.get('duration_s')} s each, wrk -t{meta.get('threads')} -c{meta.get('connections')}, "
      f"{meta.get('cpus')} CPUs shared with wrk, load {meta.get('loadavg_before')} → {meta.get('loadavg_after')}")
print()
print(f"{'scenario':<44}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU µs/req':>12}{'errors':>8}{'WAL MB':>9}")
print("-" * 101)
for key, s in scenarios.items():
    cpu = f"{s['server_cpu_us_per_req']:.0f}" if s["server_cpu_us_per_req"] is not None else "-"
    print(f"{s['label']:<44}{s['rps']:>10.0f}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}{cpu:>12}{s['errors']:>8}{s['wal_mb_after']:>9.0f}")
print()
for key, r in ratios.items():
    print(f"  {r['label']:<48} {r['value']:>6.2f}")
print("  WAL MB: size of that server's SQLite -wal file after the scenario (largest over rounds)")
print()
if any(s["errors"] for s in scenarios.values()):
    print("warning: some requests failed (non-2xx or socket errors); see runs[] in the JSON", file=sys.stderr)
print(f"written {a.out}")
