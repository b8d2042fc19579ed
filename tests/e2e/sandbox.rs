//! Test runs serve in a sandbox: a store of their own built from what the
//! environment serves, loaded with the workspace's fixtures and dropped
//! after. The environment's rows, users, files, request log and figures
//! stay what its users made them.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    blog::Blog,
    common::{finished_test_run, until},
};

/// What a user of the environment sees of its data, its log and its figures.
async fn what_the_user_sees(blog: &Blog) -> Value {
    let data = blog
        .owner
        .run(
            "{ posts: rows(environment: \"test\", table: \"posts\") { totalCount }
               comments: rows(environment: \"test\", table: \"comments\") { totalCount }
               users(environment: \"test\") { totalCount nodes { email } }
               files(environment: \"test\", folder: \"tables\") { folders }
               requestLogs(environment: \"test\", first: 200) { nodes { id } }
               routerStats(environment: \"test\", window: HOUR) { router requests errors4xx errors5xx } }",
            json!({}),
        )
        .await
        .data();
    let mut stats = data["routerStats"].as_array().cloned().unwrap_or_default();
    stats.sort_by_key(|s| s["router"].as_str().map(str::to_owned));
    json!({
        "posts": data["posts"]["totalCount"],
        "comments": data["comments"]["totalCount"],
        "users": data["users"],
        "files": data["files"]["folders"],
        "log": data["requestLogs"]["nodes"],
        "stats": stats,
    })
}

async fn refresh_and_run(blog: &Blog) -> Value {
    let refreshed = blog.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let run = finished_test_run(&blog.owner, refreshed["refresh"]["testRun"]["id"].as_str().expect("a test run")).await;
    assert_eq!(run["status"], "PASSED", "{run:#}");
    run
}

/// The request log takes a moment to store what it was given: settled when
/// a fresh request's record is in.
async fn log_settled(blog: &Blog) {
    let marker = format!("marker={}", uuid::Uuid::new_v4().simple());
    let (_, _) = blog.call("GET", &format!("/posts?{marker}"), None, None).await;
    until("the marker request is logged", Duration::from_secs(10), || async {
        let logs = blog.owner.run("{ requestLogs(environment: \"test\", first: 5) { nodes { query } } }", json!({})).await.data();
        let found = logs["requestLogs"]["nodes"].as_array().into_iter().flatten().any(|n| n["query"] == marker.as_str());
        if found { Ok(()) } else { Err(logs) }
    })
    .await;
}

#[tokio::test]
async fn ten_refreshes_leave_the_environment_as_its_users_left_it() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("ann@example.com").await;
    let (status, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "Mine", "published": true }))).await;
    assert_eq!(status, 201, "{post}");
    log_settled(&blog).await;
    let before = what_the_user_sees(&blog).await;
    assert_eq!((before["posts"].as_u64(), before["users"]["totalCount"].as_u64()), (Some(1), Some(1)), "{before:#}");

    for _ in 0..10 {
        refresh_and_run(&blog).await;
    }
    log_settled(&blog).await;
    let mut after = what_the_user_sees(&blog).await;
    // The two marker requests differ; all else is equal.
    let markers = |seen: &Value| seen["log"].as_array().map_or(0, Vec::len);
    assert_eq!(markers(&after), markers(&before) + 1, "only the second marker request was added to the log");
    after["log"] = before["log"].clone();
    let listed = |seen: &Value| seen["stats"].as_array().unwrap().iter().find(|s| s["router"] == "listPosts").map(|s| s["requests"].clone());
    assert_eq!(listed(&after).and_then(|n| n.as_u64()), listed(&before).and_then(|n| n.as_u64()).map(|n| n + 1));
    after["stats"] = before["stats"].clone();
    assert_eq!(after, before, "a test run changed what the environment's users see");
}

#[tokio::test]
async fn fixtures_are_loaded_into_each_run_and_referable_from_cases() {
    let blog = Blog::start().await;
    let case = json!({
        "name": "getPost: the welcome fixture", "router": "getPost",
        "steps": [{ "method": "GET", "path": "/posts/${fixtures.posts[0].id}",
                    "expect": { "status": 200, "body": { "title": "Welcome", "owner": "${fixtures.endUsers[0].id}" } } }]
    });
    let signed_in = json!({
        "name": "the writer signs in with their fixture password", "router": "getPost",
        "steps": [
            { "method": "POST", "path": "/auth/login", "body": { "email": "${fixtures.endUsers[0].email}", "password": "a writer's password" },
              "expect": { "status": 200 }, "as": "login" },
            { "method": "GET", "path": "/posts/${fixtures.posts[1].id}", "headers": { "authorization": "Bearer ${steps.login.body.token}" },
              "expect": { "status": 200, "body": { "title": "A draft", "published": false } } }
        ]
    });
    for case in [case, signed_in] {
        blog.owner.run("mutation($c: JSON!) { putTestCase(definition: $c) { revision } }", json!({ "c": case })).await.data();
    }
    let run = refresh_and_run(&blog).await;
    for name in ["getPost: the welcome fixture", "the writer signs in with their fixture password"] {
        let result = run["results"].as_array().unwrap().iter().find(|r| r["name"] == name).expect("the written case ran");
        assert_eq!(result["status"], "PASSED", "{result:#}");
    }
    // Loaded into the sandbox only.
    let seen = what_the_user_sees(&blog).await;
    assert_eq!((seen["posts"].as_u64(), seen["comments"].as_u64(), seen["users"]["totalCount"].as_u64()), (Some(0), Some(0), Some(0)), "{seen:#}");
}

#[tokio::test]
async fn a_fixture_that_names_a_missing_column_is_a_problem_with_its_place() {
    let blog = Blog::start().await;
    let mut document = crate::blog::blog();
    document["fixtures"]["rows"]["posts"][0]["colour"] = json!("red");
    document["fixtures"]["endUsers"][1]["groups"] = json!(["nobody"]);
    let refused = blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": document })).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let paths: Vec<String> = refused.problems().iter().map(|p| p["path"].as_str().unwrap_or_default().to_owned()).collect();
    assert!(paths.contains(&"fixtures.rows.posts[0].colour".to_owned()), "{paths:?}");
    assert!(paths.contains(&"fixtures.endUsers[1].groups".to_owned()), "{paths:?}");
}

#[tokio::test]
async fn a_fixture_the_store_refuses_ends_the_run_in_error_saying_which() {
    let blog = Blog::start().await;
    // Valid as a document; only the store knows two posts cannot share a title.
    let mut document = crate::blog::blog();
    document["tables"][0]["columns"][0]["unique"] = json!(true);
    document["fixtures"]["rows"]["posts"][1]["title"] = json!("Welcome");
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": document })).await.data();
    let refreshed = blog.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let run = finished_test_run(&blog.owner, refreshed["refresh"]["testRun"]["id"].as_str().expect("a test run")).await;
    assert_eq!(run["status"], "ERROR", "{run:#}");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("fixtures.rows.posts[1]"), "the run says which fixture: {error}");
    // A run that worked has none.
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": crate::blog::blog() })).await.data();
    assert_eq!(refresh_and_run(&blog).await["error"], Value::Null);
}

