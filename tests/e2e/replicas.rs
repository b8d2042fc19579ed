//! Two replicas on one PostgreSQL database: what changes through one is
//! served by the other (LISTEN/NOTIFY). SQLite is one process, so these run
//! on PostgreSQL only (CI runs the suite on both).

use std::time::Duration;

use futures_util::SinkExt;
use reqwest::Client;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{blog::Blog, common::TestServer};

fn on_postgres() -> bool {
    let yes = std::env::var("SERVERKIT_TEST_DATABASE_URL").is_ok();
    if !yes {
        eprintln!("replicas: skipped on SQLite (one process); run with SERVERKIT_TEST_DATABASE_URL");
    }
    yes
}

/// Retries `check` until it holds, for up to 20 s: on a loaded 2-core
/// machine the other replica's compile waits its turn on the bounded compile
/// pool, which every server of this test process shares.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within 20 s: {what}");
}

async fn status(http: &Client, url: String, token: Option<&str>) -> u16 {
    let mut request = http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

#[tokio::test]
async fn what_changes_through_one_replica_is_served_by_the_other() {
    if !on_postgres() {
        return;
    }
    let first = TestServer::start().await;
    let second = first.replica().await;
    let other = |path: &str| second.url(&format!("/env/test{path}"));
    let http = Client::new();
    assert_eq!(status(&http, other("/posts"), None).await, 503, "nothing refreshed yet");

    // A refresh through the first replica is served by the second.
    let blog = Blog::start_on(first).await;
    let (token, user_id) = blog.user("both@example.com").await;
    let (_, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "everywhere", "published": true }))).await;
    eventually("the second replica serves the refreshed routers", || async {
        let response = http.get(other(&format!("/posts/{}", post["id"]))).send().await;
        match response {
            Ok(r) if r.status() == 200 => r.json::<Value>().await.is_ok_and(|body| body == post),
            _ => false,
        }
    })
    .await;

    // Settings edited through the first apply on the second.
    blog.owner.run("mutation { updateEnvironment(slug: \"test\", input: { corsOrigins: [\"https://app.example\"] }) { slug } }", json!({})).await.data();
    eventually("the second replica allows the new origin", || async {
        let response = http.get(other("/posts")).header("origin", "https://app.example").send().await;
        response.is_ok_and(|r| r.headers().get("access-control-allow-origin").is_some_and(|v| v == "https://app.example"))
    })
    .await;

    // An end user disabled through the first is refused by the second, though
    // the second had their token cached.
    assert_eq!(status(&http, other("/auth/me"), Some(&token)).await, 200);
    blog.owner.run("mutation($id: ID!) { disableUser(environment: \"test\", userId: $id) { disabled } }", json!({ "id": user_id.to_string() })).await.data();
    eventually("the second replica refuses the disabled user", || async { status(&http, other("/auth/me"), Some(&token)).await == 401 }).await;

    // A token signed out through the first stops working on the second.
    let (other_token, _) = blog.user("leaves@example.com").await;
    assert_eq!(status(&http, other("/auth/me"), Some(&other_token)).await, 200);
    assert_eq!(blog.call("POST", "/auth/logout", Some(&other_token), None).await.0.as_u16(), 204);
    eventually("the second replica forgets the signed-out token", || async { status(&http, other("/auth/me"), Some(&other_token)).await == 401 }).await;

    // Admins connected to the second replica see what happens through the first, live.
    let token =
        blog.owner.run("mutation { createApiToken(input: { name: \"ws\", role: VIEWER }) { token } }", json!({})).await.data()["createApiToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut socket = crate::common::open_socket(&second, None, json!({ "token": token })).await;
    for (id, query) in [
        ("workspace", "subscription { workspaceChanges { revision authorEmail } }"),
        ("refresh", "subscription { refreshEvents { environment ok revision } }"),
        ("environment", "subscription { environmentEvents { kind slug environment { name } } }"),
    ] {
        let start = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
        socket.send(Message::text(start.to_string())).await.unwrap();
    }
    // Warm-up rounds until all three stream: a new group revision, refreshed
    // into `test`, and `production` renamed.
    let owner = &blog.owner;
    crate::common::until_each_streams(&mut socket, &["workspace", "refresh", "environment"], |n| async move {
        owner.run("mutation($d: String) { putGroup(name: \"warmup\", description: $d) { revision } }", json!({ "d": format!("attempt {n}") })).await.data();
        owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
        let rename = "mutation($name: String!) { updateEnvironment(slug: \"production\", input: { name: $name }) { slug } }";
        owner.run(rename, json!({ "name": format!("Warm-up {n}") })).await.data();
    })
    .await;

    let revision = blog.owner.run("mutation { putGroup(name: \"staff\") { revision } }", json!({})).await.data()["putGroup"]["revision"].clone();
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    blog.owner.run("mutation { updateEnvironment(slug: \"test\", input: { name: \"Shared\" }) { slug } }", json!({})).await.data();
    // Each subscription's warm-up events come before these: pass over them.
    let warm_up = |message: &Value| {
        let data = &message["payload"]["data"];
        let older = |r: &Value| r.as_i64().is_some_and(|r| r < revision.as_i64().unwrap());
        match message["id"].as_str() {
            Some("workspace") => older(&data["workspaceChanges"]["revision"]),
            Some("refresh") => older(&data["refreshEvents"]["revision"]),
            Some("environment") => data["environmentEvents"]["slug"] == "production",
            _ => false,
        }
    };
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 3 {
        let message = crate::common::next_json_skipping(&mut socket, warm_up).await;
        assert_eq!(message["type"], "next", "{message}");
        seen.insert(message["id"].as_str().unwrap().to_owned(), message["payload"]["data"].clone());
    }
    assert_eq!(seen["workspace"]["workspaceChanges"], json!({ "revision": revision, "authorEmail": crate::common::OWNER_EMAIL }));
    assert_eq!(seen["refresh"]["refreshEvents"], json!({ "environment": "test", "ok": true, "revision": revision }));
    assert_eq!(seen["environment"]["environmentEvents"], json!({ "kind": "UPDATED", "slug": "test", "environment": { "name": "Shared" } }));
}

