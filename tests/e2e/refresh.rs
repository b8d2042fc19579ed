//! Refresh: migrations planned and consented to, problems located, and the
//! switch to a new revision without failing requests in flight.

use std::time::Duration;

use serde_json::json;

use crate::blog::{Blog, blog};

const REFRESH: &str = "mutation($allow: Boolean) { refresh(environment: \"test\", allowDestructive: $allow, runTests: false) { revision changes { kind description destructive } } }";

#[tokio::test]
async fn safe_changes_apply_and_destructive_ones_need_consent() {
    let blog_app = Blog::start().await;
    let owner = &blog_app.owner;
    let (token, _) = blog_app.user("m@example.com").await;
    blog_app.call("POST", "/posts", Some(&token), Some(json!({ "title": "kept", "published": true }))).await;

    // Safe: a new column with a default, a new table, an index.
    let mut doc = blog();
    doc["tables"][0]["columns"].as_array_mut().unwrap().push(json!({ "name": "views", "type": "integer", "default": 0 }));
    doc["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text", "unique": true }] }));
    owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    let safe = owner.run(REFRESH, json!({})).await.data();
    let kinds: Vec<&str> = safe["refresh"]["changes"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["addColumn", "createTable", "addIndex"]);
    let (_, list) = blog_app.call("GET", "/posts", None, None).await;
    assert_eq!(list["items"][0]["title"], "kept", "rows survive");

    // Destructive: dropping the body column is refused without consent, and nothing changes.
    doc["tables"][0]["columns"].as_array_mut().unwrap().retain(|c| c["name"] != "body");
    doc["routers"][2]["steps"][0]["insert"]["values"].as_object_mut().unwrap().remove("body");
    doc["routers"][2]["input"]["body"]["properties"].as_object_mut().unwrap().remove("body");
    doc["routers"][3]["input"]["body"]["properties"].as_object_mut().unwrap().remove("body");
    // The fixtures must not name it either (validation knows the columns).
    for post in doc["fixtures"]["rows"]["posts"].as_array_mut().unwrap() {
        post.as_object_mut().unwrap().remove("body");
    }
    owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    let plan = owner.run("{ migrationPlan(environment: \"test\") { kind destructive } }", json!({})).await.data();
    assert_eq!(plan["migrationPlan"], json!([{ "kind": "dropColumn", "destructive": true }]));
    let refused = owner.run(REFRESH, json!({})).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    assert_eq!(refused.body["errors"][0]["extensions"]["problems"][0]["path"], "migration");
    let (_, post) = blog_app.call("GET", "/posts", None, None).await;
    assert!(post["items"][0].get("body").is_some(), "still the old revision");

    let consented = owner.run(REFRESH, json!({ "allow": true })).await.data();
    assert_eq!(consented["refresh"]["changes"][0]["kind"], "dropColumn");
    let (_, post) = blog_app.call("GET", "/posts", None, None).await;
    assert!(post["items"][0].get("body").is_none());
    assert_eq!(post["items"][0]["views"], 0);
}

#[tokio::test]
async fn expression_mistakes_are_located_when_saved() {
    let blog_app = Blog::start().await;
    let mut doc = blog();
    doc["routers"][0]["steps"][0]["list"]["limit"] = json!("${reqest.query.limit}");
    doc["routers"][7]["steps"][3]["script"]["code"] = json!("let x = ;");
    // Saving runs the compile that refresh runs: the document is refused, every mistake located.
    let refused = blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let paths: Vec<&str> = refused.body["errors"][0]["extensions"]["problems"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"routers.listPosts.steps[0].list.limit"), "{paths:?}");
    assert!(paths.contains(&"routers.stats.steps[3].script.code"), "{paths:?}");
    // The environment keeps serving the revision it had.
    assert_eq!(blog_app.call("GET", "/posts", None, None).await.0, 200);
}

