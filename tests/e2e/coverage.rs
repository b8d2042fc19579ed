//! Honest coverage: each run says, per router, which kinds of case ran and
//! which could not be generated (and why); a router no case showed working
//! keeps the deploy gate closed.

use serde_json::{Value, json};

use crate::{blog::Blog, common::finished_test_run};

const COVERAGE: &str =
    "query($id: ID!) { testRun(id: $id) { status coverage { router tested happyPathPassed ran { kind cases passed } skipped { kind reason } } } }";

async fn refreshed_run(blog: &Blog) -> Value {
    let refreshed = blog.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let id = refreshed["refresh"]["testRun"]["id"].as_str().expect("a run").to_owned();
    finished_test_run(&blog.owner, &id).await;
    blog.owner.run(COVERAGE, json!({ "id": id })).await.data()["testRun"].clone()
}

fn of<'a>(run: &'a Value, router: &str) -> &'a Value {
    run["coverage"].as_array().unwrap().iter().find(|c| c["router"] == router).unwrap_or_else(|| panic!("no coverage of {router}: {run:#}"))
}

fn kinds(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|k| k["kind"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn every_blog_router_is_covered_and_what_was_skipped_says_why() {
    let blog = Blog::start().await;
    let run = refreshed_run(&blog).await;
    assert_eq!(run["status"], "PASSED");
    assert_eq!(run["coverage"].as_array().unwrap().len(), 8);
    assert!(run["coverage"].as_array().unwrap().iter().all(|c| c["tested"] == true && c["happyPathPassed"] == true), "{run:#}");
    let stats = of(&run, "stats");
    assert!(kinds(&stats["ran"]).contains(&"HAPPY_PATH") && kinds(&stats["ran"]).contains(&"REFUSED_CALLER"), "{stats:#}");
    let skipped = stats["skipped"].as_array().unwrap();
    let not_found = skipped.iter().find(|s| s["kind"] == "NOT_FOUND").expect("stats looks nothing up");
    assert_eq!(not_found["reason"], "no step looks a row up by a path parameter");
    // getPost is read by the posts chain as well as its own cases.
    let get = of(&run, "getPost");
    assert!(kinds(&get["ran"]).contains(&"CRUD_CHAIN"), "{get:#}");
    let public = get["skipped"].as_array().unwrap().iter().find(|s| s["kind"] == "REFUSED_CALLER").expect("getPost is public");
    assert_eq!(public["reason"], "it is public: every caller is admitted");
}

#[tokio::test]
async fn a_router_whose_happy_path_cannot_be_generated_keeps_the_deploy_gate_closed() {
    let blog = Blog::start().await;
    let mut document = crate::blog::blog();
    document["tables"].as_array_mut().unwrap().push(json!({ "name": "notes", "columns": [{ "name": "text", "type": "text" }] }));
    document["routers"].as_array_mut().unwrap().push(json!({
        "name": "getNote", "method": "GET", "path": "/notes/{id}", "access": { "allow": "public" },
        "input": { "params": { "type": "object", "properties": { "id": { "type": "integer", "minimum": 1 } } } },
        "steps": [{ "as": "note", "get": { "table": "notes", "id": "${request.params.id}" } }, { "respond": { "status": 200, "body": "${steps.note}" } }]
    }));
    blog.owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": document })).await.data();
    let run = refreshed_run(&blog).await;
    // Every case that ran passed: only its invalid input did, for getNote.
    assert_eq!(run["status"], "PASSED", "{run:#}");
    let note = of(&run, "getNote");
    assert_eq!((note["tested"].as_bool(), kinds(&note["ran"])), (Some(false), vec!["INVALID_INPUT"]), "{note:#}");
    let happy = note["skipped"].as_array().unwrap().iter().find(|s| s["kind"] == "HAPPY_PATH").expect("no happy path");
    assert!(happy["reason"].as_str().unwrap().contains("no router creates the `notes` row"), "{happy}");

    let plan = blog.owner.run("{ deployPlan(from: \"test\", to: \"production\") { gate { status passed untested message } } }", json!({})).await.data();
    let gate = &plan["deployPlan"]["gate"];
    assert_eq!((gate["status"].as_str(), gate["passed"].as_bool(), gate["untested"].clone()), (Some("PASSED"), Some(false), json!(["getNote"])), "{gate:#}");
    assert!(gate["message"].as_str().unwrap().contains("`getNote`"), "{gate}");
    let refused = blog.owner.run("mutation { deploy(input: { from: \"test\", to: \"production\" }) { number } }", json!({})).await;
    assert_eq!(refused.code(), "TESTS_NOT_PASSED");
    assert_eq!(refused.body["errors"][0]["extensions"]["untested"], json!(["getNote"]));

    // A written case that shows it working opens the gate.
    let written = json!({
        "name": "getNote: a missing note is 404", "router": "getNote",
        "steps": [{ "method": "GET", "path": "/notes/1", "expect": { "status": 404 } }]
    });
    blog.owner.run("mutation($c: JSON!) { putTestCase(definition: $c) { revision } }", json!({ "c": written })).await.data();
    let run = refreshed_run(&blog).await;
    assert_eq!(of(&run, "getNote")["tested"], true);
    let plan = blog.owner.run("{ deployPlan(from: \"test\", to: \"production\") { gate { passed untested } } }", json!({})).await.data();
    assert_eq!(plan["deployPlan"]["gate"], json!({ "passed": true, "untested": [] }));
}
