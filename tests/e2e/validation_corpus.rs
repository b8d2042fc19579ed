//! Validation and refresh agree: a document that validates always refreshes,
//! and a document refresh rejects never validates.
//!
//! A corpus of broken workspace documents — each the blog example with one
//! mistake — goes through three doors on one server: `validateWorkspace`
//! must list a located problem, `importWorkspace` must refuse it with
//! `BAD_USER_INPUT`, and `refresh` must refuse it too (`BAD_USER_INPUT`,
//! never `INTERNAL`) while the environment keeps serving what it served. To
//! reach `refresh` with a document that `importWorkspace` would not save, the
//! test writes it straight into the control database as a new workspace
//! revision. A second, smaller corpus of borderline documents (valid by the
//! documentation, but easy to get wrong in DDL or routing) checks the other
//! direction: whatever validation says, refresh says the same.
//!
//! Every entry runs even when an earlier one failed; the failures are listed
//! together at the end, each with its label.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use serverkit_server::workspace::WorkspaceDocument;

use crate::blog::{Blog, blog};

const VALIDATE: &str = "query($d: JSON!) { validateWorkspace(document: $d) { path message } }";
const IMPORT: &str = "mutation($d: JSON!) { importWorkspace(document: $d) { revision } }";
const REFRESH: &str = "mutation { refresh(environment: \"test\", allowDestructive: true, runTests: false) { revision changes { kind description } } }";

/// The blog with one change applied.
fn with(change: impl FnOnce(&mut Value)) -> Value {
    let mut doc = blog();
    change(&mut doc);
    doc
}

/// The router named `name` (so mutations do not depend on router order).
fn router<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    doc["routers"].as_array_mut().unwrap().iter_mut().find(|r| r["name"] == name).unwrap_or_else(|| panic!("the blog has a router `{name}`"))
}

/// The table named `name`.
fn table<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    doc["tables"].as_array_mut().unwrap().iter_mut().find(|t| t["name"] == name).unwrap_or_else(|| panic!("the blog has a table `{name}`"))
}

/// The column `column` of table `name`.
fn column<'a>(doc: &'a mut Value, name: &str, column: &str) -> &'a mut Value {
    table(doc, name)["columns"].as_array_mut().unwrap().iter_mut().find(|c| c["name"] == column).unwrap_or_else(|| panic!("`{name}` has a column `{column}`"))
}

fn steps<'a>(doc: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    router(doc, name)["steps"].as_array_mut().unwrap()
}

/// The `n`th step (from 0) of router `name` whose action is `kind`.
fn step<'a>(doc: &'a mut Value, name: &str, kind: &str, n: usize) -> &'a mut Value {
    steps(doc, name).iter_mut().filter(|s| s.get(kind).is_some()).nth(n).unwrap_or_else(|| panic!("`{name}` has {} `{kind}` steps", n + 1))
}

/// The action of the first `kind` step of router `name` (`{"table": …}` of a `list` step).
fn action<'a>(doc: &'a mut Value, name: &str, kind: &str) -> &'a mut Value {
    &mut step(doc, name, kind, 0)[kind]
}

fn push_table(doc: &mut Value, definition: Value) {
    doc["tables"].as_array_mut().unwrap().push(definition);
}

fn push_router(doc: &mut Value, definition: Value) {
    doc["routers"].as_array_mut().unwrap().push(definition);
}

