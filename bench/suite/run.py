#!/usr/bin/env python3
"""Times the generated test suite of a workspace on a running ServerKit:
how long generating the cases takes (`testCases`), how long the run takes,
and its requests per second. Usage: run.py BASE_URL WORKSPACE.json LABEL
(owner from SERVERKIT_ADMIN_EMAIL/_PASSWORD)."""

import datetime
import http.cookiejar
import json
import os
import sys
import time
import urllib.request

BASE, PATH, LABEL = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def gql(query, variables=None):
    request = urllib.request.Request(BASE + "/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(), method="POST")
    request.add_header("content-type", "application/json")
    with opener.open(request) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        sys.exit(json.dumps(body["errors"])[:2000])
    return body["data"]


gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }", {"e": os.environ["SERVERKIT_ADMIN_EMAIL"], "p": os.environ["SERVERKIT_ADMIN_PASSWORD"]})
with open(PATH) as f:
    gql("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", {"d": json.load(f)})
gql('mutation { updateEnvironment(slug: "test", input: { limits: { requestsPerSecond: 1000000, maxConcurrentRequests: 10000 } }) { slug } }')
gql('mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }')

started = time.perf_counter()
cases = gql('{ testCases(environment: "test") { name } }')["testCases"]
generate_ms = (time.perf_counter() - started) * 1000

run = gql('mutation { runTests(environment: "test") { id } }')["runTests"]
while True:
    result = gql("query($id: ID!) { testRun(id: $id) { status total passed startedAt finishedAt results { status logIds } } }", {"id": run["id"]})["testRun"]
    if result["status"] != "RUNNING":
        break
    time.sleep(0.05)
parse = lambda t: datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
seconds = (parse(result["finishedAt"]) - parse(result["startedAt"])).total_seconds()
requests = sum(len(r["logIds"]) for r in result["results"])
print(json.dumps({
    "workspace": LABEL, "cases": len(cases), "generate_ms": round(generate_ms, 1), "status": result["status"],
    "passed": result["passed"], "total": result["total"], "run_s": round(seconds, 3), "requests": requests,
    "requests_per_s": round(requests / seconds, 1) if seconds else None,
}))
