//! The environment's own settings applied by the data plane, live: limits,
//! CORS origins and variables.

use serde_json::json;

use crate::blog::{Blog, blog};

const UPDATE: &str = "mutation($input: UpdateEnvironmentInput!) { updateEnvironment(slug: \"test\", input: $input) { slug } }";

#[tokio::test]
async fn rate_and_body_limits_answer_429_and_413() {
    let blog_app = Blog::start().await;
    let (token, _) = blog_app.user("l@example.com").await;
    blog_app.owner.run(UPDATE, json!({ "input": { "limits": { "maxBodyBytes": 200 } } })).await.data();
    let big = json!({ "title": "x".repeat(150), "body": "y".repeat(150) });
    let (status, body) = blog_app.call("POST", "/posts", Some(&token), Some(big)).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (413, Some("PAYLOAD_TOO_LARGE")));

    blog_app.owner.run(UPDATE, json!({ "input": { "limits": { "requestsPerSecond": 1 } } })).await.data();
    // Back to back, one of five is over a rate of one a second, however slow the machine.
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(blog_app.call("GET", "/posts", None, None).await);
    }
    let refused = answers.iter().find(|(status, _)| status.as_u16() == 429).map(|(_, body)| body.clone());
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| status.as_u16()).collect();
    let refused = refused.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    assert_eq!(refused["error"]["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn slow_requests_answer_504() {
    let blog_app = Blog::start().await;
    let mut doc = blog();
    // Scripts are bounded by operations, not time: many long scripts within
    // their budget make a request that outlasts the 100 ms timeout.
    for _ in 0..60 {
        doc["routers"][0]["steps"].as_array_mut().unwrap().insert(0, json!({ "script": { "code": "let n = 0; while n < 50000 { n += 1; } n" } }));
    }
    blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog_app.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    blog_app.owner.run(UPDATE, json!({ "input": { "limits": { "requestTimeoutMs": 100 } } })).await.data();
    let (status, body) = blog_app.call("GET", "/posts", None, None).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (504, Some("TIMEOUT")));
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let blog_app = Blog::start().await;
    let preflight = |origin: &'static str| {
        blog_app
            .http
            .request(reqwest::Method::OPTIONS, blog_app.url("/posts"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    assert_eq!(preflight("https://app.example.com").await.unwrap().status(), 403, "no origins by default");
    let bad = blog_app.owner.run(UPDATE, json!({ "input": { "corsOrigins": ["app.example.com"] } })).await;
    assert_eq!(bad.body["errors"][0]["extensions"]["field"], "corsOrigins");
    blog_app.owner.run(UPDATE, json!({ "input": { "corsOrigins": ["https://app.example.com"] } })).await.data();
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(allowed.status(), 204);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example.com");
    assert!(allowed.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert_eq!(preflight("https://evil.example").await.unwrap().status(), 403);
    let get = blog_app.http.get(blog_app.url("/posts")).header("origin", "https://app.example.com").send().await.unwrap();
    assert_eq!(get.headers()["access-control-allow-origin"], "https://app.example.com");
    let other = blog_app.http.get(blog_app.url("/posts")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn routers_read_the_environments_variables() {
    let blog_app = Blog::start().await;
    let mut doc = blog();
    doc["routers"].as_array_mut().unwrap().push(json!({
        "name": "hello", "method": "GET", "path": "/hello", "access": { "allow": "public" },
        "steps": [
            { "check": { "condition": "env.OPEN ?? false", "status": 403, "message": "closed today" } },
            { "respond": { "body": { "greeting": "${env.GREETING ?? 'hi'}, ${request.query.name ?? 'you'}" } } }
        ]
    }));
    blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog_app.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let (status, body) = blog_app.call("GET", "/hello", None, None).await;
    assert_eq!((status.as_u16(), body["error"]["message"].as_str()), (403, Some("closed today")));
    blog_app.owner.run(UPDATE, json!({ "input": { "variables": { "OPEN": true, "GREETING": "Hello" } } })).await.data();
    let (status, body) = blog_app.call("GET", "/hello?name=Ann", None, None).await;
    assert_eq!((status.as_u16(), body), (200, json!({ "greeting": "Hello, Ann" })));

    // Headers are in scope too (lowercased); credentials are not.
    let mut doc = doc.clone();
    doc["routers"][8]["steps"][1]["respond"]["body"] =
        json!({ "client": "${request.headers['x-client'] ?? 'none'}", "auth": "${request.headers.authorization ?? 'hidden'}" });
    blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog_app.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let response = blog_app.http.get(blog_app.url("/hello")).header("X-Client", "cli/1.0").bearer_auth("ut_whatever").send().await.unwrap();
    assert_eq!(response.status(), 401, "a bad token is refused even on public routes");
    let response = blog_app.http.get(blog_app.url("/hello")).header("X-Client", "cli/1.0").send().await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "client": "cli/1.0", "auth": "hidden" }));
}
