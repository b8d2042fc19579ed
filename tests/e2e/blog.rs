//! The blog example end to end: imported, refreshed into the test server and
//! used over HTTP by end users, as a client app would.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::common::{Gql, TestServer};

pub fn blog() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blog.json")).expect("examples/blog.json");
    serde_json::from_str(&text).expect("blog.json is JSON")
}

pub struct Blog {
    pub server: TestServer,
    pub owner: Gql,
    pub http: Client,
}

impl Blog {
    pub async fn start() -> Self {
        Self::start_on(TestServer::start().await).await
    }

    /// The blog, imported and refreshed into `test`, on a server started by the caller.
    pub async fn start_on(server: TestServer) -> Self {
        Self::start_with_document(server, blog()).await
    }

    /// A variant of the blog (its eight routers), imported and refreshed into `test`.
    pub async fn start_with_document(server: TestServer, document: Value) -> Self {
        let owner = server.owner().await;
        owner.run("mutation($doc: JSON!) { importWorkspace(document: $doc) { revision } }", json!({ "doc": document })).await.data();
        let refreshed = owner
            .run("mutation { refresh(environment: \"test\", runTests: false) { revision routersServed changes { kind description destructive } } }", json!({}))
            .await
            .data();
        assert_eq!(refreshed["refresh"]["routersServed"], 8);
        // Generous limits: these tests are about behaviour, not throttling.
        owner
            .run(
                "mutation { updateEnvironment(slug: \"test\", input: { limits: { requestsPerSecond: 100000, maxConcurrentRequests: 1000 } }) { slug } }",
                json!({}),
            )
            .await
            .data();
        Self { server, owner, http: Client::builder().timeout(crate::common::REQUEST_TIMEOUT).build().expect("client") }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(&format!("/env/test{path}"))
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    /// Signs up an end user; returns (token, id).
    pub async fn user(&self, email: &str) -> (String, i64) {
        let (status, body) = self.call("POST", "/auth/signup", None, Some(json!({ "email": email, "password": "end user password" }))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (body["token"].as_str().unwrap().to_owned(), body["user"]["id"].as_i64().unwrap())
    }

    pub async fn make_editor(&self, id: i64) {
        self.owner
            .run("mutation($id: ID!) { setUserGroups(environment: \"test\", userId: $id, groups: [\"editors\"]) { groups } }", json!({ "id": id.to_string() }))
            .await
            .data();
    }
}

#[tokio::test]
async fn refresh_reports_the_migration_it_ran() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let empty = owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await;
    assert_eq!(empty.code(), "BAD_USER_INPUT");
    owner.run("mutation($doc: JSON!) { importWorkspace(document: $doc) { revision } }", json!({ "doc": blog() })).await.data();
    let plan = owner.run("{ migrationPlan(environment: \"test\") { kind destructive } }", json!({})).await.data();
    let kinds: Vec<&str> = plan["migrationPlan"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "createTable").count(), 2, "{kinds:?}");
    let done = owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision routersServed changes { kind } } }", json!({})).await.data();
    assert_eq!(done["refresh"]["revision"], 1);
    // Nothing left to do the second time.
    let again = owner.run("mutation { refresh(environment: \"test\", runTests: false) { changes { kind } } }", json!({})).await.data();
    assert_eq!(again["refresh"]["changes"], json!([]));
    let production = owner.run("mutation { refresh(environment: \"production\", runTests: false) { revision } }", json!({})).await;
    assert_eq!(production.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn end_users_sign_up_in_and_out() {
    let blog = Blog::start().await;
    let (token, id) = blog.user("Reader@Example.com").await;
    let (status, me) = blog.call("GET", "/auth/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me, json!({ "id": id, "email": "reader@example.com", "groups": [] }));
    let (status, body) = blog.call("POST", "/auth/signup", None, Some(json!({ "email": "reader@example.com", "password": "end user password" }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("CONFLICT")));
    let (status, _) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "reader@example.com", "password": "nope nope nope" }))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, login) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "reader@example.com", "password": "end user password" }))).await;
    assert_eq!(status, StatusCode::OK);
    let second = login["token"].as_str().unwrap().to_owned();
    let (status, _) = blog.call("POST", "/auth/logout", Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(blog.call("GET", "/auth/me", Some(&token), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(blog.call("GET", "/auth/me", Some(&second), None).await.0, StatusCode::OK, "other sessions live on");
}

#[tokio::test]
async fn posts_follow_the_access_matrix() {
    let blog = Blog::start().await;
    let (alice, alice_id) = blog.user("alice@example.com").await;
    let (bob, _) = blog.user("bob@example.com").await;
    let (editor, editor_id) = blog.user("editor@example.com").await;
    blog.make_editor(editor_id).await;

    let draft = json!({ "title": "Hello", "body": "First post" });
    assert_eq!(blog.call("POST", "/posts", None, Some(draft.clone())).await.0, StatusCode::UNAUTHORIZED);
    let (status, post) = blog.call("POST", "/posts", Some(&alice), Some(draft)).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert_eq!((post["owner"].as_i64(), post["published"].as_bool()), (Some(alice_id), Some(false)));
    let id = post["id"].as_i64().unwrap();

    // Drafts are neither listed nor readable by id, except by their author.
    let (_, list) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(blog.call("GET", &format!("/posts/{id}"), None, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(blog.call("GET", &format!("/posts/{id}"), Some(&bob), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(blog.call("GET", &format!("/posts/{id}"), Some(&alice), None).await.0, StatusCode::OK);

    // Only the owner edits.
    let (status, _) = blog.call("PATCH", &format!("/posts/{id}"), Some(&bob), Some(json!({ "published": true }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, edited) = blog.call("PATCH", &format!("/posts/{id}"), Some(&alice), Some(json!({ "published": true }))).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!((edited["published"].as_bool(), edited["title"].as_str()), (Some(true), Some("Hello")));
    let (_, list) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(list["items"][0]["id"], id);

    // Only editors delete, and see statistics.
    assert_eq!(blog.call("DELETE", &format!("/posts/{id}"), Some(&alice), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(blog.call("GET", "/stats", Some(&alice), None).await.0, StatusCode::FORBIDDEN);
    let (status, _) = blog.call("POST", &format!("/posts/{id}/comments"), Some(&bob), Some(json!({ "body": "Nice" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, stats) = blog.call("GET", "/stats", Some(&editor), None).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats, json!({ "posts": 1, "comments": 1, "commentsPerPost": { id.to_string(): 1 } }));
    let (status, _) = blog.call("DELETE", &format!("/posts/{id}"), Some(&editor), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(blog.call("GET", &format!("/posts/{id}"), None, None).await.0, StatusCode::NOT_FOUND);
    // Its comments went with it (cascade).
    let (_, comments) = blog.call("GET", &format!("/posts/{id}/comments"), None, None).await;
    assert_eq!(comments["items"], json!([]));
}

#[tokio::test]
async fn comments_need_an_existing_post() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("c@example.com").await;
    let (status, body) = blog.call("POST", "/posts/424242/comments", Some(&token), Some(json!({ "body": "hi" }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
    let (status, body) = blog.call("GET", "/posts/424242", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
}

#[tokio::test]
async fn invalid_input_is_400_with_the_failing_field() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("v@example.com").await;
    for (body, field) in [
        (json!({}), "body"),
        (json!({ "title": "" }), "body/title"),
        (json!({ "title": "x".repeat(201) }), "body/title"),
        (json!({ "title": "ok", "extra": 1 }), "body"),
        (json!({ "title": 5 }), "body/title"),
    ] {
        let (status, error) = blog.call("POST", "/posts", Some(&token), Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error["error"]["code"], "INVALID_INPUT");
        assert!(error["error"]["details"][0]["field"].as_str().unwrap().starts_with(field), "{error}");
    }
    for query in ["?limit=0", "?limit=101", "?limit=ten", "?colour=red"] {
        let (status, _) = blog.call("GET", &format!("/posts{query}"), None, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
    }
    let (status, _) = blog.call("GET", "/posts/abc", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let broken = blog.http.post(blog.url("/posts")).bearer_auth(&token).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let form = blog.http.post(blog.url("/posts")).bearer_auth(&token).header("content-type", "text/plain").body("title=x").send().await.unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(blog.call("GET", "/auth/me", Some("ut_forged"), None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let blog = Blog::start().await;
    let (status, body) = blog.call("GET", "/nothing/here", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
    let response = blog.http.put(blog.url("/posts")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let (status, _) = blog.call("GET", "/x", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = blog.http.get(blog.server.url("/env/nowhere/posts")).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    // An environment with nothing refreshed yet says so.
    let idle = blog.http.get(blog.server.url("/env/production/posts")).send().await.unwrap();
    assert_eq!(idle.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn injection_attempts_are_plain_data() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("i@example.com").await;
    let nasty = "'); DROP TABLE posts; --";
    let (status, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": nasty, "body": "\" OR 1=1 --", "published": true }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = post["id"].as_i64().unwrap();
    let (_, read) = blog.call("GET", &format!("/posts/{id}"), None, None).await;
    assert_eq!(read["title"], nasty);
    for path in [format!("/posts/{id}%20OR%201=1"), "/posts/1;DROP%20TABLE%20posts".into(), "/posts?after=%27%20OR%201=1".into()] {
        let (status, _) = blog.call("GET", &path, None, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    let (_, list) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "the table is still there");
}

#[tokio::test]
async fn posts_page_by_cursor_newest_first() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("p@example.com").await;
    for n in 0..25 {
        let (status, _) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": format!("post {n}"), "published": n % 5 != 0 }))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, first) = blog.call("GET", "/posts?limit=8", None, None).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 8);
    assert_eq!(first["items"][0]["title"], "post 24");
    let mut seen: Vec<String> = first["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect();
    let mut cursor = first["nextCursor"].as_str().map(str::to_owned);
    while let Some(after) = cursor {
        let (status, page) = blog.call("GET", &format!("/posts?limit=8&after={after}"), None, None).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()));
        cursor = page["nextCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 20, "every published post once: {seen:?}");
    let (_, default) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(default["items"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn end_user_sign_ins_are_throttled_per_email() {
    let blog = Blog::start().await;
    blog.user("t@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "t@example.com", "password": "wrong password!" }))).await;
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses[0], 401);
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    // Someone else is not held back.
    let (status, _) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "other@example.com", "password": "wrong password!" }))).await;
    assert_eq!(status, 401);
}

/// Writes must let SQLite checkpoint its write-ahead log: a `RETURNING` write
/// that is not stepped to the end never triggers the automatic checkpoint and
/// the log grows by every insert (seen in the benchmark: 874 MB).
#[tokio::test]
async fn the_sqlite_write_ahead_log_stays_bounded_under_writes() {
    if std::env::var("SERVERKIT_TEST_DATABASE_URL").is_ok() {
        return;
    }
    let blog = Blog::start().await;
    let (token, _) = blog.user("wal@example.com").await;
    let body = "x".repeat(2000);
    for n in 0..600 {
        let (status, _) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": format!("p{n}"), "body": body }))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let wal = std::fs::metadata(blog.server.data_dir().join("envs/test.db-wal")).map(|m| m.len()).unwrap_or(0);
    // The automatic checkpoint runs every 1000 pages (4 MB); without it 600
    // inserts of 2 KB leave well over that.
    assert!(wal < 6 * 1024 * 1024, "the WAL grew to {} bytes", wal);
}