#[tokio::test]
async fn deploys_rollbacks_and_router_settings_through_one_replica_are_served_by_the_other() {
    if !on_postgres() {
        return;
    }
    let first = TestServer::start().await;
    let second = first.replica().await;
    let blog = Blog::start_on(first).await;
    assert_eq!(crate::deploy::tested(&blog.owner, &crate::blog::blog()).await["status"], "PASSED");
    let http = Client::new();
    let other = |path: &str| second.url(&format!("/env/production{path}"));
    assert_eq!(status(&http, other("/posts"), None).await, 503, "nothing deployed yet");

    crate::deploy::deploy(&blog.owner, json!({})).await.data();
    eventually("the other replica serves release 1", || async { status(&http, other("/posts"), None).await == 200 }).await;

    // Router settings: switched off through the first, refused by the second.
    blog.owner
        .run(
            "mutation { setRouterSettings(environment: \"production\", router: \"listPosts\", input: { enabled: false, disabledStatus: 503 }) { enabled } }",
            json!({}),
        )
        .await
        .data();
    eventually("the other replica switched listPosts off", || async { status(&http, other("/posts"), None).await == 503 }).await;
    blog.owner
        .run("mutation { setRouterSettings(environment: \"production\", router: \"listPosts\", input: { enabled: true }) { enabled } }", json!({}))
        .await
        .data();
    eventually("and on again", || async { status(&http, other("/posts"), None).await == 200 }).await;

    // Release 2 adds a router; the rollback to 1 removes it, on both.
    let mut document = crate::blog::blog();
    let mut extra = document["routers"][0].clone();
    extra["name"] = json!("latestPosts");
    extra["path"] = json!("/latest");
    document["routers"].as_array_mut().unwrap().push(extra);
    assert_eq!(crate::deploy::tested(&blog.owner, &document).await["status"], "PASSED");
    crate::deploy::deploy(&blog.owner, json!({})).await.data();
    eventually("the other replica serves release 2", || async { status(&http, other("/latest"), None).await == 200 }).await;
    blog.owner.run("mutation { rollback(environment: \"production\", toRelease: 1) { status } }", json!({})).await.data();
    eventually("the other replica rolled back", || async { status(&http, other("/latest"), None).await == 404 }).await;
    let second_owner = second.owner().await;
    let served = second_owner.run("{ environment(slug: \"production\") { servedRelease { number rollbackOf } } }", json!({})).await.data();
    assert_eq!(served["environment"]["servedRelease"], json!({ "number": 3, "rollbackOf": 1 }));
}
