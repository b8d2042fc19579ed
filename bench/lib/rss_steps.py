#!/usr/bin/env python3
"""Memory of a running ServerKit after each step a deployment goes through
(stdlib only). Prints one JSON object per step with the server's RssAnon
(its own heap: what the allocator and SQLite's caches hold), RssFile and
VmHWM, then a table.

usage: rss_steps.py --url http://127.0.0.1:PORT --pid PID --workspace examples/blog.json
                    [--users 100] [--gets 2000] [--lists 200] [--idle 10]
Steps: start, admin sign-in, import, refresh (with its test run), end-user
sign-ups, one post per user, GETs by id, lists of 20, then idle.
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--pid", type=int, required=True)
ap.add_argument("--workspace", required=True)
ap.add_argument("--users", type=int, default=100)
ap.add_argument("--gets", type=int, default=2000)
ap.add_argument("--lists", type=int, default=200)
ap.add_argument("--idle", type=float, default=10)
a = ap.parse_args()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sk_http import ServerKit  # noqa: E402

sk = ServerKit(a.url, "rss")
call, gql = sk.call, sk.gql


def memory():
    fields = {}
    with open(f"/proc/{a.pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


steps = []


def step(name):
    time.sleep(1)  # the step's last requests and the log writer settle
    m = memory()
    steps.append({"step": name, **{k: round(v, 1) for k, v in m.items()}})
    print(json.dumps(steps[-1]), flush=True)


step("start")
gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
    {"e": os.environ["SERVERKIT_ADMIN_EMAIL"], "p": os.environ["SERVERKIT_ADMIN_PASSWORD"]})
sk.token = gql('mutation { createApiToken(input: { name: "rss", role: OWNER, expiresInDays: 1 }) { token } }')["createApiToken"]["token"]
step("admin sign-in")
gql("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", {"d": json.load(open(a.workspace))})
step("import")
run = gql('mutation { refresh(environment: "test") { testRun { id } } }')["refresh"]["testRun"]
for _ in range(600):
    status = gql("query($id: ID!) { testRun(id: $id) { status } }", {"id": run["id"]})["testRun"]["status"]
    if status != "RUNNING":
        break
    time.sleep(0.1)
gql('mutation { updateEnvironment(slug: "test", input: { limits: { requestsPerSecond: 1000000, maxConcurrentRequests: 100000 } }) { slug } }')
step(f"refresh (test run {status.lower()})")
users = [call("POST", "/env/test/auth/signup", {"email": f"rss-{i}@example.com", "password": "a long enough password"})["token"] for i in range(a.users)]
step(f"{a.users} sign-ups")
ids = [call("POST", "/env/test/posts", {"title": f"post {i}", "body": "b" * 200, "published": True}, token=t)["id"] for i, t in enumerate(users)]
step(f"{len(ids)} posts written")
for i in range(a.gets):
    call("GET", f"/env/test/posts/{ids[i % len(ids)]}")
step(f"{a.gets} GETs by id")
for _ in range(a.lists):
    call("GET", "/env/test/posts?limit=20")
step(f"{a.lists} lists of 20")
time.sleep(a.idle)
step(f"idle {a.idle:.0f} s")

print(f"\n{'step':<28} {'RssAnon MB':>10} {'RssFile MB':>10} {'VmRSS MB':>9} {'VmHWM MB':>9}")
for s in steps:
    print(f"{s['step']:<28} {s.get('RssAnon', 0):>10.1f} {s.get('RssFile', 0):>10.1f} {s.get('VmRSS', 0):>9.1f} {s.get('VmHWM', 0):>9.1f}")
