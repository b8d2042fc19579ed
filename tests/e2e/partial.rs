//! Partial updates: a PATCH whose update step is `partial` writes only the
//! fields the request sent, and every PATCH router gets a generated case that
//! sends one field and checks the others kept their values.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{blog::Blog, common::finished_test_run};

/// The notes API as the router builder proposes it: values per column.
fn notes(partial: bool) -> Value {
    let fields = json!({ "title": { "type": "string", "minLength": 1 }, "body": { "type": ["string", "null"] }, "done": { "type": "boolean" } });
    let per_column = json!({ "title": "${request.body.title}", "body": "${request.body.body}", "done": "${request.body.done}" });
    let mut update = json!({ "table": "notes", "id": "${request.params.id}", "values": per_column });
    if partial {
        update["partial"] = json!(true);
    }
    let params = json!({ "type": "object", "properties": { "id": { "type": "integer", "minimum": 1 } } });
    json!({
        "format": "serverkit.workspace", "version": 1,
        "tables": [{ "name": "notes", "columns": [
            { "name": "title", "type": "text", "required": true },
            { "name": "body", "type": "text" },
            { "name": "done", "type": "boolean", "default": false }
        ] }],
        "routers": [
            { "name": "createNote", "method": "POST", "path": "/notes", "access": { "allow": "public" },
              "input": { "body": { "type": "object", "required": ["title"], "properties": fields, "additionalProperties": false } },
              "steps": [{ "as": "note", "insert": { "table": "notes", "values": per_column } }, { "respond": { "status": 201, "body": "${steps.note}" } }] },
            { "name": "getNote", "method": "GET", "path": "/notes/{id}", "access": { "allow": "public" }, "input": { "params": params },
              "steps": [{ "as": "note", "get": { "table": "notes", "id": "${request.params.id}" } }, { "respond": { "status": 200, "body": "${steps.note}" } }] },
            { "name": "updateNote", "method": "PATCH", "path": "/notes/{id}", "access": { "allow": "public" },
              "input": { "params": params, "body": { "type": "object", "minProperties": 1, "properties": fields, "additionalProperties": false } },
              "steps": [{ "as": "note", "update": update }, { "respond": { "status": 200, "body": "${steps.note}" } }] }
        ]
    })
}

async fn notes_server(partial: bool) -> Blog {
    let server = crate::common::TestServer::start().await;
    let owner = server.owner().await;
    owner.run("mutation($d: JSON!) { importWorkspace(document: $d) { revision } }", json!({ "d": notes(partial) })).await.data();
    owner.run("mutation { refresh(environment: \"test\", runTests: false) { revision } }", json!({})).await.data();
    Blog { owner, http: reqwest::Client::builder().timeout(crate::common::REQUEST_TIMEOUT).build().unwrap(), server }
}

#[tokio::test]
async fn a_partial_patch_changes_only_what_was_sent() {
    let app = notes_server(true).await;
    let (status, note) = app.call("POST", "/notes", None, Some(json!({ "title": "Groceries", "body": "milk", "done": false }))).await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let path = format!("/notes/{}", note["id"]);
    let (status, renamed) = app.call("PATCH", &path, None, Some(json!({ "title": "Renamed" }))).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!((&renamed["title"], &renamed["body"], &renamed["done"]), (&json!("Renamed"), &json!("milk"), &json!(false)));
    // A required column not sent is not "missing": it is kept.
    let (status, done) = app.call("PATCH", &path, None, Some(json!({ "done": true }))).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!((&done["title"], &done["done"]), (&json!("Renamed"), &json!(true)));
    // Null sent is null written.
    let (status, emptied) = app.call("PATCH", &path, None, Some(json!({ "body": null }))).await;
    assert_eq!((status, &emptied["body"], &emptied["title"]), (StatusCode::OK, &Value::Null, &json!("Renamed")), "{emptied}");
    // The generated partial-update case passes.
    let refreshed = app.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let run = finished_test_run(&app.owner, refreshed["refresh"]["testRun"]["id"].as_str().unwrap()).await;
    let partial = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "updateNote: partial update").expect("a partial update case");
    assert_eq!(partial["status"], "PASSED", "{partial:#}");
}

#[tokio::test]
async fn a_patch_that_writes_every_column_fails_its_generated_partial_update() {
    let app = notes_server(false).await;
    let refreshed = app.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let run = finished_test_run(&app.owner, refreshed["refresh"]["testRun"]["id"].as_str().unwrap()).await;
    let partial = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "updateNote: partial update").expect("a partial update case");
    // It sends only the title: the required title is kept, but body and done become null.
    assert_eq!(partial["status"], "FAILED", "{partial:#}");
    assert_eq!(run["status"], "FAILED");
}

#[tokio::test]
async fn partial_is_refused_where_it_means_nothing() {
    let app = notes_server(true).await;
    let mut document = notes(true);
    document["routers"][0]["steps"][0]["insert"]["partial"] = json!(true);
    document["routers"][2]["steps"][0]["update"]["values"] = json!("${request.body}");
    let refused = app.owner.run("query($d: JSON!) { validateWorkspace(document: $d) { path message } }", json!({ "d": document })).await.data();
    let paths: Vec<&str> = refused["validateWorkspace"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"routers.createNote.steps[0].insert.partial"), "{paths:?}");
    assert!(paths.contains(&"routers.updateNote.steps[0].update.partial"), "{paths:?}");
}