#[tokio::test]
async fn a_runs_records_open_from_its_cases_and_stay_out_of_the_log() {
    let blog = Blog::start().await;
    let run = refresh_and_run(&blog).await;
    let chain = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "posts: create, read, update, list, delete").expect("the CRUD chain");
    let ids: Vec<&str> = chain["logIds"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(ids.len(), 6);
    for id in &ids {
        let record = blog
            .owner
            .run("query($id: ID!) { requestLog(environment: \"test\", id: $id) { id router source requestBody responseBody } }", json!({ "id": id }))
            .await
            .data();
        assert_eq!(record["requestLog"]["id"], *id, "{record}");
        assert_eq!(record["requestLog"]["source"], format!("test-run:{}", run["id"].as_str().unwrap()));
    }
    let created =
        blog.owner.run("query($id: ID!) { requestLog(environment: \"test\", id: $id) { router responseBody } }", json!({ "id": ids[0] })).await.data();
    assert_eq!(created["requestLog"]["router"], "createPost");
    assert!(created["requestLog"]["responseBody"].as_str().is_some_and(|b| b.contains("\"title\"")), "{created}");
    log_settled(&blog).await;
    let log = blog.owner.run("{ requestLogs(environment: \"test\", first: 200) { nodes { id source } } }", json!({})).await.data();
    let nodes = log["requestLogs"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().all(|n| !ids.contains(&n["id"].as_str().unwrap_or_default())), "a run's record reached the log: {log}");
    assert!(nodes.iter().all(|n| n["source"].is_null()), "{log}");
}

#[tokio::test]
async fn sandboxes_are_dropped_when_their_run_ends() {
    let blog = Blog::start().await;
    refresh_and_run(&blog).await;
    // The clean-up follows the run's end closely, not within it.
    until("the sandbox is dropped", Duration::from_secs(10), || async {
        let left = blog.server.sandboxes_left().await;
        if left.is_empty() { Ok(()) } else { Err(left) }
    })
    .await;
}
