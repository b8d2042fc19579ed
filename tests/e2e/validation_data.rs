//! Validation knows the data: names an expression reads that the definition
//! does not have are problems with their place, found by `validateWorkspace`
//! and refresh alike, not nulls at run time.

use serde_json::{Value, json};

use crate::{blog::blog, common::TestServer};

async fn problems(server: &TestServer, document: &Value) -> Vec<(String, String)> {
    let owner = server.owner().await;
    let found = owner.run("query($d: JSON!) { validateWorkspace(document: $d) { path message } }", json!({ "d": document })).await.data();
    found["validateWorkspace"].as_array().unwrap().iter().map(|p| (p["path"].as_str().unwrap().to_owned(), p["message"].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn names_a_definition_lacks_are_located_problems() {
    let server = TestServer::start().await;
    let mut document = blog();
    // getPost answers a column posts do not have.
    document["routers"][1]["steps"][2]["respond"]["body"] = json!({ "title": "${steps.post.title}", "colour": "${steps.post.colour}" });
    // createComment reads a path parameter its path does not have.
    document["routers"][5]["steps"].as_array_mut().unwrap().insert(0, json!({ "set": { "name": "slug", "value": "${request.params.slug}" } }));
    let found = problems(&server, &document).await;
    let at = |path: &str| found.iter().find(|(p, _)| p == path).map(|(_, m)| m.clone()).unwrap_or_else(|| panic!("no problem at {path}: {found:#?}"));
    assert_eq!(at("routers.getPost.steps[2].respond.body"), "`steps.post` is a row of `posts`, which has no column `colour`");
    assert_eq!(at("routers.createComment.steps[0].set.value"), "the path has no parameter `slug`");

    // Refresh finds the same: nothing is saved.
    let owner = server.owner().await;
    let refused = owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": document })).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    assert!(refused.problems().iter().any(|p| p["path"] == "routers.getPost.steps[2].respond.body"), "{:#?}", refused.problems());
}

#[tokio::test]
async fn owner_only_needs_an_owner_column_and_a_taken_route_names_its_router() {
    let server = TestServer::start().await;
    let mut document = blog();
    // Owner-only over a table that is not owned limits nothing.
    document["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text" }] }));
    document["routers"].as_array_mut().unwrap().push(json!({
        "name": "myTags", "method": "GET", "path": "/tags", "access": { "allow": "signedIn", "ownerOnly": true },
        "steps": [{ "as": "tags", "list": { "table": "tags" } }, { "respond": { "status": 200, "body": "${steps.tags}" } }]
    }));
    // A second router on GET /posts.
    let mut twin = document["routers"][0].clone();
    twin["name"] = json!("listPostsAgain");
    document["routers"].as_array_mut().unwrap().push(twin);

    let found = problems(&server, &document).await;
    let at = |path: &str| found.iter().find(|(p, _)| p == path).map(|(_, m)| m.clone()).unwrap_or_else(|| panic!("no problem at {path}: {found:#?}"));
    assert!(at("routers.myTags.access.ownerOnly").contains("`tags` has no owner column"), "{found:#?}");
    assert_eq!(at("routers.listPostsAgain.path"), "the router `listPosts` serves GET /posts already");
}

#[tokio::test]
async fn the_blog_example_and_system_columns_raise_no_problem() {
    let server = TestServer::start().await;
    let mut document = blog();
    document["routers"][1]["steps"][2]["respond"]["body"] =
        json!({ "id": "${steps.post.id}", "at": "${steps.post.created_at}", "by": "${steps.post.owner}", "title": "${steps.post.title}" });
    assert_eq!(problems(&server, &document).await, Vec::<(String, String)>::new());
}
