#!/usr/bin/env python3
"""Deploys a 200-router, 30-table workspace (bench/suite/workspace.py) to
production while production serves GET and POST load (wrk, 64 connections
in all), with a change to 20 routers; then rolls it back under the same
load. Prints the deploy and rollback times (the release's own duration and
the mutation's wall time), requests failed during each, and p99 latency of
a load window without a switch against one with it.
Usage: run.py BASE_URL (owner from SERVERKIT_ADMIN_EMAIL/_PASSWORD)."""

import copy
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

BASE = sys.argv[1].rstrip("/")
HERE = os.path.dirname(os.path.abspath(__file__))
DURATION = int(os.environ.get("DURATION", "10"))
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def call(path, body=None, token=None, method=None):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode() if body is not None else None, method=method or ("POST" if body is not None else "GET"))
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with opener.open(request) as response:
        return json.loads(response.read() or b"null")


def gql(query, variables=None):
    body = call("/graphql", {"query": query, "variables": variables or {}})
    if body.get("errors"):
        sys.exit(json.dumps(body["errors"])[:2000])
    return body["data"]


def tested(document):
    """Imports, refreshes test and waits for its run; True when it passed."""
    gql("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", {"d": document})
    run = gql('mutation { refresh(environment: "test", allowDestructive: true) { testRun { id } } }')["refresh"]["testRun"]
    while True:
        status = gql("query($id: ID!) { testRun(id: $id) { status } }", {"id": run["id"]})["testRun"]["status"]
        if status != "RUNNING":
            return status == "PASSED"
        time.sleep(0.1)


def deploy(passed):
    force = "" if passed else ', force: true, forceReason: "benchmark"'
    started = time.perf_counter()
    release = gql('mutation { deploy(input: { from: "test", to: "production"%s }) { number status durationMs failedStep error } }' % force)["deploy"]
    release["wall_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return release


def rollback(to):
    started = time.perf_counter()
    release = gql('mutation { rollback(environment: "production", toRelease: %d) { number status durationMs failedStep error } }' % to)["rollback"]
    release["wall_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return release


def wrk(script, url, connections, out, token=None):
    env = dict(os.environ, AUTH_TOKEN=token or "")
    result = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{DURATION}s", "--latency", "--timeout", "10s", "-s", os.path.join(HERE, script), url],
                            capture_output=True, text=True, env=env)
    text = result.stdout
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text.split("Socket errors:")[1].splitlines()[0])) if "Socket errors:" in text else 0
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    out.append({"script": script, "requests": requests, "failed": non2xx + errors, "p99_ms": round(p99_ms, 2)})


def window(token, switch=None):
    """GET and POST load for DURATION s; `switch` runs in the middle of it."""
    results, switched = [], {}
    threads = [threading.Thread(target=wrk, args=("get.lua", f"{BASE}/env/production/t00/1", 32, results)),
               threading.Thread(target=wrk, args=("post.lua", f"{BASE}/env/production/t00", 32, results, token))]
    for thread in threads:
        thread.start()
    if switch:
        time.sleep(DURATION / 2)
        switched.update(switch())
    for thread in threads:
        thread.join()
    return {"load": results, **({"release": switched} if switch else {})}


gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }", {"e": os.environ["SERVERKIT_ADMIN_EMAIL"], "p": os.environ["SERVERKIT_ADMIN_PASSWORD"]})
for slug in ("test", "production"):
    gql('mutation($s: String!) { updateEnvironment(slug: $s, input: { limits: { requestsPerSecond: 1000000, maxConcurrentRequests: 100000 } }) { slug } }', {"s": slug})
document = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "..", "suite", "workspace.py")], capture_output=True, text=True, check=True).stdout)
first = deploy(tested(document))
token = call("/env/production/auth/signup", {"email": "bench@example.com", "password": "bench end user password"})["token"]
call("/env/production/t00", {"title": "row one", "published": True}, token)

# The change: 20 routers answer lists of 25 by default instead of 20.
changed = copy.deepcopy(document)
lists = [r for r in changed["routers"] if r["name"].startswith("list_")][:20]
for router in lists:
    router["steps"][0]["list"]["limit"] = "${request.query.limit ?? 25}"
passed = tested(changed)

report = {"release_1": first, "before": window(token)}
report["deploy"] = window(token, lambda: deploy(passed))
report["rollback"] = window(token, lambda: rollback(first["number"]))
print(json.dumps(report, indent=1))
