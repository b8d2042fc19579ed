//! The change feed as the admin follows it: `rowChanges` and `userChanges`
//! over graphql-transport-ws. Each test writes first and subscribes from the
//! feed's start (`after: "0"`), so nothing depends on when the subscription
//! is attached; then a live write proves the stream goes on.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    blog::Blog,
    common::{Socket, next_json, open_socket},
};

async fn owner_socket(blog: &Blog) -> Socket {
    let created = blog.owner.run("mutation { createApiToken(input: { name: \"feed\", role: OWNER }) { token } }", json!({})).await.data();
    open_socket(&blog.server, None, json!({ "token": created["createApiToken"]["token"] })).await
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    socket.send(Message::text(message.to_string())).await.unwrap();
}

/// The next `n` payloads of subscription `id` (10 s each at most).
async fn events(socket: &mut Socket, id: &str, field: &str, n: usize) -> Vec<Value> {
    let mut got = Vec::new();
    while got.len() < n {
        let message = next_json(socket).await;
        assert_eq!(message["id"], id, "{message}");
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        got.push(message["payload"]["data"][field].clone());
    }
    got
}

const ROW_FIELDS: &str = "cursor op table id row previous at";

#[tokio::test]
async fn row_changes_arrive_in_commit_order_with_previous_values_filtered_and_resumable() {
    let blog = Blog::start().await;
    let (writer, _) = blog.user("writer@example.com").await;
    let (editor, editor_id) = blog.user("editor@example.com").await;
    blog.make_editor(editor_id).await;
    let (status, first) = blog.call("POST", "/posts", Some(&writer), Some(json!({ "title": "Out", "body": "b", "published": true }))).await;
    assert!(status.is_success(), "{first}");
    let (_, draft) = blog.call("POST", "/posts", Some(&writer), Some(json!({ "title": "Draft", "body": "b", "published": false }))).await;
    // An admin's edit and a comment that goes with its post.
    blog.owner
        .run(
            "mutation($id: ID!) { updateRow(environment: \"test\", table: \"posts\", id: $id, values: { title: \"Out now\" }) { id } }",
            json!({ "id": first["id"].to_string() }),
        )
        .await
        .data();
    let (status, comment) = blog.call("POST", &format!("/posts/{}/comments", draft["id"]), Some(&writer), Some(json!({ "body": "nice" }))).await;
    assert!(status.is_success(), "{comment}");
    let (status, _) = blog.call("DELETE", &format!("/posts/{}", draft["id"]), Some(&editor), None).await;
    assert!(status.is_success(), "the editor deletes the draft: {status}");

    let mut socket = owner_socket(&blog).await;
    subscribe(&mut socket, "all", &format!("subscription {{ rowChanges(environment: \"test\", table: \"posts\", after: \"0\") {{ {ROW_FIELDS} }} }}")).await;
    let all = events(&mut socket, "all", "rowChanges", 4).await;
    let ops: Vec<&str> = all.iter().map(|e| e["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["INSERT", "INSERT", "UPDATE", "DELETE"], "{all:#?}");
    assert_eq!(all[0]["row"]["title"], "Out");
    assert_eq!(all[0]["row"]["published"], true, "values as the API gives them: {}", all[0]["row"]);
    assert_eq!(all[0]["previous"], Value::Null);
    assert_eq!((all[2]["previous"]["title"].as_str(), all[2]["row"]["title"].as_str()), (Some("Out"), Some("Out now")));
    assert_eq!(all[3]["row"], Value::Null);
    assert_eq!(all[3]["previous"]["title"], "Draft", "a delete carries the row as it was");
    assert_eq!(all[3]["id"], draft["id"].to_string());
    assert!(all.iter().all(|e| e["table"] == "posts"));

    // The comment went with its post: a delete of its own, on its own table.
    subscribe(&mut socket, "comments", "subscription { rowChanges(environment: \"test\", table: \"comments\", after: \"0\") { op id previous } }").await;
    let comments = events(&mut socket, "comments", "rowChanges", 2).await;
    assert_eq!((comments[0]["op"].as_str(), comments[1]["op"].as_str()), (Some("INSERT"), Some("DELETE")), "{comments:#?}");
    assert_eq!(comments[1]["previous"]["body"], "nice");

    // A filter keeps the changes of rows that pass it, before or after.
    subscribe(
        &mut socket,
        "published",
        "subscription { rowChanges(environment: \"test\", table: \"posts\", filter: { published: true }, after: \"0\") { op row } }",
    )
    .await;
    let published = events(&mut socket, "published", "rowChanges", 2).await;
    assert_eq!(published.iter().map(|e| e["row"]["title"].as_str().unwrap()).collect::<Vec<_>>(), ["Out", "Out now"]);

    // Resuming after the second change gives exactly the rest.
    let second = all[1]["cursor"].as_str().unwrap();
    subscribe(&mut socket, "resumed", &format!("subscription {{ rowChanges(environment: \"test\", table: \"posts\", after: \"{second}\") {{ cursor op }} }}"))
        .await;
    let rest = events(&mut socket, "resumed", "rowChanges", 2).await;
    assert_eq!(rest.iter().map(|e| e["cursor"].clone()).collect::<Vec<_>>(), vec![all[2]["cursor"].clone(), all[3]["cursor"].clone()]);

    // Live: a new post reaches every posts stream that admits it, and nothing else came before it.
    let (_, live) = blog.call("POST", "/posts", Some(&writer), Some(json!({ "title": "Live", "body": "b", "published": true }))).await;
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 3 {
        let message = next_json(&mut socket).await;
        let id = message["id"].as_str().unwrap().to_owned();
        assert!(["all", "published", "resumed"].contains(&id.as_str()), "only the posts streams: {message}");
        assert_eq!(message["payload"]["data"]["rowChanges"]["op"], "INSERT", "{message}");
        assert!(seen.insert(id, message).is_none(), "once per stream");
    }
    assert_eq!(seen["all"]["payload"]["data"]["rowChanges"]["id"], live["id"].to_string());
}

#[tokio::test]
async fn user_changes_follow_sign_ups_groups_disabling_and_deletes_without_secrets() {
    let blog = Blog::start().await;
    let (_, id) = blog.user("reader@example.com").await;
    blog.make_editor(id).await;
    blog.owner
        .run("mutation($id: ID!) { disableUser(environment: \"test\", userId: $id, disabled: true) { id } }", json!({ "id": id.to_string() }))
        .await
        .data();
    blog.owner.run("mutation($id: ID!) { deleteUser(environment: \"test\", userId: $id) }", json!({ "id": id.to_string() })).await.data();

    let mut socket = owner_socket(&blog).await;
    subscribe(&mut socket, "u", "subscription { userChanges(environment: \"test\", after: \"0\") { cursor op at user { id email groups disabled } } }").await;
    let mut changes = Vec::new();
    // Sign-up (its token's row is not recorded), groups, disable, delete.
    while changes.last().is_none_or(|c: &Value| c["op"] != "DELETE") {
        changes.extend(events(&mut socket, "u", "userChanges", 1).await);
        assert!(changes.len() <= 6, "{changes:#?}");
    }
    assert_eq!(changes[0]["op"], "INSERT", "{changes:#?}");
    assert!(changes.iter().all(|c| c["user"]["email"] == "reader@example.com"), "{changes:#?}");
    assert!(changes.iter().any(|c| c["op"] == "UPDATE"), "groups and disabling are updates: {changes:#?}");
    let deleted = changes.last().unwrap();
    assert_eq!(deleted["user"]["id"], id.to_string());
    let text = serde_json::to_string(&changes).unwrap();
    assert!(!text.contains("password") && !text.contains("hash"), "{text}");
}

#[tokio::test]
async fn changes_need_the_capability_of_the_page_they_feed() {
    let blog = Blog::start().await;
    let mut socket = owner_socket(&blog).await;
    // Refused when it starts: the stream's one message carries the error.
    let refusals = [
        ("p", "subscription { rowChanges(environment: \"production\", table: \"posts\") { op } }", "FORBIDDEN"),
        ("u", "subscription { userChanges(environment: \"production\") { op } }", "FORBIDDEN"),
        ("b", "subscription { rowChanges(environment: \"test\", table: \"posts\", filter: { colour: \"red\" }) { op } }", "BAD_USER_INPUT"),
        ("c", "subscription { rowChanges(environment: \"test\", table: \"posts\", after: \"yesterday\") { op } }", "BAD_USER_INPUT"),
    ];
    for (id, query, code) in refusals {
        subscribe(&mut socket, id, query).await;
        let refused = next_json(&mut socket).await;
        assert_eq!(refused["id"], id, "{refused}");
        assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], code, "{refused}");
        assert!(refused["payload"]["data"].is_null(), "{refused}");
        let done = next_json(&mut socket).await;
        assert_eq!((done["type"].as_str(), done["id"].as_str()), (Some("complete"), Some(id)), "then the stream ends: {done}");
    }
}

#[tokio::test]
async fn file_changes_follow_uploads_moves_and_deletes_in_a_folder() {
    let blog = Blog::start().await;
    let owner = &blog.owner;
    let put = |path: &str, body: &'static str| {
        let url = blog.server.url(&format!("/admin/files/test/{path}"));
        async move {
            let response = owner.http.put(url).header("x-serverkit-csrf", "1").header("content-type", "text/plain").body(body).send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
        }
    };
    put("docs/a.txt", "first").await;
    put("other/b.txt", "elsewhere").await;
    put("docs/a.txt", "replaced").await;
    owner.run("mutation { moveFile(environment: \"test\", from: \"docs/a.txt\", to: \"docs/kept/a.txt\") { path } }", json!({})).await.data();
    owner.run("mutation { deleteFile(environment: \"test\", path: \"docs/kept/a.txt\") }", json!({})).await.data();

    let mut socket = owner_socket(&blog).await;
    subscribe(
        &mut socket,
        "f",
        "subscription { fileChanges(environment: \"test\", folder: \"docs\", after: \"0\") { cursor op path previousPath size contentType at } }",
    )
    .await;
    let changes = events(&mut socket, "f", "fileChanges", 4).await;
    let seen: Vec<(&str, &str, Option<&str>)> =
        changes.iter().map(|c| (c["op"].as_str().unwrap(), c["path"].as_str().unwrap(), c["previousPath"].as_str())).collect();
    assert_eq!(
        seen,
        [
            ("INSERT", "docs/a.txt", None),
            ("UPDATE", "docs/a.txt", None),
            ("UPDATE", "docs/kept/a.txt", Some("docs/a.txt")),
            ("DELETE", "docs/kept/a.txt", None)
        ],
        "only the folder's, in order: {changes:#?}"
    );
    assert_eq!((changes[1]["size"].as_i64(), changes[1]["contentType"].as_str()), (Some(8), Some("text/plain")), "{:#}", changes[1]);
    // Live: an upload arrives on the stream.
    put("docs/live.txt", "now").await;
    let live = events(&mut socket, "f", "fileChanges", 1).await;
    assert_eq!((live[0]["op"].as_str(), live[0]["path"].as_str()), (Some("INSERT"), Some("docs/live.txt")));
    // Refused where file management is off.
    subscribe(&mut socket, "p", "subscription { fileChanges(environment: \"production\") { op } }").await;
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
}

