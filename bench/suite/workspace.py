#!/usr/bin/env python3
"""A large workspace for the test-suite benchmark: 30 tables, 200 routers
(list, get, create, update, delete and count per table, and a publish route
for 20 of them),
shaped like the blog example. Prints the document as JSON."""

import json

TABLES = 30
PUBLISHED = 20


def table(i):
    name = f"t{i:02d}"
    return {
        "name": name,
        "owned": True,
        "columns": [
            {"name": "title", "type": "text", "required": True, "min": 1.0, "max": 200.0},
            {"name": "amount", "type": "integer", "min": 0.0},
            {"name": "published", "type": "boolean", "default": False},
        ],
        "indexes": [{"columns": ["published", "created_at"]}],
    }


def routers(i):
    name = f"t{i:02d}"
    body = {
        "type": "object",
        "required": ["title"],
        "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200}, "amount": {"type": "integer", "minimum": 0}, "published": {"type": "boolean"}},
        "additionalProperties": False,
    }
    params = {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}}
    out = [
        {"name": f"list_{name}", "method": "GET", "path": f"/{name}", "access": {"allow": "public"},
         "input": {"query": {"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 100}}, "additionalProperties": False}},
         "steps": [{"as": "rows", "list": {"table": name, "where": {"published": True}, "orderBy": ["-created_at"], "limit": "${request.query.limit ?? 20}"}},
                   {"respond": {"status": 200, "body": "${steps.rows}"}}]},
        {"name": f"get_{name}", "method": "GET", "path": f"/{name}/{{id}}", "access": {"allow": "public"}, "input": {"params": params},
         "steps": [{"as": "row", "get": {"table": name, "id": "${request.params.id}"}}, {"respond": {"status": 200, "body": "${steps.row}"}}]},
        {"name": f"create_{name}", "method": "POST", "path": f"/{name}", "access": {"allow": "signedIn"}, "input": {"body": body},
         "steps": [{"as": "row", "insert": {"table": name, "values": {"title": "${request.body.title}", "amount": "${request.body.amount ?? 0}", "published": "${request.body.published ?? false}"}}},
                   {"respond": {"status": 201, "body": "${steps.row}"}}]},
        {"name": f"update_{name}", "method": "PATCH", "path": f"/{name}/{{id}}", "access": {"allow": "signedIn", "ownerOnly": True},
         "input": {"params": params, "body": dict(body, required=[], minProperties=1)},
         "steps": [{"as": "row", "update": {"table": name, "id": "${request.params.id}", "values": "${request.body}"}}, {"respond": {"status": 200, "body": "${steps.row}"}}]},
        {"name": f"delete_{name}", "method": "DELETE", "path": f"/{name}/{{id}}", "access": {"allow": {"groups": ["admins"]}}, "input": {"params": params},
         "steps": [{"delete": {"table": name, "id": "${request.params.id}"}}, {"respond": {"status": 204}}]},
    ]
    out.append({"name": f"count_{name}", "method": "GET", "path": f"/{name}-count", "access": {"allow": "public"},
                "steps": [{"as": "n", "count": {"table": name}}, {"respond": {"status": 200, "body": {"count": "${steps.n}"}}}]})
    if i < PUBLISHED:
        out.append({"name": f"publish_{name}", "method": "POST", "path": f"/{name}/{{id}}/publish", "access": {"allow": "signedIn", "ownerOnly": True},
                    "input": {"params": params},
                    "steps": [{"as": "row", "update": {"table": name, "id": "${request.params.id}", "values": {"published": True}}},
                              {"respond": {"status": 200, "body": "${steps.row}"}}]})
    return out


document = {
    "format": "serverkit.workspace",
    "version": 1,
    "tables": [table(i) for i in range(TABLES)],
    "groups": [{"name": "admins", "description": "May delete rows."}],
    "routers": [r for i in range(TABLES) for r in routers(i)],
}
assert len(document["routers"]) == 200
print(json.dumps(document))
