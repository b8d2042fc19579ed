#!/usr/bin/env python3
"""Prepare a freshly started ServerKit for the benchmark (stdlib only).

usage: setup_serverkit.py --url http://127.0.0.1:PORT --data-dir DIR --workspace examples/blog.json
                          [--n 100000] [--email E --password P]

Signs in over GraphQL (admin from SERVERKIT_ADMIN_EMAIL/PASSWORD), creates an API
token and uses it as `Authorization: Bearer` from then on, imports the workspace,
refreshes `test`, raises its limits for the run and states its capabilities
(request logs and monitoring on, the test defaults), signs up an end user, writes one
post through the API to learn how the server stores rows (timestamp format,
boolean, owner), then seeds N posts straight into <data>/envs/test.db with the
same deterministic titles and bodies as the reference's seed.py. Checks the
result over HTTP and prints one JSON object: the end user's and the admin API
tokens and facts for the report.
"""
import argparse
import json
import os
import random
import re
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--data-dir", required=True)
ap.add_argument("--workspace", required=True)
ap.add_argument("--n", type=int, default=100_000)
ap.add_argument("--env", default="test")
ap.add_argument("--email", default=os.environ.get("SERVERKIT_ADMIN_EMAIL"))
ap.add_argument("--password", default=os.environ.get("SERVERKIT_ADMIN_PASSWORD"))
a = ap.parse_args()
if not a.email or not a.password:
    sys.exit("setup: set SERVERKIT_ADMIN_EMAIL and SERVERKIT_ADMIN_PASSWORD (or --email/--password)")

ENV = a.env
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sk_http import ServerKit  # noqa: E402

sk = ServerKit(a.url, "setup")
http_json, gql = sk.call, sk.gql


def log(msg):
    print(f"setup: {msg}", file=sys.stderr, flush=True)


# 1. Admin: sign in with the session cookie, then mint an API token and use it instead.
gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }", {"e": a.email, "p": a.password})
api_token = gql('mutation { createApiToken(input: { name: "bench", role: OWNER, expiresInDays: 1 }) { token } }')[
    "createApiToken"]["token"]
sk.token = api_token
log("signed in, API token created")

# 2. Workspace, refresh, limits.
with open(a.workspace) as f:
    document = json.load(f)
rev = gql("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", {"d": document})["importWorkspace"]["revision"]
refreshed = gql(f'mutation {{ refresh(environment: "{ENV}") {{ revision routersServed changes {{ description }} }} }}')["refresh"]
# The same mutation states the mode the scenarios start in: request logs and
# monitoring on, the test environment's defaults (run.sh turns both off for the
# logs-off scenario with bench/lib/sk_admin.py and back on after it).
updated = gql(
    f'mutation {{ updateEnvironment(slug: "{ENV}", input: {{ limits: {{ requestsPerSecond: 1000000, maxConcurrentRequests: 100000 }}, '
    "capabilities: { requestLogs: true, monitoring: true } }) "
    "{ limits { requestsPerSecond maxConcurrentRequests maxBodyBytes requestTimeoutMs } capabilities { requestLogs monitoring } "
    "logRetentionRecords logRetentionDays logBodyLimitBytes } }"
)["updateEnvironment"]
limits, capabilities = updated["limits"], updated["capabilities"]
log_settings = {k: updated[k] for k in ("logRetentionRecords", "logRetentionDays", "logBodyLimitBytes")}
log(f"workspace revision {rev}, {refreshed['routersServed']} routers served on {ENV}, limits {limits}, capabilities {capabilities}, logs {log_settings}")

# 3. An end user for the authenticated writes.
signup = http_json("POST", f"/env/{ENV}/auth/signup", {"email": "bench-writer@example.com", "password": "a long bench password"})
user_token, user_id = signup["token"], signup["user"]["id"]

# 4. One post through the API: how does the server store a row?
probe = http_json("POST", f"/env/{ENV}/posts", {"title": "probe", "body": "probe", "published": True}, token=user_token)
db_path = os.path.join(a.data_dir, "envs", f"{ENV}.db")
con = sqlite3.connect(db_path, timeout=30)
con.row_factory = sqlite3.Row
cols = [r["name"] for r in con.execute("PRAGMA table_info(posts)")]
row = dict(con.execute("SELECT * FROM posts WHERE id = ?", (probe["id"],)).fetchone())
ddl = con.execute("SELECT sql FROM sqlite_master WHERE name = 'posts'").fetchone()[0]
log(f"API-written row: {row}")
# `cover` (a file column, null in every seeded row) is left out of the inserts below.
expected = {"id", "created_at", "updated_at", "owner", "title", "body", "published", "cover"}
if set(cols) != expected:
    sys.exit(f"setup: posts has columns {cols}, expected {sorted(expected)}")
m = re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?(Z|\+00:00)", str(row["created_at"]))
if not m or not isinstance(row["published"], int) or row["owner"] != user_id:
    sys.exit(f"setup: unexpected storage of the API-written row: {row} (user id {user_id})")
frac_digits, suffix = len(m.group(1) or ""), m.group(2)


def stamp(t):
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if frac_digits:
        s += "." + f"{t.microsecond:06d}{'0' * 3}"[:frac_digits]
    return s + suffix


# 5. Seed: ids 1..N, created a second apart and ending before now, so posts written
# during the run sort first in `listPosts`. Titles and bodies as seed.py (RNG seed 42).
con.execute("DELETE FROM posts")
if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
    con.execute("DELETE FROM sqlite_sequence WHERE name = 'posts'")
con.commit()
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud").split()
rng = random.Random(42)


def text(nwords):
    return " ".join(rng.choice(WORDS) for _ in range(nwords))


start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=a.n + 3600)
t0 = time.monotonic()


def rows():
    for i in range(1, a.n + 1):
        ts = stamp(start + timedelta(seconds=i))
        # All published: the blog's getPost answers 404 for an unpublished post to anyone
        # but its owner, and wrk's GET by id asks for every id (a 404 is an error there).
        # listPosts still filters on it.
        yield (i, ts, ts, user_id, f"Post {i}: {text(5)}", text(30), 1)


with con:
    con.executemany(
        "INSERT INTO posts (id, created_at, updated_at, owner, title, body, published) VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
count, avg_len = con.execute("SELECT count(*), avg(length(title) + length(body)) FROM posts").fetchone()
con.close()
log(f"seeded {count} posts in {time.monotonic() - t0:.1f} s (avg title+body {avg_len:.0f} chars)")

# 6. Check over HTTP what the benchmark will ask.
for pid in (1, a.n // 2, a.n):
    got = http_json("GET", f"/env/{ENV}/posts/{pid}")
    if got.get("id") != pid:
        sys.exit(f"setup: GET /env/{ENV}/posts/{pid} gave {got}")
page = http_json("GET", f"/env/{ENV}/posts?limit=20")
items = page.get("items") if isinstance(page, dict) else page
if not items or len(items) != 20:
    sys.exit(f"setup: listPosts gave {json.dumps(page)[:300]}")

print(json.dumps({
    "user_token": user_token,
    "api_token": api_token,
    "user_id": user_id,
    "workspace_revision": rev,
    "routers_served": refreshed["routersServed"],
    "limits": limits,
    "capabilities": capabilities,
    "log_settings": log_settings,
    "seeded": count,
    "api_row_example": row,
    "posts_ddl": ddl,
    "get_example": got,
}))
