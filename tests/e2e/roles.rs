use serde_json::json;

use crate::common::{OWNER_PASSWORD, TestServer};

const UPDATE_ENV: &str =
    "mutation($slug: String!, $rps: Int!) { updateEnvironment(slug: $slug, input: { limits: { requestsPerSecond: $rps } }) { limits { requestsPerSecond } } }";
const CREATE_ADMIN: &str = "mutation($input: CreateAdminInput!) { createAdmin(input: $input) { id } }";

#[tokio::test]
async fn anonymous_callers_get_nothing_but_the_public_fields() {
    let server = TestServer::start().await;
    let anonymous = server.client();
    for query in [
        "{ environments { slug } }",
        "{ environment(slug: \"test\") { slug } }",
        "{ admins { totalCount } }",
        "{ apiTokens { totalCount } }",
        "mutation { logout }",
        "mutation { deleteEnvironment(slug: \"x\") }",
    ] {
        let answer = anonymous.run(query, json!({})).await;
        assert_eq!(answer.code(), "UNAUTHENTICATED", "{query}");
        assert!(answer.body["data"].is_null(), "{query}: {:#}", answer.body);
    }
    assert_eq!(anonymous.run("{ setupRequired }", json!({})).await.data()["setupRequired"], false);
}

#[tokio::test]
async fn viewer_reads_but_cannot_change_anything() {
    let server = TestServer::start().await;
    let viewer = server.admin_with_role("VIEWER").await;
    let envs = viewer.run("{ environments { slug } }", json!({})).await.data();
    assert_eq!(envs["environments"].as_array().unwrap().len(), 2);

    let update = viewer.run(UPDATE_ENV, json!({ "slug": "test", "rps": 5 })).await;
    assert_eq!(update.code(), "FORBIDDEN");
    let create = viewer.run("mutation { createEnvironment(input: { slug: \"staging\" }) { slug } }", json!({})).await;
    assert_eq!(create.code(), "FORBIDDEN");
    let admins = viewer.run("{ admins { totalCount } }", json!({})).await;
    assert_eq!(admins.code(), "FORBIDDEN");
    // Nothing changed.
    let owner = server.owner().await;
    let test = owner.run("{ environment(slug: \"test\") { limits { requestsPerSecond } } }", json!({})).await.data();
    assert_eq!(test["environment"]["limits"]["requestsPerSecond"], 100);
}

#[tokio::test]
async fn developer_edits_test_environments_only() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let ok = developer.run(UPDATE_ENV, json!({ "slug": "test", "rps": 250 })).await.data();
    assert_eq!(ok["updateEnvironment"]["limits"]["requestsPerSecond"], 250);
    let production = developer.run(UPDATE_ENV, json!({ "slug": "production", "rps": 5 })).await;
    assert_eq!(production.code(), "FORBIDDEN");
    let delete = developer.run("mutation { deleteEnvironment(slug: \"test\") }", json!({})).await;
    assert_eq!(delete.code(), "FORBIDDEN");
}

#[tokio::test]
async fn developer_cannot_manage_admins() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let input = json!({ "input": { "email": "new@example.com", "password": OWNER_PASSWORD, "role": "OWNER" } });
    assert_eq!(developer.run(CREATE_ADMIN, input).await.code(), "FORBIDDEN");
    assert_eq!(developer.run("{ admins { totalCount } }", json!({})).await.code(), "FORBIDDEN");
}

#[tokio::test]
async fn owner_manages_admins() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let input = json!({ "input": { "email": "Dev@Example.com", "password": OWNER_PASSWORD, "role": "DEVELOPER" } });
    let id = owner.run(CREATE_ADMIN, input.clone()).await.data()["createAdmin"]["id"].as_str().unwrap().to_owned();
    let duplicate = owner.run(CREATE_ADMIN, input).await;
    assert_eq!(duplicate.code(), "CONFLICT");
    assert_eq!(duplicate.body["errors"][0]["extensions"]["field"], "email");
    let bad_email = json!({ "input": { "email": "not-an-email", "password": OWNER_PASSWORD, "role": "VIEWER" } });
    assert_eq!(owner.run(CREATE_ADMIN, bad_email).await.body["errors"][0]["extensions"]["field"], "email");

    let list = owner.run("{ admins(first: 1) { totalCount nodes { email } pageInfo { hasNextPage endCursor } } }", json!({})).await.data();
    assert_eq!(list["admins"]["totalCount"], 2);
    assert_eq!(list["admins"]["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(list["admins"]["pageInfo"]["hasNextPage"], true);
    let cursor = list["admins"]["pageInfo"]["endCursor"].clone();
    let next = owner
        .run("query($after: String) { admins(first: 1, after: $after) { nodes { email } pageInfo { hasNextPage } } }", json!({ "after": cursor }))
        .await
        .data();
    assert_eq!(next["admins"]["nodes"][0]["email"], "dev@example.com");
    assert_eq!(next["admins"]["pageInfo"]["hasNextPage"], false);

    // A demoted admin loses rights at once, in their existing session.
    let dev = server.client();
    dev.login("dev@example.com", OWNER_PASSWORD).await.data();
    owner.run("mutation($id: ID!) { updateAdmin(id: $id, input: { role: VIEWER }) { role } }", json!({ "id": id })).await.data();
    assert_eq!(dev.run(UPDATE_ENV, json!({ "slug": "test", "rps": 7 })).await.code(), "FORBIDDEN");

    owner.run("mutation($id: ID!) { deleteAdmin(id: $id) }", json!({ "id": id })).await.data();
    assert_eq!(dev.run("{ viewer { email } }", json!({})).await.code(), "UNAUTHENTICATED");
    let missing = owner.run("mutation($id: ID!) { deleteAdmin(id: $id) }", json!({ "id": id })).await;
    assert_eq!(missing.code(), "NOT_FOUND");
}

#[tokio::test]
async fn the_last_owner_stays() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let me = owner.run("{ viewer { id } }", json!({})).await.data()["viewer"]["id"].clone();
    let demote = owner.run("mutation($id: ID!) { updateAdmin(id: $id, input: { role: VIEWER }) { role } }", json!({ "id": me })).await;
    assert_eq!(demote.code(), "BAD_USER_INPUT");
    let delete = owner.run("mutation($id: ID!) { deleteAdmin(id: $id) }", json!({ "id": me })).await;
    assert_eq!(delete.code(), "BAD_USER_INPUT");
}
