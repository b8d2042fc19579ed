"""A ServerKit over HTTP for the bench scripts (stdlib only): JSON requests
(the admin's session cookie kept, a bearer token where given) and GraphQL
as the admin. A request answered with an unexpected status ends the script."""
import http.cookiejar
import json
import sys
import urllib.error
import urllib.request


class ServerKit:
    def __init__(self, url, who):
        self.base = url.rstrip("/")
        self.who = who  # what error messages start with
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = None  # the admin API token GraphQL calls send, once there is one

    def call(self, method, path, body=None, token=None, expect=(200, 201)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", f"Bearer {token}")
        try:
            with self.opener.open(req, timeout=120) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        if status not in expect:
            sys.exit(f"{self.who}: {method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def gql(self, query, variables=None):
        out = self.call("POST", "/graphql", {"query": query, "variables": variables or {}}, token=self.token)
        if out.get("errors"):
            sys.exit(f"{self.who}: GraphQL error: {json.dumps(out['errors'])[:1000]}")
        return out["data"]
