//! Request logs: every answer recorded (refused and timed-out ones too),
//! secrets never stored, bodies cut, retention by count and age, drops
//! counted, filters and paging, and the capability that gates it all.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    blog::{Blog, blog as blog_document},
    common::{Options, TestServer, joined, until},
};

pub const LOGS: &str = "query($e: String!, $f: RequestLogFilter, $first: Int, $after: String) {
    requestLogs(environment: $e, filter: $f, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id router route method path query status durationMs requestBytes responseBytes userId userEmail truncated }
    } }";

/// The newest records of `test` matching `filter`, once at least `count` are
/// stored (the writer stores in batches moments apart); fails the test if
/// they are not within 10 s.
pub async fn logged(blog: &Blog, filter: Value, count: usize) -> Vec<Value> {
    until(&format!("{count} records matching {filter} stored"), Duration::from_secs(10), || async {
        let data = blog.owner.run(LOGS, json!({ "e": "test", "f": filter, "first": 200 })).await.data();
        let nodes = data["requestLogs"]["nodes"].as_array().unwrap().clone();
        match nodes.len() >= count {
            true => Ok(nodes),
            false => Err(nodes),
        }
    })
    .await
}

const UPDATE: &str = "mutation($s: String!, $input: UpdateEnvironmentInput!) { updateEnvironment(slug: $s, input: $input) { slug } }";

#[tokio::test]
async fn every_answer_is_recorded_with_its_router_and_request_id() {
    let blog = Blog::start().await;
    let (token, user_id) = blog.user("writer@example.com").await;
    let ok = blog.http.get(blog.url("/posts?limit=5")).send().await.unwrap();
    let request_id = ok.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(blog.call("GET", "/nope", None, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(blog.call("DELETE", "/posts", None, None).await.0, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(blog.call("POST", "/posts", None, Some(json!({ "title": "x" }))).await.0, StatusCode::UNAUTHORIZED);
    let (status, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "logged", "published": true }))).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "limits": { "maxBodyBytes": 64 } } })).await.data();
    let big = json!({ "title": "x".repeat(100) });
    assert_eq!(blog.call("POST", "/posts", Some(&token), Some(big)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "limits": { "requestsPerSecond": 1 } } })).await.data();
    let mut limited = false;
    for _ in 0..5 {
        limited |= blog.call("GET", "/posts", None, None).await.0 == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited);

    let records = logged(&blog, json!({}), 11).await;
    let find = |status: u64| records.iter().find(|r| r["status"] == status).unwrap_or_else(|| panic!("no {status} in {records:#?}"));
    let listed = records.iter().find(|r| r["id"] == request_id).expect("the x-request-id names the record");
    assert_eq!((listed["router"].as_str(), listed["route"].as_str(), listed["query"].as_str()), (Some("listPosts"), Some("/posts"), Some("limit=5")));
    assert_eq!(find(404)["router"], Value::Null);
    assert_eq!(find(405)["path"], "/posts");
    assert_eq!(find(401)["router"], "createPost");
    let created = find(201);
    assert_eq!((created["userId"].as_str(), created["userEmail"].as_str()), (Some(user_id.to_string().as_str()), Some("writer@example.com")));
    assert!(created["requestBytes"].as_i64().unwrap() > 10 && created["responseBytes"].as_i64().unwrap() > 10, "{created}");
    assert_eq!(find(413)["router"], "createPost");
    assert_eq!(find(429)["router"], "listPosts");
    let signup = records.iter().find(|r| r["path"] == "/auth/signup").expect("the sign-up");
    assert_eq!((signup["route"].as_str(), signup["status"].as_u64()), (Some("/auth/signup"), Some(201)));
    assert!(records.iter().all(|r| r["durationMs"].as_f64().unwrap() >= 0.0));
}

#[tokio::test]
async fn a_timed_out_request_is_recorded_with_the_steps_that_ran() {
    let blog = Blog::start().await;
    let mut doc = blog_document();
    for _ in 0..60 {
        doc["routers"][0]["steps"].as_array_mut().unwrap().insert(0, json!({ "script": { "code": "let n = 0; while n < 50000 { n += 1; } n" } }));
    }
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "limits": { "requestTimeoutMs": 100 } } })).await.data();
    let response = blog.http.get(blog.url("/posts")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    logged(&blog, json!({ "status": 504 }), 1).await;
    let record = blog
        .owner
        .run("query($id: ID!) { requestLog(environment: \"test\", id: $id) { status router trace { index kind durationMs } } }", json!({ "id": id }))
        .await
        .data();
    assert_eq!((record["requestLog"]["status"].as_u64(), record["requestLog"]["router"].as_str()), (Some(504), Some("listPosts")));
    let trace = record["requestLog"]["trace"].as_array().unwrap();
    assert!(!trace.is_empty() && trace.len() < 61, "the steps that finished before the timeout: {}", trace.len());
    assert!(trace.iter().all(|s| s["kind"] == "script"));
}

