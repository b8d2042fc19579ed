use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Gql, Socket, TestServer, next_json, next_json_skipping, open_socket, until_first_event};

const FIELDS: &str = "slug name kind baseUrl database storagePrefix limits { maxConcurrentRequests requestsPerSecond maxBodyBytes requestTimeoutMs } capabilities { monitoring requestLogs apiTest databaseManagement userManagement fileManagement }";

#[tokio::test]
async fn test_and_production_exist_from_the_first_start() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let data = owner.run(&format!("{{ environments {{ {FIELDS} }} }}"), json!({})).await.data();
    let envs = data["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    let (test, production) = (&envs[0], &envs[1]);
    assert_eq!((test["slug"].as_str(), test["kind"].as_str()), (Some("test"), Some("TEST")));
    assert_eq!((production["slug"].as_str(), production["kind"].as_str()), (Some("production"), Some("PRODUCTION")));
    assert_eq!(test["baseUrl"], format!("{}/env/test", server.base));
    assert_eq!(test["storagePrefix"], "envs/test");
    // The seed's table: production keeps real users' data private.
    assert_eq!(
        production["capabilities"],
        json!({ "monitoring": false, "requestLogs": false, "apiTest": true, "databaseManagement": false, "userManagement": false, "fileManagement": false })
    );
    assert!(test["capabilities"].as_object().unwrap().values().all(|v| v == true));
    assert!(test["limits"]["requestsPerSecond"].as_i64() < production["limits"]["requestsPerSecond"].as_i64(), "the test server is the limited one");
    let one = owner.run("{ environment(slug: \"production\") { slug } }", json!({})).await.data();
    assert_eq!(one["environment"]["slug"], "production");
    let missing = owner.run("{ environment(slug: \"nope\") { slug } }", json!({})).await;
    assert_eq!(missing.code(), "NOT_FOUND");
}

#[tokio::test]
async fn each_environment_gets_its_own_database() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let data = owner.run("{ environments { slug database } }", json!({})).await.data();
    for env in data["environments"].as_array().unwrap() {
        let slug = env["slug"].as_str().unwrap();
        let database = env["database"].as_str().unwrap();
        if std::env::var("SERVERKIT_TEST_DATABASE_URL").is_ok() {
            assert_eq!(database, format!("PostgreSQL schema env_{slug}"));
        } else {
            assert!(server.data_dir().join("envs").join(format!("{slug}.db")).exists(), "{database}");
        }
    }
}

#[tokio::test]
async fn limits_and_capabilities_are_edited_and_persist() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let update = "mutation($input: UpdateEnvironmentInput!) { updateEnvironment(slug: \"test\", input: $input) { name limits { requestsPerSecond maxBodyBytes } capabilities { requestLogs } } }";
    let input = json!({ "input": { "name": "QA", "limits": { "requestsPerSecond": 42, "maxBodyBytes": 2048 }, "capabilities": { "requestLogs": false } } });
    owner.run(update, input).await.data();
    let server = server.restart().await;
    let owner = server.owner().await;
    let env = owner
        .run(
            "{ environment(slug: \"test\") { name limits { requestsPerSecond maxBodyBytes maxConcurrentRequests } capabilities { requestLogs apiTest } } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(
        env["environment"],
        json!({ "name": "QA", "limits": { "requestsPerSecond": 42, "maxBodyBytes": 2048, "maxConcurrentRequests": 32 }, "capabilities": { "requestLogs": false, "apiTest": true } })
    );
}

#[tokio::test]
async fn bad_limits_name_the_field() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let update = "mutation($input: UpdateEnvironmentInput!) { updateEnvironment(slug: \"test\", input: $input) { slug } }";
    for (limits, field) in [
        (json!({ "requestsPerSecond": 0 }), "limits.requestsPerSecond"),
        (json!({ "maxConcurrentRequests": -3 }), "limits.maxConcurrentRequests"),
        (json!({ "requestTimeoutMs": 10 }), "limits.requestTimeoutMs"),
    ] {
        let answer = owner.run(update, json!({ "input": { "limits": limits } })).await;
        assert_eq!(answer.code(), "BAD_USER_INPUT");
        assert_eq!(answer.body["errors"][0]["extensions"]["field"], field);
    }
    let blank = owner.run(update, json!({ "input": { "name": " " } })).await;
    assert_eq!(blank.body["errors"][0]["extensions"]["field"], "name");
}

