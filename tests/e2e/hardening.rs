//! The holes an outside attack found, each reproduced as it was found and
//! answered in the documented shape: bounded bodies, NUL refused at the edge,
//! malformed requests and URLs answered as JSON, capped filters, checked
//! emails, bounded counts, and the small ones.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    blog::{Blog, blog as blog_document},
    common::{TestServer, open_socket},
};

/// POSTs raw bytes to `/graphql` (no sign-in) and gives status, content type and body.
async fn raw_graphql(server: &TestServer, body: Vec<u8>) -> (StatusCode, String, Value) {
    let response =
        reqwest::Client::new().post(server.url("/graphql")).header(header::CONTENT_TYPE, "application/json").body(body).send().await.expect("POST /graphql");
    let status = response.status();
    let kind = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await.unwrap_or_default();
    (status, kind, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no code in {body}"))
}

#[tokio::test]
async fn admin_bodies_are_bounded_before_they_are_read() {
    let server = TestServer::start().await;
    let limit = server.config.admin_max_body_bytes;
    // Declared too large: refused from the header.
    let mut huge = br#"{"query":"{ __typename }","variables":{"x":""#.to_vec();
    huge.resize(limit + 1024, b'a');
    huge.extend_from_slice(br#""}}"#);
    let (status, kind, body) = raw_graphql(&server, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(kind.starts_with("application/json"), "{kind}");
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");

    // Streamed without a length: refused once the limit is passed, not read to the end.
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!("POST /graphql HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n", server.addr);
    socket.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0usize;
    // The server answers (and stops reading) long before the 64 MiB the client offers.
    while sent < 64 * 1024 * 1024 {
        let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.clone(), b"\r\n".to_vec()].concat();
        if socket.write_all(&frame).await.is_err() {
            break;
        }
        sent += chunk.len();
        if sent > limit + 1024 * 1024 {
            break;
        }
    }
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut answer)).await.expect("an answer").unwrap_or(0);
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("PAYLOAD_TOO_LARGE"), "{text}");

    // A WebSocket message past the limit ends the socket (before anyone reads it).
    let mut ws = open_socket(&server, None, json!({})).await;
    let big = format!(
        r#"{{"id":"1","type":"subscribe","payload":{{"query":"subscription {{ workspaceChanges {{ revision }} }}","variables":{{"x":"{}"}}}}}}"#,
        "a".repeat(limit + 1)
    );
    let _ = ws.send(Message::text(big)).await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert_eq!(ended, Ok(true), "the socket ends");
}

