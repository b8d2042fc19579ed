use serde_json::json;

use crate::common::TestServer;

/// `schema.graphql` must be exactly what the code serves. To update it after a
/// deliberate change: `cargo run -- schema > schema.graphql`.
#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql at the repo root");
    let generated = serverkit_server::graphql::sdl();
    assert!(committed == generated, "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and commit it");
}

#[tokio::test]
async fn overly_deep_queries_are_refused() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    let deep = format!("{{ __schema {{ types {{ {} name {} }} }} }}", "fields { type { ofType { ".repeat(5), "} } } ".repeat(5));
    let answer = owner.run(&deep, json!({})).await;
    let message = answer.body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.to_lowercase().contains("nested too deep"), "{:#}", answer.body);
    assert_eq!(answer.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn graphiql_introspection_fits_the_limits() {
    let server = TestServer::start().await;
    let owner = server.owner().await;
    // The shape of GraphiQL's introspection query: TypeRef nests ofType seven times.
    let type_ref = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";
    let query = format!(
        "{{ __schema {{ queryType {{ name }} types {{ kind name fields(includeDeprecated: true) {{ name args {{ name type {{ {type_ref} }} }} type {{ {type_ref} }} }} inputFields {{ name type {{ {type_ref} }} }} }} }} }}"
    );
    let data = owner.run(&query, json!({})).await.data();
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn graphiql_is_served_on_get() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/graphql")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page");
    assert!(page.contains("/graphql/ws"), "subscriptions endpoint wired");
    assert!(!page.contains("https://") && !page.contains("http://"), "nothing loads from elsewhere: GraphiQL works offline");
    // Every script and stylesheet the page names is served by this server.
    let assets: Vec<&str> = page.split(['"', '\'']).filter(|part| part.starts_with("/admin/graphiql/")).collect();
    assert_eq!(assets.len(), 4, "{assets:?}");
    for asset in assets {
        let response = reqwest::get(server.url(asset)).await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.contains("javascript") || kind.starts_with("text/css"), "{asset}: {kind}");
        assert!(response.bytes().await.unwrap().len() > 5_000, "{asset} is the real file");
    }
    // The sample query a first visit opens with runs as it is.
    let sample = page.split("const defaultQuery = `").nth(1).and_then(|rest| rest.split('`').next()).expect("a sample query");
    let answer = server.owner().await.run(sample, json!({})).await;
    assert!(answer.body.get("errors").is_none(), "{}", answer.body);
    assert_eq!(answer.data()["environments"][0]["slug"], "test");
}

#[tokio::test]
async fn errors_never_leak_internals() {
    let server = TestServer::start().await;
    let answer = server.client().run("{ nope }", json!({})).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT");
    let text = answer.body.to_string();
    assert!(!text.contains("sqlx") && !text.contains("panicked") && !text.contains("src/"), "{text}");
}