#[tokio::test]
async fn details_carry_headers_bodies_and_the_trace() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("reader@example.com").await;
    let (_, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "traced", "body": "hello", "published": true }))).await;
    let response = blog.http.get(blog.url(&format!("/posts/{}", post["id"]))).header("x-trace-me", "yes").send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    logged(&blog, json!({ "router": "getPost" }), 1).await;
    let query = "query($id: ID!) { requestLog(environment: \"test\", id: $id) {
        requestHeaders responseHeaders requestBody responseBody clientAddress truncated trace { index kind name durationMs rows error } } }";
    let record = blog.owner.run(query, json!({ "id": id })).await.data()["requestLog"].clone();
    assert_eq!(record["requestHeaders"]["x-trace-me"], "yes");
    assert_eq!(record["responseHeaders"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(record["responseBody"].as_str().unwrap()).unwrap();
    assert_eq!(body["title"], "traced");
    assert_eq!(record["clientAddress"], "127.0.0.1");
    let kinds: Vec<&str> = record["trace"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["get", "check", "respond"]);
    assert_eq!((record["trace"][0]["name"].as_str(), record["trace"][0]["rows"].as_i64()), (Some("post"), Some(1)));

    // A failing step names its error.
    let missing = blog.http.get(blog.url("/posts/99999")).send().await.unwrap();
    let id = missing.headers()["x-request-id"].to_str().unwrap().to_owned();
    logged(&blog, json!({ "status": 404, "router": "getPost" }), 1).await;
    let record = blog.owner.run(query, json!({ "id": id })).await.data()["requestLog"].clone();
    assert!(record["trace"][0]["error"].as_str().unwrap().contains("NOT_FOUND"), "{record}");
}

/// Everything stored in the test environment's log, as text: what an attacker
/// with the database file (or table) would read.
async fn raw_log(server: &TestServer) -> String {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let (url, table) = if server.config.is_postgres() {
        (server.config.database_url(), "env_test._sk_request_logs")
    } else {
        (format!("sqlite://{}", server.data_dir().join("envs").join("test.logs.db").display()), "_sk_request_logs")
    };
    let db = Database::connect(&url).await.expect("the log database");
    let backend = db.get_database_backend();
    // Every text column a record can leave anything in.
    let columns =
        "id, router, route, method, path, query, user_email, client_address, detail, request_headers, request_body, response_headers, response_body, trace";
    let rows = db.query_all_raw(Statement::from_string(backend, format!("SELECT {columns} FROM {table}"))).await.expect("read the log");
    let mut text = String::new();
    for row in rows {
        for i in 0..columns.split(", ").count() {
            if let Ok(Some(value)) = row.try_get_by_index::<Option<String>>(i) {
                text.push_str(&value);
                text.push('\n');
            }
        }
    }
    db.close().await.ok();
    text
}

#[tokio::test]
async fn secrets_never_reach_the_log_store() {
    let blog = Blog::start().await;
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "logRedactNames": ["X-Tenant", "ssn"] } })).await.data();
    let (status, signup) = blog.call("POST", "/auth/signup", None, Some(json!({ "email": "s@example.com", "password": "signup-secret-4242" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let signup_token = signup["token"].as_str().unwrap().to_owned();
    let (_, login) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "s@example.com", "password": "signup-secret-4242" }))).await;
    let login_token = login["token"].as_str().unwrap().to_owned();
    let response = blog
        .http
        .post(blog.url("/posts"))
        .bearer_auth(&login_token)
        .header("cookie", "session=cookie-secret-777")
        .header("x-api-key", "apikey-secret-888")
        .header("x-tenant", "tenant-secret-999")
        .header("x-client-secret", "client-secret-111")
        .json(&json!({ "title": "fine", "body": "visible text", "apiKey": "body-key-222", "ssn": "ssn-333", "nested": { "refresh_token": "nested-444" } }))
        .send()
        .await
        .unwrap();
    // The post has no such columns: refused, but logged all the same.
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    logged(&blog, json!({}), 3).await;
    let raw = raw_log(&blog.server).await;
    assert!(raw.contains("visible text"), "the log holds the request body at all");
    for secret in [
        "signup-secret-4242",
        &signup_token,
        &login_token,
        "cookie-secret-777",
        "apikey-secret-888",
        "tenant-secret-999",
        "client-secret-111",
        "body-key-222",
        "ssn-333",
        "nested-444",
    ] {
        assert!(!raw.contains(secret), "`{secret}` reached the log store");
    }
}

