//! Watch routers: a table's changes as Server-Sent Events, checked as the
//! caller for each event (filter and owner rule, deletes included),
//! resumable with `Last-Event-ID`, opened by browsers with a ticket.
//! A stream is attached when its response's headers arrive (the server
//! subscribes before it answers), so writes made after that are its to see.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::blog::{Blog, blog};

/// The blog with two watch routers: public posts, and the caller's own.
pub(crate) fn watching_blog() -> Value {
    let mut document = blog();
    let routers = document["routers"].as_array_mut().unwrap();
    routers.push(json!({
        "name": "watchPosts", "method": "GET", "path": "/posts/live", "access": { "allow": "public" },
        "steps": [{ "watch": { "table": "posts", "where": { "published": true } } }]
    }));
    // A closed query schema: `?ticket=` and `?after=` are the stream's, not its input.
    routers.push(json!({
        "name": "myPosts", "method": "GET", "path": "/posts/mine/live", "access": { "allow": "signedIn", "ownerOnly": true },
        "input": { "query": { "type": "object", "additionalProperties": false } },
        "steps": [{ "watch": { "table": "posts" } }]
    }));
    document
}

async fn start() -> Blog {
    let server = crate::common::TestServer::start().await;
    let owner = server.owner().await;
    owner.run("mutation($doc: JSON!) { importWorkspace(document: $doc) { revision } }", json!({ "doc": watching_blog() })).await.data();
    let refreshed = owner.run("mutation { refresh(environment: \"test\") { routersServed testRun { id } } }", json!({})).await.data();
    assert_eq!(refreshed["refresh"]["routersServed"], 10);
    // The generated cases of the watch routers (their streams open for the
    // callers they admit, and refuse the others) pass with the rest.
    let run = crate::common::finished_test_run(&owner, refreshed["refresh"]["testRun"]["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "PASSED", "{run:#}");
    let watch_cases: Vec<&Value> = run["results"].as_array().unwrap().iter().filter(|r| r["router"] == "watchPosts" || r["router"] == "myPosts").collect();
    assert!(watch_cases.iter().any(|c| c["router"] == "myPosts" && c["name"].as_str().unwrap().ends_with("anonymous is refused")), "{watch_cases:#?}");
    assert!(watch_cases.iter().any(|c| c["router"] == "watchPosts" && c["name"].as_str().unwrap().ends_with("happy path")), "{watch_cases:#?}");
    // Events are checked: a write arrives, another user's row stays away, a resumed stream gets the rest.
    for name in
        ["watchPosts: happy path", "myPosts: happy path", "myPosts: not the owner", "watchPosts: resumes after an event", "myPosts: resumes after an event"]
    {
        assert!(watch_cases.iter().any(|c| c["name"] == name && c["status"] == "PASSED"), "{name}: {watch_cases:#?}");
    }
    let cases = owner.run("{ testCases(environment: \"test\") { name definition } }", json!({})).await.data();
    let happy = cases["testCases"].as_array().unwrap().iter().find(|c| c["name"] == "watchPosts: happy path").unwrap()["definition"].clone();
    let events: Vec<&str> = happy["steps"][0]["expect"]["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    // createPost keeps its cover at the row's place once the row exists (an
    // update), then updatePost writes; deletePost needs an editor.
    assert_eq!(events, ["insert", "update", "update"], "{happy:#}");
    owner
        .run(
            "mutation { updateEnvironment(slug: \"test\", input: { limits: { requestsPerSecond: 100000, maxConcurrentRequests: 1000 } }) { slug } }",
            json!({}),
        )
        .await
        .data();
    Blog { server, owner, http: reqwest::Client::builder().build().unwrap() }
}

#[derive(Debug, Clone)]
pub(crate) struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

pub(crate) struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens `path` of the test environment; the stream is attached once this returns.
    async fn open(blog: &Blog, path: &str, token: Option<&str>, last_event_id: Option<&str>) -> Result<Self, (StatusCode, Value)> {
        Self::open_url(&blog.url(path), token, last_event_id).await
    }

    pub(crate) async fn open_url(url: &str, token: Option<&str>, last_event_id: Option<&str>) -> Result<Self, (StatusCode, Value)> {
        let mut request = reqwest::Client::new().get(url).header("accept", "text/event-stream");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = tokio::time::timeout(Duration::from_secs(10), request.send()).await.expect("headers within 10 s").expect("request");
        if response.status() != StatusCode::OK {
            let status = response.status();
            return Err((status, response.json().await.unwrap_or(Value::Null)));
        }
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Ok(Self { response, buffer: String::new() })
    }

    /// The next event (heartbeats passed over) within `within`; None when none
    /// comes; panics when the stream closes.
    pub(crate) async fn next_within(&mut self, within: Duration) -> Option<SseEvent> {
        match self.next_or_end(within).await {
            None => None,
            Some(None) => panic!("the stream closed"),
            Some(Some(event)) => Some(event),
        }
    }

    /// None when nothing came within `within`; Some(None) when the server
    /// closed the stream.
    async fn next_or_end(&mut self, within: Duration) -> Option<Option<SseEvent>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::from("message"), String::new());
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    return Some(Some(SseEvent { id, event, data: serde_json::from_str(&data).unwrap() }));
                }
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return None,
                Ok(Ok(None)) => return Some(None),
                Ok(Err(err)) => panic!("reading the stream: {err:?}"),
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
            }
        }
    }

    pub(crate) async fn next(&mut self) -> SseEvent {
        self.next_within(Duration::from_secs(10)).await.expect("an event within 10 s")
    }
}

