//! The non-GraphQL surface: redirects, the SPA, health and metrics.

use reqwest::{StatusCode, redirect::Policy};
use serde_json::Value;

use crate::common::TestServer;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

#[tokio::test]
async fn root_redirects_to_the_admin() {
    let server = TestServer::start().await;
    let response = no_redirects().get(server.url("/")).send().await.unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()["location"], "/admin/");
}

#[tokio::test]
async fn spa_index_is_revalidated_and_client_routes_fall_back_to_it() {
    let server = TestServer::start().await;
    let index = reqwest::get(server.url("/admin/")).await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert!(index.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let etag = index.headers()["etag"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();
    assert!(html.contains("<div id=\"app\""), "the SPA's index.html");

    for client_route in ["/admin/settings", "/admin/login", "/admin/database/some/deep/route"] {
        let response = reqwest::get(server.url(client_route)).await.unwrap();
        assert_eq!(response.status(), 200, "{client_route}");
        assert_eq!(response.text().await.unwrap(), html, "{client_route}");
    }
    let revalidated = reqwest::Client::new().get(server.url("/admin/")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    let missing_asset = reqwest::get(server.url("/admin/assets/nope-123.js")).await.unwrap();
    assert_eq!(missing_asset.status(), 404);
    let body: Value = missing_asset.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_compressed() {
    let server = TestServer::start().await;
    let html = reqwest::get(server.url("/admin/")).await.unwrap().text().await.unwrap();
    let script =
        html.split('"').find(|part| part.starts_with("/admin/assets/") && part.ends_with(".js")).expect("index.html references a hashed script").to_owned();
    let response = reqwest::Client::new().get(server.url(&script)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert!(response.headers()["content-type"].to_str().unwrap().contains("javascript"));
}

#[tokio::test]
async fn health_and_readiness() {
    let server = TestServer::start().await;
    let alive = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(alive.status(), 200);
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn unknown_routes_answer_json_404() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/no/such/thing")).await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert!(body["error"]["message"].is_string());
}

/// Parses the Prometheus text format: every sample line is `name{labels} value`.
fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("malformed line {line:?}"));
            (series.to_owned(), value.parse::<f64>().unwrap_or_else(|_| panic!("bad value in {line:?}")))
        })
        .collect()
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let server = TestServer::start().await;
    for _ in 0..3 {
        reqwest::get(server.url("/healthz")).await.unwrap();
    }
    reqwest::get(server.url("/nope")).await.unwrap();
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("# TYPE http_requests counter"), "{text}");
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"), "{text}");
    let samples = samples(&text);
    let healthz = samples
        .iter()
        .find(|(series, _)| series.starts_with("http_requests_total{") && series.contains("route=\"/healthz\"") && series.contains("status=\"200\""))
        .unwrap_or_else(|| panic!("no healthz counter in {text}"));
    assert_eq!(healthz.1, 3.0);
    assert!(samples.iter().any(|(series, _)| series.contains("route=\"unmatched\"") && series.contains("status=\"404\"")));
    assert!(samples.iter().any(|(series, v)| series.starts_with("http_request_duration_seconds_count{") && series.contains("/healthz") && *v == 3.0));
}
