//! Deploys to production: the gate, releases, a failing migration that
//! leaves production as it was, one deploy at a time, rollback that keeps
//! data, secrets that never leave, router settings that survive deploys,
//! groups granted by email, and live progress.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    blog::{Blog, blog as blog_document},
    common::{Gql, Options, TestServer, finished_test_run, joined, open_socket, until, until_first_event},
};

const RELEASE: &str = "number status revision forced forceReason note author rollbackOf gateStatus failedStep error migration { kind description destructive } changes { what name change summary details } log { message }";

/// Imports `document`, refreshes `test` with its tests and waits for the run to end; returns the run.
pub async fn tested(owner: &Gql, document: &Value) -> Value {
    owner.run("mutation($doc: JSON!) { importWorkspace(document: $doc) { revision } }", json!({ "doc": document })).await.data();
    let refreshed = owner.run("mutation { refresh(environment: \"test\", allowDestructive: true) { revision testRun { id } } }", json!({})).await.data();
    let id = refreshed["refresh"]["testRun"]["id"].as_str().expect("a test run");
    finished_test_run(owner, id).await
}

/// The blog, refreshed into `test` with a passing test run.
async fn green(server: TestServer) -> Blog {
    let blog = Blog::start_on(server).await;
    let run = tested(&blog.owner, &blog_document()).await;
    assert_eq!(run["status"], "PASSED", "{run}");
    blog
}

pub async fn deploy(client: &Gql, input: Value) -> crate::common::Answer {
    let input = match input {
        Value::Object(mut map) => {
            map.entry("from").or_insert(json!("test"));
            map.entry("to").or_insert(json!("production"));
            Value::Object(map)
        }
        other => other,
    };
    client.run(&format!("mutation($input: DeployInput!) {{ deploy(input: $input) {{ {RELEASE} }} }}"), json!({ "input": input })).await
}

async fn served_release(client: &Gql) -> Value {
    client.run("{ environment(slug: \"production\") { servedRevision servedRelease { number status } } }", json!({})).await.data()["environment"].clone()
}