async fn post(blog: &Blog, token: &str, title: &str, published: bool) -> Value {
    let (status, body) = blog.call("POST", "/posts", Some(token), Some(json!({ "title": title, "body": "b", "published": published }))).await;
    assert!(status.is_success(), "{body}");
    body
}

#[tokio::test]
async fn a_public_watch_streams_what_its_filter_admits_and_rows_leaving_it_as_deletes() {
    let blog = start().await;
    let (writer, _) = blog.user("writer@example.com").await;
    let (editor, editor_id) = blog.user("editor@example.com").await;
    blog.make_editor(editor_id).await;
    let mut stream = EventStream::open(&blog, "/posts/live", None, None).await.expect("a public stream");

    let out = post(&blog, &writer, "Out", true).await;
    let draft = post(&blog, &writer, "Draft", false).await;
    let first = stream.next().await;
    assert_eq!((first.event.as_str(), &first.data["title"]), ("insert", &json!("Out")), "{first:?}");
    assert_eq!(first.data["published"], true);
    // The draft is not seen; published, it is.
    let (status, _) = blog.call("PATCH", &format!("/posts/{}", draft["id"]), Some(&writer), Some(json!({ "published": true }))).await;
    assert!(status.is_success());
    let shown = stream.next().await;
    assert_eq!((shown.event.as_str(), &shown.data["id"]), ("update", &draft["id"]), "the draft's insert was never sent: {shown:?}");
    // Unpublished, it leaves what the public sees: a delete for them.
    let (status, body) = blog.call("PATCH", &format!("/posts/{}", out["id"]), Some(&writer), Some(json!({ "published": false }))).await;
    assert!(status.is_success(), "{body}");
    let left = stream.next().await;
    assert_eq!((left.event.as_str(), &left.data["id"]), ("delete", &out["id"]), "{left:?}");
    // A delete of a row nobody public saw says nothing; of one they saw, it is sent.
    for id in [&out["id"], &draft["id"]] {
        let (status, body) = blog.call("DELETE", &format!("/posts/{id}"), Some(&editor), None).await;
        assert!(status.is_success(), "{body}");
    }
    let gone = stream.next().await;
    assert_eq!((gone.event.as_str(), &gone.data["id"], &gone.data["title"]), ("delete", &draft["id"], &json!("Draft")), "{gone:?}");
    assert!(stream.next_within(Duration::from_millis(300)).await.is_none(), "nothing more");

    // The router's figures: one subscriber, its deliveries and their latency.
    let stats = blog
        .owner
        .run("{ routerStats(environment: \"test\", window: HOUR) { router requests subscribers eventsPerSecond deliveryP95Ms } }", json!({}))
        .await
        .data();
    let watch = stats["routerStats"].as_array().unwrap().iter().find(|s| s["router"] == "watchPosts").cloned().expect("watchPosts has figures");
    assert_eq!(watch["subscribers"], 1, "{watch}");
    assert!(watch["eventsPerSecond"].as_f64().unwrap() > 0.0, "{watch}");
    assert!(watch["deliveryP95Ms"].as_f64().is_some_and(|ms| ms < 5_000.0), "{watch}");
    let other = stats["routerStats"].as_array().unwrap().iter().find(|s| s["router"] == "listPosts").cloned().unwrap();
    assert_eq!((other["subscribers"].as_i64(), other["deliveryP95Ms"].is_null()), (Some(0), true), "{other}");
    let metrics = blog.http.get(blog.server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    openmetrics_parser::openmetrics::parse_openmetrics(&metrics).unwrap_or_else(|err| panic!("not OpenMetrics ({err:?}):\n{metrics}"));
    assert!(metrics.contains("serverkit_realtime_subscribers{environment=\"test\",router=\"watchPosts\"} 1"), "{metrics}");
    assert!(metrics.contains("serverkit_realtime_delivery_seconds_count{environment=\"test\",router=\"watchPosts\"} 4"), "four events delivered: {metrics}");
    drop(stream);
    // The server learns the client left when it next writes to it.
    crate::common::until("the subscriber is counted out once it left", Duration::from_secs(20), || async {
        post(&blog, &writer, "after it left", true).await;
        let stats = blog.owner.run("{ routerStats(environment: \"test\", window: HOUR) { router subscribers } }", json!({})).await.data();
        let now = stats["routerStats"].as_array().unwrap().iter().find(|s| s["router"] == "watchPosts").map(|s| s["subscribers"].clone());
        if now == Some(json!(0)) { Ok(()) } else { Err(now) }
    })
    .await;
}

#[tokio::test]
async fn an_owner_only_watch_gives_each_user_their_own_rows_and_deletions_only() {
    let blog = start().await;
    let (alice, _) = blog.user("alice@example.com").await;
    let (bob, _) = blog.user("bob@example.com").await;
    let (editor, editor_id) = blog.user("editor@example.com").await;
    blog.make_editor(editor_id).await;
    // Refused without a caller.
    let (status, body) = EventStream::open(&blog, "/posts/mine/live", None, None).await.err().expect("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Alice through a ticket, as a browser would; Bob with the header.
    let (status, ticket) = blog.call("POST", "/auth/ticket", Some(&alice), None).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let ticket = ticket["ticket"].as_str().unwrap().to_owned();
    let mut alices = EventStream::open(&blog, &format!("/posts/mine/live?ticket={ticket}"), None, None).await.expect("alice's stream");
    let reused = EventStream::open(&blog, &format!("/posts/mine/live?ticket={ticket}"), None, None).await.err().expect("a ticket serves once");
    assert_eq!(reused.0, StatusCode::UNAUTHORIZED);
    assert_eq!(reused.1["error"]["code"], "UNAUTHENTICATED", "{:?}", reused.1);
    let mut bobs = EventStream::open(&blog, "/posts/mine/live", Some(&bob), None).await.expect("bob's stream");

    let hers = post(&blog, &alice, "Alice's", false).await;
    let his = post(&blog, &bob, "Bob's", false).await;
    blog.call("DELETE", &format!("/posts/{}", hers["id"]), Some(&editor), None).await;
    let last = post(&blog, &bob, "Bob's second", true).await;

    let a1 = alices.next().await;
    let a2 = alices.next().await;
    assert_eq!((a1.event.as_str(), &a1.data["id"]), ("insert", &hers["id"]));
    assert_eq!((a2.event.as_str(), &a2.data["id"]), ("delete", &hers["id"]), "her row's deletion, as it was: {a2:?}");
    let b1 = bobs.next().await;
    let b2 = bobs.next().await;
    assert_eq!((b1.data["id"].clone(), b2.data["id"].clone()), (his["id"].clone(), last["id"].clone()), "only his rows, in order");
    assert!(alices.next_within(Duration::from_millis(300)).await.is_none(), "none of Bob's reached Alice");
}

#[tokio::test]
async fn a_stream_resumes_after_its_last_event_with_exactly_what_it_missed() {
    let blog = start().await;
    let (writer, _) = blog.user("writer@example.com").await;
    let mut stream = EventStream::open(&blog, "/posts/live", None, None).await.unwrap();
    post(&blog, &writer, "one", true).await;
    let first = stream.next().await;
    drop(stream);
    for title in ["two", "three"] {
        post(&blog, &writer, title, true).await;
    }
    let mut resumed = EventStream::open(&blog, "/posts/live", None, Some(&first.id)).await.unwrap();
    let titles = [resumed.next().await, resumed.next().await].map(|e| e.data["title"].as_str().unwrap().to_owned());
    assert_eq!(titles, ["two", "three"]);
    assert!(resumed.next_within(Duration::from_millis(300)).await.is_none(), "nothing twice");
    // `?after=` does the same; a cursor it never gave is refused.
    let mut again = EventStream::open(&blog, &format!("/posts/live?after={}", first.id), None, None).await.unwrap();
    assert_eq!(again.next().await.data["title"], "two");
    let (status, body) = EventStream::open(&blog, "/posts/live", None, Some("not-a-cursor")).await.err().expect("refused");
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_INPUT")), "{body}");
}

#[tokio::test]
async fn a_disabled_users_stream_closes() {
    let blog = start().await;
    let (alice, id) = blog.user("alice@example.com").await;
    let mut stream = EventStream::open(&blog, "/posts/mine/live", Some(&alice), None).await.unwrap();
    post(&blog, &alice, "mine", false).await;
    assert_eq!(stream.next().await.event, "insert");
    blog.owner
        .run("mutation($id: ID!) { disableUser(environment: \"test\", userId: $id, disabled: true) { id } }", json!({ "id": id.to_string() }))
        .await
        .data();
    match stream.next_or_end(Duration::from_secs(5)).await {
        Some(None) => {}
        other => panic!("the stream should close within seconds of the disable, got {other:?}"),
    }
    // Its request record, written as it closed, says why.
    let record = stream_record(&blog, "myPosts", |s| s["closedBy"] == "ACCESS_ENDED").await;
    assert_eq!((record["stream"]["events"].as_i64(), record["userEmail"].as_str()), (Some(1), Some("alice@example.com")), "{record}");
}

/// The request record of a closed stream of `router` that `wanted` accepts.
async fn stream_record(blog: &Blog, router: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let query = "query($f: RequestLogFilter) { requestLogs(environment: \"test\", filter: $f) { nodes { status durationMs responseBytes userEmail stream { events closedBy } } } }";
    crate::common::until(&format!("a closed stream of {router} is recorded"), Duration::from_secs(20), || async {
        let logs = blog.owner.run(query, json!({ "f": { "router": router } })).await.data();
        let nodes = logs["requestLogs"]["nodes"].as_array().unwrap().clone();
        nodes.iter().find(|n| n["stream"].is_object() && wanted(&n["stream"])).cloned().ok_or(Value::Array(nodes))
    })
    .await
}

#[tokio::test]
async fn a_stream_is_one_request_record_written_when_it_closes() {
    let blog = start().await;
    let (writer, _) = blog.user("writer@example.com").await;
    let mut stream = EventStream::open(&blog, "/posts/live", None, None).await.unwrap();
    for title in ["one", "two"] {
        post(&blog, &writer, title, true).await;
    }
    let seen = [stream.next().await, stream.next().await];
    assert_eq!(seen.map(|e| e.data["title"].as_str().unwrap().to_owned()), ["one", "two"]);
    // Open, it has no record yet: a stream's record tells how it went.
    let query = "{ requestLogs(environment: \"test\", filter: { router: \"watchPosts\" }) { nodes { stream { events } } } }";
    let open = blog.owner.run(query, json!({})).await.data();
    assert!(open["requestLogs"]["nodes"].as_array().unwrap().iter().all(|n| n["stream"].is_null()), "{open}");
    drop(stream);
    // The server learns the client left when it next writes to it.
    let record = crate::common::until("the stream's record, once the client left", Duration::from_secs(20), || async {
        post(&blog, &writer, "after it left", true).await;
        let logs = blog.owner.run(query.replace("events", "events closedBy").as_str(), json!({})).await.data();
        let nodes = logs["requestLogs"]["nodes"].as_array().unwrap().clone();
        nodes.iter().find(|n| n["stream"].is_object()).cloned().ok_or(Value::Array(nodes))
    })
    .await;
    assert_eq!(record["stream"]["closedBy"], "CLIENT", "{record}");
    assert!(record["stream"]["events"].as_i64().is_some_and(|n| n >= 2), "the two it read, and any written as it left: {record}");
    let full = stream_record(&blog, "watchPosts", |s| s["closedBy"] == "CLIENT").await;
    assert_eq!(full["status"], 200);
    assert!(full["responseBytes"].as_i64().unwrap() > 0 && full["durationMs"].as_f64().unwrap() > 0.0, "{full}");
}

#[tokio::test]
async fn a_stream_case_fails_on_an_event_it_did_not_expect_and_says_what_came() {
    let blog = start().await;
    let written = json!({
        "name": "watchPosts: shows the title", "router": "watchPosts",
        "steps": [
            { "as": "watch", "method": "GET", "path": "/posts/live",
              "expect": { "status": 200, "events": [{ "event": "insert", "data": { "id": "${steps.made.body.id}", "title": "Expected" } }] } },
            { "as": "made", "method": "POST", "path": "/posts", "actAs": "signedIn",
              "body": { "title": "Written", "body": "b", "published": true }, "expect": { "status": 201 } }
        ]
    });
    blog.owner.run("mutation($d: JSON!) { putTestCase(definition: $d) { revision } }", json!({ "d": written })).await.data();
    let refreshed = blog.owner.run("mutation { refresh(environment: \"test\") { testRun { id } } }", json!({})).await.data();
    let run = crate::common::finished_test_run(&blog.owner, refreshed["refresh"]["testRun"]["id"].as_str().unwrap()).await;
    assert_eq!((run["status"].as_str(), run["failed"].as_i64()), (Some("FAILED"), Some(1)), "{run:#}");
    let result = run["results"].as_array().unwrap().iter().find(|r| r["name"] == "watchPosts: shows the title").unwrap();
    let failure = &result["failures"][0];
    assert_eq!((failure["step"].as_str(), failure["what"].as_str()), (Some("watch"), Some("events/0/data/title")), "{result:#}");
    assert_eq!((failure["expected"].as_str(), failure["actual"].as_str()), (Some("Expected"), Some("Written")));
    // Events are expected of a stream, not of a write.
    let mut wrong = written.clone();
    wrong["steps"][1]["expect"]["events"] = json!([{ "event": "insert" }]);
    let refused = blog.owner.run("mutation($d: JSON!) { putTestCase(definition: $d) { revision } }", json!({ "d": wrong })).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["problems"][0]["path"], "tests.watchPosts: shows the title.steps[1].expect.events",
        "{:#}",
        refused.body
    );
}

#[tokio::test]
async fn a_watch_router_is_validated_as_one_get_step_and_exported_as_a_stream() {
    let blog = start().await;
    let doc = blog.owner.run("{ openApi(environment: \"test\") }", json!({})).await.data()["openApi"].clone();
    let live = &doc["paths"]["/posts/live"]["get"]["responses"]["200"];
    assert!(live["content"]["text/event-stream"].is_object(), "{live}");
    assert!(doc["paths"]["/posts/mine/live"]["get"]["responses"]["401"].is_object(), "signed-in watches may answer 401");
    let mut document = watching_blog();
    let routers = document["routers"].as_array_mut().unwrap();
    routers.push(json!({
        "name": "badWatch", "method": "POST", "path": "/posts/bad", "access": { "allow": "public" },
        "steps": [{ "watch": { "table": "posts", "where": { "colour": "red" } } }, { "respond": { "status": 200 } }]
    }));
    let refused = blog.owner.run("query($d: JSON!) { validateWorkspace(document: $d) { path message } }", json!({ "d": document })).await.data();
    let paths: Vec<&str> = refused["validateWorkspace"].as_array().unwrap().iter().filter_map(|p| p["path"].as_str()).collect();
    assert!(paths.contains(&"routers.badWatch.steps[0].watch"), "{refused:#}");
    assert!(paths.contains(&"routers.badWatch.steps[0].watch.where.colour"), "{refused:#}");
}

#[tokio::test]
async fn a_change_through_one_replica_reaches_a_stream_on_another() {
    if std::env::var("SERVERKIT_TEST_DATABASE_URL").is_err() {
        eprintln!("watch across replicas: skipped on SQLite (one process)");
        return;
    }
    let blog = start().await;
    let other = blog.server.replica().await;
    let on_other = Blog { server: other, owner: blog.owner.clone(), http: reqwest::Client::new() };
    let (writer, _) = blog.user("writer@example.com").await;
    // The other replica serves the environment once it has resumed it.
    let mut stream = crate::common::until("the other replica serves the watch", Duration::from_secs(20), || async {
        EventStream::open(&on_other, "/posts/live", None, None).await.map_err(|(status, body)| format!("{status} {body}"))
    })
    .await;
    let written = post(&blog, &writer, "through the first", true).await;
    let event = stream.next().await;
    assert_eq!((event.event.as_str(), &event.data["id"]), ("insert", &written["id"]), "{event:?}");
    // A ticket asked of one replica opens a stream on the other, once.
    let (status, ticket) = blog.call("POST", "/auth/ticket", Some(&writer), None).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let path = format!("/posts/mine/live?ticket={}", ticket["ticket"].as_str().unwrap());
    let mut mine = EventStream::open(&on_other, &path, None, None).await.expect("the ticket is good on the other replica");
    let reused = EventStream::open(&blog, &path, None, None).await.err().expect("and used up on both");
    assert_eq!(reused.0, StatusCode::UNAUTHORIZED);
    let own = post(&blog, &writer, "mine", false).await;
    assert_eq!(mine.next().await.data["id"], own["id"]);
}

/// Inserts `count` published posts straight into the environment's
/// database in one statement (the triggers record each), as a burst no
/// subscriber keeps up with live.
async fn burst_of_posts(blog: &Blog, count: u32) {
    let now = "'2026-12-07T00:00:00Z'";
    let postgres = format!(
        "INSERT INTO env_test.posts (title, body, published, created_at, updated_at) SELECT 'burst ' || i, 'b', true, {now}, {now} FROM generate_series(1, {count}) AS i"
    );
    let sqlite = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) INSERT INTO posts (title, body, published, created_at, updated_at) SELECT 'burst ' || i, 'b', 1, {now}, {now} FROM n"
    );
    crate::common::in_test_database(&blog.server, &postgres, &sqlite).await;
}

