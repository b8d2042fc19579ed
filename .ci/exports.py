#!/usr/bin/env python3
"""Prepares a running ServerKit for the export checks: imports the blog
example, refreshes the test environment (its generated suite must pass),
makes an editor and a plain end user, and downloads the OpenAPI document and
the Postman collection. Writes them and the users' tokens to OUT_DIR.

Usage: exports.py BASE_URL OUT_DIR   (owner from SERVERKIT_ADMIN_EMAIL/_PASSWORD)
"""

import base64
import http.cookiejar
import json
import os
import sys
import time
import urllib.request

BASE, OUT = sys.argv[1].rstrip("/"), sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with opener.open(request) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, (json.loads(text) if text else None)


def gql(query, variables=None):
    status, body = call("POST", "/graphql", {"query": query, "variables": variables or {}})
    if status != 200 or body.get("errors"):
        sys.exit(f"GraphQL failed ({status}): {json.dumps(body)[:2000]}")
    return body["data"]


gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
    {"e": os.environ["SERVERKIT_ADMIN_EMAIL"], "p": os.environ["SERVERKIT_ADMIN_PASSWORD"]})
with open(os.path.join(ROOT, "examples", "blog.json")) as f:
    gql("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", {"d": json.load(f)})
gql('mutation { updateEnvironment(slug: "test", input: { limits: { requestsPerSecond: 100000, maxConcurrentRequests: 1000 } }) { slug } }')
run = gql('mutation { refresh(environment: "test") { testRun { id } } }')["refresh"]["testRun"]
deadline = time.time() + 120
while True:
    result = gql("query($id: ID!) { testRun(id: $id) { status total passed results { name status failures { step what expected actual } } } }", {"id": run["id"]})["testRun"]
    if result["status"] != "RUNNING":
        break
    if time.time() > deadline:
        sys.exit("the generated test run did not end")
    time.sleep(0.2)
if result["status"] != "PASSED":
    failed = [r for r in result["results"] if r["status"] != "PASSED"]
    sys.exit(f"the blog example's generated suite failed: {json.dumps(failed, indent=2)}")
print(f"generated suite: {result['passed']}/{result['total']} passed")


def end_user(email):
    status, body = call("POST", "/env/test/auth/signup", {"email": email, "password": "a long enough password"})
    if status != 201:
        sys.exit(f"sign-up of {email} failed: {status} {body}")
    return body["user"]["id"], body["token"]


editor_id, _ = end_user("ci-editor@example.com")
gql('mutation($id: ID!) { setUserGroups(environment: "test", userId: $id, groups: ["editors"]) { groups } }', {"id": str(editor_id)})
_, editor_token = call("POST", "/env/test/auth/login", {"email": "ci-editor@example.com", "password": "a long enough password"})
_, user_token = end_user("ci-user@example.com")

os.makedirs(OUT, exist_ok=True)
for name in ["openapi.json", "postman.json"]:
    status, document = call("GET", f"/admin/downloads/test/{name}")
    if status != 200:
        sys.exit(f"download of {name} failed: {status} {document}")
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(document, f, indent=2)
# The files the collection's file fields send (newman reads them from --working-dir).
TINY_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
os.makedirs(os.path.join(OUT, "files"), exist_ok=True)
with open(os.path.join(OUT, "postman.json")) as f:
    collection = json.load(f)
sources = {
    field["src"]: field.get("contentType", "")
    for folder in collection["item"] for item in folder["item"]
    for field in item["request"].get("body", {}).get("formdata", []) if field.get("type") == "file"
}
for src, kind in sources.items():
    with open(os.path.join(OUT, "files", src), "wb") as f:
        f.write(TINY_PNG if kind.startswith("image/") else b"example")
print(f"collection files: {sorted(sources)}")
with open(os.path.join(OUT, "editor.token"), "w") as f:
    f.write(editor_token["token"])
with open(os.path.join(OUT, "user.token"), "w") as f:
    f.write(user_token)
print(f"exports written to {OUT}")