#[tokio::test]
async fn malformed_graphql_bodies_get_the_graphql_error_shape() {
    let server = TestServer::start().await;
    let deep = format!(r#"{{"query":"{{ __typename }}","variables":{{"x":{}1{}}}}}"#, "[".repeat(200), "]".repeat(200));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"query { viewer { email } }".to_vec()),
        ("an array (batch)", br#"[{"query":"{ __typename }"}]"#.to_vec()),
        ("invalid UTF-8", b"{\"query\":\"{ __typename \xff }\"}".to_vec()),
        ("nesting deeper than 128", deep.into_bytes()),
    ];
    for (what, body) in cases {
        let (status, kind, body) = raw_graphql(&server, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert!(kind.starts_with("application/json"), "{what}: {kind}");
        assert_eq!(code(&body), "BAD_REQUEST", "{what}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(!message.contains("InvalidRequest") && !message.contains("UnsupportedBatch"), "{what}: a Rust debug string: {message}");
    }
}

#[tokio::test]
async fn nul_characters_are_refused_at_every_edge() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("writer@example.com").await;
    let cases = [
        ("/auth/login", None, json!({ "email": "a\u{0}@x.com", "password": "whatever password" }), "body.email"),
        ("/auth/signup", None, json!({ "email": "a\u{0}@x.com", "password": "whatever password" }), "body.email"),
        ("/posts", Some(token.as_str()), json!({ "title": "a\u{0}b", "published": true }), "body.title"),
        ("/posts", Some(token.as_str()), json!({ "title": "ok", "tags": ["x", "y\u{0}"] }), "body.tags[1]"),
    ];
    for (path, token, body, field) in cases {
        let (status, answer) = blog.call("POST", path, token, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert_eq!(answer["error"]["code"], "INVALID_INPUT", "{path}: {answer}");
        assert_eq!(answer["error"]["details"][0]["field"], field, "{path}: {answer}");
    }
    let (status, answer) = blog.call("GET", "/posts?after=a%00b", None, None).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_INPUT")), "{answer}");
    assert_eq!(answer["error"]["details"][0]["field"], "query.after");

    // GraphQL: in literals and in variables, signed in or not, named by field.
    let anonymous = blog.server.client();
    let login = anonymous.run(r#"mutation { login(email: "a\u0000b", password: "x") { id } }"#, json!({})).await;
    assert_eq!((login.code(), login.body["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT".into(), Some("login.email")));
    let rows = blog.owner.run(r#"{ rows(environment: "test\u0000", table: "posts") { totalCount } }"#, json!({})).await;
    assert_eq!(rows.code(), "BAD_USER_INPUT");
    let insert = blog
        .owner
        .run("mutation($v: JSON!) { insertRow(environment: \"test\", table: \"posts\", values: $v) { id } }", json!({ "v": { "title": "x\u{0}" } }))
        .await;
    assert_eq!((insert.code(), insert.body["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT".into(), Some("variables.v.title")));
    // Nothing was stored, and ordinary text still is.
    let (_, list) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "fine", "published": true }))).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn urls_that_are_not_utf8_get_a_json_error() {
    let blog = Blog::start().await;
    for path in ["/env/test/posts/%ff", "/env/%ff/posts", "/env/test/%c0%af", "/env/%ff"] {
        let response = blog.http.get(blog.server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let kind = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "INVALID_INPUT", "{path}: {body}");
    }
}

#[tokio::test]
async fn large_in_filters_are_refused_in_words() {
    let blog = Blog::start().await;
    let ids: Vec<i64> = (1..=40_000).collect();
    let answer = blog
        .owner
        .run("query($f: JSON) { rows(environment: \"test\", table: \"posts\", filter: $f) { totalCount } }", json!({ "f": { "id": { "in": ids } } }))
        .await;
    assert_eq!(answer.code(), "BAD_USER_INPUT", "{:#}", answer.body);
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("at most 1000"));
    // A list within the cap works.
    let ids: Vec<i64> = (1..=1000).collect();
    let answer = blog
        .owner
        .run("query($f: JSON) { rows(environment: \"test\", table: \"posts\", filter: $f) { totalCount } }", json!({ "f": { "id": { "in": ids } } }))
        .await
        .data();
    assert_eq!(answer["rows"]["totalCount"], 0);
}

#[tokio::test]
async fn emails_are_validated_and_normalised_alike() {
    let blog = Blog::start().await;
    for bad in ["nobody", "a@", "@x.com", "Ann <ann@example.com>", "a b@example.com"] {
        let (status, body) = blog.call("POST", "/auth/signup", None, Some(json!({ "email": bad, "password": "a long password" }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        let admin = blog
            .owner
            .run(
                "mutation($input: CreateAdminInput!) { createAdmin(input: $input) { id } }",
                json!({ "input": { "email": bad, "password": "a long password", "role": "VIEWER" } }),
            )
            .await;
        assert_eq!(admin.code(), "BAD_USER_INPUT", "{bad}");
    }
    let (status, body) = blog.call("POST", "/auth/signup", None, Some(json!({ "email": "  Ann@Example.COM ", "password": "a long password" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["email"], "ann@example.com");
    let (status, _) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "ANN@example.com", "password": "a long password" }))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn end_user_throttling_says_when_to_retry() {
    let blog = Blog::start().await;
    let mut last = None;
    for _ in 0..30 {
        let response = blog.http.post(blog.url("/auth/login")).json(&json!({ "email": "x@example.com", "password": "wrong password" })).send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            last = Some(response);
            break;
        }
    }
    let response = last.expect("sign-in guesses are throttled");
    let retry: u64 = response.headers().get(header::RETRY_AFTER).expect("a Retry-After header").to_str().unwrap().parse().unwrap();
    assert!((1..=120).contains(&retry), "{retry}");
}

#[tokio::test]
async fn a_missing_header_value_sends_no_header() {
    let blog = Blog::start().await;
    let mut doc = blog_document();
    doc["routers"].as_array_mut().unwrap().push(json!({
        "name": "echo", "method": "GET", "path": "/echo", "access": { "allow": "public" },
        "steps": [{ "respond": { "status": 200, "headers": { "x-next": "${request.query.next}" }, "body": { "ok": true } } }]
    }));
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let without = blog.http.get(blog.url("/echo")).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::OK);
    assert!(without.headers().get("x-next").is_none(), "{:?}", without.headers().get("x-next"));
    let with = blog.http.get(blog.url("/echo?next=abc")).send().await.unwrap();
    assert_eq!(with.headers().get("x-next").and_then(|v| v.to_str().ok()), Some("abc"));
}

#[tokio::test]
async fn list_limits_that_every_request_would_refuse_are_refused_when_saved() {
    let blog = Blog::start().await;
    for limit in [json!(1e9), json!(0), json!(-1), json!("lots")] {
        let mut doc = blog_document();
        doc["routers"][0]["steps"][0]["list"]["limit"] = limit.clone();
        let problems = blog.owner.run("query($d: JSON!) { validateWorkspace(document: $d) { path } }", json!({ "d": doc })).await.data();
        assert_eq!(problems["validateWorkspace"], json!([{ "path": "routers.listPosts.steps[0].list.limit" }]), "{limit}");
    }
}

/// Copies the one post `times` times straight in the environment's database,
/// as a large table would have grown.
async fn grow_posts(blog: &Blog, times: u32) {
    let columns = "title, body, published, created_at, updated_at, owner";
    let postgres = format!("INSERT INTO env_test.posts ({columns}) SELECT {columns} FROM env_test.posts, generate_series(1, {times})");
    let sqlite = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {times}) INSERT INTO posts ({columns}) SELECT {columns} FROM posts, n"
    );
    crate::common::in_test_database(&blog.server, &postgres, &sqlite).await;
}

#[tokio::test]
async fn large_tables_are_counted_within_a_bound() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("many@example.com").await;
    blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "seed", "published": true }))).await;
    let query = "query($f: JSON) { rows(environment: \"test\", table: \"posts\", filter: $f, first: 5) { totalCount totalCountIsEstimate nodes { id } } }";
    let small = blog.owner.run(query, json!({})).await.data();
    assert_eq!((small["rows"]["totalCount"].as_u64(), small["rows"]["totalCountIsEstimate"].as_bool()), (Some(1), Some(false)));

    grow_posts(&blog, 20_000).await;
    let large = blog.owner.run(query, json!({})).await.data();
    assert_eq!(large["rows"]["totalCountIsEstimate"], true, "{large}");
    let total = large["rows"]["totalCount"].as_u64().unwrap();
    assert!((15_000..=25_000).contains(&total), "an estimate near 20,001: {total}");
    assert_eq!(large["rows"]["nodes"].as_array().unwrap().len(), 5);
    // Filtered: estimated from the share of the newest rows that match.
    let filtered = blog.owner.run(query, json!({ "f": { "published": true } })).await.data();
    assert_eq!(filtered["rows"]["totalCountIsEstimate"], true);
    assert!((15_000..=25_000).contains(&filtered["rows"]["totalCount"].as_u64().unwrap()), "{filtered}");
    let none = blog.owner.run(query, json!({ "f": { "published": false } })).await.data();
    assert_eq!((none["rows"]["totalCount"].as_u64(), none["rows"]["totalCountIsEstimate"].as_bool()), (Some(0), Some(false)));
    // Without totalCount the page is still served.
    let page = blog.owner.run("{ rows(environment: \"test\", table: \"posts\", first: 5) { nodes { id } } }", json!({})).await.data();
    assert_eq!(page["rows"]["nodes"].as_array().unwrap().len(), 5);
}
