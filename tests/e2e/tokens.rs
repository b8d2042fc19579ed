use serde_json::json;

use crate::common::TestServer;

const CREATE: &str = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id name prefix role } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiToken(id: $id) }";

#[tokio::test]
async fn token_authenticates_scripts_until_revoked() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let created = owner.run(CREATE, json!({ "input": { "name": "deploy script" } })).await.data();
    let token = created["createApiToken"]["token"].as_str().unwrap().to_owned();
    let id = created["createApiToken"]["apiToken"]["id"].clone();
    assert!(token.starts_with(created["createApiToken"]["apiToken"]["prefix"].as_str().unwrap()));
    assert_eq!(created["createApiToken"]["apiToken"]["role"], "OWNER");

    let script = server.client().with_bearer(&token);
    let viewer = script.run("{ viewer { email } }", json!({})).await.data();
    assert_eq!(viewer["viewer"]["email"], crate::common::OWNER_EMAIL);

    let listed = owner.run("{ apiTokens { totalCount nodes { name lastUsedAt } } }", json!({})).await.data();
    assert_eq!(listed["apiTokens"]["totalCount"], 1);
    assert!(listed["apiTokens"]["nodes"][0]["lastUsedAt"].is_string());
    // The secret is never listed again.
    assert!(!listed.to_string().contains(&token));

    owner.run(REVOKE, json!({ "id": id })).await.data();
    assert_eq!(script.run("{ viewer { email } }", json!({})).await.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_invalid_bearer_token_is_refused_outright() {
    let server = TestServer::start().await;
    let answer = server.client().with_bearer("sk_not-a-real-token").run("{ setupRequired }", json!({})).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_token_never_exceeds_its_role_or_its_owner() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let too_much = developer.run(CREATE, json!({ "input": { "name": "x", "role": "OWNER" } })).await;
    assert_eq!(too_much.code(), "BAD_USER_INPUT");
    assert_eq!(too_much.body["errors"][0]["extensions"]["field"], "role");

    let read_only = developer.run(CREATE, json!({ "input": { "name": "ro", "role": "VIEWER" } })).await.data();
    let token = read_only["createApiToken"]["token"].as_str().unwrap();
    let script = server.client().with_bearer(token);
    script.run("{ environments { slug } }", json!({})).await.data();
    let write = script.run("mutation { updateEnvironment(slug: \"test\", input: { name: \"x\" }) { name } }", json!({})).await;
    assert_eq!(write.code(), "FORBIDDEN");
}

#[tokio::test]
async fn tokens_are_private_to_their_admin() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let created = owner.run(CREATE, json!({ "input": { "name": "owner's" } })).await.data();
    let id = created["createApiToken"]["apiToken"]["id"].clone();
    let developer = server.admin_with_role("DEVELOPER").await;
    let listed = developer.run("{ apiTokens { totalCount } }", json!({})).await.data();
    assert_eq!(listed["apiTokens"]["totalCount"], 0);
    assert_eq!(developer.run(REVOKE, json!({ "id": id })).await.code(), "NOT_FOUND");
}

#[tokio::test]
async fn token_input_is_validated() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let empty = owner.run(CREATE, json!({ "input": { "name": "  " } })).await;
    assert_eq!(empty.body["errors"][0]["extensions"]["field"], "name");
    let expiry = owner.run(CREATE, json!({ "input": { "name": "x", "expiresInDays": 0 } })).await;
    assert_eq!(expiry.body["errors"][0]["extensions"]["field"], "expiresInDays");
}
