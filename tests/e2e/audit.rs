//! The audit log: what admins did, by whom and from where, names but never
//! values of what changed, readable by owners only.

use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn admin_actions_are_audited_without_their_values() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    owner
        .run(
            "mutation($i: CreateAdminInput!) { createAdmin(input: $i) { id } }",
            json!({ "i": { "email": "dev@example.com", "password": "a long password", "role": "DEVELOPER" } }),
        )
        .await
        .data();
    let token = owner.run("mutation { createApiToken(input: { name: \"ci\", role: VIEWER }) { apiToken { id } } }", json!({})).await.data();
    let id = token["createApiToken"]["apiToken"]["id"].as_str().unwrap().to_owned();
    owner.run("mutation($id: ID!) { revokeApiToken(id: $id) }", json!({ "id": id })).await.data();
    owner
        .run("mutation { updateEnvironment(slug: \"test\", input: { variables: { stripeKey: \"sk_live_very_secret\" }, limits: { requestsPerSecond: 50 } }) { slug } }", json!({}))
        .await
        .data();

    let log = owner.run("{ auditLog(first: 10) { nodes { actor action target detail clientAddress } } }", json!({})).await.data();
    let entries = log["auditLog"]["nodes"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["environment.update", "token.revoke", "token.create", "admin.create"], "newest first");
    assert!(entries.iter().all(|e| e["actor"] == crate::common::OWNER_EMAIL && e["clientAddress"] == "127.0.0.1"));
    assert_eq!(entries[0]["detail"], json!({ "changed": ["variables", "limits"] }));
    assert_eq!((entries[3]["target"].as_str(), entries[3]["detail"]["role"].as_str()), (Some("dev@example.com"), Some("developer")));
    assert!(!log.to_string().contains("sk_live_very_secret"), "values never reach the log");

    let only = owner.run("{ auditLog(action: \"token.create\") { nodes { target } } }", json!({})).await.data();
    assert_eq!(only["auditLog"]["nodes"], json!([{ "target": "ci" }]));
    let developer = server.admin_with_role("DEVELOPER").await;
    assert_eq!(developer.run("{ auditLog { nodes { action } } }", json!({})).await.code(), "FORBIDDEN");
}
