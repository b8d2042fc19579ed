//! A row reads the same whichever path reads it: a router's `get` (the
//! point read, whose SQL is written once per compiled step and whose row is
//! decoded straight from the statement), a `list`, and the row an insert
//! returns, for every column type, nulls, and text that needs escaping.

use serde_json::{Value, json};

use crate::common::TestServer;

fn document() -> Value {
    let every_type = json!([
        { "name": "label", "type": "text" },
        { "name": "count", "type": "integer" },
        { "name": "ratio", "type": "float" },
        { "name": "done", "type": "boolean" },
        { "name": "due", "type": "datetime" },
        { "name": "meta", "type": "json" },
        { "name": "parent", "type": "relation", "table": "things" },
        { "name": "attachment", "type": "file" }
    ]);
    let routers = |table: &str, path: &str, access: Value| {
        let get = json!({
            "name": format!("get_{table}"), "method": "GET", "path": format!("{path}/{{id}}"), "access": access,
            "steps": [{ "as": "row", "get": { "table": table, "id": "${request.params.id}" } }, { "respond": { "status": 200, "body": "${steps.row}" } }]
        });
        let list = json!({
            "name": format!("list_{table}"), "method": "GET", "path": path, "access": access,
            "steps": [{ "as": "rows", "list": { "table": table, "orderBy": ["id"], "limit": 100 } }, { "respond": { "status": 200, "body": "${steps.rows}" } }]
        });
        let create = json!({
            "name": format!("create_{table}"), "method": "POST", "path": path, "access": access,
            "steps": [{ "as": "row", "insert": { "table": table, "values": "${request.body}" } }, { "respond": { "status": 201, "body": "${steps.row}" } }]
        });
        [get, list, create]
    };
    let mut all = Vec::new();
    all.extend(routers("things", "/things", json!({ "allow": "public" })));
    all.extend(routers("notes", "/notes", json!({ "allow": "signedIn", "ownerOnly": true })));
    json!({
        "format": "serverkit.workspace",
        "version": 1,
        "tables": [
            { "name": "things", "columns": every_type },
            { "name": "notes", "owned": true, "columns": every_type.as_array().unwrap().iter().filter(|c| c["type"] != "relation").collect::<Vec<_>>() }
        ],
        "routers": all,
        "auth": { "signupOpen": true, "tokenTtlHours": 24 }
    })
}

fn samples() -> Vec<Value> {
    vec![
        json!({}),
        json!({ "label": "plain", "count": 0, "ratio": 0.0, "done": false, "due": "2026-01-02T03:04:05Z", "meta": null }),
        json!({
            "label": "quote \" backslash \\ newline \n tab \t control \u{1} unicode é 漢字 🎉 </script>",
            "count": i64::MAX, "ratio": -1.5e-300, "done": true, "due": "1999-12-31T23:59:59.123456+02:00",
            "meta": { "nested": [1, 2.5, "three", { "deep": null }, true], "empty": {}, "list": [] }
        }),
        json!({ "count": i64::MIN, "ratio": 123456789.25, "meta": [1, "x"], "parent": 1 }),
        json!({ "label": "", "meta": "just text", "due": "2026-12-03T17:00:00.5Z" }),
        json!({ "meta": 42, "parent": 2 }),
        json!({ "meta": 1.25 }),
    ]
}

async fn call(http: &reqwest::Client, url: String, method: reqwest::Method, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_column_type_reads_the_same_by_id_in_a_list_and_from_a_write() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": document() })).await.data();
    owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let http = reqwest::Client::new();
    let url = |path: &str| server.url(&format!("/env/test{path}"));

    let mut written = Vec::new();
    for sample in samples() {
        let (status, row) = call(&http, url("/things"), reqwest::Method::POST, None, Some(&sample)).await;
        assert_eq!(status, 201, "{sample} -> {row}");
        written.push(row);
    }
    let (status, list) = call(&http, url("/things"), reqwest::Method::GET, None, None).await;
    assert_eq!(status, 200, "{list}");
    let listed = list["items"].as_array().expect("items");
    assert_eq!(listed.len(), written.len());
    for (row, listed) in written.iter().zip(listed) {
        let id = row["id"].as_i64().expect("id");
        let (status, read) = call(&http, url(&format!("/things/{id}")), reqwest::Method::GET, None, None).await;
        assert_eq!(status, 200, "{read}");
        // Same values, same keys in the same order.
        assert_eq!(serde_json::to_string(&read).unwrap(), serde_json::to_string(listed).unwrap(), "by id vs list");
        assert_eq!(serde_json::to_string(&read).unwrap(), serde_json::to_string(row).unwrap(), "by id vs the write");
    }
    // What went in comes out, typed.
    let third = &written[2];
    assert_eq!(third["label"], samples()[2]["label"]);
    assert_eq!(third["count"], i64::MAX);
    assert_eq!(third["ratio"], -1.5e-300);
    assert_eq!(third["done"], true);
    assert_eq!(third["due"], "1999-12-31T21:59:59.123456Z");
    assert_eq!(third["meta"], samples()[2]["meta"]);
    assert_eq!(written[3]["count"], i64::MIN);
    assert_eq!(written[3]["parent"], 1);
    assert_eq!(written[5]["meta"], 42);
    assert_eq!(written[0]["label"], Value::Null);
    assert_eq!(written[0]["attachment"], Value::Null);
    let (status, missing) = call(&http, url("/things/999999"), reqwest::Method::GET, None, None).await;
    assert_eq!((status, missing["error"]["code"].as_str()), (404, Some("NOT_FOUND")));

    // On an owned table, an owner-only get finds the caller's own rows only.
    let signup = |email: &'static str| {
        let (http, url) = (http.clone(), url("/auth/signup"));
        async move {
            let body = json!({ "email": email, "password": "a long enough password" });
            let (status, answer) = call(&http, url, reqwest::Method::POST, None, Some(&body)).await;
            assert_eq!(status, 201, "{answer}");
            answer["token"].as_str().expect("token").to_owned()
        }
    };
    let (alice, bob) = (signup("alice@example.com").await, signup("bob@example.com").await);
    let note = json!({ "label": "alice's", "meta": { "a": [1] }, "due": "2026-05-06T07:08:09Z" });
    let (status, mine) = call(&http, url("/notes"), reqwest::Method::POST, Some(&alice), Some(&note)).await;
    assert_eq!(status, 201, "{mine}");
    let path = url(&format!("/notes/{}", mine["id"]));
    let (status, read) = call(&http, path.clone(), reqwest::Method::GET, Some(&alice), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(serde_json::to_string(&read).unwrap(), serde_json::to_string(&mine).unwrap());
    let (status, _) = call(&http, path.clone(), reqwest::Method::GET, Some(&bob), None).await;
    assert_eq!(status, 404, "another user's row stays hidden");
    let (status, _) = call(&http, path, reqwest::Method::GET, None, None).await;
    assert_eq!(status, 401);
}
