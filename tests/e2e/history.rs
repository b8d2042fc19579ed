//! The workspace's history: revisions newest first with author and summary,
//! what each changed, and an old one restored as a new revision.

use serde_json::{Value, json};

use crate::common::{Gql, TestServer};

const IMPORT: &str = "mutation($doc: JSON!) { importWorkspace(document: $doc) { revision } }";
const PUT_ROUTER: &str = "mutation($d: JSON!) { putRouter(definition: $d) { revision } }";
const REVISIONS: &str = "query($first: Int, $after: String) { workspaceRevisions(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { revision authorEmail savedAt summary } } }";
const REVISION: &str =
    "query($n: Int!) { workspaceRevision(revision: $n) { revision restoredFrom authorEmail summary document changes { what name change summary details } } }";
const RESTORE: &str =
    "mutation($n: Int!, $expected: Int) { restoreWorkspaceRevision(revision: $n, expectedRevision: $expected) { revision authorEmail document } }";

fn blog() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blog.json")).expect("examples/blog.json");
    serde_json::from_str(&text).expect("blog.json is JSON")
}

/// Revision 1: the blog; revision 2: createPost's title read from `heading`.
async fn two_revisions(developer: &Gql) -> Value {
    developer.run(IMPORT, json!({ "doc": blog() })).await.data();
    let mut create = blog()["routers"].as_array().unwrap().iter().find(|r| r["name"] == "createPost").unwrap().clone();
    create["steps"][0]["insert"]["values"]["title"] = json!("${request.body.heading}");
    let saved = developer.run(PUT_ROUTER, json!({ "d": create })).await.data();
    assert_eq!(saved["putRouter"]["revision"], 2);
    create
}

async fn email_of(client: &Gql) -> String {
    client.run("{ viewer { email } }", json!({})).await.data()["viewer"]["email"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn revisions_are_listed_newest_first_with_author_and_summary() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let owner = server.owner().await;
    let viewer = server.admin_with_role("VIEWER").await;
    let empty = viewer.run(REVISIONS, json!({})).await.data();
    assert_eq!(empty["workspaceRevisions"]["totalCount"], 0);
    assert_eq!(empty["workspaceRevisions"]["nodes"], json!([]));

    two_revisions(&developer).await;
    let tags = json!({ "name": "tags", "columns": [{ "name": "label", "type": "text" }] });
    owner.run("mutation($d: JSON!) { putTable(definition: $d) { revision } }", json!({ "d": tags })).await.data();

    let page = viewer.run(REVISIONS, json!({ "first": 2 })).await.data()["workspaceRevisions"].clone();
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let nodes = page["nodes"].as_array().unwrap();
    let listed: Vec<(i64, &str, &str)> =
        nodes.iter().map(|n| (n["revision"].as_i64().unwrap(), n["authorEmail"].as_str().unwrap(), n["summary"].as_str().unwrap())).collect();
    let (developer_email, owner_email) = (email_of(&developer).await, email_of(&owner).await);
    assert_eq!(
        listed,
        [
            (3, owner_email.as_str(), "Added table tags"),
            (
                2,
                developer_email.as_str(),
                "Changed router createPost: step 1 (insert as post) values.title: \"${request.body.title}\" → \"${request.body.heading}\""
            ),
        ],
        "{page}"
    );
    assert!(nodes[0]["savedAt"].as_str().unwrap() >= nodes[1]["savedAt"].as_str().unwrap(), "{page}");

    let rest = viewer.run(REVISIONS, json!({ "first": 2, "after": page["pageInfo"]["endCursor"] })).await.data()["workspaceRevisions"].clone();
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["nodes"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["nodes"][0]["revision"], 1);
    assert_eq!(
        rest["nodes"][0]["summary"], "Added 8 routers (listPosts, getPost, createPost, +5 more), 2 tables (posts, comments), group editors, fixtures",
        "{rest}"
    );
    let bad = viewer.run(REVISIONS, json!({ "after": "yesterday" })).await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_revisions_changes_name_what_changed() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    two_revisions(&developer).await;
    // Revision 3: a step added to getPost, the posts table's title longer, sign-up closed.
    let mut doc = blog();
    doc["routers"][2]["steps"][0]["insert"]["values"]["title"] = json!("${request.body.heading}");
    doc["routers"][1]["steps"].as_array_mut().unwrap().insert(1, json!({ "set": { "name": "seen", "value": true } }));
    doc["tables"][0]["columns"][0]["max"] = json!(300.0);
    doc["auth"]["signupOpen"] = json!(false);
    assert_eq!(developer.run(IMPORT, json!({ "doc": doc })).await.data()["importWorkspace"]["revision"], 3);

    let third = developer.run(REVISION, json!({ "n": 3 })).await.data()["workspaceRevision"].clone();
    let said: Vec<String> = third["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}: {}", c["what"].as_str().unwrap(), c["name"].as_str().unwrap(), c["change"].as_str().unwrap(), c["details"]))
        .collect();
    assert_eq!(
        said,
        [
            "router getPost CHANGED: [\"step 2 (set) added\"]",
            "table posts CHANGED: [\"column title: max 200.0 → 300.0\"]",
            "auth auth CHANGED: [\"signupOpen true → false\"]",
        ],
        "{third}"
    );
    assert_eq!(third["summary"], "Changed router getPost, table posts, end-user auth");
    assert_eq!(third["document"], doc);

    let second = developer.run(REVISION, json!({ "n": 2 })).await.data()["workspaceRevision"].clone();
    assert_eq!(second["changes"][0]["details"], json!(["step 1 (insert as post) values.title: \"${request.body.title}\" → \"${request.body.heading}\""]));
    let none = developer.run(REVISION, json!({ "n": 42 })).await.data();
    assert!(none["workspaceRevision"].is_null(), "{none}");
}