#[tokio::test]
async fn a_subscriber_too_slow_for_a_burst_still_gets_every_event_once_in_order() {
    let blog = start().await;
    let mut stream = EventStream::open(&blog, "/posts/live", None, None).await.unwrap();
    // Several times what the live broadcast holds (4096) and more than the
    // socket buffers take (~5 MB of events) while the client does not read:
    // the server's writes block, the subscriber falls behind the broadcast
    // and reads the feed itself until it is level again.
    const BURST: u32 = 20_000;
    burst_of_posts(&blog, BURST).await;
    tokio::time::sleep(Duration::from_millis(500)).await; // not reading: the reader races ahead
    let mut last: Option<(u64, i64)> = None;
    for i in 1..=BURST {
        let event = stream.next_within(Duration::from_secs(30)).await.unwrap_or_else(|| panic!("event {i} of {BURST} within 30 s"));
        assert_eq!((event.event.as_str(), event.data["title"].as_str()), ("insert", Some(format!("burst {i}").as_str())), "in order, none lost");
        let cursor = match event.id.split_once('-') {
            Some((tx, seq)) => (tx.parse().unwrap(), seq.parse().unwrap()),
            None => (0, event.id.parse().unwrap()),
        };
        assert!(last.is_none_or(|last| cursor > last), "cursors rise: {last:?} then {cursor:?}");
        last = Some(cursor);
    }
    assert!(stream.next_within(Duration::from_millis(300)).await.is_none(), "none twice");
}