#[tokio::test]
async fn owner_creates_and_deletes_environments() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let create = "mutation($input: CreateEnvironmentInput!) { createEnvironment(input: $input) { slug name kind limits { requestsPerSecond } } }";
    let created = owner.run(create, json!({ "input": { "slug": "staging", "limits": { "requestsPerSecond": 500 } } })).await.data();
    assert_eq!(created["createEnvironment"], json!({ "slug": "staging", "name": "Staging", "kind": "TEST", "limits": { "requestsPerSecond": 500 } }));
    let duplicate = owner.run(create, json!({ "input": { "slug": "staging" } })).await;
    assert_eq!(duplicate.code(), "CONFLICT");
    assert_eq!(duplicate.body["errors"][0]["extensions"]["field"], "slug");
    for bad in ["Staging", "x", "-a", "a_b", "drop table;", "a-"] {
        let answer = owner.run(create, json!({ "input": { "slug": bad } })).await;
        assert_eq!(answer.code(), "BAD_USER_INPUT", "{bad}");
    }
    let list = owner.run("{ environments { slug } }", json!({})).await.data();
    assert_eq!(list["environments"].as_array().unwrap().len(), 3);

    owner.run("mutation { deleteEnvironment(slug: \"staging\") }", json!({})).await.data();
    let list = owner.run("{ environments { slug } }", json!({})).await.data();
    assert_eq!(list["environments"].as_array().unwrap().len(), 2);
    if std::env::var("SERVERKIT_TEST_DATABASE_URL").is_err() {
        assert!(!server.data_dir().join("envs/staging.db").exists());
    }
    for builtin in ["production", "test"] {
        let refused = owner.run(&format!("mutation {{ deleteEnvironment(slug: \"{builtin}\") }}"), json!({})).await;
        assert_eq!(refused.code(), "BAD_USER_INPUT", "{builtin}");
    }
}

async fn subscribe(socket: &mut Socket) {
    let start = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { environmentEvents { kind slug environment { name limits { requestsPerSecond } } } }" } });
    socket.send(Message::text(start.to_string())).await.unwrap();
}

/// Waits until the socket's subscription streams: renames `production` until
/// an event arrives (see `until_first_event`). The tests then change `test`
/// and pass over these warm-up events with `not_warm_up`.
async fn until_streaming(socket: &mut Socket, owner: &Gql) {
    let rename = "mutation($name: String!) { updateEnvironment(slug: \"production\", input: { name: $name }) { slug } }";
    until_first_event(socket, |n| async move {
        owner.run(rename, json!({ "name": format!("Warm-up {n}") })).await.data();
    })
    .await;
}

/// The next event that is not one of `until_streaming`'s.
async fn not_warm_up(socket: &mut Socket) -> Value {
    next_json_skipping(socket, |event| event["payload"]["data"]["environmentEvents"]["slug"] == "production").await
}

#[tokio::test]
async fn environment_changes_stream_to_subscribers() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let token = owner.run("mutation { createApiToken(input: { name: \"ws\", role: VIEWER }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut socket = open_socket(&server, None, json!({ "token": token })).await;
    subscribe(&mut socket).await;
    until_streaming(&mut socket, &owner).await;

    owner.run("mutation { updateEnvironment(slug: \"test\", input: { limits: { requestsPerSecond: 77 } }) { slug } }", json!({})).await.data();
    let event = not_warm_up(&mut socket).await;
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(event["payload"]["data"]["environmentEvents"]["kind"], "UPDATED");
    assert_eq!(event["payload"]["data"]["environmentEvents"]["environment"]["limits"]["requestsPerSecond"], 77);

    owner.run("mutation { createEnvironment(input: { slug: \"qa\" }) { slug } }", json!({})).await.data();
    let created = next_json(&mut socket).await;
    assert_eq!(created["payload"]["data"]["environmentEvents"]["kind"], "CREATED");
    owner.run("mutation { deleteEnvironment(slug: \"qa\") }", json!({})).await.data();
    let deleted = next_json(&mut socket).await;
    assert_eq!(deleted["payload"]["data"]["environmentEvents"], json!({ "kind": "DELETED", "slug": "qa", "environment": null }));
}

