use serde_json::{Value, json};

use crate::common::TestServer;

const IMPORT: &str = "mutation($doc: JSON!, $expected: Int) { importWorkspace(document: $doc, expectedRevision: $expected) { revision tables { name } groups { name } routers { name method path } } }";

fn blog() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blog.json")).expect("examples/blog.json");
    serde_json::from_str(&text).expect("blog.json is JSON")
}

#[tokio::test]
async fn the_blog_example_imports_and_exports_exactly() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let empty = developer.run("{ workspace { revision tables { name } } }", json!({})).await.data();
    assert_eq!(empty["workspace"], json!({ "revision": 0, "tables": [] }));

    let imported = developer.run(IMPORT, json!({ "doc": blog() })).await.data();
    let workspace = &imported["importWorkspace"];
    assert_eq!(workspace["revision"], 1);
    assert_eq!(workspace["tables"], json!([{ "name": "posts" }, { "name": "comments" }]));
    assert_eq!(workspace["groups"], json!([{ "name": "editors" }]));
    assert_eq!(workspace["routers"].as_array().unwrap().len(), 8);
    assert_eq!(workspace["routers"][1], json!({ "name": "getPost", "method": "GET", "path": "/posts/{id}" }));

    let exported = developer.run("{ exportWorkspace }", json!({})).await.data();
    assert_eq!(exported["exportWorkspace"], blog(), "round trip is exact");

    // Importing the same document again is not a change.
    let again = developer.run(IMPORT, json!({ "doc": blog() })).await.data();
    assert_eq!(again["importWorkspace"]["revision"], 1);
}

#[tokio::test]
async fn an_invalid_document_is_refused_whole_with_every_problem_located() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let mut doc = blog();
    doc["tables"][0]["columns"][0]["max"] = json!(0.5);
    doc["routers"][2]["steps"][0]["insert"]["table"] = json!("postz");
    doc["routers"][4]["access"]["allow"] = json!({ "groups": ["admins"] });
    doc["routers"][3]["path"] = json!("/posts/{id}/../x");
    let answer = developer.run(IMPORT, json!({ "doc": doc })).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT");
    let problems: Vec<String> = answer.body["errors"][0]["extensions"]["problems"]
        .as_array()
        .expect("problems listed")
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_owned())
        .collect();
    for expected in ["tables.posts.columns.title.min", "routers.createPost.steps[0].insert.table", "routers.deletePost.access.allow", "routers.updatePost.path"]
    {
        assert!(problems.iter().any(|p| p == expected), "{expected} missing from {problems:?}");
    }
    // Nothing was saved.
    let current = developer.run("{ workspace { revision } }", json!({})).await.data();
    assert_eq!(current["workspace"]["revision"], 0);
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_located() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    let mut doc = blog();
    doc["tables"][1]["columns"][1]["type"] = json!("string");
    let answer = developer.run(IMPORT, json!({ "doc": doc })).await;
    assert_eq!(answer.body["errors"][0]["extensions"]["field"], "tables.comments.columns.body.type", "named, not indexed");
    let mut doc = blog();
    doc["routers"][0]["acess"] = json!({});
    let answer = developer.run(IMPORT, json!({ "doc": doc })).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("acess"));

    // Every shape problem at once, each where it is, in JSON words.
    let mut doc = blog();
    doc["tables"][0]["columns"][0]["max"] = json!("long");
    doc["routers"][1]["steps"][0] = json!({ "fetch": { "table": "posts" } });
    doc["routers"][2]["method"] = json!("FETCH");
    doc["routers"].as_array_mut().unwrap().push(json!("not a router"));
    let answer = developer.run(IMPORT, json!({ "doc": doc })).await;
    let problems: Vec<(String, String)> = answer.body["errors"][0]["extensions"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| (p["path"].as_str().unwrap().to_owned(), p["message"].as_str().unwrap().to_owned()))
        .collect();
    let paths: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["tables.posts.columns.title.max", "routers.getPost.steps[0]", "routers.createPost.method", "routers[8]"], "{problems:?}");
    for (path, message) in &problems {
        assert!(!message.contains("struct") && !message.contains("enum "), "{path}: {message}");
    }
    let not_json = developer.run(IMPORT, json!({ "doc": [1, 2] })).await;
    assert_eq!(not_json.body["errors"][0]["extensions"]["problems"][0]["message"], "a workspace document is a JSON object, not a list");
}

