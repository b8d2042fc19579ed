#!/usr/bin/env python3
"""Small GraphQL chores on a running ServerKit for bench/run.sh (stdlib only).

usage: sk_admin.py --url URL --token API_TOKEN [--env test] COMMAND
  mode on|off   requestLogs and monitoring both on (the test environment's
                defaults) or both off; prints the environment's capabilities
  stats         requestLogStats (needs request logs on): {"stored": N, "dropped": N}
  viewer-token  mints a VIEWER API token (for the live-tail subscriber); prints it
"""
import argparse
import json
import sys
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--token", required=True)
ap.add_argument("--env", default="test")
ap.add_argument("command", choices=["mode", "stats", "viewer-token"])
ap.add_argument("value", nargs="?")
a = ap.parse_args()


def gql(query):
    req = urllib.request.Request(a.url.rstrip("/") + "/graphql", data=json.dumps({"query": query}).encode(), method="POST")
    req.add_header("content-type", "application/json")
    req.add_header("authorization", f"Bearer {a.token}")
    with urllib.request.urlopen(req, timeout=60) as resp:
        out = json.loads(resp.read())
    if out.get("errors"):
        sys.exit(f"sk_admin: GraphQL error: {json.dumps(out['errors'])[:1000]}")
    return out["data"]


if a.command == "mode":
    if a.value not in ("on", "off"):
        sys.exit("sk_admin: mode on|off")
    on = "true" if a.value == "on" else "false"
    env = gql(
        f'mutation {{ updateEnvironment(slug: "{a.env}", input: {{ capabilities: {{ requestLogs: {on}, monitoring: {on} }} }}) '
        "{ slug capabilities { requestLogs monitoring } } }"
    )["updateEnvironment"]
    caps = env["capabilities"]
    if caps["requestLogs"] != (a.value == "on") or caps["monitoring"] != (a.value == "on"):
        sys.exit(f"sk_admin: capabilities did not change: {caps}")
    print(json.dumps(caps))
elif a.command == "stats":
    print(json.dumps(gql(f'{{ requestLogStats(environment: "{a.env}") {{ stored dropped }} }}')["requestLogStats"]))
else:
    print(gql('mutation { createApiToken(input: { name: "bench-tail", role: VIEWER, expiresInDays: 1 }) { token } }')["createApiToken"]["token"])
