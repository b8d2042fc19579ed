//! An admin flooding the API with expensive queries must not stall the data
//! plane: validation runs off the async workers, a bounded number at a time,
//! and one request cannot ask for many validations of a large document.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    blog::{Blog, blog},
    common::joined,
};

/// The blog with enough extra routers to weigh about 1 MB and take a while to compile.
fn large_document() -> Value {
    let mut doc = blog();
    let routers = doc["routers"].as_array_mut().unwrap();
    for i in 0..1500 {
        routers.push(json!({
            "name": format!("extra{i}"),
            "method": "POST",
            "path": format!("/extra/{i}/{{id}}"),
            "access": { "allow": "public" },
            "input": { "body": { "type": "object", "properties": {
                "title": { "type": "string", "pattern": "^[a-z]+(-[a-z]+)*$", "maxLength": 200 },
                "n": { "type": "integer", "minimum": 0 } } } },
            "steps": [
                { "as": "post", "get": { "table": "posts", "id": "${request.params.id}" } },
                { "check": { "condition": "steps.post.published || caller.id == steps.post.owner", "status": 404, "message": "no such post" } },
                { "set": { "name": "label", "value": "${(request.body.title ?? 'untitled') + ' #' + request.params.id}" } },
                { "script": { "code": "let total = 0; for x in 0..10 { total += x; } total" } },
                { "respond": { "status": 200, "body": { "post": "${steps.post}", "label": "${vars.label}", "filler": "x".repeat(200) } } }
            ]
        }));
    }
    doc
}

const VALIDATE: &str = "query($d: JSON!) { validateWorkspace(document: $d) { path message } }";

// Several workers, as `serverkit serve` runs: the server's async workers are what is measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_admin_queries_do_not_stall_the_data_plane() {
    let blog = Blog::start().await;
    let (token, _) = blog.user("reader@example.com").await;
    let (_, post) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "steady", "published": true }))).await;
    let url = blog.url(&format!("/posts/{}", post["id"]));
    let document = large_document();
    assert!(serde_json::to_string(&document).unwrap().len() > 1_000_000, "a document of about 1 MB");
    let viewer = blog.server.admin_with_role("VIEWER").await;

    // Many validations of a large document in one request cost more than a request may.
    let aliases: Vec<String> = (0..40).map(|i| format!("v{i}: validateWorkspace(document: $d) {{ path }}")).collect();
    let many = viewer.run(&format!("query($d: JSON!) {{ {} }}", aliases.join(" ")), json!({ "d": document })).await;
    assert_eq!(many.code(), "BAD_USER_INPUT", "{:#}", many.body);
    let aliases: Vec<String> = (0..10).map(|i| format!("v{i}: validateWorkspace(document: $d) {{ path }}")).collect();
    let costly = viewer.run(&format!("query($d: JSON!) {{ {} }}", aliases.join(" ")), json!({ "d": document })).await;
    assert_eq!(costly.code(), "BAD_USER_INPUT", "ten validations of 1 MB exceed the complexity budget: {:#}", costly.body);
    // One is fine, and finds the document valid.
    assert_eq!(viewer.run(VALIDATE, json!({ "d": document })).await.data()["validateWorkspace"], json!([]));

    // Four clients validate as fast as they can while a client of the API reads a post.
    let stop = Arc::new(AtomicBool::new(false));
    let validated = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for _ in 0..4 {
        let (viewer, document, stop, validated) = (viewer.clone(), document.clone(), stop.clone(), validated.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let answer = viewer.run(VALIDATE, json!({ "d": document })).await;
                assert_eq!(answer.status, StatusCode::OK);
                validated.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Measure only once the flood is under way. A client can only end by
    // failing before then: its panic fails the test, as does a flood that
    // never starts.
    let deadline = Instant::now() + Duration::from_secs(60);
    while validated.load(Ordering::Relaxed) == 0 {
        if let Some(ended) = flood.iter().position(|task| task.is_finished()) {
            joined(flood.swap_remove(ended), Duration::from_secs(1), "a flood client").await;
            panic!("a flood client ended before any validation, without failing");
        }
        assert!(Instant::now() < deadline, "no validation of the large document within 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies = Vec::new();
    for _ in 0..150 {
        let started = Instant::now();
        let read = async {
            let response = blog.http.get(&url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.bytes().await.unwrap();
        };
        tokio::time::timeout(Duration::from_secs(10), read).await.expect("the data plane answered within 10 s under the flood");
        latencies.push(started.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    // Each client ends after the validation it is waiting for.
    for task in flood {
        joined(task, Duration::from_secs(60), "a flood client").await;
    }
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    println!(
        "data plane under an admin flood: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} requests; {} validations of 1 MB meanwhile",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
        latencies.len(),
        validated.load(Ordering::Relaxed)
    );
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");
}
