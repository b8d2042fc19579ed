#!/usr/bin/env python3
"""Prepare a freshly started ServerKit for the benchmark (stdlib only).

usage: setup_serverkit.py --url http://127.0.0.1:PORT (--data-dir DIR | --pg-url postgres://…/DB)
                          --workspace examples/blog.json [--n 100000] [--email E --password P]

Signs in over GraphQL (admin from SERVERKIT_ADMIN_EMAIL/PASSWORD), creates an API
token and uses it as `Authorization: Bearer` from then on, imports the workspace,
refreshes `test`, raises its limits for the run and states its capabilities
(request logs and monitoring on, the test defaults), signs up an end user, writes one
post through the API to learn how the server stores rows (timestamp format,
boolean, owner), then seeds N posts straight into its store with the same
deterministic titles and bodies as the reference's seed.py: <data>/envs/test.db
on SQLite (--data-dir), or the table posts of schema env_test with COPY through
psql on PostgreSQL (--pg-url: the server's SERVERKIT_DATABASE_URL; the id
sequence is moved past the seed and the table vacuumed and analysed). Checks the
result over HTTP and prints one JSON object: the end user's and the admin API
tokens and facts for the report.
"""
import argparse
import csv
import io
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
store_arg = ap.add_mutually_exclusive_group(required=True)
store_arg.add_argument("--data-dir", help="SQLite: the server's SERVERKIT_DATA_DIR")
store_arg.add_argument("--pg-url", help="PostgreSQL: the server's SERVERKIT_DATABASE_URL")
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
TEXT_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?(Z|\+00:00)")


def text_stamp(sample):
    """stamp(t) writing a UTC time as the server writes timestamps as text (`sample`, from its own row), or None."""
    m = TEXT_STAMP.fullmatch(str(sample))
    if not m:
        return None
    frac_digits, suffix = len(m.group(1) or ""), m.group(2)

    def stamp(t):
        s = t.strftime("%Y-%m-%dT%H:%M:%S")
        if frac_digits:
            s += "." + f"{t.microsecond:06d}{'0' * 3}"[:frac_digits]
        return s + suffix
    return stamp


class Sqlite:
    """The environment's SQLite file, <data>/envs/<env>.db."""
    name = "SQLite"

    def __init__(self, data_dir):
        self.con = sqlite3.connect(os.path.join(data_dir, "envs", f"{ENV}.db"), timeout=30)
        self.con.row_factory = sqlite3.Row

    def columns(self):
        return {r["name"]: r["type"] for r in self.con.execute("PRAGMA table_info(posts)")}

    def ddl(self):
        return self.con.execute("SELECT sql FROM sqlite_master WHERE name = 'posts'").fetchone()[0]

    def row(self, pid):
        return dict(self.con.execute("SELECT * FROM posts WHERE id = ?", (pid,)).fetchone())

    def encoding(self, row, types):
        """(stamp, the stored `published` of a published post), or None if the row is not stored as expected."""
        stamp = text_stamp(row["created_at"])
        return (stamp, 1) if stamp and isinstance(row["published"], int) and row["published"] == 1 else None

    def seed(self, rows):
        con = self.con
        con.execute("DELETE FROM posts")
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
            con.execute("DELETE FROM sqlite_sequence WHERE name = 'posts'")
        con.commit()
        with con:
            con.executemany(f"INSERT INTO posts ({', '.join(SEED_COLUMNS)}) VALUES ({', '.join('?' * len(SEED_COLUMNS))})", rows)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return "WAL checkpointed"

    def stats(self):
        return tuple(self.con.execute("SELECT count(*), avg(length(title) + length(body)) FROM posts").fetchone())

    def close(self):
        self.con.close()


