//! Starts the real server on a free port with a fresh database — SQLite in a
//! temp folder, or a fresh PostgreSQL database when
//! `SERVERKIT_TEST_DATABASE_URL` is set — and talks to it as a client would.
#![allow(dead_code)]

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use serverkit_server::{App, Config};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery";

/// A fresh PostgreSQL database, dropped when the test ends.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> (Self, String) {
        let name = format!("sk_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url).await.expect("connect to SERVERKIT_TEST_DATABASE_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(admin_url).expect("SERVERKIT_TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        (Self { admin_url: admin_url.to_owned(), name }, url.to_string())
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub config: Config,
    /// The running app's services, for what a client cannot reach (the retention clock).
    pub app: serverkit_server::state::AppState,
    pub setup_link: Option<String>,
    /// Environments served at the root of their own address.
    pub env_addresses: Vec<(String, SocketAddr)>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Kept for their Drop: the data folder and the PostgreSQL database.
    _dir: std::sync::Arc<tempfile::TempDir>,
    _pg: Option<std::sync::Arc<PgDatabase>>,
    pub s3: Option<std::sync::Arc<crate::s3::S3Server>>,
}

pub struct Options {
    pub with_owner: bool,
    pub login_attempts_per_minute: u32,
    /// Environments to serve at the root of a free port of their own.
    pub env_listen: Vec<&'static str>,
    pub trusted_proxies: Vec<&'static str>,
    /// Request records that may wait for the log writer (the default when None).
    pub request_log_queue: Option<usize>,
    /// A pause inside and after each migration's transaction (crash and race tests).
    pub activation_pause_ms: u64,
    /// Files on a real S3-protocol server on loopback instead of local files.
    pub s3: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            with_owner: true,
            login_attempts_per_minute: 5,
            env_listen: Vec::new(),
            trusted_proxies: Vec::new(),
            request_log_queue: None,
            activation_pause_ms: 0,
            s3: false,
        }
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        let mut pg = None;
        if let Ok(admin_url) = std::env::var("SERVERKIT_TEST_DATABASE_URL") {
            let (db, url) = PgDatabase::create(&admin_url).await;
            config.database_url = Some(url.into());
            pg = Some(std::sync::Arc::new(db));
        }
        if options.with_owner {
            config.admin_email = Some(OWNER_EMAIL.into());
            config.admin_password = Some(OWNER_PASSWORD.into());
        }
        config.login_attempts_per_minute = options.login_attempts_per_minute;
        config.trusted_proxies = options.trusted_proxies.iter().map(|p| p.to_string()).collect();
        config.activation_pause_ms = options.activation_pause_ms;
        if let Some(queue) = options.request_log_queue {
            config.request_log_queue = queue;
        }
        for slug in options.env_listen {
            config.env_listen.insert(slug.into(), "127.0.0.1:0".parse().unwrap());
        }
        let s3 = match options.s3 {
            true => {
                let server = crate::s3::S3Server::start().await;
                let (url, storage_options) = server.config();
                config.storage_url = Some(url.into());
                config.storage_options = storage_options;
                Some(server)
            }
            false => None,
        };
        Self::launch(config, dir, pg, s3).await
    }

    async fn launch(
        mut config: Config,
        dir: std::sync::Arc<tempfile::TempDir>,
        pg: Option<std::sync::Arc<PgDatabase>>,
        s3: Option<std::sync::Arc<crate::s3::S3Server>>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr = listener.local_addr().expect("local addr");
        config.listen = addr;
        let app = App::build(config.clone(), addr).await.expect("build the app");
        let setup_link = app.setup_link.clone();
        let env_addresses = app.env_addresses();
        let state = app.state.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        Self { addr, base: format!("http://{addr}"), config, app: state, setup_link, env_addresses, stop: Some(stop), task: Some(task), _dir: dir, _pg: pg, s3 }
    }

    /// A second server on the same database and files, as a replica behind a
    /// load balancer would be.
    pub async fn replica(&self) -> TestServer {
        Self::launch(self.config.clone(), self._dir.clone(), self._pg.clone(), self.s3.clone()).await
    }

    /// Stops the server (gracefully) and starts a new one on the same data.
    pub async fn restart(mut self) -> Self {
        self.shutdown().await;
        Self::launch(self.config.clone(), self._dir.clone(), self._pg.clone(), self.s3.clone()).await
    }

    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            joined(task, Duration::from_secs(30), "the server's graceful stop").await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn data_dir(&self) -> PathBuf {
        self._dir.path().to_path_buf()
    }

    /// Test runs' sandboxes still there: SQLite files or PostgreSQL schemas,
    /// and folders of files in the local store.
    pub async fn sandboxes_left(&self) -> Vec<String> {
        let mut left = Vec::new();
        if self.config.is_postgres() {
            let db = sea_orm::Database::connect(self.config.database_url()).await.expect("the database");
            let sql = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sandbox\\_%'";
            let rows = sea_orm::ConnectionTrait::query_all_raw(&db, sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql)).await.expect("schemas");
            left.extend(rows.iter().filter_map(|r| r.try_get::<String>("", "nspname").ok()));
            db.close().await.ok();
        }
        let listed = |dir: PathBuf| std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()?.file_name().into_string().ok());
        left.extend(listed(self.config.data_dir.join("envs").join(".sandboxes")));
        // Objects, not folders: the local store may leave an empty folder behind.
        for folder in listed(self.config.data_dir.join("files").join("envs")).filter(|name| name.starts_with("sandbox_")) {
            let mut pending = vec![self.config.data_dir.join("files").join("envs").join(&folder)];
            while let Some(dir) = pending.pop() {
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    match entry.file_type().is_ok_and(|t| t.is_dir()) {
                        true => pending.push(entry.path()),
                        false => left.push(entry.path().display().to_string()),
                    }
                }
            }
        }
        left
    }

    /// A client with its own cookie jar, like one browser.
    pub fn client(&self) -> Gql {
        Gql { http: Client::builder().cookie_store(true).timeout(REQUEST_TIMEOUT).build().expect("client"), endpoint: self.url("/graphql"), bearer: None }
    }

    /// A client signed in as the owner.
    pub async fn owner(&self) -> Gql {
        let client = self.client();
        client.login(OWNER_EMAIL, OWNER_PASSWORD).await.ok().expect("owner login");
        client
    }

    /// A client signed in as a new admin with this role.
    pub async fn admin_with_role(&self, role: &str) -> Gql {
        let owner = self.owner().await;
        let email = format!("{}-{}@example.com", role.to_lowercase(), uuid::Uuid::new_v4().simple());
        owner
            .run(
                "mutation($input: CreateAdminInput!) { createAdmin(input: $input) { id } }",
                json!({ "input": { "email": email, "password": OWNER_PASSWORD, "role": role } }),
            )
            .await
            .ok()
            .expect("create admin");
        let client = self.client();
        client.login(&email, OWNER_PASSWORD).await.ok().expect("login");
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[derive(Clone)]
pub struct Gql {
    pub http: Client,
    pub endpoint: String,
    pub bearer: Option<String>,
}

/// A GraphQL answer with its HTTP status.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    pub fn ok(self) -> Result<Value, Value> {
        match self.body.get("errors") {
            Some(errors) if !errors.is_null() => Err(errors.clone()),
            _ => Ok(self.body["data"].clone()),
        }
    }

    /// The data, failing the test with the errors if there are any.
    pub fn data(self) -> Value {
        match self.ok() {
            Ok(data) => data,
            Err(errors) => panic!("unexpected errors: {errors:#}"),
        }
    }

    /// The `extensions.problems` of the first error (every `{path, message}`).
    pub fn problems(&self) -> Vec<Value> {
        self.body["errors"][0]["extensions"]["problems"].as_array().cloned().unwrap_or_default()
    }

    /// The `extensions.code` of the first error, failing the test if there is none.
    pub fn code(&self) -> String {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("expected an error code in {:#}", self.body)).to_owned()
    }
}

