//! Per-router monitoring checked against a known sequence of requests:
//! counts exact, percentiles within the histogram's error, and the same
//! figures on `/metrics` for Prometheus.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::{blog::Blog, logs::logged};

const STATS: &str = "query($w: StatsWindow!) { routerStats(environment: \"test\", window: $w) {
    router method route requests ratePerSecond errors4xx errors5xx p50Ms p95Ms p99Ms series { at requests errors p95Ms } } }";

/// The known sequence: 5 lists, 3 reads of a missing post, 2 unmatched paths.
async fn known_traffic(blog: &Blog) {
    for _ in 0..5 {
        blog.call("GET", "/posts", None, None).await;
    }
    for _ in 0..3 {
        blog.call("GET", "/posts/424242", None, None).await;
    }
    for _ in 0..2 {
        blog.call("GET", "/no/such/route", None, None).await;
    }
}

fn by_router(stats: &Value) -> HashMap<String, Value> {
    stats["routerStats"].as_array().unwrap().iter().map(|s| (s["router"].as_str().unwrap().to_owned(), s.clone())).collect()
}

#[tokio::test]
async fn router_figures_match_the_requests_made() {
    let blog = Blog::start().await;
    known_traffic(&blog).await;
    let stats = by_router(&blog.owner.run(STATS, json!({ "w": "FIVE_MINUTES" })).await.data());
    let list = &stats["listPosts"];
    assert_eq!((list["method"].as_str(), list["route"].as_str(), list["requests"].as_u64()), (Some("GET"), Some("/posts"), Some(5)));
    assert_eq!((list["errors4xx"].as_u64(), list["errors5xx"].as_u64()), (Some(0), Some(0)));
    assert!((list["ratePerSecond"].as_f64().unwrap() - 5.0 / 300.0).abs() < 1e-9);
    let get = &stats["getPost"];
    assert_eq!((get["requests"].as_u64(), get["errors4xx"].as_u64(), get["route"].as_str()), (Some(3), Some(3), Some("/posts/{id}")));
    assert_eq!(stats["(unmatched)"]["requests"], 2);
    // Routers nobody called are listed, idle.
    assert_eq!((stats["createPost"]["requests"].as_u64(), stats["createPost"]["p50Ms"].as_f64()), (Some(0), None));
    // The series: five one-minute points whose requests add up.
    let series = list["series"].as_array().unwrap();
    assert_eq!(series.len(), 5);
    assert_eq!(series.iter().map(|p| p["requests"].as_u64().unwrap()).sum::<u64>(), 5);
    assert_eq!(get["series"].as_array().unwrap().iter().map(|p| p["errors"].as_u64().unwrap()).sum::<u64>(), 3);

    // Percentiles agree with the durations the log recorded for the same requests.
    let records = logged(&blog, json!({ "router": "listPosts" }), 5).await;
    let mut durations: Vec<f64> = records.iter().map(|r| r["durationMs"].as_f64().unwrap()).collect();
    durations.sort_by(f64::total_cmp);
    for (field, exact) in [("p50Ms", durations[2]), ("p99Ms", durations[4])] {
        let got = list[field].as_f64().unwrap();
        assert!((got - exact).abs() <= exact * 0.05, "{field}: {got} ms against {exact} ms");
    }
    // A day's series has a point per quarter hour.
    let day = by_router(&blog.owner.run(STATS, json!({ "w": "DAY" })).await.data());
    assert_eq!(day["listPosts"]["series"].as_array().unwrap().len(), 96);
    assert_eq!(day["listPosts"]["requests"], 5);
}