/// Documents with exactly one mistake each.
fn broken() -> Vec<(&'static str, Value)> {
    let deep = format!("${{{}1{}}}", "(".repeat(500), ")".repeat(500));
    let deep_script = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    vec![
        // Expressions and templates.
        ("expr: incomplete `${1 +}` as a list limit", with(|d| action(d, "listPosts", "list")["limit"] = json!("${1 +}"))),
        ("expr: unknown root `secrets`", with(|d| action(d, "getPost", "get")["id"] = json!("${secrets.key}"))),
        ("expr: unclosed `${` in interpolated text", with(|d| action(d, "createPost", "insert")["values"]["title"] = json!("Title: ${request.body.title"))),
        ("expr: unknown function", with(|d| action(d, "getPost", "get")["id"] = json!("${nosuchfn(request.params.id)}"))),
        ("expr: function with the wrong number of arguments", with(|d| action(d, "getPost", "get")["id"] = json!("${len()}"))),
        ("expr: nested 500 levels deep", with(|d| action(d, "listPosts", "list")["limit"] = json!(deep))),
        (
            "expr: invalid constant regex in matches()",
            with(|d| {
                steps(d, "createPost")
                    .insert(0, json!({ "check": { "condition": "matches(request.body.title, '(unclosed')", "status": 400, "message": "bad title" } }))
            }),
        ),
        ("expr: bad `if` condition on a step", with(|d| step(d, "getPost", "get", 0)["if"] = json!("request.params.id >"))),
        (
            "expr: bad check.condition",
            with(|d| steps(d, "createPost").insert(0, json!({ "check": { "condition": "request.body.title ==", "status": 400, "message": "no" } }))),
        ),
        ("expr: bad respond body template", with(|d| action(d, "getPost", "respond")["body"] = json!({ "post": "${steps.post.}" }))),
        ("expr: bad respond header template", with(|d| action(d, "getPost", "respond")["headers"] = json!({ "x-post": "${steps.post.id +}" }))),
        ("respond: invalid header name", with(|d| action(d, "getPost", "respond")["headers"] = json!({ "bad header": "x" }))),
        ("expr: bad set value", with(|d| steps(d, "getPost").insert(0, json!({ "set": { "name": "x", "value": "${)}" } })))),
        ("expr: bad list where value", with(|d| action(d, "listPosts", "list")["where"] = json!({ "published": "${request.query.p ==}" }))),
        ("expr: bad count where value", with(|d| action(d, "stats", "count")["where"] = json!({ "published": "${!}" }))),
        // Scripts.
        ("script: does not parse (`let x = ;`)", with(|d| action(d, "stats", "script")["code"] = json!("let x = ;"))),
        ("script: nested deeper than the engine allows", with(|d| action(d, "stats", "script")["code"] = json!(deep_script))),
        // JSON Schemas.
        ("schema: invalid regex pattern", with(|d| router(d, "createPost")["input"]["body"]["properties"]["title"]["pattern"] = json!("(unclosed"))),
        ("schema: not an object (`body: 5`)", with(|d| router(d, "createPost")["input"]["body"] = json!(5))),
        ("schema: unknown type `strnig`", with(|d| router(d, "createPost")["input"]["body"]["properties"]["title"]["type"] = json!("strnig"))),
        ("schema: negative minLength", with(|d| router(d, "createPost")["input"]["body"]["properties"]["title"]["minLength"] = json!(-1))),
        // Tables.
        ("table: named sqlite_master", with(|d| push_table(d, json!({ "name": "sqlite_master", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: named sqlite_foo", with(|d| push_table(d, json!({ "name": "sqlite_foo", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: named pg_foo", with(|d| push_table(d, json!({ "name": "pg_foo", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: named _sk_users (end users)", with(|d| push_table(d, json!({ "name": "_sk_users", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: named _sk_user_groups", with(|d| push_table(d, json!({ "name": "_sk_user_groups", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: named _sk_tokens", with(|d| push_table(d, json!({ "name": "_sk_tokens", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: named _sk_state", with(|d| push_table(d, json!({ "name": "_sk_state", "columns": [{ "name": "x", "type": "text" }] })))),
        ("table: name of 64 characters", with(|d| push_table(d, json!({ "name": "t".repeat(64), "columns": [{ "name": "x", "type": "text" }] })))),
        (
            "table: named like an index the blog has (ix_posts_owner)",
            with(|d| push_table(d, json!({ "name": "ix_posts_owner", "columns": [{ "name": "x", "type": "text" }] }))),
        ),
        ("table: two tables with one name", with(|d| push_table(d, json!({ "name": "posts", "columns": [{ "name": "x", "type": "text" }] })))),
        (
            "table: named posts_pkey (the primary key of posts)",
            with(|d| push_table(d, json!({ "name": "posts_pkey", "columns": [{ "name": "x", "type": "text" }] }))),
        ),
        (
            "table: named posts_id_seq (the id sequence of posts)",
            with(|d| push_table(d, json!({ "name": "posts_id_seq", "columns": [{ "name": "x", "type": "text" }] }))),
        ),
        (
            "column: named xmin (a PostgreSQL system column)",
            with(|d| table(d, "comments")["columns"].as_array_mut().unwrap().push(json!({ "name": "xmin", "type": "integer" }))),
        ),
        ("column: named id", with(|d| table(d, "comments")["columns"].as_array_mut().unwrap().push(json!({ "name": "id", "type": "integer" })))),
        (
            "column: named created_at",
            with(|d| table(d, "comments")["columns"].as_array_mut().unwrap().push(json!({ "name": "created_at", "type": "datetime" }))),
        ),
        (
            "column: two columns with one name",
            with(|d| table(d, "comments")["columns"].as_array_mut().unwrap().push(json!({ "name": "body", "type": "text" }))),
        ),
        ("column: relation to a missing table", with(|d| column(d, "comments", "post")["table"] = json!("articles"))),
        ("column: required relation with onDelete setNull", with(|d| column(d, "comments", "post")["onDelete"] = json!("setNull"))),
        ("column: default of the wrong type", with(|d| column(d, "posts", "published")["default"] = json!("yes"))),
        ("column: min greater than max", with(|d| column(d, "posts", "title")["min"] = json!(500.0))),
        (
            "column: unique json column",
            with(|d| table(d, "comments")["columns"].as_array_mut().unwrap().push(json!({ "name": "meta", "type": "json", "unique": true }))),
        ),
        ("index: on a missing column", with(|d| table(d, "posts")["indexes"][0]["columns"] = json!(["published", "nope"]))),
        (
            "index: the same index twice (on a new table)",
            with(|d| {
                push_table(
                    d,
                    json!({ "name": "tags", "columns": [{ "name": "label", "type": "text" }], "indexes": [{ "columns": ["label"] }, { "columns": ["label"] }] }),
                )
            }),
        ),
        (
            "index: a unique column and a unique index on it",
            with(|d| {
                column(d, "posts", "title")["unique"] = json!(true);
                table(d, "posts")["indexes"].as_array_mut().unwrap().push(json!({ "columns": ["title"], "unique": true }));
            }),
        ),
        (
            "index: names collide across tables (posts.a_b and posts_a.b)",
            with(|d| {
                table(d, "posts")["columns"].as_array_mut().unwrap().push(json!({ "name": "a_b", "type": "text" }));
                table(d, "posts")["indexes"].as_array_mut().unwrap().push(json!({ "columns": ["a_b"] }));
                push_table(d, json!({ "name": "posts_a", "columns": [{ "name": "b", "type": "text" }], "indexes": [{ "columns": ["b"] }] }));
            }),
        ),
        // Routers.
        (
            "router: two routers on the same method and path shape",
            with(|d| {
                let mut copy = router(d, "getPost").clone();
                copy["name"] = json!("getPostAgain");
                copy["path"] = json!("/posts/{slug}");
                push_router(d, copy);
            }),
        ),
        (
            "router: two routers with one name",
            with(|d| {
                let mut copy = router(d, "getPost").clone();
                copy["path"] = json!("/articles/{id}");
                push_router(d, copy);
            }),
        ),
        ("router: path under /auth", with(|d| router(d, "listPosts")["path"] = json!("/auth/posts"))),
        ("router: invalid path segment", with(|d| router(d, "getPost")["path"] = json!("/posts/{id"))),
        ("router: no steps", with(|d| router(d, "getPost")["steps"] = json!([]))),
        ("router: unknown group in access.allow", with(|d| router(d, "deletePost")["access"]["allow"] = json!({ "groups": ["admins"] }))),
        ("router: ownerOnly with public access", with(|d| router(d, "getPost")["access"]["ownerOnly"] = json!(true))),
        ("step: on a missing table", with(|d| action(d, "getPost", "get")["table"] = json!("articles"))),
        ("step: list limit 1000000000", with(|d| action(d, "listComments", "list")["limit"] = json!(1_000_000_000))),
        ("step: list limit 0", with(|d| action(d, "listComments", "list")["limit"] = json!(0))),
        ("step: list limit -1", with(|d| action(d, "listComments", "list")["limit"] = json!(-1))),
        ("step: list orderBy on a missing column", with(|d| action(d, "listComments", "list")["orderBy"] = json!(["-nope"]))),
        ("step: insert value for a missing column", with(|d| action(d, "createPost", "insert")["values"]["nope"] = json!("x"))),
        (
            "step: update without an id",
            with(|d| {
                action(d, "updatePost", "update").as_object_mut().unwrap().remove("id").expect("updatePost names an id");
            }),
        ),
        (
            "step: check with status 200",
            with(|d| steps(d, "createPost").insert(0, json!({ "check": { "condition": "true", "status": 200, "message": "fine" } }))),
        ),
        ("step: respond with status 700", with(|d| action(d, "getPost", "respond")["status"] = json!(700))),
        ("step: duplicate step name", with(|d| step(d, "stats", "count", 1)["as"] = json!("posts"))),
        ("step: set name not an identifier", with(|d| steps(d, "getPost").insert(0, json!({ "set": { "name": "Not-A-Name", "value": 1 } })))),
        // Document and auth.
        ("document: version 2", with(|d| d["version"] = json!(2))),
        ("auth: defaultGroup naming a missing group", with(|d| d["auth"]["defaultGroup"] = json!("admins"))),
        ("auth: tokenTtlHours 0", with(|d| d["auth"]["tokenTtlHours"] = json!(0))),
        ("auth: tokenTtlHours 9000", with(|d| d["auth"]["tokenTtlHours"] = json!(9000))),
    ]
}

/// Documents where the documentation does not say outright whether they are
/// valid: validation and refresh only have to agree.
fn borderline() -> Vec<(&'static str, Value)> {
    vec![
        (
            "a relation to a table defined later in the document",
            with(|d| {
                // Both new, so the migration meets the referring table first.
                let reviews = json!({ "name": "reviews", "columns": [{ "name": "book", "type": "relation", "table": "books", "onDelete": "cascade" }] });
                d["tables"].as_array_mut().unwrap().insert(0, reviews);
                push_table(d, json!({ "name": "books", "columns": [{ "name": "title", "type": "text" }] }));
            }),
        ),
        (
            "an index on a relation to a table defined later",
            with(|d| {
                let reviews = json!({ "name": "reviews", "columns": [{ "name": "book", "type": "relation", "table": "books", "onDelete": "cascade", "unique": true }],
                    "indexes": [{ "columns": ["book", "created_at"] }] });
                d["tables"].as_array_mut().unwrap().insert(0, reviews);
                push_table(d, json!({ "name": "books", "columns": [{ "name": "title", "type": "text" }] }));
            }),
        ),
        (
            "a table the blog has gains a relation to a new table defined later",
            with(|d| {
                d["tables"][0]["columns"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({ "name": "series", "type": "relation", "table": "series", "onDelete": "setNull" }));
                push_table(d, json!({ "name": "series", "columns": [{ "name": "name", "type": "text" }] }));
            }),
        ),
        (
            "two new tables relating to each other",
            with(|d| {
                push_table(d, json!({ "name": "authors", "columns": [{ "name": "best_book", "type": "relation", "table": "books", "onDelete": "setNull" }] }));
                push_table(d, json!({ "name": "books", "columns": [{ "name": "author", "type": "relation", "table": "authors", "onDelete": "setNull" }] }));
            }),
        ),
        (
            "a table relating to itself",
            with(|d| {
                push_table(
                    d,
                    json!({ "name": "categories", "columns": [{ "name": "parent", "type": "relation", "table": "categories", "onDelete": "setNull" }] }),
                )
            }),
        ),
        (
            "an owned 63-character table with a relation and a unique column",
            with(|d| {
                push_table(
                    d,
                    json!({ "name": "a".repeat(63), "owned": true, "columns": [
                        { "name": "post", "type": "relation", "table": "posts" },
                        { "name": "slug", "type": "text", "unique": true }
                    ], "indexes": [{ "columns": ["post", "slug", "created_at"] }] }),
                )
            }),
        ),
        (
            "SQL keywords as table and column names",
            with(|d| {
                push_table(
                    d,
                    json!({ "name": "order", "columns": [{ "name": "select", "type": "text", "unique": true }], "indexes": [{ "columns": ["select"] }] }),
                )
            }),
        ),
        (
            "path parameters named differently at one position (/posts/{slug}/likes)",
            with(|d| {
                let mut copy = router(d, "listComments").clone();
                copy["name"] = json!("listLikes");
                copy["path"] = json!("/posts/{slug}/likes");
                copy["input"] = json!({});
                push_router(d, copy);
            }),
        ),
        ("a reference to a step that does not exist (`steps.nope`)", with(|d| action(d, "getPost", "respond")["body"] = json!("${steps.nope}"))),
        ("a reference to a later step", with(|d| action(d, "getPost", "get")["id"] = json!("${steps.post.id}"))),
    ]
}

/// Writes `document` into the control database as the next workspace
/// revision, bypassing validation; returns its number.
async fn inject(db: &DatabaseConnection, document: &Value) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, "SELECT MAX(revision) AS latest FROM workspace_revisions"))
        .await
        .expect("read the latest revision")
        .expect("one row");
    let number = row.try_get::<Option<i64>>("", "latest").expect("latest is a number").unwrap_or(0) + 1;
    // created_at is copied from the first revision: a timestamp as the server writes it, on either backend.
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO workspace_revisions (revision, document, author_email, created_at) \
             SELECT $1, $2, author_email, created_at FROM workspace_revisions WHERE revision = 1"
        }
        _ => {
            "INSERT INTO workspace_revisions (revision, document, author_email, created_at) \
             SELECT ?, ?, author_email, created_at FROM workspace_revisions WHERE revision = 1"
        }
    };
    let done = db
        .execute_raw(Statement::from_sql_and_values(backend, sql, [number.into(), serde_json::to_string(document).unwrap().into()]))
        .await
        .expect("insert a revision");
    assert_eq!(done.rows_affected(), 1, "revision 1 exists to copy from");
    number
}

/// Removes every revision after the blog's first one.
async fn forget_injected(db: &DatabaseConnection) {
    db.execute_unprepared("DELETE FROM workspace_revisions WHERE revision > 1").await.expect("delete injected revisions");
}

/// The mutation changed the blog and kept it a well-formed document: its
/// mistake is one of meaning, not of shape (a shape error could not even be
/// read back from the control database).
fn assert_shaped(label: &str, doc: &Value) {
    assert_ne!(doc, &blog(), "[{label}] the mutation changed the document");
    if let Err(err) = serde_json::from_value::<WorkspaceDocument>(doc.clone()) {
        panic!("[{label}] the mutated document is not shaped as a workspace: {err}");
    }
}

/// The first error's code and the whole error, or None when the answer had no errors.
fn error_of(body: &Value) -> Option<(String, Value)> {
    let error = body["errors"].get(0)?;
    Some((error["extensions"]["code"].as_str().unwrap_or("<no code>").to_owned(), error.clone()))
}

fn short(error: &Value) -> String {
    let problems = &error["extensions"]["problems"];
    if problems.as_array().is_some_and(|p| !p.is_empty()) { format!("{} {problems}", error["message"]) } else { error["message"].to_string() }
}

struct Corpus {
    blog: Blog,
    db: DatabaseConnection,
    failures: Vec<String>,
}

impl Corpus {
    async fn validate(&self, doc: &Value) -> Vec<Value> {
        let answer = self.blog.owner.run(VALIDATE, json!({ "d": doc })).await.data();
        answer["validateWorkspace"].as_array().expect("a list of problems").clone()
    }

    async fn posts_status(&self) -> u16 {
        self.blog.call("GET", "/posts", None, None).await.0.as_u16()
    }

    /// Puts the blog back as what `test` serves after an entry's refresh went through.
    async fn restore(&mut self, label: &str) {
        forget_injected(&self.db).await;
        let again = self.blog.owner.run(REFRESH, json!({})).await;
        if let Some((code, error)) = error_of(&again.body) {
            self.failures.push(format!("[{label}] cleanup: refreshing the blog again failed with {code}: {}", short(&error)));
        }
    }

    /// The refresh door: writes `doc` as the next revision and refreshes `test` to it;
    /// `Ok` holds `refresh { revision changes }`, `Err` the first error's code and the error.
    async fn refresh(&mut self, doc: &Value) -> Result<Value, (String, Value)> {
        let number = inject(&self.db, doc).await;
        let answer = self.blog.owner.run(REFRESH, json!({})).await;
        match error_of(&answer.body) {
            Some(error) => Err(error),
            None => {
                let served = answer.body["data"]["refresh"]["revision"].clone();
                assert_eq!(served, json!(number), "refresh took the injected revision");
                Ok(answer.body["data"]["refresh"].clone())
            }
        }
    }

    /// One broken document through the three doors.
    async fn broken(&mut self, label: &str, doc: &Value) {
        assert_shaped(label, doc);
        let mut failed = Vec::new();

        // 1. validateWorkspace lists located problems.
        let problems = self.validate(doc).await;
        if problems.is_empty() {
            failed.push("validate returned []".to_owned());
        } else if problems.iter().any(|p| p["path"].as_str().unwrap_or("").is_empty()) {
            failed.push(format!("validate gave a problem without a path: {}", Value::Array(problems.clone())));
        }

        // 2. importWorkspace refuses it.
        let import = self.blog.owner.run(IMPORT, json!({ "d": doc })).await;
        match error_of(&import.body) {
            Some((code, _)) if code == "BAD_USER_INPUT" => {}
            Some((code, error)) => failed.push(format!("import gave {code}: {}", short(&error))),
            None => {
                failed.push(format!("import saved it as revision {}", import.body["data"]["importWorkspace"]["revision"]));
            }
        }

        // 3. refresh refuses it, and the environment keeps serving.
        let refreshed = self.refresh(doc).await;
        let mut went_through = false;
        match &refreshed {
            Err((code, _)) if code == "BAD_USER_INPUT" => {}
            Err((code, error)) => failed.push(format!("refresh gave {code}: {}", short(error))),
            Ok(report) => {
                went_through = true;
                failed.push(format!("refresh accepted it ({})", report["changes"]));
            }
        }
        let status = self.posts_status().await;
        if status != 200 {
            failed.push(format!("GET /env/test/posts answered {status} after the refresh"));
        }
        if !failed.is_empty() {
            let refresh_said = match &refreshed {
                Err((code, error)) => format!("; refresh said {code}: {}", short(error)),
                Ok(_) => String::new(),
            };
            let validate_said = if problems.is_empty() { String::new() } else { format!("; validate said {}", Value::Array(problems)) };
            self.failures.push(format!("[{label}] {}{validate_said}{refresh_said}", failed.join("; ")));
        }
        if went_through || status != 200 {
            self.restore(label).await;
        } else {
            forget_injected(&self.db).await;
        }
    }

    /// One borderline document: validation, import and refresh agree.
    async fn borderline(&mut self, label: &str, doc: &Value) {
        assert_shaped(label, doc);
        let mut failed = Vec::new();
        let problems = self.validate(doc).await;
        if problems.iter().any(|p| p["path"].as_str().unwrap_or("").is_empty()) {
            failed.push(format!("validate gave a problem without a path: {}", Value::Array(problems.clone())));
        }
        let import = self.blog.owner.run(IMPORT, json!({ "d": doc })).await;
        match (problems.is_empty(), error_of(&import.body)) {
            (true, None) | (false, Some(_)) => {}
            (true, Some((code, error))) => failed.push(format!("validate returned [] but import gave {code}: {}", short(&error))),
            (false, None) => failed.push("validate listed problems but import saved it".to_owned()),
        }
        if let Some((code, error)) = error_of(&import.body)
            && code != "BAD_USER_INPUT"
        {
            failed.push(format!("import gave {code}: {}", short(&error)));
        }
        let refreshed = self.refresh(doc).await;
        match (&refreshed, problems.is_empty()) {
            (Ok(_), true) => {}
            (Ok(report), false) => failed.push(format!("validate listed {} but refresh accepted it ({})", Value::Array(problems.clone()), report["changes"])),
            (Err((code, error)), true) => failed.push(format!("validate returned [] but refresh said {code}: {}", short(error))),
            (Err((code, error)), false) if code != "BAD_USER_INPUT" => failed.push(format!("refresh gave {code}: {}", short(error))),
            (Err(_), false) => {}
        }
        let status = self.posts_status().await;
        if status != 200 {
            failed.push(format!("GET /env/test/posts answered {status} after the refresh"));
        }
        if !failed.is_empty() {
            self.failures.push(format!("[borderline: {label}] {}", failed.join("; ")));
        }
        if refreshed.is_ok() || status != 200 {
            self.restore(label).await;
        } else {
            forget_injected(&self.db).await;
        }
    }
}

#[tokio::test]
async fn validation_and_refresh_agree_on_a_corpus_of_broken_documents() {
    let blog_app = Blog::start().await;
    let db = Database::connect(blog_app.server.config.database_url()).await.expect("connect to the control database");
    let mut corpus = Corpus { blog: blog_app, db, failures: Vec::new() };

    // Positive control: the blog validates, and a valid document written the
    // test's way is what refresh then serves.
    assert_eq!(corpus.validate(&blog()).await, Vec::<Value>::new(), "the blog validates");
    let mut tagged = blog();
    push_table(&mut tagged, json!({ "name": "tags", "columns": [{ "name": "label", "type": "text", "unique": true }] }));
    assert_eq!(corpus.validate(&tagged).await, Vec::<Value>::new(), "the blog with a tags table validates");
    let report = corpus.refresh(&tagged).await.unwrap_or_else(|(code, error)| panic!("the positive control refreshes, not {code}: {error:#}"));
    let kinds: Vec<&str> = report["changes"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["createTable", "addIndex"], "the injected revision is the one refreshed");
    assert_eq!(corpus.posts_status().await, 200);
    corpus.restore("positive control").await;
    assert_eq!(corpus.failures, Vec::<String>::new());
    let same = corpus.refresh(&blog()).await.unwrap_or_else(|(code, error)| panic!("the blog itself refreshes, not {code}: {error:#}"));
    assert_eq!(same["changes"], json!([]), "back to the blog");
    forget_injected(&corpus.db).await;

    let broken = broken();
    assert!(broken.len() >= 35, "a corpus of at least 35 documents ({})", broken.len());
    for (label, doc) in &broken {
        corpus.broken(label, doc).await;
    }
    for (label, doc) in &borderline() {
        corpus.borderline(label, doc).await;
    }

    let failures = &corpus.failures;
    assert!(failures.is_empty(), "{} of {} documents disagree:\n{}", failures.len(), broken.len() + borderline().len(), failures.join("\n"));
}
