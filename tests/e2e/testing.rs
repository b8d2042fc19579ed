//! Refresh tests every router: the generated cases of the blog example, runs
//! that pass on it and fail with a located diff when a router is broken,
//! written cases that survive regeneration, fixture users, one run at a
//! time, cancellation by a refresh, and progress over graphql-transport-ws.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    blog::{Blog, blog as blog_document},
    common::{finished_test_run, next_json, open_socket, until},
};

async fn refresh(blog: &Blog) -> Value {
    blog.owner.run("mutation { refresh(environment: \"test\") { revision testRun { id status total } } }", json!({})).await.data()["refresh"].clone()
}

fn failures(run: &Value) -> Vec<String> {
    run["results"].as_array().unwrap().iter().filter(|r| r["status"] != "PASSED").map(|r| format!("{}: {}", r["name"], r["failures"])).collect()
}

#[tokio::test]
async fn the_blog_example_generates_a_suite_that_passes() {
    let blog = Blog::start().await;
    let cases = blog.owner.run("{ testCases(environment: \"test\") { name router generated } }", json!({})).await.data();
    let names: Vec<&str> = cases["testCases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "listPosts: happy path",
            "listPosts: invalid input",
            "getPost: happy path",
            "getPost: invalid input",
            "getPost: not found",
            "createPost: happy path",
            "createPost: invalid input",
            "createPost: anonymous is refused",
            "updatePost: happy path",
            "updatePost: invalid input",
            "updatePost: anonymous is refused",
            "updatePost: not the owner",
            "updatePost: not found",
            "updatePost: partial update",
            "deletePost: happy path",
            "deletePost: invalid input",
            "deletePost: anonymous is refused",
            "deletePost: outside the groups is refused",
            "deletePost: not found",
            "createComment: happy path",
            "createComment: invalid input",
            "createComment: anonymous is refused",
            "createComment: not found",
            "listComments: happy path",
            "listComments: invalid input",
            "stats: happy path",
            "stats: anonymous is refused",
            "stats: outside the groups is refused",
            "posts: create, read, update, list, delete",
        ]
    );
    assert!(cases["testCases"].as_array().unwrap().iter().all(|c| c["generated"] == true));

    // A refresh runs them; every one passes on our own example.
    let refreshed = refresh(&blog).await;
    let run = finished_test_run(&blog.owner, refreshed["testRun"]["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "PASSED", "{:#?}", failures(&run));
    assert_eq!((run["total"].as_u64(), run["passed"].as_u64(), run["revision"].as_i64()), (Some(29), Some(29), refreshed["revision"].as_i64()));
    // Each result links the log records of its requests, which are marked as the run's.
    let chain = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "posts: create, read, update, list, delete").unwrap();
    assert_eq!(chain["logIds"].as_array().unwrap().len(), 6);
    let id = chain["logIds"][0].as_str().unwrap();
    // Stored by the log writer within its batch interval.
    let record = until(&format!("log record {id} stored"), Duration::from_secs(10), || async {
        let record = blog.owner.run("query($id: ID!) { requestLog(environment: \"test\", id: $id) { router source } }", json!({ "id": id })).await.data();
        match record["requestLog"].is_null() {
            false => Ok(record),
            true => Err(record),
        }
    })
    .await;
    assert_eq!(record["requestLog"]["router"], "createPost");
    assert_eq!(record["requestLog"]["source"], format!("test-run:{}", run["id"].as_str().unwrap()));
    // Routers that take files are tried with one: createPost's cover went up as multipart and was kept.
    let defined = blog.owner.run("{ testCases(environment: \"test\") { name definition } }", json!({})).await.data();
    let happy = defined["testCases"].as_array().unwrap().iter().find(|c| c["name"] == "createPost: happy path").unwrap();
    let call = happy["definition"]["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(call["files"]["cover"]["contentType"], "image/png", "{call:#}");
    let uploaded = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "createPost: happy path").unwrap();
    assert_eq!(uploaded["status"], "PASSED", "{uploaded}");
    // …in the run's sandbox: the environment's files are as its users left them.
    let covers = blog.owner.run("{ files(environment: \"test\", folder: \"tables\") { folders } }", json!({})).await.data();
    assert_eq!(covers["files"]["folders"], json!([]), "a test run stored a file in the environment: {covers}");
    // The same definition generates the same cases.
    let again = blog.owner.run("{ testCases(environment: \"test\") { name } }", json!({})).await.data();
    assert_eq!(again["testCases"].as_array().unwrap().len(), names.len());

    // The latest run of the served revision is the gate a deploy reads.
    let latest = blog
        .owner
        .run("query($r: Int) { latestTestRun(environment: \"test\", revision: $r) { id status } }", json!({ "r": refreshed["revision"] }))
        .await
        .data();
    assert_eq!(latest["latestTestRun"]["id"], run["id"]);
}

#[tokio::test]
async fn fixture_users_act_in_the_sandbox_and_not_among_real_users() {
    let blog = Blog::start().await;
    let run = finished_test_run(&blog.owner, refresh(&blog).await["testRun"]["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "PASSED");
    // The refused-caller and group cases ran as fixture users…
    let editors = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "stats: happy path").expect("stats ran");
    assert_eq!(editors["status"], "PASSED", "{editors}");
    // …who were made in the sandbox, not among the environment's users.
    let users = blog.owner.run("{ users(environment: \"test\") { totalCount } }", json!({})).await.data();
    assert_eq!(users["users"]["totalCount"], 0, "{users}");
}

#[tokio::test]
async fn a_broken_router_fails_its_case_with_the_difference() {
    let blog = Blog::start().await;
    let mut doc = blog_document();
    // getPost now answers 202 and leaves out the title.
    doc["routers"][1]["steps"][2]["respond"] = json!({ "status": 202, "body": { "id": "${steps.post.id}" } });
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    // The generated happy path now expects 202: a case written by hand keeps expecting 200 and the title.
    let written = json!({
        "name": "getPost: shows the title", "router": "getPost", "actAs": "signedIn",
        "steps": [
            { "as": "create", "method": "POST", "path": "/posts", "body": { "title": "Hello", "published": true }, "expect": { "status": 201 } },
            { "as": "read", "method": "GET", "path": "/posts/${steps.create.body.id}", "expect": { "status": "2xx", "body": { "title": "Hello" }, "paths": { "/id": "${steps.create.body.id}" } } }
        ]
    });
    blog.owner.run("mutation($d: JSON!) { putTestCase(definition: $d) { revision } }", json!({ "d": written })).await.data();
    let run = finished_test_run(&blog.owner, refresh(&blog).await["testRun"]["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "FAILED");
    assert_eq!(run["failed"], 1, "{:#?}", failures(&run));
    let result = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "getPost: shows the title").unwrap();
    assert_eq!(result["status"], "FAILED");
    assert_eq!(result["failures"][0]["step"], "read");
    assert_eq!(result["failures"][0]["what"], "body/title");
    assert_eq!((result["failures"][0]["expected"].as_str(), result["failures"][0]["actual"].as_str()), (Some("Hello"), None));
    let curl = result["curl"].as_str().unwrap();
    assert!(curl.starts_with("curl -X GET '") && curl.contains("/env/test/posts/") && curl.contains("Bearer $TOKEN"), "{curl}");
    // The written case is kept as written, among the generated ones.
    let cases = blog.owner.run("{ testCases(environment: \"test\") { name generated } }", json!({})).await.data();
    let written = cases["testCases"].as_array().unwrap().iter().find(|c| c["name"] == "getPost: shows the title").unwrap();
    assert_eq!(written["generated"], false);
}

#[tokio::test]
async fn an_edited_case_survives_regeneration_and_a_bad_one_is_refused() {
    let blog = Blog::start().await;
    let cases = blog.owner.run("{ testCases(environment: \"test\") { name definition } }", json!({})).await.data();
    let mut happy = cases["testCases"].as_array().unwrap().iter().find(|c| c["name"] == "listPosts: happy path").unwrap()["definition"].clone();
    happy["steps"][0]["query"] = json!({ "limit": "5" });
    blog.owner.run("mutation($d: JSON!) { putTestCase(definition: $d) { revision } }", json!({ "d": happy })).await.data();
    let after = blog.owner.run("{ testCases(environment: \"test\") { name generated definition } }", json!({})).await.data();
    // Refresh to serve the revision with the written case.
    let run = finished_test_run(&blog.owner, refresh(&blog).await["testRun"]["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "PASSED", "{:#?}", failures(&run));
    let served = blog.owner.run("{ testCases(environment: \"test\") { name generated definition } }", json!({})).await.data();
    let edited: Vec<&Value> = served["testCases"].as_array().unwrap().iter().filter(|c| c["name"] == "listPosts: happy path").collect();
    assert_eq!(edited.len(), 1, "one case by that name: {after}");
    assert_eq!((edited[0]["generated"].as_bool(), edited[0]["definition"]["steps"][0]["query"]["limit"].as_str()), (Some(false), Some("5")));

    let bad = json!({ "name": "broken", "router": "nope", "steps": [{ "method": "GET", "path": "/x/${1 +}", "expect": { "status": 700 } }] });
    let refused = blog.owner.run("mutation($d: JSON!) { putTestCase(definition: $d) { revision } }", json!({ "d": bad })).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let paths: Vec<&str> = refused.body["errors"][0]["extensions"]["problems"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["tests.broken.router", "tests.broken.steps[0].expect.status"]);
    let bad = json!({ "name": "broken", "router": "listPosts", "steps": [{ "method": "GET", "path": "/x/${1 +}", "expect": { "status": 200 } }] });
    let refused = blog.owner.run("mutation($d: JSON!) { putTestCase(definition: $d) { revision } }", json!({ "d": bad })).await;
    assert_eq!(refused.body["errors"][0]["extensions"]["problems"][0]["path"], "tests.broken.steps[0].path", "{:#}", refused.body);
}

/// The blog with a router that takes a while, so a run lasts long enough
/// for what a test does meanwhile (no sleeping: it is work the run does).
async fn slow_blog() -> Blog {
    let blog = Blog::start().await;
    let mut doc = blog_document();
    doc["routers"].as_array_mut().unwrap().push(json!({
        "name": "slow", "method": "GET", "path": "/slow", "access": { "allow": "public" },
        "steps": [{ "as": "n", "script": { "code": "let n = 0; while n < 120000 { n += 1; } n" } }, { "respond": { "status": 200, "body": { "n": "${steps.n}" } } }]
    }));
    for i in 0..8 {
        let mut copy = doc["routers"].as_array().unwrap().last().unwrap().clone();
        copy["name"] = json!(format!("slow{i}"));
        copy["path"] = json!(format!("/slow{i}"));
        doc["routers"].as_array_mut().unwrap().push(copy);
    }
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": doc })).await.data();
    blog.owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    blog
}

#[tokio::test]
async fn one_run_at_a_time_and_a_refresh_cancels_it() {
    let blog = slow_blog().await;
    // A second start while one runs is refused with the running one's id;
    // retried in case this machine finished the first before the second came.
    let mut refused = false;
    for _ in 0..5 {
        let first = blog.owner.run("mutation { runTests(environment: \"test\") { id } }", json!({})).await.data();
        let id = first["runTests"]["id"].as_str().unwrap().to_owned();
        let second = blog.owner.run("mutation { runTests(environment: \"test\") { id } }", json!({})).await;
        match second.ok() {
            Err(errors) => {
                assert_eq!(errors[0]["extensions"]["code"], "CONFLICT");
                assert!(errors[0]["message"].as_str().unwrap().contains(&id), "{errors}");
                // A refresh cancels it: it tested what is no longer served.
                let refreshed = refresh(&blog).await;
                let cancelled = finished_test_run(&blog.owner, &id).await;
                assert_eq!(cancelled["status"], "CANCELLED");
                // What ended before the cancel is kept.
                let kept = cancelled["results"].as_array().unwrap().len() as u64;
                assert_eq!(cancelled["passed"].as_u64().unwrap() + cancelled["failed"].as_u64().unwrap(), kept, "{cancelled}");
                let next = finished_test_run(&blog.owner, refreshed["testRun"]["id"].as_str().unwrap()).await;
                assert_eq!(next["status"], "PASSED", "{:#?}", failures(&next));
                refused = true;
                break;
            }
            Ok(second) => {
                // Never two at once: the first had ended.
                assert_ne!(finished_test_run(&blog.owner, &id).await["status"], "RUNNING");
                finished_test_run(&blog.owner, second["runTests"]["id"].as_str().unwrap()).await;
            }
        }
    }
    assert!(refused, "a run never lasted long enough to meet a second start");
    // Only some routers' cases, on request.
    let some = blog.owner.run("mutation { runTests(environment: \"test\", routers: [\"stats\"]) { id total } }", json!({})).await.data();
    assert_eq!(some["runTests"]["total"], 3);
    finished_test_run(&blog.owner, some["runTests"]["id"].as_str().unwrap()).await;
    let none = blog.owner.run("mutation { runTests(environment: \"test\", cases: [\"no such case\"]) { id } }", json!({})).await;
    assert_eq!(none.code(), "BAD_USER_INPUT");
    let cancelled = blog.owner.run("mutation { cancelTestRun(environment: \"test\") }", json!({})).await.data();
    assert_eq!(cancelled["cancelTestRun"], Value::Null, "nothing runs");
    // Runs write rows and make users: never in production.
    let production = blog.owner.run("mutation { runTests(environment: \"production\") { id } }", json!({})).await;
    assert_eq!(production.code(), "BAD_USER_INPUT");
    // What the environment serves, apart from the current workspace.
    let served = blog.owner.run("{ environment(slug: \"test\") { servedWorkspace { revision routers { name } } } }", json!({})).await.data();
    assert_eq!(served["environment"]["servedWorkspace"]["routers"].as_array().unwrap().len(), 17);
}

#[tokio::test]
async fn progress_streams_every_case_once_then_the_summary() {
    let blog = slow_blog().await;
    let token = blog.owner.run("mutation { createApiToken(input: { name: \"progress\", role: DEVELOPER }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut socket = open_socket(&blog.server, None, json!({ "token": token })).await;
    let run = blog.owner.run("mutation { runTests(environment: \"test\") { id total } }", json!({})).await.data();
    let (id, total) = (run["runTests"]["id"].as_str().unwrap().to_owned(), run["runTests"]["total"].as_u64().unwrap());
    let query = "subscription($id: ID!) { testRunProgress(runId: $id) { __typename
        ... on TestCaseProgress { done total result { name status } }
        ... on TestRunFinished { run { status passed total } } } }";
    socket.send(Message::text(json!({ "id": "p", "type": "subscribe", "payload": { "query": query, "variables": { "id": id } } }).to_string())).await.unwrap();
    let mut done = Vec::new();
    loop {
        let message = next_json(&mut socket).await;
        assert_eq!(message["type"], "next", "{message}");
        let event = &message["payload"]["data"]["testRunProgress"];
        if event["__typename"] == "TestRunFinished" {
            assert_eq!((event["run"]["status"].as_str(), event["run"]["total"].as_u64()), (Some("PASSED"), Some(total)), "{event}");
            break;
        }
        assert_eq!(event["total"], total);
        done.push(event["done"].as_u64().unwrap());
        assert!(done.len() as u64 <= total, "more progress events than cases, and no summary: {done:?}");
    }
    // Whenever the subscription was attached, every case is told once, in order.
    assert_eq!(done, (1..=total).collect::<Vec<_>>());
    assert_eq!(next_json(&mut socket).await["type"], "complete");
    // A subscriber after the end hears the whole run.
    socket.send(Message::text(json!({ "id": "q", "type": "subscribe", "payload": { "query": query, "variables": { "id": id } } }).to_string())).await.unwrap();
    let mut count = 0;
    loop {
        let message = next_json(&mut socket).await;
        if message["type"] == "complete" {
            break;
        }
        count += 1;
        assert!(count <= total + 1, "more events than the run's cases and its summary, and no `complete`");
    }
    assert_eq!(count, total + 1);
}