#[tokio::test]
async fn validate_reports_without_saving() {
    let server = TestServer::start().await;
    let viewer = server.admin_with_role("VIEWER").await;
    let ok = viewer.run("query($doc: JSON!) { validateWorkspace(document: $doc) { path message } }", json!({ "doc": blog() })).await.data();
    assert_eq!(ok["validateWorkspace"], json!([]));
    let mut doc = blog();
    doc["groups"] = json!([]);
    let bad = viewer.run("query($doc: JSON!) { validateWorkspace(document: $doc) { path } }", json!({ "doc": doc })).await.data();
    assert!(bad["validateWorkspace"].as_array().unwrap().len() >= 2, "both editor routers lose their group");
    // A viewer may check, not save.
    assert_eq!(viewer.run(IMPORT, json!({ "doc": blog() })).await.code(), "FORBIDDEN");
}

#[tokio::test]
async fn definitions_are_edited_one_by_one_and_each_edit_is_a_revision() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    developer.run(IMPORT, json!({ "doc": blog() })).await.data();

    let tag_table = json!({ "name": "tags", "columns": [{ "name": "label", "type": "text", "required": true, "unique": true }] });
    let put = developer
        .run("mutation($def: JSON!) { putTable(definition: $def, expectedRevision: 1) { revision tables { name } } }", json!({ "def": tag_table }))
        .await
        .data();
    assert_eq!(put["putTable"]["revision"], 2);
    assert_eq!(put["putTable"]["tables"][2]["name"], "tags");

    // Someone still on revision 1 is told, not overwritten.
    let stale = developer.run("mutation { deleteTable(name: \"tags\", expectedRevision: 1) { revision } }", json!({})).await;
    assert_eq!(stale.code(), "CONFLICT");

    // A table that routers use cannot go.
    let in_use = developer.run("mutation { deleteTable(name: \"comments\") { revision } }", json!({})).await;
    assert_eq!(in_use.code(), "BAD_USER_INPUT");
    let missing = developer.run("mutation { deleteRouter(name: \"nope\") { revision } }", json!({})).await;
    assert_eq!(missing.code(), "NOT_FOUND");

    let router = json!({ "name": "listTags", "method": "GET", "path": "/tags", "access": { "allow": "public" }, "steps": [
        { "as": "tags", "list": { "table": "tags", "orderBy": ["label"] } }, { "respond": { "body": "${steps.tags}" } }
    ] });
    let put = developer.run("mutation($def: JSON!) { putRouter(definition: $def) { revision routers { name } } }", json!({ "def": router })).await.data();
    assert_eq!(put["putRouter"]["revision"], 3);
    let group = developer.run("mutation { putGroup(name: \"moderators\") { revision groups { name } } }", json!({})).await.data();
    assert_eq!(group["putGroup"]["groups"], json!([{ "name": "editors" }, { "name": "moderators" }]));
    let bad_router = json!({ "name": "x", "method": "GET", "path": "/auth/me", "access": { "allow": "public" }, "steps": [{ "respond": {} }] });
    let reserved = developer.run("mutation($def: JSON!) { putRouter(definition: $def) { revision } }", json!({ "def": bad_router })).await;
    assert_eq!(reserved.body["errors"][0]["extensions"]["field"], "routers.x.path");
}

#[tokio::test]
async fn saved_revisions_stream_to_subscribers() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let server = TestServer::start().await;
    let owner = server.owner().await;
    let token = owner.run("mutation { createApiToken(input: { name: \"ws\", role: VIEWER }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut socket = crate::common::open_socket(&server, None, json!({ "token": token })).await;
    let start = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { workspaceChanges { revision authorEmail } }" } });
    socket.send(Message::text(start.to_string())).await.unwrap();
    // Saves a warm-up group, with a new description each time, until the subscription streams.
    let owner_ref = &owner;
    crate::common::until_first_event(&mut socket, |n| async move {
        owner_ref.run("mutation($d: String) { putGroup(name: \"warmup\", description: $d) { revision } }", json!({ "d": format!("attempt {n}") })).await.data();
    })
    .await;

    let saved = owner.run("mutation { putGroup(name: \"staff\") { revision } }", json!({})).await.data();
    let revision = saved["putGroup"]["revision"].as_i64().unwrap();
    // Passes over the warm-up revisions, which come before.
    let event =
        crate::common::next_json_skipping(&mut socket, |e| e["payload"]["data"]["workspaceChanges"]["revision"].as_i64().is_some_and(|r| r < revision)).await;
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(event["payload"]["data"]["workspaceChanges"], json!({ "revision": saved["putGroup"]["revision"], "authorEmail": crate::common::OWNER_EMAIL }));
    // A save that changes nothing makes no revision and no event; the next one does.
    owner.run("mutation { putGroup(name: \"staff\") { revision } }", json!({})).await.data();
    owner.run("mutation { putGroup(name: \"editors\") { revision } }", json!({})).await.data();
    let next = crate::common::next_json(&mut socket).await;
    assert_eq!(next["payload"]["data"]["workspaceChanges"]["revision"], saved["putGroup"]["revision"].as_i64().unwrap() + 1);
}