#[tokio::test]
async fn bodies_are_cut_at_the_environments_limit() {
    let blog = Blog::start().await;
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "logBodyLimitBytes": 100 } })).await.data();
    let (token, _) = blog.user("long@example.com").await;
    let text = "é".repeat(500);
    let (status, _) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "long", "body": text }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let records = logged(&blog, json!({ "router": "createPost" }), 1).await;
    assert_eq!(records[0]["truncated"], true);
    assert!(records[0]["requestBytes"].as_i64().unwrap() > 1000, "the full size is kept");
    let id = records[0]["id"].as_str().unwrap();
    let detail = blog.owner.run("query($id: ID!) { requestLog(environment: \"test\", id: $id) { requestBody } }", json!({ "id": id })).await.data();
    assert!(detail["requestLog"]["requestBody"].as_str().unwrap().len() <= 100);
}

#[tokio::test]
async fn retention_keeps_the_newest_records_within_count_and_age() {
    let blog = Blog::start().await;
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "logRetentionRecords": 100, "logRetentionDays": 2 } })).await.data();
    let mut newest = String::new();
    for _ in 0..130 {
        let answer = blog.http.get(blog.url("/posts")).send().await.unwrap();
        newest = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
    }
    let env = blog.server.app.environments.get("test").await.ok().unwrap();
    let logs = &blog.server.app.logs;
    let stats = "{ requestLogStats(environment: \"test\") { stored dropped oldest retentionRecords retentionDays } }";
    let newest_logged = || async {
        let first = blog.owner.run(LOGS, json!({ "e": "test", "f": {}, "first": 1 })).await.data()["requestLogs"]["nodes"][0]["id"].clone();
        first.as_str() == Some(newest.as_str())
    };
    let stored = || async { blog.owner.run(stats, json!({})).await.data()["requestLogStats"]["stored"].as_i64() };
    if blog.server.config.is_postgres() {
        // Trimmed between batches every few thousand records: the minute's pass does it here.
        until("the newest record stored", Duration::from_secs(10), || async { if newest_logged().await { Ok(()) } else { Err(()) } }).await;
        assert_eq!(logs.retain(&env, chrono::Utc::now()).await.ok(), Some(30));
    } else {
        // SQLite's writer keeps the count as it stores: the newest 100, the last request's among them.
        until("the log kept to its newest 100 records", Duration::from_secs(10), || async {
            match (newest_logged().await, stored().await) {
                (true, Some(100)) => Ok(()),
                other => Err(other),
            }
        })
        .await;
        assert_eq!(logs.retain(&env, chrono::Utc::now()).await.ok(), Some(0), "nothing left for the minute's pass");
    }
    let after = blog.owner.run(stats, json!({})).await.data()["requestLogStats"].clone();
    assert_eq!((after["stored"].as_i64(), after["retentionRecords"].as_i64(), after["retentionDays"].as_i64()), (Some(100), Some(100), Some(2)));
    assert!(newest_logged().await, "the newest stay");
    // By age: a clock three days on finds them all too old.
    assert_eq!(logs.retain(&env, chrono::Utc::now() + chrono::Duration::days(3)).await.ok(), Some(100));
    assert_eq!(blog.owner.run(stats, json!({})).await.data()["requestLogStats"]["stored"], 0);
}

#[tokio::test]
async fn a_full_queue_drops_records_but_never_requests() {
    let server = TestServer::start_with(Options { request_log_queue: Some(1), ..Options::default() }).await;
    let blog = Blog::start_on(server).await;
    let mut calls = Vec::new();
    for _ in 0..200 {
        let (http, url) = (blog.http.clone(), blog.url("/posts"));
        calls.push(tokio::spawn(async move { http.get(url).send().await.map(|r| r.status()) }));
    }
    for call in calls {
        assert_eq!(joined(call, Duration::from_secs(60), "a request").await.unwrap(), StatusCode::OK, "every request succeeds");
    }
    let stats = blog.owner.run("{ requestLogStats(environment: \"test\") { stored dropped } }", json!({})).await.data();
    let (stored, dropped) = (stats["requestLogStats"]["stored"].as_i64().unwrap(), stats["requestLogStats"]["dropped"].as_i64().unwrap());
    assert!(dropped > 0, "drops are counted: {stats}");
    assert!(stored + dropped <= 201, "{stats}");
}