async fn production(blog: &Blog, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = blog.http.request(method.parse().unwrap(), blog.server.url(&format!("/env/production{path}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn production_user(blog: &Blog, email: &str) -> String {
    let (status, body) = production(blog, "POST", "/auth/signup", None, Some(json!({ "email": email, "password": "end user password" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_green_revision_deploys_to_production_as_release_1() {
    let blog = green(TestServer::start().await).await;
    let (status, body) = production(&blog, "GET", "/posts", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "production serves nothing before its first deploy: {body}");

    let plan = blog
        .owner
        .run(
            "{ deployPlan(from: \"test\", to: \"production\") { fromRevision toRelease currentRelease destructive changes { what name change summary } migration { kind } gate { status passed failedCases } } }",
            json!({}),
        )
        .await
        .data()["deployPlan"]
        .clone();
    assert_eq!(plan["gate"]["passed"], true, "{plan}");
    assert_eq!((plan["toRelease"].as_i64(), plan["currentRelease"].is_null(), plan["destructive"].as_bool()), (Some(1), true, Some(false)));
    let changes = plan["changes"].as_array().unwrap();
    assert!(changes.iter().any(|c| c["what"] == "router" && c["name"] == "getPost" && c["change"] == "ADDED" && c["summary"] == "GET /posts/{id}"), "{plan}");
    assert!(plan["migration"].as_array().unwrap().iter().any(|m| m["kind"] == "createTable"), "{plan}");

    let release = deploy(&blog.owner, json!({ "note": "first launch" })).await.data()["deploy"].clone();
    assert_eq!((release["number"].as_i64(), release["status"].as_str()), (Some(1), Some("ACTIVE")), "{release}");
    assert_eq!((release["gateStatus"].as_str(), release["forced"].as_bool(), release["note"].as_str()), (Some("PASSED"), Some(false), Some("first launch")));
    let log: Vec<&str> = release["log"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    for step in ["compile: done", "plan: done", "migrate: done", "switch: done"] {
        assert!(log.iter().any(|l| l.starts_with(step)), "{step} missing from {log:?}");
    }
    let served = served_release(&blog.owner).await;
    assert_eq!(served["servedRelease"], json!({ "number": 1, "status": "ACTIVE" }));

    // Production's own end users use its API.
    let token = production_user(&blog, "reader@example.com").await;
    let (status, post) = production(&blog, "POST", "/posts", Some(&token), Some(json!({ "title": "Live", "body": "b", "published": true }))).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let (status, list) = production(&blog, "GET", "/posts", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().map(|items| items.len()), Some(1), "{list}");

    // Refresh is still refused for production; the release is in the history and the audit log.
    let refused = blog.owner.run("mutation { refresh(environment: \"production\") { revision } }", json!({})).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let releases = blog.owner.run("{ releases(environment: \"production\") { edges { node { number status author } } } }", json!({})).await.data();
    assert_eq!(releases["releases"]["edges"][0]["node"]["author"], crate::common::OWNER_EMAIL);
    let audit = blog.owner.run("{ auditLog(action: \"deploy\") { edges { node { target detail } } } }", json!({})).await.data();
    assert_eq!(audit["auditLog"]["edges"][0]["node"]["target"], "production");

    // A restart serves the release again.
    let server = blog.server.restart().await;
    let owner = server.owner().await;
    assert_eq!(served_release(&owner).await["servedRelease"]["number"], 1);
    let list = reqwest::get(server.url("/env/production/posts")).await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_gate_refuses_untested_and_red_revisions_and_only_owners_force_with_a_reason() {
    let blog = Blog::start().await;
    let untested = deploy(&blog.owner, json!({})).await;
    assert_eq!(untested.code(), "TESTS_NOT_PASSED", "{:?}", untested.body);
    assert!(untested.body["errors"][0]["message"].as_str().unwrap().contains("no test run"), "{:?}", untested.body);

    // A written case that cannot pass turns the run red.
    let mut document = blog_document();
    document["tests"] = json!([{ "name": "listPosts: answers 418", "router": "listPosts", "actAs": "anonymous",
        "steps": [{ "as": "list", "method": "GET", "path": "/posts", "expect": { "status": 418 } }] }]);
    let run = tested(&blog.owner, &document).await;
    assert_eq!(run["status"], "FAILED", "{run}");
    let red = deploy(&blog.owner, json!({})).await;
    assert_eq!(red.code(), "TESTS_NOT_PASSED");
    assert_eq!(red.body["errors"][0]["extensions"]["failedCases"], json!(["listPosts: answers 418"]), "{:?}", red.body);
    let gate = blog.owner.run("{ deployPlan(from: \"test\", to: \"production\") { gate { status passed failedCases message } } }", json!({})).await.data();
    assert_eq!(gate["deployPlan"]["gate"]["passed"], false);
    assert!(gate["deployPlan"]["gate"]["message"].as_str().unwrap().contains("listPosts: answers 418"), "{gate}");

    let developer = blog.server.admin_with_role("DEVELOPER").await;
    let forced_by_developer = deploy(&developer, json!({ "force": true, "forceReason": "hotfix" })).await;
    assert_eq!(forced_by_developer.code(), "FORBIDDEN");
    let without_reason = deploy(&blog.owner, json!({ "force": true })).await;
    assert_eq!(without_reason.code(), "BAD_USER_INPUT");
    assert_eq!(without_reason.body["errors"][0]["extensions"]["field"], "forceReason");
    let viewer = blog.server.admin_with_role("VIEWER").await;
    assert_eq!(deploy(&viewer, json!({})).await.code(), "FORBIDDEN");
    assert!(served_release(&blog.owner).await["servedRelease"].is_null(), "nothing refused was deployed");

    let forced = deploy(&blog.owner, json!({ "force": true, "forceReason": "the 418 case is a known false alarm" })).await.data()["deploy"].clone();
    assert_eq!((forced["status"].as_str(), forced["forced"].as_bool(), forced["gateStatus"].as_str()), (Some("ACTIVE"), Some(true), Some("FAILED")));
    assert_eq!(forced["forceReason"], "the 418 case is a known false alarm");
    let audit = blog.owner.run("{ auditLog(action: \"deploy.forced\") { edges { node { detail } } } }", json!({})).await.data();
    assert_eq!(audit["auditLog"]["edges"][0]["node"]["detail"]["forceReason"], "the 418 case is a known false alarm");
}

#[tokio::test]
async fn a_failing_migration_leaves_production_serving_the_old_release_over_the_old_schema() {
    let blog = green(TestServer::start().await).await;
    deploy(&blog.owner, json!({})).await.data();
    let token = production_user(&blog, "twice@example.com").await;
    for _ in 0..2 {
        let (status, body) = production(&blog, "POST", "/posts", Some(&token), Some(json!({ "title": "Same", "body": "b", "published": true }))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Titles become unique, and a router is added: the test server has no duplicates, production has.
    let mut document = blog_document();
    document["tables"][0]["columns"][0]["unique"] = json!(true);
    let mut extra = document["routers"][0].clone();
    extra["name"] = json!("latestPosts");
    extra["path"] = json!("/latest");
    document["routers"].as_array_mut().unwrap().push(extra);
    // From a fresh test environment of its own (the test server's run left duplicate titles too), forced: this is about the migration.
    blog.owner.run("mutation { createEnvironment(input: { slug: \"qa\" }) { slug } }", json!({})).await.data();
    blog.owner.run("mutation($doc: JSON!) { importWorkspace(document: $doc) { revision } }", json!({ "doc": document })).await.data();
    blog.owner.run("mutation { refresh(environment: \"qa\", runTests: false) { revision } }", json!({})).await.data();
    let qa = json!({ "from": "qa", "force": true, "forceReason": "untested on purpose" });

    let failed = deploy(&blog.owner, qa.clone()).await.data()["deploy"].clone();
    assert_eq!((failed["number"].as_i64(), failed["status"].as_str(), failed["failedStep"].as_str()), (Some(2), Some("FAILED"), Some("migrate")), "{failed}");
    let error = failed["error"].as_str().unwrap().to_lowercase();
    assert!(error.contains("unique") || error.contains("duplicate"), "the database's words: {error}");
    let log = failed["log"].to_string();
    assert!(log.contains("keeps serving release 1"), "{log}");

    // Production serves release 1: its routers, and its schema without the index (the plan still wants it).
    assert_eq!(served_release(&blog.owner).await["servedRelease"], json!({ "number": 1, "status": "ACTIVE" }));
    let (status, _) = production(&blog, "GET", "/latest", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "release 2's router is not served");
    let (status, list) = production(&blog, "GET", "/posts", None, None).await;
    assert_eq!((status, list["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    let plan = blog.owner.run("{ deployPlan(from: \"qa\", to: \"production\") { migration { kind description } } }", json!({})).await.data();
    assert!(plan.to_string().contains("add index ux_posts_title"), "the schema was left untouched: {plan}");
    // Once the data is fixed, the same revision deploys.
    let (status, _) = production(&blog, "PATCH", &format!("/posts/{}", list["items"][0]["id"]), Some(&token), Some(json!({ "title": "Other" }))).await;
    assert_eq!(status, StatusCode::OK);
    let fixed = deploy(&blog.owner, qa).await.data()["deploy"].clone();
    assert_eq!((fixed["number"].as_i64(), fixed["status"].as_str()), (Some(3), Some("ACTIVE")), "{fixed}");
    let (status, _) = production(&blog, "GET", "/latest", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn two_deploys_at_once_one_gets_a_conflict() {
    let server = TestServer::start_with(Options { activation_pause_ms: 400, ..Options::default() }).await;
    let blog = green(server).await;
    let other = blog.server.owner().await;
    let (first, second) = tokio::join!(deploy(&blog.owner, json!({})), deploy(&other, json!({})));
    let mut codes: Vec<String> = [&first, &second]
        .iter()
        .map(|answer| match answer.body["errors"].is_null() {
            true => answer.body["data"]["deploy"]["status"].as_str().unwrap().to_owned(),
            false => answer.code(),
        })
        .collect();
    codes.sort();
    assert_eq!(codes, ["ACTIVE", "CONFLICT"], "{:?} / {:?}", first.body, second.body);
    let releases = blog.owner.run("{ releases(environment: \"production\") { edges { node { number status } } } }", json!({})).await.data();
    assert_eq!(releases["releases"]["edges"], json!([{ "node": { "number": 1, "status": "ACTIVE" } }]));
}

#[tokio::test]
async fn rollback_serves_an_earlier_release_and_keeps_the_data_added_since() {
    let blog = green(TestServer::start().await).await;
    deploy(&blog.owner, json!({})).await.data();
    // Release 2: a new column and a new table, with data in both.
    let mut document = blog_document();
    document["tables"][0]["columns"].as_array_mut().unwrap().push(json!({ "name": "subtitle", "type": "text" }));
    document["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text" }] }));
    let create = document["routers"].as_array_mut().unwrap().iter_mut().find(|r| r["name"] == "createPost").unwrap();
    create["input"]["body"]["properties"]["subtitle"] = json!({ "type": "string" });
    create["steps"][0]["insert"]["values"]["subtitle"] = json!("${request.body.subtitle}");
    document["routers"].as_array_mut().unwrap().push(json!({ "name": "createTag", "method": "POST", "path": "/tags", "access": { "allow": "public" },
        "input": { "body": { "type": "object", "properties": { "label": { "type": "string" } }, "required": ["label"] } },
        "steps": [{ "as": "tag", "insert": { "table": "tags", "values": { "label": "${request.body.label}" } } }, { "respond": { "status": 201, "body": "${steps.tag}" } }] }));
    assert_eq!(tested(&blog.owner, &document).await["status"], "PASSED");
    deploy(&blog.owner, json!({})).await.data();
    let token = production_user(&blog, "writer@example.com").await;
    let (status, post) =
        production(&blog, "POST", "/posts", Some(&token), Some(json!({ "title": "Kept", "body": "b", "published": true, "subtitle": "sub" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let (status, tag) = production(&blog, "POST", "/tags", None, Some(json!({ "label": "rust" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{tag}");

    let plan = blog
        .owner
        .run(
            "{ rollbackPlan(environment: \"production\", toRelease: 1) { toRelease currentRelease destructive changes { name change } migration { kind } } }",
            json!({}),
        )
        .await
        .data()["rollbackPlan"]
        .clone();
    assert_eq!((plan["toRelease"].as_i64(), plan["currentRelease"].as_i64(), plan["destructive"].as_bool()), (Some(1), Some(2), Some(false)), "{plan}");
    assert_eq!(plan["migration"], json!([]), "nothing is dropped: {plan}");
    assert!(plan["changes"].as_array().unwrap().iter().any(|c| c["name"] == "createTag" && c["change"] == "REMOVED"), "{plan}");

    let rolled =
        blog.owner.run(&format!("mutation {{ rollback(environment: \"production\", toRelease: 1) {{ {RELEASE} }} }}"), json!({})).await.data()["rollback"]
            .clone();
    assert_eq!((rolled["number"].as_i64(), rolled["status"].as_str(), rolled["rollbackOf"].as_i64()), (Some(3), Some("ACTIVE"), Some(1)), "{rolled}");
    let two = blog.owner.run("{ release(environment: \"production\", number: 2) { status } }", json!({})).await.data();
    assert_eq!(two["release"]["status"], "ROLLED_BACK");
    let (status, _) = production(&blog, "POST", "/tags", None, Some(json!({ "label": "go" }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "release 1 has no createTag");
    let (status, list) = production(&blog, "GET", "/posts", None, None).await;
    assert_eq!((status, list["items"][0]["title"].as_str()), (StatusCode::OK, Some("Kept")));

    // The data stayed: deploying release 2's definition again finds its column and table with their rows.
    let redeploy = deploy(&blog.owner, json!({})).await.data()["deploy"].clone();
    assert_eq!((redeploy["status"].as_str(), redeploy["migration"].clone()), (Some("ACTIVE"), json!([])), "{redeploy}");
    let (_, list) = production(&blog, "GET", "/posts", None, None).await;
    assert_eq!(list["items"][0]["subtitle"], "sub", "{list}");

    // Release 4 changes a column's type: going back to 1 would narrow it, which needs consent.
    let mut retyped = document.clone();
    let subtitle = retyped["tables"][0]["columns"].as_array_mut().unwrap().iter_mut().find(|c| c["name"] == "subtitle").unwrap();
    *subtitle = json!({ "name": "subtitle", "type": "integer" });
    let create = retyped["routers"].as_array_mut().unwrap().iter_mut().find(|r| r["name"] == "createPost").unwrap();
    create["input"]["body"]["properties"]["subtitle"] = json!({ "type": "integer" });
    let run = tested(&blog.owner, &retyped).await;
    assert_eq!(run["status"], "PASSED", "{run}");
    deploy(&blog.owner, json!({ "allowDestructive": true })).await.data();
    let refused = blog.owner.run("mutation { rollback(environment: \"production\", toRelease: 2) { number } }", json!({})).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT", "{:?}", refused.body);
    assert!(refused.body.to_string().contains("allowDestructive"), "{:?}", refused.body);
    let consented = blog
        .owner
        .run("mutation { rollback(environment: \"production\", toRelease: 2, allowDestructive: true) { status rollbackOf } }", json!({}))
        .await
        .data();
    assert_eq!(consented["rollback"], json!({ "status": "ACTIVE", "rollbackOf": 2 }));
    let never = blog.owner.run("mutation { rollback(environment: \"production\", toRelease: 99) { number } }", json!({})).await;
    assert_eq!(never.code(), "NOT_FOUND");
}

#[tokio::test]
async fn router_settings_and_groups_by_email_apply_at_once_and_survive_a_deploy() {
    let blog = green(TestServer::start().await).await;
    deploy(&blog.owner, json!({})).await.data();
    let set = |router: &str, input: Value| {
        let owner = blog.owner.clone();
        let router = router.to_owned();
        async move {
            owner
                .run(
                    "mutation($router: String!, $input: RouterSettingsInput!) { setRouterSettings(environment: \"production\", router: $router, input: $input) { router enabled disabledStatus rateLimitPerMinute groups updatedBy } }",
                    json!({ "router": router, "input": input }),
                )
                .await
        }
    };
    let off = set("listPosts", json!({ "enabled": false, "disabledStatus": 503 })).await.data();
    assert_eq!(off["setRouterSettings"]["updatedBy"], crate::common::OWNER_EMAIL);
    let (status, body) = production(&blog, "GET", "/posts", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("ROUTER_DISABLED")), "{body}");
    set("listPosts", json!({ "disabledStatus": 404 })).await.data();
    assert_eq!(production(&blog, "GET", "/posts", None, None).await.0, StatusCode::NOT_FOUND);
    set("listPosts", json!({ "enabled": true, "rateLimitPerMinute": 2 })).await.data();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(production(&blog, "GET", "/posts", None, None).await.0.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(production(&blog, "GET", "/stats", None, None).await.0, StatusCode::UNAUTHORIZED, "other routers keep their own rules");

    // Only editors may create posts in production; the first editor is named by email.
    set("createPost", json!({ "groups": ["editors"] })).await.data();
    let token = production_user(&blog, "first.editor@example.com").await;
    let post = json!({ "title": "t", "body": "b", "published": true });
    assert_eq!(production(&blog, "POST", "/posts", Some(&token), Some(post.clone())).await.0, StatusCode::FORBIDDEN);
    let grant = "mutation($email: String!) { setUserGroupsByEmail(environment: \"production\", email: $email, groups: [\"editors\"]) { email groups } }";
    let unknown = blog.owner.run(grant, json!({ "email": "nobody@example.com" })).await;
    assert_eq!(unknown.code(), "NOT_FOUND");
    assert!(!unknown.body.to_string().contains("first.editor"), "an unknown email names nobody");
    let developer = blog.server.admin_with_role("DEVELOPER").await;
    let granted = developer.run(grant, json!({ "email": "First.Editor@example.com" })).await.data();
    assert_eq!(granted["setUserGroupsByEmail"]["groups"], json!(["editors"]));
    assert_eq!(production(&blog, "POST", "/posts", Some(&token), Some(post.clone())).await.0, StatusCode::CREATED);
    // Listing users stays off in production.
    let listing = blog.owner.run("{ users(environment: \"production\") { totalCount } }", json!({})).await;
    assert_eq!(listing.code(), "FORBIDDEN");
    // Production's settings are for owners.
    let by_developer = developer
        .run("mutation { setRouterSettings(environment: \"production\", router: \"listPosts\", input: { enabled: false }) { enabled } }", json!({}))
        .await;
    assert_eq!(by_developer.code(), "FORBIDDEN");
    assert_eq!(set("noSuchRouter", json!({ "enabled": false })).await.code(), "NOT_FOUND");
    assert_eq!(set("listPosts", json!({ "disabledStatus": 500 })).await.code(), "BAD_USER_INPUT");

    // A later deploy keeps them.
    deploy(&blog.owner, json!({})).await.data();
    assert_eq!(production(&blog, "POST", "/posts", None, Some(post.clone())).await.0, StatusCode::UNAUTHORIZED);
    let other = production_user(&blog, "not.editor@example.com").await;
    assert_eq!(production(&blog, "POST", "/posts", Some(&other), Some(post)).await.0, StatusCode::FORBIDDEN);
    let settings = blog.owner.run("{ environment(slug: \"production\") { routerSettings { router groups rateLimitPerMinute } } }", json!({})).await.data();
    let create = settings["environment"]["routerSettings"].as_array().unwrap().iter().find(|s| s["router"] == "createPost").cloned().unwrap();
    assert_eq!(create["groups"], json!(["editors"]));
    let audit = blog.owner.run("{ auditLog(action: \"router.settings\") { edges { node { detail } } } }", json!({})).await.data();
    assert!(audit["auditLog"]["edges"].as_array().unwrap().len() >= 4);
}

/// Every byte the server keeps, where a secret could leak: the SQLite files
/// (control, environments, request logs), or a PostgreSQL dump.
fn stored_bytes(server: &TestServer) -> Vec<u8> {
    let mut all = Vec::new();
    if server.config.is_postgres() {
        let url = server.config.database_url();
        let dump = std::process::Command::new("pg_dump").args(["--data-only", &url]).output().expect("pg_dump");
        assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
        all.extend(dump.stdout);
    }
    let mut stack = vec![server.data_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != "secret.key") {
                all.extend(std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    all
}

#[tokio::test]
async fn secrets_are_served_to_routers_and_never_returned_logged_or_stored_in_the_clear() {
    const VALUE: &str = "sk_live_9f8e7d6c5b4a39281706";
    let server = TestServer::start().await;
    let blog = Blog::start_on(server).await;
    let mut document = blog_document();
    document["routers"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "paymentProbe", "method": "GET", "path": "/payment-probe", "access": { "allow": "public" },
        "steps": [{ "respond": { "status": 200, "body": { "configured": "${env.PAYMENT_KEY != null}", "length": "${len(env.PAYMENT_KEY)}" } } }] }));
    let run = tested(&blog.owner, &document).await;
    assert_eq!(run["status"], "PASSED", "{run}");
    let set = blog
        .owner
        .run("mutation($v: String!) { setSecret(environment: \"production\", name: \"PAYMENT_KEY\", value: $v) { name updatedBy } }", json!({ "v": VALUE }))
        .await
        .data();
    assert_eq!(set["setSecret"]["name"], "PAYMENT_KEY");
    deploy(&blog.owner, json!({})).await.data();
    let (status, probe) = production(&blog, "GET", "/payment-probe", None, None).await;
    assert_eq!((status, probe.clone()), (StatusCode::OK, json!({ "configured": true, "length": VALUE.len() })), "routers read it as env.PAYMENT_KEY");

    // Logs on in production from now: the probe's record must not hold the value either.
    blog.owner.run("mutation { updateEnvironment(slug: \"production\", input: { capabilities: { requestLogs: true } }) { slug } }", json!({})).await.data();
    production(&blog, "GET", "/payment-probe", None, None).await;

    let answers = [
        blog.owner.run("{ environment(slug: \"production\") { secrets { name updatedBy } variables servedWorkspace { document } servedRelease { document log { message } } } }", json!({})).await.body,
        blog.owner.run("{ openApi(environment: \"production\") postmanCollection(environment: \"production\") }", json!({})).await.body,
        blog.owner.run("{ releases(environment: \"production\") { edges { node { document log { message } } } } auditLog { edges { node { detail } } } }", json!({})).await.body,
    ];
    for answer in &answers {
        assert!(!answer.to_string().contains(VALUE), "a value leaked in {answer}");
    }
    assert_eq!(answers[0]["data"]["environment"]["secrets"], json!([{ "name": "PAYMENT_KEY", "updatedBy": crate::common::OWNER_EMAIL }]));
    let audit = blog.owner.run("{ auditLog(action: \"secret.set\") { edges { node { target detail } } } }", json!({})).await.data();
    assert_eq!(audit["auditLog"]["edges"][0]["node"]["detail"], json!({ "name": "PAYMENT_KEY" }));
    // The log writer flushes within moments; wait for the record before searching the files.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let logs = blog.owner.run("{ requestLogs(environment: \"production\") { edges { node { path } } } }", json!({})).await.data();
        if !logs["requestLogs"]["edges"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the probe's request was not logged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = stored_bytes(&blog.server);
    assert!(!stored.windows(VALUE.len()).any(|w| w == VALUE.as_bytes()), "the value is stored in the clear somewhere");

    // Deleted, it is no longer served.
    blog.owner.run("mutation { deleteSecret(environment: \"production\", name: \"PAYMENT_KEY\") }", json!({})).await.data();
    let (_, probe) = production(&blog, "GET", "/payment-probe", None, None).await;
    assert_eq!(probe["configured"], false, "{probe}");
    let again = blog.owner.run("mutation { deleteSecret(environment: \"production\", name: \"PAYMENT_KEY\") }", json!({})).await;
    assert_eq!(again.code(), "NOT_FOUND");
    let bad = blog.owner.run("mutation { setSecret(environment: \"production\", name: \"no spaces\", value: \"x\") { name } }", json!({})).await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn deploy_events_stream_each_step_then_the_release() {
    let blog = green(TestServer::start().await).await;
    let mut socket = open_socket(&blog.server, None, json!({ "token": owner_token(&blog).await })).await;
    use futures_util::SinkExt;
    let subscribe = json!({ "id": "d", "type": "subscribe", "payload": { "query": "subscription { deployEvents(environment: \"production\") { release kind step durationMs message outcome { number status } } }" } });
    socket.send(tokio_tungstenite::tungstenite::Message::text(subscribe.to_string())).await.unwrap();
    let owner = blog.owner.clone();
    let first = until_first_event(&mut socket, |_| {
        let owner = owner.clone();
        async move {
            deploy(&owner, json!({})).await.data();
        }
    })
    .await;
    let release = first["payload"]["data"]["deployEvents"]["release"].as_i64().unwrap();
    let mut events = vec![first["payload"]["data"]["deployEvents"].clone()];
    // Events of the earlier attempts' releases may come between: pass over them, for 60 s at most.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while events.last().unwrap()["kind"] != "FINISHED" {
        let message =
            crate::common::next_json_before(&mut socket, deadline).await.unwrap_or_else(|| panic!("release {release} did not finish within 60 s: {events:#?}"));
        let event = message["payload"]["data"]["deployEvents"].clone();
        if event["release"].as_i64() == Some(release) {
            events.push(event);
        }
    }
    let kinds: Vec<String> = events.iter().map(|e| format!("{} {}", e["kind"].as_str().unwrap(), e["step"].as_str().unwrap_or(""))).collect();
    if events[0]["kind"] == "STARTED" {
        assert_eq!(
            kinds,
            [
                "STARTED ",
                "STEP_STARTED compile",
                "STEP_FINISHED compile",
                "STEP_STARTED plan",
                "STEP_FINISHED plan",
                "STEP_STARTED migrate",
                "STEP_FINISHED migrate",
                "STEP_STARTED switch",
                "STEP_FINISHED switch",
                "FINISHED "
            ]
        );
    }
    assert!(events.iter().filter(|e| e["kind"] == "STEP_FINISHED").all(|e| e["durationMs"].as_f64().is_some()), "{events:?}");
    assert_eq!(events.last().unwrap()["outcome"], json!({ "number": release, "status": "ACTIVE" }));
}

async fn owner_token(blog: &Blog) -> String {
    let created = blog.owner.run("mutation { createApiToken(input: { name: \"ws\", role: OWNER }) { token } }", json!({})).await.data();
    created["createApiToken"]["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn requests_to_production_keep_succeeding_while_a_deploy_switches_it() {
    let blog = green(TestServer::start().await).await;
    deploy(&blog.owner, json!({})).await.data();
    blog.owner.run("mutation { updateEnvironment(slug: \"production\", input: { limits: { requestsPerSecond: 100000 } }) { slug } }", json!({})).await.data();
    let token = production_user(&blog, "load@example.com").await;
    let (_, post) = production(&blog, "POST", "/posts", Some(&token), Some(json!({ "title": "t", "body": "b", "published": true }))).await;
    let id = post["id"].as_i64().unwrap();
    // Release 2: a column more and a router more.
    let mut document = blog_document();
    document["tables"][0]["columns"].as_array_mut().unwrap().push(json!({ "name": "subtitle", "type": "text" }));
    let mut extra = document["routers"][0].clone();
    extra["name"] = json!("latestPosts");
    extra["path"] = json!("/latest");
    document["routers"].as_array_mut().unwrap().push(extra);
    assert_eq!(tested(&blog.owner, &document).await["status"], "PASSED");

    use std::sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    };
    let (stop, answered) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let mut workers = Vec::new();
    for worker in 0..8 {
        let http = reqwest::Client::builder().timeout(crate::common::REQUEST_TIMEOUT).build().unwrap();
        let (base, token, stop, answered) = (blog.server.url("/env/production"), token.clone(), stop.clone(), answered.clone());
        workers.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u32, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let response = match worker % 2 {
                    0 => http.get(format!("{base}/posts/{id}")).send().await,
                    _ => http.post(format!("{base}/posts")).bearer_auth(&token).json(&json!({ "title": "under load", "published": true })).send().await,
                };
                match response {
                    Ok(r) if r.status().is_success() => ok += 1,
                    Ok(r) => failed.push(format!("{} {}", r.status(), r.text().await.unwrap_or_default())),
                    Err(err) => failed.push(err.to_string()),
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
            (ok, failed)
        }));
    }
    // The deploy starts once the load is under way, and the load goes on
    // until more requests were answered after the switch (counted, not slept for).
    let answered_at_least = |n: usize| {
        let answered = answered.clone();
        async move { if answered.load(Ordering::Relaxed) >= n { Ok(()) } else { Err(answered.load(Ordering::Relaxed)) } }
    };
    until("the load under way", Duration::from_secs(30), || answered_at_least(16)).await;
    let release = deploy(&blog.owner, json!({})).await.data()["deploy"].clone();
    let after_switch = answered.load(Ordering::Relaxed) + 16;
    until("requests answered after the switch", Duration::from_secs(30), || answered_at_least(after_switch)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut ok, mut failed) = (0, Vec::new());
    for worker in workers {
        let (o, f) = joined(worker, Duration::from_secs(30), "a worker of the load").await;
        ok += o;
        failed.extend(f);
    }
    assert_eq!(release["status"], "ACTIVE", "{release}");
    assert!(failed.is_empty(), "{} of {} requests failed during the switch: {:?}", failed.len(), ok as usize + failed.len(), &failed[..failed.len().min(5)]);
    assert!(ok > 0);
    assert_eq!(production(&blog, "GET", "/latest", None, None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn any_environment_of_kind_production_is_a_deploy_target_and_test_ones_are_not() {
    let blog = green(TestServer::start().await).await;
    let created = blog
        .owner
        .run(
            "mutation { createEnvironment(input: { slug: \"staging\", kind: PRODUCTION }) { kind capabilities { requestLogs } limits { requestsPerSecond } } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(created["createEnvironment"]["kind"], "PRODUCTION");
    assert_eq!(created["createEnvironment"]["capabilities"]["requestLogs"], false, "production's defaults");
    let release = deploy(&blog.owner, json!({ "to": "staging" })).await.data()["deploy"].clone();
    assert_eq!((release["number"].as_i64(), release["status"].as_str()), (Some(1), Some("ACTIVE")));
    let (status, _) = (blog.http.get(blog.server.url("/env/staging/posts")).send().await.unwrap().status(), ());
    assert_eq!(status, StatusCode::OK);
    assert!(served_release(&blog.owner).await["servedRelease"].is_null(), "production itself was not touched");
    let to_test = deploy(&blog.owner, json!({ "to": "test" })).await;
    assert_eq!(to_test.code(), "BAD_USER_INPUT");
    let refresh = blog.owner.run("mutation { refresh(environment: \"staging\") { revision } }", json!({})).await;
    assert_eq!(refresh.code(), "BAD_USER_INPUT", "deploy targets are not refreshed");
}