async fn set_limits(blog: &Blog, limits: Value) {
    blog.owner
        .run("mutation($l: EnvironmentLimitsInput!) { updateEnvironment(slug: \"test\", input: { limits: $l }) { slug } }", json!({ "l": limits }))
        .await
        .data();
}

#[tokio::test]
async fn subscribers_are_limited_in_all_and_per_caller_and_events_are_paced_not_dropped() {
    let blog = start().await;
    let (alice, _) = blog.user("alice@example.com").await;
    let (bob, _) = blog.user("bob@example.com").await;
    set_limits(&blog, json!({ "maxSubscribers": 2, "maxSubscribersPerUser": 1, "maxEventsPerSecond": 5 })).await;
    let _alices = EventStream::open(&blog, "/posts/mine/live", Some(&alice), None).await.expect("alice's first stream");
    let (status, body) = EventStream::open(&blog, "/posts/mine/live", Some(&alice), None).await.err().expect("a second one is refused");
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("RATE_LIMITED")), "{body}");
    let mut bobs = EventStream::open(&blog, "/posts/mine/live", Some(&bob), None).await.expect("bob's stream");
    let (status, body) = EventStream::open(&blog, "/posts/live", None, None).await.err().expect("the environment is full");
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("OVERLOADED")), "{body}");

    // Twelve changes at 5 a second: every one arrives, in order, over 2 s or more.
    let started = std::time::Instant::now();
    for i in 0..12 {
        post(&blog, &bob, &format!("paced {i}"), true).await;
    }
    for i in 0..12 {
        let event = bobs.next_within(Duration::from_secs(10)).await.unwrap_or_else(|| panic!("event {i}"));
        assert_eq!(event.data["title"], format!("paced {i}"));
    }
    assert!(started.elapsed() >= Duration::from_millis(1900), "paced at 5 a second, twelve take 2 s at least: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_cursor_older_than_the_feed_keeps_gets_resync_then_the_stream_goes_on() {
    let blog = start().await;
    let (writer, _) = blog.user("writer@example.com").await;
    set_limits(&blog, json!({ "feedRetentionEvents": 100 })).await;
    let mut stream = EventStream::open(&blog, "/posts/live", None, None).await.unwrap();
    post(&blog, &writer, "first", true).await;
    let first = stream.next().await;
    drop(stream);
    burst_of_posts(&blog, 150).await;
    // On PostgreSQL retention drops only what is below the horizon: a
    // transaction running elsewhere in the cluster holds it back a while.
    let (mut resumed, resync) = crate::common::until("retention drops the first event", Duration::from_secs(30), || async {
        blog.server.app.engine.trim_feeds().await;
        let mut resumed = EventStream::open(&blog, "/posts/live", None, Some(&first.id)).await.map_err(|(status, body)| format!("{status} {body}"))?;
        let event = resumed.next().await;
        match event.event == "resync" {
            true => Ok((resumed, event)),
            false => Err(format!("not trimmed yet: {event:?}")),
        }
    })
    .await;
    assert_eq!(resync.data["cursor"], resync.id.as_str());
    post(&blog, &writer, "after the resync", true).await;
    let next = resumed.next().await;
    assert_eq!((next.event.as_str(), &next.data["title"]), ("insert", &json!("after the resync")), "from the resync's cursor on: {next:?}");

    // The admin's stream says it the GraphQL way: LAGGED with the cursor to follow from.
    let token = blog.owner.run("mutation { createApiToken(input: { name: \"feed\", role: OWNER }) { token } }", json!({})).await.data();
    let mut socket = crate::common::open_socket(&blog.server, None, json!({ "token": token["createApiToken"]["token"] })).await;
    use futures_util::SinkExt;
    let query = format!("subscription {{ rowChanges(environment: \"test\", table: \"posts\", after: \"{}\") {{ op }} }}", first.id);
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(json!({ "id": "r", "type": "subscribe", "payload": { "query": query } }).to_string()))
        .await
        .unwrap();
    let lagged = crate::common::next_json(&mut socket).await;
    assert_eq!(lagged["payload"]["errors"][0]["extensions"]["code"], "LAGGED", "{lagged}");
    assert!(lagged["payload"]["errors"][0]["extensions"]["cursor"].is_string(), "{lagged}");
}

