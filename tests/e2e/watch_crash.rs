//! `kill -9` of the real binary with a watch stream open: every change
//! committed (acknowledged) before the kill arrives once, in order, when the
//! client comes back with `Last-Event-ID` to the restarted server. The feed
//! is written in the same transaction as the change, so nothing it
//! acknowledged can be missing from it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    common::PgDatabase,
    deploy_crash::{Server, owner, start},
    watch::{EventStream, watching_blog},
};

async fn post(http: &reqwest::Client, server: &Server, token: &str, title: &str) {
    let response = http
        .post(format!("{}/env/test/posts", server.url))
        .bearer_auth(token)
        .json(&json!({ "title": title, "body": "b", "published": true }))
        .send()
        .await
        .expect("write");
    assert!(response.status().is_success(), "{}", response.status());
}

#[tokio::test]
async fn after_kill_9_a_stream_resumed_with_last_event_id_gets_every_acknowledged_change_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut pg = None;
    if let Ok(admin) = std::env::var("SERVERKIT_TEST_DATABASE_URL") {
        pg = Some(PgDatabase::create(&admin).await);
    }
    let database_url = pg.as_ref().map(|(_, url)| url.clone());
    let mut server = start(dir.path(), database_url.as_deref());
    let client = owner(&server).await;
    client.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": watching_blog() })).await.data();
    client.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let http = reqwest::Client::new();
    let signed: Value = http
        .post(format!("{}/env/test/auth/signup", server.url))
        .json(&json!({ "email": "writer@example.com", "password": "end user password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed["token"].as_str().expect("a token").to_owned();

    let mut stream = EventStream::open_url(&format!("{}/env/test/posts/live", server.url), None, None).await.expect("a stream");
    post(&http, &server, &token, "before").await;
    let seen = stream.next().await;
    assert_eq!(seen.data["title"], "before");
    // Acknowledged, then the server is killed before the client reads them.
    for i in 0..5 {
        post(&http, &server, &token, &format!("acknowledged {i}")).await;
    }
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reaped");
    drop(stream);

    let server = start(dir.path(), database_url.as_deref());
    let url = format!("{}/env/test/posts/live", server.url);
    let mut resumed = crate::common::until("the restarted server serves the watch", Duration::from_secs(30), || async {
        EventStream::open_url(&url, None, Some(&seen.id)).await.map_err(|(status, body)| format!("{status} {body}"))
    })
    .await;
    for i in 0..5 {
        let event = resumed.next().await;
        assert_eq!((event.event.as_str(), &event.data["title"]), ("insert", &json!(format!("acknowledged {i}"))), "in order, none lost");
    }
    assert!(resumed.next_within(Duration::from_millis(300)).await.is_none(), "none twice");
}