class Postgres:
    """The environment's schema (env_<slug>) in the server's PostgreSQL database, through psql."""
    name = "PostgreSQL"

    def __init__(self, url):
        self.url = url
        self.schema = "env_" + ENV.replace("-", "_")
        self.table = f'"{self.schema}".posts'

    def psql(self, sql, stdin=None):
        try:
            out = subprocess.run(["psql", self.url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                 input=stdin, capture_output=True, text=True, timeout=600)
        except FileNotFoundError:
            sys.exit("setup: psql is needed for --pg-url")
        if out.returncode != 0:
            sys.exit(f"setup: psql failed on {sql[:200]!r}: {out.stderr.strip()[:1000]}")
        return out.stdout.strip()

    def columns(self):
        got = self.psql("SELECT coalesce(json_object_agg(column_name, data_type), '{}') FROM information_schema.columns "
                        f"WHERE table_schema = '{self.schema}' AND table_name = 'posts'")
        return json.loads(got)

    def ddl(self):
        return self.psql(
            f"SELECT 'TABLE {self.schema}.posts (' || string_agg(column_name || ' ' || data_type || coalesce(' DEFAULT ' || column_default, ''), ', ' "
            f"ORDER BY ordinal_position) || ')' FROM information_schema.columns WHERE table_schema = '{self.schema}' AND table_name = 'posts'"
        ) + "; " + self.psql(f"SELECT string_agg(indexdef, '; ') FROM pg_indexes WHERE schemaname = '{self.schema}' AND tablename = 'posts'")

    def row(self, pid):
        return json.loads(self.psql(f"SELECT row_to_json(p) FROM {self.table} p WHERE id = {int(pid)}"))

    def encoding(self, row, types):
        if types["created_at"] == "timestamp with time zone":
            stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+00:00")  # noqa: E731
        elif types["created_at"] == "text":
            stamp = text_stamp(row["created_at"])
        else:
            return None  # e.g. timestamp without time zone: which zone the server means is not ours to guess
        if types["published"] == "boolean" and row["published"] is True:
            published = "t"
        elif types["published"] in ("smallint", "integer", "bigint") and row["published"] == 1:
            published = 1
        else:
            return None
        return (stamp, published) if stamp else None

    def seed(self, rows):
        # The same statements as on SQLite: the feed's triggers record the delete and each row copied.
        self.psql(f"DELETE FROM {self.table}")
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        self.psql(f"COPY {self.table} ({', '.join(SEED_COLUMNS)}) FROM STDIN (FORMAT csv)", stdin=buf.getvalue())
        # The ids API creates take come from the column's sequence (serial or identity), if it has one.
        seq = self.psql(f"SELECT pg_get_serial_sequence('{self.table}', 'id')")
        if seq:
            self.psql(f"SELECT setval('{seq}', (SELECT max(id) FROM {self.table}))")
            done = f"sequence {seq} set to the largest id"
        else:
            done = "no sequence on posts.id"
        # VACUUM sets the hint bits and the visibility map (no first-read writes during the scenarios); ANALYZE the statistics.
        self.psql(f"VACUUM (ANALYZE) {self.table}")
        return done + ", VACUUM (ANALYZE)"

    def stats(self):
        count, avg_len = self.psql(f"SELECT count(*), avg(length(title) + length(body)) FROM {self.table}").split("|")
        return int(count), float(avg_len)

    def delete(self, pid):
        self.psql(f"DELETE FROM {self.table} WHERE id = {int(pid)}")

    def close(self):
        pass


store = Postgres(a.pg_url) if a.pg_url else Sqlite(a.data_dir)
probe = http_json("POST", f"/env/{ENV}/posts", {"title": "probe", "body": "probe", "published": True}, token=user_token)
types = store.columns()
row = store.row(probe["id"])
ddl = store.ddl()
log(f"API-written row ({store.name}): {row}")
# `cover` (a file column, null in every seeded row) is left out of the inserts below.
expected = {"id", "created_at", "updated_at", "owner", "title", "body", "published", "cover"}
if set(types) != expected:
    sys.exit(f"setup: posts has columns {sorted(types)}, expected {sorted(expected)}")
encoding = store.encoding(row, types) if types["updated_at"] == types["created_at"] else None
if not encoding or row["owner"] != user_id:
    sys.exit(f"setup: unexpected storage of the API-written row on {store.name}: {row}, column types {types} (user id {user_id})")
stamp, published = encoding

# 5. Seed: ids 1..N, created a second apart and ending before now, so posts written
# during the run sort first in `listPosts`. Titles and bodies as seed.py (RNG seed 42).
SEED_COLUMNS = ("id", "created_at", "updated_at", "owner", "title", "body", "published")
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
        yield (i, ts, ts, user_id, f"Post {i}: {text(5)}", text(30), published)


seed_done = store.seed(rows())
count, avg_len = store.stats()
log(f"seeded {count} posts into {store.name} in {time.monotonic() - t0:.1f} s ({seed_done}; avg title+body {avg_len:.0f} chars)")

# 6. Check over HTTP what the benchmark will ask.
for pid in (1, a.n // 2, a.n):
    got = http_json("GET", f"/env/{ENV}/posts/{pid}")
    if got.get("id") != pid:
        sys.exit(f"setup: GET /env/{ENV}/posts/{pid} gave {got}")
page = http_json("GET", f"/env/{ENV}/posts?limit=20")
items = page.get("items") if isinstance(page, dict) else page
if not items or len(items) != 20:
    sys.exit(f"setup: listPosts gave {json.dumps(page)[:300]}")
if isinstance(store, Postgres):
    # An API create after the seed must not collide with a seeded id (the sequence); the row goes again.
    created = http_json("POST", f"/env/{ENV}/posts", {"title": "after seed", "body": "b", "published": True}, token=user_token)
    if created.get("id", 0) <= a.n:
        sys.exit(f"setup: a create after the seed got id {created.get('id')} (seeded 1..{a.n})")
    store.delete(created["id"])
store.close()

print(json.dumps({
    "user_token": user_token,
    "api_token": api_token,
    "user_id": user_id,
    "workspace_revision": rev,
    "routers_served": refreshed["routersServed"],
    "limits": limits,
    "capabilities": capabilities,
    "log_settings": log_settings,
    "store": store.name,
    "seeded": count,
    "api_row_example": row,
    "posts_ddl": ddl,
    "get_example": got,
}))