#[tokio::test]
async fn each_committed_transaction_notifies_the_feed_once_on_postgresql() {
    if std::env::var("SERVERKIT_TEST_DATABASE_URL").is_err() {
        eprintln!("feed notifications: skipped on SQLite (its writer tells the reader)");
        return;
    }
    let blog = start().await;
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect(&blog.server.config.database_url()).await.unwrap();
    listener.listen("_sk_feed").await.unwrap();
    // 200 rows in one transaction: one notification, naming the schema and the transaction.
    burst_of_posts(&blog, 200).await;
    let first = tokio::time::timeout(Duration::from_secs(10), listener.recv()).await.expect("a notification within 10 s").unwrap();
    let (schema, tx) = first.payload().split_once(' ').expect("`<schema> <tx>`");
    assert_eq!(schema, "env_test");
    assert!(tx.parse::<u64>().is_ok(), "{}", first.payload());
    let more = tokio::time::timeout(Duration::from_millis(500), listener.recv()).await;
    assert!(more.is_err(), "one per transaction, not per row: {more:?}");
    // The next transaction notifies again.
    let (writer, _) = blog.user("writer@example.com").await;
    post(&blog, &writer, "next", true).await;
    let second = tokio::time::timeout(Duration::from_secs(10), listener.recv()).await.expect("a notification within 10 s").unwrap();
    assert_ne!(second.payload(), first.payload());
}