#[tokio::test]
async fn a_create_refuses_a_name_in_use_and_changes_nothing() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    developer.run(IMPORT, json!({ "doc": blog() })).await.data();
    let before = developer.run("{ workspace { revision document } }", json!({})).await.data()["workspace"].clone();
    let revision = before["revision"].as_i64().unwrap();

    let other_router = json!({ "name": "createPost", "method": "GET", "path": "/elsewhere", "access": { "allow": "public" }, "steps": [{ "respond": {} }] });
    let other_table = json!({ "name": "posts", "columns": [{ "name": "label", "type": "text" }] });
    let refusals = [
        (
            "mutation($d: JSON!) { createRouter(definition: $d) { revision } }",
            json!({ "d": other_router }),
            "router.name",
            "a router named `createPost` exists",
        ),
        ("mutation($d: JSON!) { createTable(definition: $d) { revision } }", json!({ "d": other_table }), "table.name", "a table named `posts` exists"),
        ("mutation { createGroup(name: \"editors\", description: \"someone else's\") { revision } }", json!({}), "name", "a group named `editors` exists"),
        // With the current revision expected, the name is what stands in the way.
        (
            "mutation($r: Int) { createGroup(name: \"editors\", expectedRevision: $r) { revision } }",
            json!({ "r": revision }),
            "name",
            "a group named `editors` exists",
        ),
    ];
    for (mutation, variables, field, message) in refusals {
        let answer = developer.run(mutation, variables).await;
        assert_eq!(answer.code(), "CONFLICT", "{mutation}: {:#}", answer.body);
        assert_eq!(answer.body["errors"][0]["message"], message, "{mutation}");
        assert_eq!(answer.body["errors"][0]["extensions"]["field"], field, "{mutation}");
        assert_eq!(answer.body["data"], serde_json::Value::Null, "{mutation}");
    }
    // Nothing changed: no new revision, every definition as it was.
    let after = developer.run("{ workspace { revision document } }", json!({})).await.data()["workspace"].clone();
    assert_eq!(after, before);
    assert_eq!(after["document"], blog());

    // A new name is created, answered as `putX` answers; a stale revision is still CONFLICT at `expectedRevision`.
    let note =
        json!({ "name": "createNote", "method": "POST", "path": "/notes", "access": { "allow": "signedIn" }, "steps": [{ "respond": { "status": 201 } }] });
    let created = developer
        .run(
            "mutation($d: JSON!, $r: Int) { createRouter(definition: $d, expectedRevision: $r) { revision routers { name } } }",
            json!({ "d": note, "r": revision }),
        )
        .await
        .data();
    assert_eq!(created["createRouter"]["revision"], revision + 1);
    assert!(created["createRouter"]["routers"].as_array().unwrap().iter().any(|r| r["name"] == "createNote"));
    let stale = developer.run("mutation($r: Int) { createGroup(name: \"staff\", expectedRevision: $r) { revision } }", json!({ "r": revision })).await;
    assert_eq!(stale.code(), "CONFLICT");
    assert_eq!(stale.body["errors"][0]["extensions"]["field"], "expectedRevision");
    let table = developer
        .run(
            "mutation($d: JSON!) { createTable(definition: $d) { revision tables { name } } }",
            json!({ "d": { "name": "notes", "columns": [{ "name": "body", "type": "text" }] } }),
        )
        .await
        .data();
    assert_eq!(table["createTable"]["revision"], revision + 2);
    let group = developer
        .run("mutation { createGroup(name: \"staff\", description: \"Our people\") { revision groups { name description } } }", json!({}))
        .await
        .data();
    assert_eq!(
        group["createGroup"]["groups"],
        json!([{ "name": "editors", "description": "May delete any post and see statistics." }, { "name": "staff", "description": "Our people" }])
    );
    // Again: refused now, and the first `createNote` is the one kept.
    let again = developer
        .run(
            "mutation($d: JSON!) { createRouter(definition: $d) { revision } }",
            json!({ "d": { "name": "createNote", "method": "GET", "path": "/other", "access": { "allow": "public" }, "steps": [{ "respond": {} }] } }),
        )
        .await;
    assert_eq!(again.body["errors"][0]["message"], "a router named `createNote` exists");
    let routers = developer.run("{ workspace { revision routers { name path } } }", json!({})).await.data();
    assert_eq!(routers["workspace"]["revision"], revision + 3);
    assert!(routers["workspace"]["routers"].as_array().unwrap().contains(&json!({ "name": "createNote", "path": "/notes" })));

    // `putGroup` still replaces; a viewer may create nothing.
    let put =
        developer.run("mutation { putGroup(name: \"staff\", description: \"Replaced\") { revision groups { name description } } }", json!({})).await.data();
    assert_eq!(put["putGroup"]["groups"][1], json!({ "name": "staff", "description": "Replaced" }));
    let viewer = server.admin_with_role("VIEWER").await;
    assert_eq!(viewer.run("mutation { createGroup(name: \"viewers\") { revision } }", json!({})).await.code(), "FORBIDDEN");
}