#[tokio::test]
async fn filters_and_pages_find_what_was_asked() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("filter@example.com").await;
    for i in 0..12 {
        blog.call("POST", "/posts", Some(&token), Some(json!({ "title": format!("p{i}"), "published": true }))).await;
    }
    for _ in 0..5 {
        blog.call("GET", "/posts/424242", None, None).await;
    }
    logged(&blog, json!({}), 18).await;
    let count = |filter: Value| {
        let owner = blog.owner.clone();
        async move { owner.run(LOGS, json!({ "e": "test", "f": filter, "first": 200 })).await.data()["requestLogs"]["nodes"].as_array().unwrap().len() }
    };
    assert_eq!(count(json!({ "router": "createPost" })).await, 12);
    assert_eq!(count(json!({ "statusClass": 4 })).await, 5);
    assert_eq!(count(json!({ "status": 404, "method": "get" })).await, 5);
    assert_eq!(count(json!({ "pathContains": "4242" })).await, 5);
    assert_eq!(count(json!({ "user": "FILTER@" })).await, 13);
    assert_eq!(count(json!({ "since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00Z" })).await, 0);
    let bad = blog.owner.run(LOGS, json!({ "e": "test", "f": { "statusClass": 9 } })).await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");

    // Pages of 5, newest first, each after the last.
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    for pages in 1.. {
        assert!(pages <= 4, "12 records take 3 pages of 5, not more: {seen:?}");
        let page = blog.owner.run(LOGS, json!({ "e": "test", "f": { "router": "createPost" }, "first": 5, "after": after })).await.data();
        let nodes = page["requestLogs"]["nodes"].as_array().unwrap();
        seen.extend(nodes.iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        if page["requestLogs"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["requestLogs"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 12);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, no repeats");
}

#[tokio::test]
async fn where_request_logs_are_off_nothing_is_recorded_or_shown() {
    let blog = Blog::start().await;
    for (field, query) in [
        ("requestLogs", "{ requestLogs(environment: \"production\") { nodes { id } } }"),
        ("requestLogStats", "{ requestLogStats(environment: \"production\") { stored } }"),
        ("routerStats", "{ routerStats(environment: \"production\", window: HOUR) { router } }"),
    ] {
        let answer = blog.owner.run(query, json!({})).await;
        assert_eq!(answer.code(), "FORBIDDEN", "{field}");
        let message = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("off in `production`") && message.contains("capabilities."), "{field}: {message}");
    }
    // The test server with logs and monitoring turned off: nothing recorded…
    let off = json!({ "s": "test", "input": { "capabilities": { "requestLogs": false, "monitoring": false } } });
    blog.owner.run(UPDATE, off).await.data();
    for _ in 0..3 {
        blog.call("GET", "/posts", None, None).await;
    }
    assert_eq!(blog.owner.run("{ requestLogs(environment: \"test\") { nodes { id } } }", json!({})).await.code(), "FORBIDDEN");
    // …and from the moment an owner turns them on, requests are.
    blog.owner.run(UPDATE, json!({ "s": "test", "input": { "capabilities": { "requestLogs": true, "monitoring": true } } })).await.data();
    blog.call("GET", "/posts/1", None, None).await;
    // One writer stores records in the order their requests were answered:
    // once a later request's record is visible, any record of the requests
    // made while logs were off would be too.
    blog.call("GET", "/later", None, None).await;
    logged(&blog, json!({ "pathContains": "/later" }), 1).await;
    let records = logged(&blog, json!({}), 2).await;
    let mut paths: Vec<&str> = records.iter().map(|r| r["path"].as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(paths, ["/later", "/posts/1"], "only the requests after the switch: {records:#?}");
    assert_eq!(records.iter().find(|r| r["path"] == "/posts/1").unwrap()["router"], "getPost");
    let stats = blog.owner.run("{ routerStats(environment: \"test\", window: HOUR) { router requests } }", json!({})).await.data();
    let list = stats["routerStats"].as_array().unwrap();
    assert_eq!(list.iter().find(|r| r["router"] == "listPosts").unwrap()["requests"], 0, "not counted while monitoring was off");
    assert_eq!(list.iter().find(|r| r["router"] == "getPost").unwrap()["requests"], 1);
}