#[tokio::test]
async fn a_stream_from_now_gets_nothing_committed_before_it_opened_while_a_transaction_holds_the_horizon() {
    if std::env::var("SERVERKIT_TEST_DATABASE_URL").is_err() {
        eprintln!("the PostgreSQL horizon: skipped on SQLite (one writer, no horizon)");
        return;
    }
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let blog = start().await;
    let (writer, _) = blog.user("writer@example.com").await;
    // A transaction left open elsewhere (with a transaction id) holds the horizon where it is.
    let db = sea_orm::Database::connect(blog.server.config.database_url()).await.unwrap();
    let held = db.begin().await.unwrap();
    held.execute_unprepared("SELECT pg_current_xact_id()").await.unwrap();
    post(&blog, &writer, "before", true).await;
    let mut stream = EventStream::open(&blog, "/posts/live", None, None).await.unwrap();
    let after = post(&blog, &writer, "after", true).await;
    held.rollback().await.unwrap();
    let first = stream.next().await;
    assert_eq!((first.event.as_str(), &first.data["id"]), ("insert", &after["id"]), "not `before`, committed before the stream opened: {first:?}");
}

/// A watch router's WebSocket: subscribed with `token` (and `after`); the
/// first answer (`ready`, or the refusal).
async fn watch_socket(blog: &Blog, path: &str, token: Option<&str>, after: Option<&str>) -> (crate::common::Socket, Value) {
    use futures_util::SinkExt;
    let url = format!("ws://{}/env/test{path}", blog.server.addr);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("WebSocket upgrade");
    let subscribe = json!({ "type": "subscribe", "token": token, "after": after });
    socket.send(tokio_tungstenite::tungstenite::Message::text(subscribe.to_string())).await.unwrap();
    let first = socket_message(&mut socket).await.expect("an answer to subscribe");
    (socket, first)
}

