//! Admins looking at and editing an environment's rows and end users.

use serde_json::json;

use crate::blog::Blog;

#[tokio::test]
async fn rows_are_browsed_and_edited_with_validation() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("w@example.com").await;
    for n in 0..3 {
        blog.call("POST", "/posts", Some(&token), Some(json!({ "title": format!("t{n}"), "published": true }))).await;
    }
    let list = blog
        .owner
        .run("{ rows(environment: \"test\", table: \"posts\", first: 2) { totalCount nodes { id values } pageInfo { hasNextPage endCursor } } }", json!({}))
        .await
        .data();
    let rows = &list["rows"];
    assert_eq!(rows["totalCount"], 3);
    assert_eq!(rows["nodes"][0]["values"]["title"], "t2", "newest first");
    assert_eq!(rows["pageInfo"]["hasNextPage"], true);
    let after = rows["pageInfo"]["endCursor"].clone();
    let next = blog
        .owner
        .run(
            "query($a: String) { rows(environment: \"test\", table: \"posts\", first: 2, after: $a) { nodes { values } pageInfo { hasNextPage } } }",
            json!({ "a": after }),
        )
        .await
        .data();
    assert_eq!(next["rows"]["nodes"][0]["values"]["title"], "t0");
    assert_eq!(next["rows"]["pageInfo"]["hasNextPage"], false);

    let filtered = blog.owner.run("{ rows(environment: \"test\", table: \"posts\", filter: { title: \"t1\" }) { totalCount } }", json!({})).await.data();
    assert_eq!(filtered["rows"]["totalCount"], 1);

    // The columns come from what the environment serves, not from the workspace.
    let mut doc = crate::blog::blog();
    doc["tables"][0]["columns"].as_array_mut().unwrap().push(json!({ "name": "views", "type": "integer" }));
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    let columns_query = "{ rows(environment: \"test\", table: \"posts\", first: 1) { columns { name type required system } } }";
    let columns = blog.owner.run(columns_query, json!({})).await.data();
    let names: Vec<&str> = columns["rows"]["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["id", "created_at", "updated_at", "owner", "title", "body", "published", "cover"]);
    assert_eq!(columns["rows"]["columns"][4], json!({ "name": "title", "type": "text", "required": true, "system": false }));
    assert_eq!(columns["rows"]["columns"][0]["system"], true);
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let columns = blog.owner.run(columns_query, json!({})).await.data();
    assert_eq!(columns["rows"]["columns"][8], json!({ "name": "views", "type": "integer", "required": false, "system": false }));

    let insert = "mutation($v: JSON!) { insertRow(environment: \"test\", table: \"posts\", values: $v) { id values } }";
    let created = blog.owner.run(insert, json!({ "v": { "title": "by admin" } })).await.data();
    assert_eq!(created["insertRow"]["values"]["published"], false, "the default applies");
    let id = created["insertRow"]["id"].clone();
    let too_long = blog.owner.run(insert, json!({ "v": { "title": "x".repeat(201) } })).await;
    assert_eq!((too_long.code().as_str(), too_long.body["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some("title")));
    let wrong_type = blog.owner.run(insert, json!({ "v": { "title": "ok", "published": "yes" } })).await;
    assert_eq!(wrong_type.body["errors"][0]["extensions"]["field"], "published");
    let unknown = blog.owner.run(insert, json!({ "v": { "title": "ok", "colour": "red" } })).await;
    assert_eq!(unknown.body["errors"][0]["extensions"]["field"], "colour");

    let updated = blog
        .owner
        .run(
            "mutation($id: ID!) { updateRow(environment: \"test\", table: \"posts\", id: $id, values: { title: \"renamed\" }) { values } }",
            json!({ "id": id }),
        )
        .await
        .data();
    assert_eq!(updated["updateRow"]["values"]["title"], "renamed");
    let (_, read) = blog.call("GET", &format!("/posts/{}", id.as_str().unwrap()), None, None).await;
    assert_eq!(read["title"], "renamed", "the API sees the admin's edit");
    blog.owner.run("mutation($id: ID!) { deleteRow(environment: \"test\", table: \"posts\", id: $id) }", json!({ "id": id })).await.data();
    let gone = blog.owner.run("mutation($id: ID!) { deleteRow(environment: \"test\", table: \"posts\", id: $id) }", json!({ "id": id })).await;
    assert_eq!(gone.code(), "NOT_FOUND");
}

#[tokio::test]
async fn production_rows_and_users_stay_private() {
    let blog = Blog::start().await;
    for query in ["{ rows(environment: \"production\", table: \"posts\") { totalCount } }", "{ users(environment: \"production\") { totalCount } }"] {
        assert_eq!(blog.owner.run(query, json!({})).await.code(), "FORBIDDEN", "{query}");
    }
    // The groups are the definition's; how many users each has is private data.
    let groups = blog.owner.run("{ groups(environment: \"production\") { name members } }", json!({})).await.data();
    assert_eq!(groups["groups"], json!([{ "name": "editors", "members": null }]));
    let groups = blog.owner.run("{ groups(environment: \"test\") { name members } }", json!({})).await.data();
    assert_eq!(groups["groups"], json!([{ "name": "editors", "members": 0 }]));
    let viewer = blog.server.admin_with_role("VIEWER").await;
    let write = viewer.run("mutation { insertRow(environment: \"test\", table: \"posts\", values: { title: \"x\" }) { id } }", json!({})).await;
    assert_eq!(write.code(), "FORBIDDEN");
}

#[tokio::test]
async fn users_are_listed_by_group_and_managed() {
    let blog = Blog::start().await;
    let (token, id) = blog.user("member@example.com").await;
    blog.user("other@example.com").await;
    blog.make_editor(id).await;
    let groups = blog.owner.run("{ groups(environment: \"test\") { name members } }", json!({})).await.data();
    assert_eq!(groups["groups"], json!([{ "name": "editors", "members": 1 }]));
    let editors = blog.owner.run("{ users(environment: \"test\", group: \"editors\") { totalCount nodes { email groups disabled } } }", json!({})).await.data();
    assert_eq!(editors["users"]["nodes"], json!([{ "email": "member@example.com", "groups": ["editors"], "disabled": false }]));
    let search = blog.owner.run("{ users(environment: \"test\", search: \"OTHER\") { totalCount } }", json!({})).await.data();
    assert_eq!(search["users"]["totalCount"], 1);

    // Group changes apply to the next request, cached tokens or not.
    assert_eq!(blog.call("GET", "/stats", Some(&token), None).await.0, 200);
    blog.owner
        .run("mutation($id: ID!) { setUserGroups(environment: \"test\", userId: $id, groups: []) { groups } }", json!({ "id": id.to_string() }))
        .await
        .data();
    assert_eq!(blog.call("GET", "/stats", Some(&token), None).await.0, 403);
    let unknown = blog
        .owner
        .run("mutation($id: ID!) { setUserGroups(environment: \"test\", userId: $id, groups: [\"admins\"]) { groups } }", json!({ "id": id.to_string() }))
        .await;
    assert_eq!(unknown.code(), "BAD_USER_INPUT");

    // Disabling signs out at once; re-enabling lets them sign in again.
    blog.owner.run("mutation($id: ID!) { disableUser(environment: \"test\", userId: $id) { disabled } }", json!({ "id": id.to_string() })).await.data();
    assert_eq!(blog.call("GET", "/auth/me", Some(&token), None).await.0, 401);
    let (status, _) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "member@example.com", "password": "end user password" }))).await;
    assert_eq!(status, 403);
    blog.owner
        .run("mutation($id: ID!) { disableUser(environment: \"test\", userId: $id, disabled: false) { disabled } }", json!({ "id": id.to_string() }))
        .await
        .data();
    blog.owner
        .run(
            "mutation($id: ID!) { resetUserPassword(environment: \"test\", userId: $id, password: \"a brand new password\") { email } }",
            json!({ "id": id.to_string() }),
        )
        .await
        .data();
    let (status, _) = blog.call("POST", "/auth/login", None, Some(json!({ "email": "member@example.com", "password": "a brand new password" }))).await;
    assert_eq!(status, 200);

    let created = blog
        .owner
        .run(
            "mutation { createUser(environment: \"test\", email: \"made@example.com\", password: \"made by an admin\", groups: [\"editors\"]) { id groups } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(created["createUser"]["groups"], json!(["editors"]));
    let made = created["createUser"]["id"].clone();
    blog.owner.run("mutation($id: ID!) { deleteUser(environment: \"test\", userId: $id) }", json!({ "id": made })).await.data();
    let total = blog.owner.run("{ users(environment: \"test\") { totalCount } }", json!({})).await.data();
    assert_eq!(total["users"]["totalCount"], 2);
}

