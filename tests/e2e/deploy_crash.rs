//! `kill -9` in the middle of deploys and rollbacks: after each restart,
//! production serves exactly the old or the new release, its database's
//! tables match that release, and no release is left APPLYING. The real
//! binary, with a pause inside and after each migration's transaction so
//! the kill lands at every point of it.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::{
    blog::blog as blog_document,
    common::{Gql, OWNER_EMAIL, OWNER_PASSWORD, PgDatabase},
    deploy::{deploy, tested},
};

const BIN: &str = env!("CARGO_BIN_EXE_serverkit");
const PAUSE_MS: u64 = 250;

pub(crate) struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(data: &std::path::Path, database_url: Option<&str>) -> Server {
    let mut command = Command::new(BIN);
    command
        .current_dir(data)
        .env("SERVERKIT_DATA_DIR", data.join("data"))
        .env("SERVERKIT_LISTEN", "127.0.0.1:0")
        .env("SERVERKIT_LOG", "warn")
        .env("SERVERKIT_ADMIN_EMAIL", OWNER_EMAIL)
        .env("SERVERKIT_ADMIN_PASSWORD", OWNER_PASSWORD)
        .env("SERVERKIT_ACTIVATION_PAUSE_MS", PAUSE_MS.to_string())
        .env_remove("SERVERKIT_DATABASE_URL")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(data.join("server.log")).expect("log file"));
    if let Some(url) = database_url {
        command.env("SERVERKIT_DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("start serverkit");
    let stdout = child.stdout.take().expect("stdout");
    // Read to the end on a thread of its own: a closed pipe would fail the server's next print.
    let (found, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.trim().strip_prefix("admin:") {
                let _ = found.send(rest.trim().trim_end_matches("/admin/").to_owned());
            }
        }
    });
    let url = url.recv_timeout(Duration::from_secs(60)).expect("the banner's admin line");
    Server { child, url }
}

pub(crate) async fn owner(server: &Server) -> Gql {
    let client = Gql { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), endpoint: format!("{}/graphql", server.url), bearer: None };
    client.login(OWNER_EMAIL, OWNER_PASSWORD).await.ok().expect("owner login");
    client
}

/// The user tables of production's database, each with its columns, sorted.
async fn stored_tables(data: &std::path::Path, database_url: Option<&str>) -> Vec<(String, Vec<String>)> {
    let (db, tables_sql, backend) = match database_url {
        Some(url) => (
            Database::connect(url).await.unwrap(),
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'env_production' AND table_name NOT LIKE '\\_sk%' ORDER BY 1",
            DbBackend::Postgres,
        ),
        None => (
            Database::connect(format!("sqlite://{}?mode=ro", data.join("data/envs/production.db").display())).await.unwrap(),
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_sk%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY 1",
            DbBackend::Sqlite,
        ),
    };
    let mut out = Vec::new();
    for row in db.query_all_raw(Statement::from_string(backend, tables_sql)).await.unwrap() {
        let table: String = row.try_get("", "name").unwrap();
        let columns_sql = match backend {
            DbBackend::Postgres => {
                format!(
                    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'env_production' AND table_name = '{table}' ORDER BY 1"
                )
            }
            _ => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY 1"),
        };
        let columns = db.query_all_raw(Statement::from_string(backend, columns_sql)).await.unwrap().iter().map(|r| r.try_get("", "name").unwrap()).collect();
        out.push((table, columns));
    }
    db.close().await.ok();
    out
}

/// The tables a definition says the database has.
fn defined_tables(document: &Value) -> Vec<(String, Vec<String>)> {
    let mut tables: Vec<(String, Vec<String>)> = document["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|table| {
            let mut columns: Vec<String> = ["id", "created_at", "updated_at"].map(String::from).to_vec();
            if table["owned"] == true {
                columns.push("owner".into());
            }
            columns.extend(table["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
            columns.sort();
            (table["name"].as_str().unwrap().to_owned(), columns)
        })
        .collect();
    tables.sort();
    tables
}

fn next_random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[tokio::test]
async fn kill_9_during_deploys_and_rollbacks_leaves_the_old_or_the_new_release_with_its_schema() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut pg = None;
    if let Ok(admin) = std::env::var("SERVERKIT_TEST_DATABASE_URL") {
        pg = Some(PgDatabase::create(&admin).await);
    }
    let database_url = pg.as_ref().map(|(_, url)| url.clone());
    let database_url = database_url.as_deref();

    let mut server = start(dir.path(), database_url);
    let client = owner(&server).await;
    assert_eq!(tested(&client, &blog_document()).await["status"], "PASSED");
    assert_eq!(deploy(&client, json!({})).await.data()["deploy"]["status"], "ACTIVE");
    // The test server now serves B: a table and a column more than release 1 (A).
    let mut with_tags = blog_document();
    with_tags["tables"][0]["columns"].as_array_mut().unwrap().push(json!({ "name": "subtitle", "type": "text" }));
    with_tags["tables"].as_array_mut().unwrap().push(json!({ "name": "tags", "columns": [{ "name": "label", "type": "text" }] }));
    assert_eq!(tested(&client, &with_tags).await["status"], "PASSED");

    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let (mut kept, mut moved) = (0, 0);
    for round in 0..10 {
        let before = client_state(&owner(&server).await).await;
        let serves_tags = before.1.to_string().contains("\"tags\"");
        let client = owner(&server).await;
        // Serving A: deploy B. Serving B: roll back to release 1 and drop what B added.
        let mutation = tokio::spawn(async move {
            match serves_tags {
                false => deploy(&client, json!({})).await.body,
                true => {
                    client
                        .run("mutation { rollback(environment: \"production\", toRelease: 1, allowDestructive: true) { number status } }", json!({}))
                        .await
                        .body
                }
            }
        });
        let wait = next_random(&mut seed) % (2 * PAUSE_MS + 100);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.child.kill().expect("kill -9");
        server.child.wait().unwrap();
        mutation.abort();

        server = start(dir.path(), database_url);
        let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
        let client = Gql { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), endpoint: format!("{}/graphql", server.url), bearer: None };
        if let Err(err) = client.http.get(format!("{}/readyz", server.url)).send().await {
            panic!("round {round}: the server did not come back ({err}); its log:\n{log}");
        }
        let client = owner(&server).await;
        let (number, document, releases) = client_state(&client).await;
        assert!(!releases.to_string().contains("APPLYING"), "round {round}: a release was left applying: {releases}");
        let stored = stored_tables(dir.path(), database_url).await;
        assert_eq!(stored, defined_tables(&document), "round {round} (killed after {wait} ms): release {number}'s tables and the database differ");
        if number == before.0 {
            kept += 1
        } else {
            moved += 1
        }
        let response = reqwest::get(format!("{}/env/production/posts", server.url)).await.unwrap();
        assert_eq!(response.status(), 200, "round {round}: production serves after the restart");
    }
    println!("kill -9 during 10 deploys/rollbacks: {kept} kept the old release, {moved} served the new one");
    drop(server);
}

/// Production's served release number, its definition, and the releases' statuses.
async fn client_state(client: &Gql) -> (i64, Value, Value) {
    let data = client
        .run(
            "{ environment(slug: \"production\") { servedRelease { number document } } releases(environment: \"production\", first: 50) { edges { node { number status } } } }",
            json!({}),
        )
        .await
        .data();
    let release = &data["environment"]["servedRelease"];
    (release["number"].as_i64().expect("a served release"), release["document"].clone(), data["releases"].clone())
}
