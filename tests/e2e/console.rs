//! The API test console: requests through the real stack as each kind of
//! caller, with the trace and a curl command, saved as test cases.

use serde_json::{Value, json};

use crate::{blog::Blog, common::finished_test_run};

const RUN: &str = "mutation($r: ApiTestRequest!) { runApiTest(environment: \"test\", request: $r) { status headers body durationMs router logId curl trace { kind name rows } } }";

async fn console(blog: &Blog, request: Value) -> Value {
    blog.owner.run(RUN, json!({ "r": request })).await.data()["runApiTest"].clone()
}

#[tokio::test]
async fn the_console_calls_as_each_kind_of_caller() {
    let blog = Blog::start().await;
    let anonymous = console(&blog, json!({ "method": "GET", "path": "/posts", "query": { "limit": 5 } })).await;
    assert_eq!((anonymous["status"].as_u64(), anonymous["router"].as_str()), (Some(200), Some("listPosts")));
    assert_eq!(anonymous["body"]["items"], json!([]));
    assert_eq!(anonymous["trace"][0]["kind"], "list");
    assert_eq!(anonymous["headers"]["x-request-id"], anonymous["logId"]);
    assert!(anonymous["curl"].as_str().unwrap().ends_with("/env/test/posts?limit=5'"), "{}", anonymous["curl"]);

    // A group member passes the access rule an anonymous caller does not.
    assert_eq!(console(&blog, json!({ "method": "GET", "path": "/stats" })).await["status"], 401);
    let editor = console(&blog, json!({ "method": "GET", "path": "/stats", "actAs": { "group": "editors" } })).await;
    assert_eq!(editor["status"], 200, "{editor}");
    assert!(editor["curl"].as_str().unwrap().contains("Bearer $TOKEN"));

    // A real end user, by email: the post is theirs.
    let (_, ann) = blog.user("ann@example.com").await;
    let created =
        console(&blog, json!({ "method": "POST", "path": "/posts", "body": { "title": "from the console" }, "actAs": { "userEmail": "ANN@example.com" } }))
            .await;
    assert_eq!((created["status"].as_u64(), created["body"]["owner"].as_i64()), (Some(201), Some(ann)));
    assert_eq!(created["trace"][0], json!({ "kind": "insert", "name": "post", "rows": 1 }));

    for (request, code) in [
        (json!({ "method": "GET", "path": "/stats", "actAs": { "group": "nobody" } }), "BAD_USER_INPUT"),
        (json!({ "method": "GET", "path": "/posts", "actAs": { "userEmail": "ghost@example.com" } }), "NOT_FOUND"),
        (json!({ "method": "TRACE", "path": "/posts" }), "BAD_USER_INPUT"),
        (json!({ "method": "GET", "path": "posts" }), "BAD_USER_INPUT"),
    ] {
        assert_eq!(blog.owner.run(RUN, json!({ "r": request })).await.code(), code, "{request}");
    }
    let viewer = blog.server.admin_with_role("VIEWER").await;
    assert_eq!(viewer.run(RUN, json!({ "r": { "method": "GET", "path": "/posts" } })).await.code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_console_call_saved_as_a_case_runs_green() {
    let blog = Blog::start().await;
    // Runs read the workspace's fixtures, not the environment's rows: the
    // post read below is one of both.
    let mut document = crate::blog::blog();
    document["fixtures"]["rows"]["posts"] = json!([{ "title": "kept", "published": true }]);
    document["fixtures"]["rows"]["comments"] = json!([]);
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": document })).await.data();
    let save = "mutation($r: ApiTestRequest!) { saveApiTestAsCase(environment: \"test\", name: \"stats as an editor\", request: $r) { document } }";
    let saved = blog.owner.run(save, json!({ "r": { "method": "GET", "path": "/stats", "actAs": { "group": "editors" } } })).await.data();
    let case = saved["saveApiTestAsCase"]["document"]["tests"][0].clone();
    assert_eq!((case["router"].as_str(), case["generated"].as_bool(), case["actAs"].clone()), (Some("stats"), Some(false), json!({ "group": "editors" })));
    assert_eq!(case["steps"][0]["expect"]["status"], 200);
    // Counts change with every run: not expected.
    assert!(case["steps"][0]["expect"].get("body").is_none(), "{case}");
    // A post's text is.
    let (token, _) = blog.user("poster@example.com").await;
    let (_, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "kept", "published": true }))).await;
    let save_post = "mutation($r: ApiTestRequest!) { saveApiTestAsCase(environment: \"test\", name: \"read a post\", request: $r) { document } }";
    let saved = blog.owner.run(save_post, json!({ "r": { "method": "GET", "path": format!("/posts/{}", post["id"]) } })).await.data();
    assert_eq!(saved["saveApiTestAsCase"]["document"]["tests"][1]["steps"][0]["expect"]["body"], json!({ "title": "kept", "published": true }));
    assert_eq!(blog.owner.run(save, json!({ "r": { "method": "GET", "path": "/stats" } })).await.code(), "CONFLICT");

    let refreshed = blog.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let id = refreshed["refresh"]["testRun"]["id"].as_str().unwrap().to_owned();
    let run = finished_test_run(&blog.owner, &id).await;
    for name in ["stats as an editor", "read a post"] {
        let mine = run["results"].as_array().unwrap().iter().find(|r| r["name"] == name).expect("the saved case ran").clone();
        assert_eq!(mine["status"], "PASSED", "{mine}");
    }
}