#[tokio::test]
async fn unique_values_conflict_with_409_and_conflict() {
    let blog = Blog::start().await;
    let mut doc = crate::blog::blog();
    doc["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text", "required": true, "unique": true }] }));
    doc["routers"].as_array_mut().unwrap().push(json!({
        "name": "createTag", "method": "POST", "path": "/tags", "access": { "allow": "public" },
        "steps": [{ "as": "tag", "insert": { "table": "tags", "values": { "label": "${request.body.label}" } } }, { "respond": { "status": 201, "body": "${steps.tag}" } }]
    }));
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    assert_eq!(blog.call("POST", "/tags", None, Some(json!({ "label": "rust" }))).await.0, 201);
    let (status, body) = blog.call("POST", "/tags", None, Some(json!({ "label": "rust" }))).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (409, Some("CONFLICT")));
    let (status, body) = blog.call("POST", "/tags", None, Some(json!({}))).await;
    assert_eq!((status.as_u16(), body["error"]["details"][0]["field"].as_str()), (400, Some("label")), "required, checked by the engine");
    let again = blog.owner.run("mutation { insertRow(environment: \"test\", table: \"tags\", values: { label: \"rust\" }) { id } }", json!({})).await;
    assert_eq!(again.code(), "CONFLICT");
}

#[tokio::test]
async fn rows_show_owners_and_related_rows_by_label() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("label@example.com").await;
    let (status, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "Labelled", "published": true }))).await;
    assert_eq!(status, 201, "{post}");
    let id = post["id"].as_i64().expect("post id");
    let (status, comment) = blog.call("POST", &format!("/posts/{id}/comments"), Some(&token), Some(json!({ "body": "first" }))).await;
    assert_eq!(status, 201, "{comment}");
    let rows = blog.owner.run("{ rows(environment: \"test\", table: \"comments\") { nodes { values labels } } }", json!({})).await.data();
    let node = &rows["rows"]["nodes"][0];
    assert_eq!(node["labels"], json!({ "owner": "label@example.com", "post": "Labelled" }), "{node}");
    // A row an admin inserted has no owner, so no label for it.
    blog.owner.run("mutation { insertRow(environment: \"test\", table: \"posts\", values: { title: \"By an admin\" }) { id } }", json!({})).await.data();
    let posts = blog.owner.run("{ rows(environment: \"test\", table: \"posts\") { nodes { labels } } }", json!({})).await.data();
    let labels: Vec<&serde_json::Value> = posts["rows"]["nodes"].as_array().expect("nodes").iter().map(|n| &n["labels"]).collect();
    assert_eq!(labels, [&json!({}), &json!({ "owner": "label@example.com" })], "newest first");
}