#[tokio::test]
async fn restoring_an_old_revision_saves_it_as_a_new_one() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    two_revisions(&developer).await;

    let restored = developer.run(RESTORE, json!({ "n": 1, "expected": 2 })).await.data()["restoreWorkspaceRevision"].clone();
    assert_eq!(restored["revision"], 3);
    assert_eq!(restored["authorEmail"], email_of(&developer).await);
    assert_eq!(restored["document"], blog(), "revision 1's document");
    let exported = developer.run("{ exportWorkspace }", json!({})).await.data();
    assert_eq!(exported["exportWorkspace"], blog());
    let third = developer.run(REVISION, json!({ "n": 3 })).await.data()["workspaceRevision"].clone();
    assert_eq!(third["document"], blog());
    assert_eq!(third["restoredFrom"], 1);
    assert!(third["summary"].as_str().unwrap().starts_with("Restored revision 1: "), "{third:#}");
    let second = developer.run(REVISION, json!({ "n": 2 })).await.data()["workspaceRevision"].clone();
    assert_eq!(second["restoredFrom"], Value::Null, "an ordinary save");
    assert_eq!(third["changes"][0]["details"], json!(["step 1 (insert as post) values.title: \"${request.body.heading}\" → \"${request.body.title}\""]));

    // Restoring what is current already saves nothing.
    let again = developer.run(RESTORE, json!({ "n": 1 })).await.data();
    assert_eq!(again["restoreWorkspaceRevision"]["revision"], 3);
    let total = developer.run(REVISIONS, json!({})).await.data();
    assert_eq!(total["workspaceRevisions"]["totalCount"], 3);
}

#[tokio::test]
async fn restore_is_refused_to_viewers_stale_editors_and_unknown_revisions() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let viewer = server.admin_with_role("VIEWER").await;
    two_revisions(&developer).await;

    assert_eq!(viewer.run(RESTORE, json!({ "n": 1 })).await.code(), "FORBIDDEN");
    assert_eq!(developer.run(RESTORE, json!({ "n": 1, "expected": 1 })).await.code(), "CONFLICT");
    assert_eq!(developer.run(RESTORE, json!({ "n": 42 })).await.code(), "NOT_FOUND");
    assert_eq!(developer.run(RESTORE, json!({ "n": 0 })).await.code(), "NOT_FOUND");
    let current = developer.run("{ workspace { revision } }", json!({})).await.data();
    assert_eq!(current["workspace"]["revision"], 2, "nothing was saved");
}