#[tokio::test]
async fn file_changes_follow_the_files_of_rows_written_through_the_api() {
    let blog = Blog::start().await;
    let (writer, writer_id) = blog.user("writer@example.com").await;
    blog.make_editor(writer_id).await;
    let form = reqwest::multipart::Form::new()
        .text("title", "with a cover")
        .text("body", "b")
        .text("published", "true")
        .part("cover", reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).file_name("cover.png").mime_str("image/png").unwrap());
    let created = blog.http.post(blog.url("/posts")).bearer_auth(&writer).multipart(form).send().await.unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let post: Value = created.json().await.unwrap();
    let (status, body) = blog.call("DELETE", &format!("/posts/{}", post["id"]), Some(&writer), None).await;
    assert!(status.is_success(), "{body}");

    let mut socket = owner_socket(&blog).await;
    subscribe(&mut socket, "f", "subscription { fileChanges(environment: \"test\", folder: \"tables\", after: \"0\") { op path size contentType } }").await;
    let changes = events(&mut socket, "f", "fileChanges", 2).await;
    let path = format!("tables/posts/{}/cover/cover.png", post["id"]);
    assert_eq!((changes[0]["op"].as_str(), changes[0]["path"].as_str()), (Some("INSERT"), Some(path.as_str())), "{changes:#?}");
    assert_eq!((changes[0]["size"].as_i64(), changes[0]["contentType"].as_str()), (Some(12), Some("image/png")));
    assert_eq!((changes[1]["op"].as_str(), changes[1]["path"].as_str()), (Some("DELETE"), Some(path.as_str())), "the row's file went with it");
}