impl Gql {
    pub fn with_bearer(&self, token: &str) -> Gql {
        Gql { bearer: Some(token.to_owned()), http: Client::builder().timeout(REQUEST_TIMEOUT).build().expect("client"), ..self.clone() }
    }

    pub async fn run(&self, query: &str, variables: Value) -> Answer {
        let mut request = self.http.post(&self.endpoint).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql");
        let status = response.status();
        let body = response.json().await.expect("GraphQL answers JSON");
        Answer { status, body }
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.run(
            "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { id email role } }",
            json!({ "email": email, "password": password }),
        )
        .await
    }
}

/// The longest any one HTTP request of a test may take: a server that stops
/// answering fails the test instead of hanging it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Polls `check` every 50 ms until it gives `Ok`, and returns that; panics
/// with `what` and the last `Err` (what was seen instead) if that takes
/// longer than `within`, a check that hangs included.
pub async fn until<T, E, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    E: std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + within;
    let mut last = None;
    loop {
        match tokio::time::timeout_at(deadline, check()).await {
            Ok(Ok(done)) => return done,
            Ok(Err(seen)) => last = Some(seen),
            Err(_) => panic!("not within {within:?}: {what} (a check was still running; the one before saw {last:?})"),
        }
        if tokio::time::Instant::now() + Duration::from_millis(50) >= deadline {
            panic!("not within {within:?}: {what} (last seen: {:?})", last.expect("checked at least once"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The output of a spawned task, awaited for at most `within`: a panic in the
/// task fails the test with the task's own message, and a task still running
/// then is aborted and fails it too.
pub async fn joined<T>(mut task: JoinHandle<T>, within: Duration, what: &str) -> T {
    match tokio::time::timeout(within, &mut task).await {
        Ok(Ok(output)) => output,
        Ok(Err(err)) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Ok(Err(err)) => panic!("{what}: the task was cancelled ({err})"),
        Err(_) => {
            task.abort();
            panic!("{what}: the task was still running after {within:?}")
        }
    }
}

/// The fields of a test run the e2e tests read.
pub const TEST_RUN_FIELDS: &str =
    "id status error revision total passed failed startedBy results { name router status failures { step what expected actual } logIds curl }";

/// Test run `id`, once it has ended (it fails the test if the run is still
/// `RUNNING` after 60 s).
pub async fn finished_test_run(client: &Gql, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ testRun(id: $id) {{ {TEST_RUN_FIELDS} }} }}");
    until(&format!("test run {id} ended"), Duration::from_secs(60), || async {
        let run = client.run(&query, json!({ "id": id })).await.data()["testRun"].clone();
        match run["status"] != "RUNNING" {
            true => Ok(run),
            false => Err(run["status"].clone()),
        }
    })
    .await
}

/// A graphql-transport-ws socket on `/graphql/ws`, acknowledged.
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn open_socket(server: &TestServer, cookie: Option<&str>, init: Value) -> Socket {
    open_socket_at(server, "/graphql/ws", cookie, init).await
}

/// `open_socket` on another path (`/graphql`, where Apollo-style clients connect).
pub async fn open_socket_at(server: &TestServer, path: &str, cookie: Option<&str>, init: Value) -> Socket {
    let mut request = format!("ws://{}{path}", server.addr).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    request.headers_mut().insert("origin", HeaderValue::from_str(&server.base).unwrap());
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", HeaderValue::from_str(cookie).unwrap());
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("WebSocket upgrade");
    socket.send(Message::text(json!({ "type": "connection_init", "payload": init }).to_string())).await.unwrap();
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

/// The next message that is not a ping, within 10 s (pings do not extend it).
pub async fn next_json(socket: &mut Socket) -> Value {
    next_json_before(socket, tokio::time::Instant::now() + Duration::from_secs(10)).await.expect("a message (not a ping) within 10 s")
}

/// The next message that is not a ping, or None if none comes by `deadline`.
pub async fn next_json_before(socket: &mut Socket, deadline: tokio::time::Instant) -> Option<Value> {
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.ok()?.expect("socket open").expect("valid frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] != "ping" {
                return Some(value);
            }
        }
    }
}

/// The next message that `stray` does not match, passing over those it does
/// (such as the late events of `until_first_event`'s earlier attempts);
/// within 20 s, however many strays come meanwhile.
pub async fn next_json_skipping(socket: &mut Socket, stray: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut passed = Vec::new();
    loop {
        match next_json_before(socket, deadline).await {
            Some(message) if stray(&message) => passed.push(message),
            Some(message) => return message,
            None => panic!("no message but strays within 20 s; passed over: {passed:#?}"),
        }
    }
}

// Subscriptions are fed by broadcast channels: one sees only the events
// published after the server has attached it, and graphql-transport-ws sends
// nothing to say that a `subscribe` is attached. Sleeping after `subscribe`
// and then triggering the event races on a loaded machine; these helpers
// instead repeat the trigger until an event arrives.

/// How long to wait for an event after each attempt of the trigger.
const ATTEMPT_WAIT: Duration = Duration::from_secs(2);
/// How long the subscriptions may take to be attached, in all.
const ATTACH_DEADLINE: Duration = Duration::from_secs(20);

/// Runs `trigger` (given the attempt number, from 0) until the socket
/// receives a `next`, and returns that first `next`. The trigger must be
/// repeatable; events of its earlier attempts may still arrive afterwards.
pub async fn until_first_event<F, Fut>(socket: &mut Socket, trigger: F) -> Value
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let first = retry_until(socket, trigger, "any subscription", |first| !first.is_empty()).await;
    first.into_values().next().expect("one event")
}