#[tokio::test]
async fn creates_racing_for_one_name_leave_exactly_one() {
    let server = TestServer::start().await;
    let developer = server.admin_with_role("DEVELOPER").await;
    developer.run(IMPORT, json!({ "doc": blog() })).await.data();
    let mut racers = Vec::new();
    for i in 0..8 {
        let client = developer.clone();
        let router = json!({ "name": "racer", "method": "GET", "path": format!("/racer/{i}"), "access": { "allow": "public" }, "steps": [{ "respond": {} }] });
        racers.push(tokio::spawn(async move { client.run("mutation($d: JSON!) { createRouter(definition: $d) { revision } }", json!({ "d": router })).await }));
    }
    let mut created = 0;
    for racer in racers {
        let answer = crate::common::joined(racer, std::time::Duration::from_secs(60), "a createRouter").await;
        match answer.body["errors"].is_null() {
            true => created += 1,
            false => assert_eq!(answer.body["errors"][0]["message"], "a router named `racer` exists", "{:#}", answer.body),
        }
    }
    assert_eq!(created, 1, "one create wins");
    let workspace = developer.run("{ workspace { revision routers { name } } }", json!({})).await.data()["workspace"].clone();
    assert_eq!(workspace["revision"], 2, "one revision saved");
    assert_eq!(workspace["routers"].as_array().unwrap().iter().filter(|r| r["name"] == "racer").count(), 1);
}

/// Apollo and graphql-ws clients given the GraphQL URL open their socket there,
/// not at `/graphql/ws`: signed in by cookie or by a token in `connection_init`.
#[tokio::test]
async fn subscriptions_stream_over_the_graphql_url_too() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let server = TestServer::start().await;
    let owner = server.owner().await;
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
    let token = owner.run("mutation { createApiToken(input: { name: \"ws\", role: VIEWER }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_cookie = crate::common::open_socket_at(&server, "/graphql", Some(&cookie), json!({})).await;
    let by_token = crate::common::open_socket_at(&server, "/graphql", None, json!({ "token": token })).await;
    for (how, mut socket) in [("cookie", by_cookie), ("token", by_token)] {
        let start = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { workspaceChanges { revision authorEmail } }" } });
        socket.send(Message::text(start.to_string())).await.unwrap();
        let owner_ref = &owner;
        let event = crate::common::until_first_event(&mut socket, |n| async move {
            owner_ref
                .run("mutation($d: String) { putGroup(name: \"warmup\", description: $d) { revision } }", json!({ "d": format!("{how} {n}") }))
                .await
                .data();
        })
        .await;
        assert_eq!(event["id"], "1", "{how}: {event}");
        assert_eq!(event["payload"]["data"]["workspaceChanges"]["authorEmail"], crate::common::OWNER_EMAIL, "{how}: {event}");
    }
    // Without a sign-in the socket opens, and the subscription is refused as on `/graphql/ws`.
    let mut anonymous = crate::common::open_socket_at(&server, "/graphql", None, json!({})).await;
    let start = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { workspaceChanges { revision } }" } });
    anonymous.send(Message::text(start.to_string())).await.unwrap();
    let refused = crate::common::next_json(&mut anonymous).await;
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
    // A plain GET is still GraphiQL.
    let page = reqwest::get(server.url("/graphql")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}
