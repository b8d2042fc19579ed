//! Many end users writing at once. On SQLite the writes queued behind the
//! writer commit together; each must still succeed or fail on its own.

use futures_util::future::join_all;
use serde_json::json;

use crate::blog::Blog;

#[tokio::test]
async fn concurrent_writes_each_succeed_or_fail_on_their_own() {
    let blog = Blog::start().await;
    let mut doc = crate::blog::blog();
    doc["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text", "required": true, "unique": true }] }));
    doc["routers"].as_array_mut().unwrap().push(json!({
        "name": "createTag", "method": "POST", "path": "/tags", "access": { "allow": "public" },
        "steps": [{ "as": "tag", "insert": { "table": "tags", "values": { "label": "${request.body.label}" } } }, { "respond": { "status": 201, "body": "${steps.tag}" } }]
    }));
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    let (token, user) = blog.user("writer@example.com").await;

    // 20 labels, each sent 3 times, interleaved with 60 posts: unique
    // violations land in the same batches as writes that must be kept.
    let tags = (0..60).map(|n| blog.call("POST", "/tags", None, Some(json!({ "label": format!("label-{}", n % 20) }))));
    let posts = (0..60).map(|n| blog.call("POST", "/posts", Some(&token), Some(json!({ "title": format!("post {n}"), "published": true }))));
    let (tags, posts) = tokio::join!(join_all(tags), join_all(posts));

    let created: Vec<_> = tags.iter().filter(|(status, _)| status.as_u16() == 201).collect();
    let conflicts = tags.iter().filter(|(status, body)| status.as_u16() == 409 && body["error"]["code"] == "CONFLICT").count();
    assert_eq!((created.len(), conflicts), (20, 40), "one write per label wins, the others conflict: {tags:?}");
    let mut labels: Vec<&str> = created.iter().map(|(_, body)| body["label"].as_str().unwrap()).collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), 20);

    assert!(posts.iter().all(|(status, _)| status.as_u16() == 201), "{posts:?}");
    let mut ids: Vec<i64> = posts.iter().map(|(_, body)| body["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60, "every post got its own row");
    assert!(posts.iter().all(|(_, body)| body["owner"] == user && body["published"] == true));

    // What the writes answered is what the database holds.
    let count = |table: &str| {
        let query = format!("{{ rows(environment: \"test\", table: \"{table}\", first: 1) {{ totalCount }} }}");
        let owner = blog.owner.clone();
        async move { owner.run(&query, json!({})).await.data()["rows"]["totalCount"].as_i64().unwrap() }
    };
    assert_eq!((count("tags").await, count("posts").await), (20, 60));
    for id in ids.iter().step_by(7) {
        let (status, body) = blog.call("GET", &format!("/posts/{id}"), None, None).await;
        assert_eq!((status.as_u16(), body["id"].as_i64()), (200, Some(*id)));
    }
}