/// The next text message (pings passed over) within 10 s; None when the socket closed.
async fn socket_message(socket: &mut crate::common::Socket) -> Option<Value> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a message within 10 s") {
            Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_watch_router_answers_on_a_websocket_with_the_token_in_the_first_message() {
    let blog = start().await;
    let (alice, _) = blog.user("alice@example.com").await;
    let (bob, _) = blog.user("bob@example.com").await;
    let (mut socket, ready) = watch_socket(&blog, "/posts/mine/live", Some(&alice), None).await;
    assert_eq!(ready, json!({ "type": "ready" }));
    // Bob's row never reaches Alice; her own does, as its event with the row.
    post(&blog, &bob, "Bob's", false).await;
    let hers = post(&blog, &alice, "Alice's", false).await;
    let event = socket_message(&mut socket).await.unwrap();
    assert_eq!((event["type"].as_str(), &event["data"]["id"], &event["data"]["title"]), (Some("insert"), &hers["id"], &json!("Alice's")), "{event}");
    // Resumed after that event: exactly what came later.
    let later = post(&blog, &alice, "later", true).await;
    let (mut resumed, _) = watch_socket(&blog, "/posts/mine/live", Some(&alice), event["id"].as_str()).await;
    let next = socket_message(&mut resumed).await.unwrap();
    assert_eq!((next["type"].as_str(), &next["data"]["id"]), (Some("insert"), &later["id"]), "{next}");
    drop(resumed);
    // Refused: no token on a signed-in router, a bad token, a bad first message.
    for (token, code) in [(None, "UNAUTHENTICATED"), (Some("ut_not-a-token"), "UNAUTHENTICATED")] {
        let (mut refused, answer) = watch_socket(&blog, "/posts/mine/live", token, None).await;
        assert_eq!((answer["type"].as_str(), answer["error"]["code"].as_str()), (Some("error"), Some(code)), "{answer}");
        assert!(socket_message(&mut refused).await.is_none(), "closed after the refusal");
    }
    let (_, bad_cursor) = watch_socket(&blog, "/posts/mine/live", Some(&alice), Some("nope")).await;
    assert_eq!(bad_cursor["error"]["code"], "INVALID_INPUT", "{bad_cursor}");
    let refused = stream_record(&blog, "myPosts", |s| s["closedBy"] == "REFUSED").await;
    assert_eq!((refused["status"].as_i64(), refused["stream"]["events"].as_i64()), (Some(101), Some(0)), "{refused}");
    // Closed by the client: one request record with the events it sent.
    drop(socket);
    let record = stream_record(&blog, "myPosts", |s| s["events"] == 1 && s["closedBy"] == "CLIENT").await;
    assert_eq!(record["status"], 101, "{record}");
}

#[tokio::test]
async fn a_quiet_stream_sends_a_heartbeat_comment_every_15_seconds() {
    let blog = start().await;
    let response = reqwest::Client::new().get(blog.url("/posts/live")).header("accept", "text/event-stream").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut response = response;
    let opened = tokio::time::Instant::now();
    let mut seen = String::new();
    while !seen.contains(": heartbeat\n\n") {
        let chunk = tokio::time::timeout_at(opened + Duration::from_secs(25), response.chunk()).await.expect("a heartbeat within 25 s").unwrap().expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let waited = opened.elapsed();
    assert!(waited >= Duration::from_secs(14), "not before 15 s of quiet: {waited:?}");
}
