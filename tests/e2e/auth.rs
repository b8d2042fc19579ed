use serde_json::json;

use crate::common::{OWNER_EMAIL, OWNER_PASSWORD, Options, TestServer};

const VIEWER: &str = "query { viewer { email role } }";

#[tokio::test]
async fn owner_signs_in_and_sees_themself() {
    let server = TestServer::start().await;
    let client = server.client();
    let anonymous = client.run(VIEWER, json!({})).await;
    assert_eq!(anonymous.code(), "UNAUTHENTICATED");

    let login = client.login(OWNER_EMAIL, OWNER_PASSWORD).await.data();
    assert_eq!(login["login"]["role"], "OWNER");
    let viewer = client.run(VIEWER, json!({})).await.data();
    assert_eq!(viewer["viewer"], json!({ "email": OWNER_EMAIL, "role": "OWNER" }));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_refused_alike() {
    let server = TestServer::start().await;
    let client = server.client();
    let wrong = client.login(OWNER_EMAIL, "not the password").await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    let unknown = client.login("nobody@example.com", OWNER_PASSWORD).await;
    assert_eq!(unknown.code(), "UNAUTHENTICATED");
    assert_eq!(wrong.body["errors"][0]["message"], unknown.body["errors"][0]["message"]);
    assert_eq!(client.run(VIEWER, json!({})).await.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn email_is_case_insensitive() {
    let server = TestServer::start().await;
    let client = server.client();
    client.login(&OWNER_EMAIL.to_uppercase(), OWNER_PASSWORD).await.data();
}

#[tokio::test]
async fn failed_logins_are_throttled_per_email() {
    let server = TestServer::start_with(Options { login_attempts_per_minute: 3, ..Options::default() }).await;
    let client = server.client();
    for _ in 0..3 {
        assert_eq!(client.login(OWNER_EMAIL, "guess").await.code(), "UNAUTHENTICATED");
    }
    let throttled = client.login(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(throttled.code(), "RATE_LIMITED");
    assert!(throttled.body["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    // Another account from the same address still gets its own attempts.
    assert_eq!(client.login("someone@example.com", "guess").await.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    // Per address the allowance is four times the per-email one.
    let server = TestServer::start_with(Options { login_attempts_per_minute: 2, ..Options::default() }).await;
    let client = server.client();
    for n in 0..8 {
        let answer = client.login(&format!("user{n}@example.com"), "guess").await;
        assert_eq!(answer.code(), "UNAUTHENTICATED", "attempt {n}");
    }
    assert_eq!(client.login("fresh@example.com", "guess").await.code(), "RATE_LIMITED");
}

/// A failed admin sign-in sent with an `X-Forwarded-For` header.
async fn failed_login_from(server: &TestServer, forwarded_for: &str, n: usize) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({
            "query": "mutation($e: String!) { login(email: $e, password: \"guess\") { id } }",
            "variables": { "e": format!("user{n}@example.com") }
        }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_allowance() {
    let server = TestServer::start_with(Options { login_attempts_per_minute: 2, trusted_proxies: vec!["127.0.0.1"], ..Options::default() }).await;
    for n in 0..8 {
        assert_eq!(failed_login_from(&server, "203.0.113.7", n).await, "UNAUTHENTICATED", "attempt {n}");
    }
    assert_eq!(failed_login_from(&server, "203.0.113.7", 8).await, "RATE_LIMITED");
    // Another client behind the same proxy is not held back by the first one.
    assert_eq!(failed_login_from(&server, "203.0.113.8", 9).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let server = TestServer::start_with(Options { login_attempts_per_minute: 2, ..Options::default() }).await;
    for n in 0..8 {
        assert_eq!(failed_login_from(&server, &format!("203.0.113.{n}"), n).await, "UNAUTHENTICATED", "attempt {n}");
    }
    assert_eq!(failed_login_from(&server, "203.0.113.99", 8).await, "RATE_LIMITED", "a made-up address does not escape the throttle");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let server = TestServer::start().await;
    let client = server.owner().await;
    assert_eq!(client.run("mutation { logout }", json!({})).await.data()["logout"], true);
    assert_eq!(client.run(VIEWER, json!({})).await.code(), "UNAUTHENTICATED");
}

/// Signs in with a fresh client that records the `Set-Cookie` header.
async fn session_cookie(server: &TestServer) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
            "variables": { "e": OWNER_EMAIL, "p": OWNER_PASSWORD }
        }))
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "Secure is off by default: {set_cookie}");
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_cookie_replayed_after_logout_is_refused() {
    let server = TestServer::start().await;
    let cookie = session_cookie(&server).await;
    let with_cookie =
        |query: &'static str| reqwest::Client::new().post(server.url("/graphql")).header("cookie", cookie.clone()).json(&json!({ "query": query })).send();
    let body: serde_json::Value = with_cookie(VIEWER).await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["viewer"]["email"], OWNER_EMAIL);
    let body: serde_json::Value = with_cookie("mutation { logout }").await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["logout"], true);
    let body: serde_json::Value = with_cookie(VIEWER).await.unwrap().json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn session_id_changes_at_login() {
    let server = TestServer::start().await;
    // An anonymous session id planted before login must not become the signed-in one.
    let planted = "serverkit_session=AAAAAAAAAAAAAAAAAAAAAA";
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .header("cookie", planted)
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
            "variables": { "e": OWNER_EMAIL, "p": OWNER_PASSWORD }
        }))
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(!set_cookie.starts_with(planted), "{set_cookie}");
}

#[tokio::test]
async fn session_survives_a_restart() {
    let server = TestServer::start().await;
    let client = server.owner().await;
    let server = server.restart().await;
    // The client keeps its cookie jar; only the port may differ after the restart.
    let client = crate::common::Gql { endpoint: server.url("/graphql"), ..client };
    let viewer = client.run(VIEWER, json!({})).await.data();
    assert_eq!(viewer["viewer"]["email"], OWNER_EMAIL);
}

#[tokio::test]
async fn first_owner_through_the_setup_link() {
    let server = TestServer::start_with(Options { with_owner: false, ..Options::default() }).await;
    let link = server.setup_link.clone().expect("a setup link when no admin exists");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let client = server.client();
    assert_eq!(client.run("{ setupRequired }", json!({})).await.data()["setupRequired"], true);

    let setup = "mutation($t: String!, $e: String!, $p: String!) { setup(token: $t, email: $e, password: $p) { email role } }";
    let wrong = client.run(setup, json!({ "t": "nope", "e": "first@example.com", "p": OWNER_PASSWORD })).await;
    assert_eq!(wrong.code(), "FORBIDDEN");
    let short = client.run(setup, json!({ "t": token, "e": "first@example.com", "p": "short" })).await;
    assert_eq!(short.code(), "BAD_USER_INPUT");
    assert_eq!(short.body["errors"][0]["extensions"]["field"], "password");

    let done = client.run(setup, json!({ "t": token, "e": "first@example.com", "p": OWNER_PASSWORD })).await.data();
    assert_eq!(done["setup"]["role"], "OWNER");
    // Signed in by the setup itself.
    assert_eq!(client.run(VIEWER, json!({})).await.data()["viewer"]["email"], "first@example.com");
    assert_eq!(client.run("{ setupRequired }", json!({})).await.data()["setupRequired"], false);
    // The link works once.
    let again = server.client().run(setup, json!({ "t": token, "e": "second@example.com", "p": OWNER_PASSWORD })).await;
    assert_eq!(again.code(), "FORBIDDEN");
}

#[tokio::test]
async fn change_password_needs_the_current_one() {
    let server = TestServer::start().await;
    let client = server.owner().await;
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let wrong = client.run(change, json!({ "c": "wrong password", "n": "a brand new password" })).await;
    assert_eq!(wrong.code(), "BAD_USER_INPUT");
    assert_eq!(wrong.body["errors"][0]["extensions"]["field"], "currentPassword");
    client.run(change, json!({ "c": OWNER_PASSWORD, "n": "a brand new password" })).await.data();
    assert_eq!(server.client().login(OWNER_EMAIL, OWNER_PASSWORD).await.code(), "UNAUTHENTICATED");
    server.client().login(OWNER_EMAIL, "a brand new password").await.data();
}