/// `until_first_event` for several subscriptions on one socket: runs
/// `trigger` until each of `ids` has received a `next`, and returns the first
/// `next` of each, by id.
pub async fn until_each_streams<F, Fut>(socket: &mut Socket, ids: &[&str], trigger: F) -> std::collections::HashMap<String, Value>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    retry_until(socket, trigger, &format!("{ids:?}"), |first| ids.iter().all(|id| first.contains_key(*id))).await
}

async fn retry_until<F, Fut>(
    socket: &mut Socket,
    mut trigger: F,
    what: &str,
    enough: impl Fn(&std::collections::HashMap<String, Value>) -> bool,
) -> std::collections::HashMap<String, Value>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let deadline = tokio::time::Instant::now() + ATTACH_DEADLINE;
    let mut first = std::collections::HashMap::new();
    let mut attempt = 0;
    loop {
        if tokio::time::Instant::now() >= deadline {
            panic!("no event on {what} within {ATTACH_DEADLINE:?} of subscribing, though the trigger ran {attempt} times (got {first:?})");
        }
        trigger(attempt).await;
        attempt += 1;
        let wait = tokio::time::Instant::now() + ATTEMPT_WAIT;
        while let Some(message) = next_json_before(socket, wait).await {
            assert_eq!(message["type"], "next", "{message}");
            let id = message["id"].as_str().expect("an operation id").to_owned();
            first.entry(id).or_insert(message);
            if enough(&first) {
                return first;
            }
        }
    }
}

/// Runs each test `$name(s3: bool)` twice: on local files and on the
/// S3-protocol server (`Options { s3: true }`).
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn local_files() {
                super::$name(false).await
            }
            #[tokio::test]
            async fn s3() {
                super::$name(true).await
            }
        }
    )*};
}

/// Runs SQL straight in the `test` environment's database, past the server
/// (rows grown in bulk, as a large table or a burst would have them): the
/// statement for PostgreSQL (schema `env_test`) or for SQLite, whichever it uses.
pub async fn in_test_database(server: &TestServer, postgres: &str, sqlite: &str) {
    use sea_orm::{ConnectionTrait, Database};
    let (url, sql) = if server.config.is_postgres() {
        (server.config.database_url(), postgres)
    } else {
        (format!("sqlite://{}", server.data_dir().join("envs").join("test.db").display()), sqlite)
    };
    let db = Database::connect(&url).await.expect("the environment's database");
    db.execute_unprepared(sql).await.expect("the statement");
    db.close().await.ok();
}