#[tokio::test]
async fn refresh_while_requests_are_in_flight_fails_none() {
    let blog_app = Blog::start().await;
    let (token, _) = blog_app.user("busy@example.com").await;
    let (_, post) = blog_app.call("POST", "/posts", Some(&token), Some(json!({ "title": "steady", "published": true }))).await;
    let id = post["id"].as_i64().unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (http, url, stop) = (blog_app.http.clone(), blog_app.url(&format!("/posts/{id}")), stop.clone());
        workers.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0, 0);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match http.get(&url).send().await {
                    Ok(r) if r.status() == 200 => ok += 1,
                    _ => failed += 1,
                }
            }
            (ok, failed)
        }));
    }
    let mut doc = blog();
    for n in 0..5 {
        doc["routers"][1]["description"] = json!(format!("revision {n}"));
        doc["tables"][0]["columns"].as_array_mut().unwrap().push(json!({ "name": format!("extra{n}"), "type": "text" }));
        blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
        blog_app.owner.run(REFRESH, json!({})).await.data();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total_ok = 0;
    for worker in workers {
        let (ok, failed) = crate::common::joined(worker, Duration::from_secs(60), "a worker of the load").await;
        assert_eq!(failed, 0, "a request failed during a refresh");
        total_ok += ok;
    }
    assert!(total_ok > 20, "the load ran ({total_ok} requests)");
}

#[tokio::test]
async fn refresh_events_stream_to_subscribers() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
    let blog_app = Blog::start().await;
    let token = blog_app.owner.run("mutation { createApiToken(input: { name: \"ws\" }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut request = format!("ws://{}/graphql/ws", blog_app.server.addr).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket.send(Message::text(json!({ "type": "connection_init", "payload": { "token": token } }).to_string())).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("an answer to connection_init within 10 s").unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { refreshEvents(environment: \"test\") { environment ok revision routersServed } }" } });
    socket.send(Message::text(subscribe.to_string())).await.unwrap();
    // Refreshing again serves the same revision: every attempt makes the same event.
    let owner = &blog_app.owner;
    let event = crate::common::until_first_event(&mut socket, |_| async move {
        owner.run(REFRESH, json!({})).await.data();
    })
    .await;
    assert_eq!(event["payload"]["data"]["refreshEvents"], json!({ "environment": "test", "ok": true, "revision": 1, "routersServed": 8 }));
}

#[tokio::test]
async fn an_endless_script_is_stopped() {
    let blog_app = Blog::start().await;
    let mut doc = blog();
    doc["routers"][7]["steps"][3]["script"]["code"] = json!("let n = 0; loop { n += 1; }");
    blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog_app.owner.run(REFRESH, json!({})).await.data();
    let (_, id) = blog_app.user("loop@example.com").await;
    blog_app.make_editor(id).await;
    let (token_status, login) = blog_app.call("POST", "/auth/login", None, Some(json!({ "email": "loop@example.com", "password": "end user password" }))).await;
    assert_eq!(token_status, 200);
    let token = login["token"].as_str().unwrap();
    let started = std::time::Instant::now();
    let (status, body) = blog_app.call("GET", "/stats", Some(token), None).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (500, Some("SCRIPT_LIMIT")), "{body}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Memory is capped too: a string that doubles forever hits the size limit.
    doc["routers"][7]["steps"][3]["script"]["code"] = json!("let s = \"x\"; loop { s += s; }");
    blog_app.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog_app.owner.run(REFRESH, json!({})).await.data();
    let (status, body) = blog_app.call("GET", "/stats", Some(token), None).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (500, Some("SCRIPT_LIMIT")), "{body}");
}

#[tokio::test]
async fn saved_changes_are_pending_until_refreshed() {
    let blog_app = Blog::start().await;
    let owner = &blog_app.owner;
    let pending = "{ environment(slug: \"test\") { servedRevision pendingChanges { what name change details } } }";
    let served = owner.run(pending, json!({})).await.data();
    assert_eq!(served["environment"]["pendingChanges"], json!([]), "it serves the current revision");

    let mut doc = blog();
    doc["routers"].as_array_mut().unwrap().retain(|r| r["name"] != "stats");
    doc["routers"][0]["path"] = json!("/articles");
    doc["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text" }] }));
    owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    let ahead = owner.run(pending, json!({})).await.data();
    let said: Vec<String> = ahead["environment"]["pendingChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}", c["what"].as_str().unwrap(), c["name"].as_str().unwrap(), c["change"].as_str().unwrap()))
        .collect();
    assert_eq!(said, ["router listPosts CHANGED", "router stats REMOVED", "table tags ADDED"], "{ahead}");
    let production = owner.run("{ environment(slug: \"production\") { servedRevision pendingChanges { name } } }", json!({})).await.data();
    assert!(production["environment"]["servedRevision"].is_null());
    assert!(production["environment"]["pendingChanges"].as_array().unwrap().len() > 3, "nothing deployed yet: everything is pending");

    owner.run(REFRESH, json!({})).await.data();
    let refreshed = owner.run(pending, json!({})).await.data();
    assert_eq!(refreshed["environment"]["pendingChanges"], json!([]));
}