#[tokio::test]
async fn subscriptions_need_a_signed_in_admin() {
    let server = TestServer::start().await;
    let mut socket = open_socket(&server, None, json!({})).await;
    subscribe(&mut socket).await;
    let refused = next_json(&mut socket).await;
    // A field error is a `next` carrying errors and no data, then the operation completes.
    assert_eq!(refused["type"], "next", "{refused}");
    assert!(refused["payload"]["data"].is_null(), "{refused}");
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(next_json(&mut socket).await["type"], "complete");
}

#[tokio::test]
async fn a_session_cookie_authenticates_the_socket() {
    let server = TestServer::start().await;
    let login = reqwest::Client::new()
        .post(server.url("/graphql"))
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
            "variables": { "e": crate::common::OWNER_EMAIL, "p": crate::common::OWNER_PASSWORD }
        }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let mut socket = open_socket(&server, Some(&cookie), json!({})).await;
    subscribe(&mut socket).await;
    let owner = server.owner().await;
    until_streaming(&mut socket, &owner).await;
    owner.run("mutation { updateEnvironment(slug: \"test\", input: { name: \"Live\" }) { slug } }", json!({})).await.data();
    let event = not_warm_up(&mut socket).await;
    assert_eq!(event["payload"]["data"]["environmentEvents"]["environment"]["name"], "Live");
}

/// Waits for the server to close the socket; fails after `within`.
async fn closed_within(socket: &mut Socket, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => panic!("the socket was still open after {within:?}"),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

#[tokio::test]
async fn subscriptions_end_when_the_sign_in_ends() {
    let server = TestServer::start().await;
    let owner = server.owner().await;

    // A cookie session, then a logout with that cookie.
    let http = reqwest::Client::new();
    let login = http
        .post(server.url("/graphql"))
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
            "variables": { "e": crate::common::OWNER_EMAIL, "p": crate::common::OWNER_PASSWORD }
        }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let mut by_cookie = open_socket(&server, Some(&cookie), json!({})).await;
    subscribe(&mut by_cookie).await;

    // An API token, then its revocation.
    let created = owner.run("mutation { createApiToken(input: { name: \"ws\", role: VIEWER }) { token apiToken { id } } }", json!({})).await.data();
    let token = created["createApiToken"]["token"].as_str().unwrap().to_owned();
    let mut by_token = open_socket(&server, None, json!({ "token": token })).await;
    subscribe(&mut by_token).await;
    until_streaming(&mut by_cookie, &owner).await;
    until_streaming(&mut by_token, &owner).await;

    // Both stream while signed in.
    owner.run("mutation { updateEnvironment(slug: \"test\", input: { name: \"Before\" }) { slug } }", json!({})).await.data();
    assert_eq!(not_warm_up(&mut by_cookie).await["payload"]["data"]["environmentEvents"]["environment"]["name"], "Before");
    assert_eq!(not_warm_up(&mut by_token).await["payload"]["data"]["environmentEvents"]["environment"]["name"], "Before");

    let logout = http.post(server.url("/graphql")).header("cookie", &cookie).json(&json!({ "query": "mutation { logout }" })).send().await.unwrap();
    assert_eq!(logout.json::<Value>().await.unwrap()["data"]["logout"], true);
    owner.run("mutation($id: ID!) { revokeApiToken(id: $id) }", json!({ "id": created["createApiToken"]["apiToken"]["id"] })).await.data();
    closed_within(&mut by_cookie, Duration::from_secs(10)).await;
    closed_within(&mut by_token, Duration::from_secs(10)).await;
}