#[tokio::test]
async fn prometheus_sees_the_same_figures_by_route_template() {
    let blog = Blog::start().await;
    known_traffic(&blog).await;
    let text = blog.http.get(blog.server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap_or_else(|err| panic!("not OpenMetrics ({err:?}):\n{text}"));
    let family = &exposition.families["http_server_request_duration_seconds"];
    let find = |route: &str, status: &str| {
        family
            .iter_samples()
            .find(|s| {
                let labels = s.get_labelset().expect("labels");
                labels.get_label_value("environment") == Some("test")
                    && labels.get_label_value("http_route") == Some(route)
                    && labels.get_label_value("http_response_status_code") == Some(status)
            })
            .unwrap_or_else(|| panic!("no series for {route} {status} in\n{text}"))
    };
    let count = |route: &str, status: &str| match &find(route, status).value {
        openmetrics_parser::OpenMetricsValue::Histogram(histogram) => histogram.count.unwrap_or(0) as f64,
        other => panic!("not a histogram: {other:?}"),
    };
    assert_eq!(count("/posts", "200"), 5.0);
    assert_eq!(count("/posts/{id}", "404"), 3.0);
    assert_eq!(count("(unmatched)", "404"), 2.0);
    assert_eq!(find("/posts", "200").get_labelset().expect("labels").get_label_value("http_request_method"), Some("GET"));
    // Raw paths never become labels.
    assert!(!text.contains("424242") && !text.contains("/no/such/route"), "{text}");
    assert!(text.contains("http_server_active_requests{environment=\"test\"}"), "{text}");
}

/// One round of traffic on several routers: requests no route matched come in
/// several methods (each its own figures under the one name `(unmatched)`).
const ROUND: [(&str, &str, &str, &str); 9] = [
    ("GET", "/posts", "listPosts", "GET"),
    ("GET", "/no/such/route", "(unmatched)", "GET"),
    ("GET", "/posts/424242", "getPost", "GET"),
    ("POST", "/no/such/route", "(unmatched)", "POST"),
    ("GET", "/posts", "listPosts", "GET"),
    ("DELETE", "/posts", "(unmatched)", "DELETE"),
    ("GET", "/no/such/route", "(unmatched)", "GET"),
    ("GET", "/posts/424242", "getPost", "GET"),
    ("GET", "/posts", "listPosts", "GET"),
];

/// Requests per router and method, as `routerStats` gives them (idle routers left out).
fn counts(stats: &Value) -> HashMap<(String, String), u64> {
    stats["routerStats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["requests"].as_u64() != Some(0))
        .map(|s| ((s["router"].as_str().unwrap().to_owned(), s["method"].as_str().unwrap().to_owned()), s["requests"].as_u64().unwrap()))
        .collect()
}

/// Stored minutes are whole minutes replaced as they grow: traffic before
/// and after a read (which stores this replica's minutes), and across a
/// minute boundary (the monitor's clock moved on), adds up in every window.
#[tokio::test]
async fn figures_add_up_across_reads_and_a_minute_boundary() {
    let blog = Blog::start().await;
    let round = || async {
        for (method, path, _, _) in ROUND {
            blog.call(method, path, None, None).await;
        }
    };
    let read = |window: &'static str| {
        let owner = blog.owner.clone();
        async move {
            let answer = owner.run(STATS, json!({ "w": window })).await;
            match answer.ok() {
                Ok(data) => data,
                Err(errors) => panic!("routerStats over {window}: {errors:#}"),
            }
        }
    };
    round().await;
    read("FIVE_MINUTES").await;
    round().await;
    blog.server.app.monitor.advance_clock(std::time::Duration::from_secs(60));
    round().await;

    let mut expected: HashMap<(String, String), u64> = HashMap::new();
    for (_, _, router, method) in ROUND {
        *expected.entry((router.to_owned(), method.to_owned())).or_default() += 3;
    }
    for window in ["FIVE_MINUTES", "HOUR", "DAY"] {
        let stats = read(window).await;
        assert_eq!(counts(&stats), expected, "{window}");
        for figures in stats["routerStats"].as_array().unwrap() {
            let series = figures["series"].as_array().unwrap();
            assert_eq!(series.iter().map(|p| p["requests"].as_u64().unwrap()).sum::<u64>(), figures["requests"].as_u64().unwrap(), "{window}: {figures}");
        }
        let get_post = stats["routerStats"].as_array().unwrap().iter().find(|s| s["router"] == "getPost").unwrap();
        assert_eq!(get_post["errors4xx"], 6, "{window}");
    }
    // The requests fell in (at least) two minutes of the five-minute series.
    let stats = read("FIVE_MINUTES").await;
    let list = stats["routerStats"].as_array().unwrap().iter().find(|s| s["router"] == "listPosts").unwrap().clone();
    let busy = list["series"].as_array().unwrap().iter().filter(|p| p["requests"].as_u64() != Some(0)).count();
    assert!(busy >= 2, "{list}");
    // And /metrics counts each method of the unmatched requests apart, none lost.
    let text = blog.http.get(blog.server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for (method, status, count) in [("GET", 404, 6), ("POST", 404, 3), ("DELETE", 405, 3)] {
        let line = format!(
            "http_server_request_duration_seconds_count{{environment=\"test\",http_route=\"(unmatched)\",http_request_method=\"{method}\",http_response_status_code=\"{status}\"}} {count}"
        );
        assert!(text.contains(&line), "{line} in\n{text}");
    }
}
