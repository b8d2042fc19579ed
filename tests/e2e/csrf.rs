use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn form_encoded_posts_are_refused() {
    let server = TestServer::start().await;
    let client = server.owner().await;
    let response = client
        .http
        .post(server.url("/graphql"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=mutation%20%7B%20logout%20%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // Still signed in: the forged logout did not run.
    client.run("{ viewer { email } }", json!({})).await.data();
}

#[tokio::test]
async fn text_plain_posts_are_refused() {
    let server = TestServer::start().await;
    let client = server.owner().await;
    let response = client
        .http
        .post(server.url("/graphql"))
        .header("content-type", "text/plain")
        .body(json!({ "query": "mutation { logout }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn cross_site_origin_is_refused() {
    let server = TestServer::start().await;
    let client = server.owner().await;
    let post = |origin: String| client.http.post(server.url("/graphql")).header("origin", origin).json(&json!({ "query": "{ viewer { email } }" })).send();
    let evil = post("https://evil.example".into()).await.unwrap();
    assert_eq!(evil.status(), 403);
    let body: serde_json::Value = evil.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // A look-alike port is another origin too.
    let other_port = post(format!("http://127.0.0.1:{}", server.addr.port() + 1)).await.unwrap();
    assert_eq!(other_port.status(), 403);

    let same = post(server.base.clone()).await.unwrap();
    assert_eq!(same.status(), 200);
    let body: serde_json::Value = same.json().await.unwrap();
    assert!(body["data"]["viewer"]["email"].is_string(), "{body}");
}

#[tokio::test]
async fn bearer_tokens_are_not_subject_to_the_cookie_rules() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let token = owner.run("mutation { createApiToken(input: { name: \"ci\" }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(&token)
        .header("origin", "https://ci.example")
        .json(&json!({ "query": "{ viewer { email } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn cross_site_websocket_upgrade_is_refused() {
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};
    let server = TestServer::start().await;
    // On both paths a subscription socket may be opened at.
    for path in ["/graphql/ws", "/graphql"] {
        let mut request = format!("ws://{}{path}", server.addr).into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
        request.headers_mut().insert("origin", HeaderValue::from_static("https://evil.example"));
        let err = tokio_tungstenite::connect_async(request).await.expect_err("refused");
        match err {
            tokio_tungstenite::tungstenite::Error::Http(response) => assert_eq!(response.status(), 403, "{path}"),
            other => panic!("{path}: expected an HTTP refusal, got {other:?}"),
        }
    }
}
