//! The environment's API as a Postman Collection v2.1 that `newman run`
//! passes: a sign-up first stores `{{token}}`; create routers run first and
//! store the new row's id (`{{posts_id}}`) for the routes that read it; each
//! item tests the status its happy path expects. Routers for a group use
//! `{{token_<group>}}` when it is set (a member's token) and expect 403 with
//! the plain `{{token}}` otherwise.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::{
    testing::{example::example, generate},
    workspace::{
        WorkspaceDocument,
        document::{Allow, Method, Router},
        test_case::{ExpectedStatus, TestFile},
    },
};

pub const SCHEMA: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

fn script(lines: Vec<String>) -> Value {
    json!([{ "listen": "test", "script": { "type": "text/javascript", "exec": lines } }])
}

fn url(path: &str, path_values: &HashMap<String, String>, query: &[(String, String)]) -> Value {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => format!(":{name}"),
            None => s.to_owned(),
        })
        .collect();
    let variables: Vec<Value> = path_values.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect();
    let query_list: Vec<Value> = query.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect();
    let raw_query = if query.is_empty() { String::new() } else { format!("?{}", query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")) };
    json!({
        "raw": format!("{{{{baseUrl}}}}/{}{raw_query}", segments.join("/")),
        "host": ["{{baseUrl}}"],
        "path": segments,
        "variable": variables,
        "query": query_list
    })
}

fn bearer(variable: &str) -> Value {
    json!({ "type": "bearer", "bearer": [{ "key": "token", "value": format!("{{{{{variable}}}}}"), "type": "string" }] })
}

/// A body with files as `multipart/form-data`: the example's other fields as
/// text (the server types them by the body schema), and each file field
/// reading the example file of its type, by name, from newman's
/// `--working-dir` (in Postman, pick any file).
fn form_data(body: &Value, files: &BTreeMap<String, TestFile>) -> Vec<Value> {
    let mut form: Vec<Value> = body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| !files.contains_key(*name))
        .map(|(name, value)| {
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            json!({ "key": name, "value": text, "type": "text" })
        })
        .collect();
    form.extend(files.iter().map(|(name, file)| {
        json!({
            "key": name,
            "type": "file",
            "src": file.name,
            "contentType": file.content_type,
            "description": format!("a {} file ({} from the working directory)", file.content_type, file.name)
        })
    }));
    form
}

/// Routers in the order the collection runs them: creates first (they make
/// the rows the others read), reads, then other writes, deletes last.
fn order(router: &Router) -> u8 {
    match router.method {
        Method::Post if !router.path.contains('{') => 0,
        Method::Get => 1,
        Method::Patch | Method::Put => 2,
        Method::Post => 3,
        Method::Delete => 4,
    }
}

fn item(doc: &WorkspaceDocument, router: &Router, expected: &ExpectedStatus) -> Value {
    let mut path_values = HashMap::new();
    for segment in router.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let value = match generate::param_table(doc, router, name) {
                Some(table) => format!("{{{{{table}_id}}}}"),
                None => "1".to_owned(),
            };
            path_values.insert(name.to_owned(), value);
        }
    }
    let query: Vec<(String, String)> = router
        .input
        .query
        .as_ref()
        .map(|s| example(s, false))
        .and_then(|q| q.as_object().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    let mut request = json!({ "method": router.method.as_str(), "header": [], "url": url(&router.path, &path_values, &query) });
    if !router.description.is_empty() {
        request["description"] = json!(router.description);
    }
    if matches!(router.method, Method::Post | Method::Put | Method::Patch) {
        let body = router.input.body.as_ref().map_or(json!({}), |schema| example(schema, true));
        let files = generate::example_files(doc, router);
        if files.is_empty() {
            request["header"] = json!([{ "key": "Content-Type", "value": "application/json" }]);
            request["body"] =
                json!({ "mode": "raw", "raw": serde_json::to_string_pretty(&body).unwrap_or_default(), "options": { "raw": { "language": "json" } } });
        } else {
            request["body"] = json!({ "mode": "formdata", "formdata": form_data(&body, &files) });
        }
    }
    let status = match expected {
        ExpectedStatus::Exact(status) => status.to_string(),
        ExpectedStatus::Class(class) => class.clone(),
    };
    let check = match expected {
        ExpectedStatus::Exact(status) => format!("pm.response.code === {status}"),
        ExpectedStatus::Class(class) => format!("Math.floor(pm.response.code / 100) === {}", &class[..1]),
    };
    let mut lines = Vec::new();
    let streams = router.steps.iter().any(|s| matches!(s.action, crate::workspace::document::Action::Watch(_)));
    if streams {
        request["header"] = json!([{ "key": "Accept", "value": "text/event-stream" }]);
        let about = "A stream of Server-Sent Events (`insert`, `update`, `delete`; `id` is the cursor to resume from with a `Last-Event-ID` header or `?after=`). Postman shows the events as they come until you cancel; newman cannot follow a stream and waits until it ends.";
        request["description"] = json!(match router.description.is_empty() {
            true => about.to_owned(),
            false => format!("{}\n\n{about}", router.description),
        });
    }
    match &router.access.allow {
        Allow::Public => {}
        Allow::SignedIn => request["auth"] = bearer("token"),
        Allow::Groups(groups) => {
            let group = &groups[0];
            request["auth"] = bearer(&format!("token_{group}"));
            lines.push(format!("const member = !!pm.variables.get(\"token_{group}\");"));
        }
    }
    if matches!(router.access.allow, Allow::Groups(_)) {
        lines.push(format!("pm.test(\"{} answers {status} to a member of the group and refuses others\", function () {{", router.name));
        lines.push(format!("  pm.expect(member ? {check} : [401, 403].includes(pm.response.code), \"status \" + pm.response.code).to.be.true;"));
    } else {
        lines.push(format!("pm.test(\"{} answers {status}\", function () {{", router.name));
        lines.push(format!("  pm.expect({check}, \"status \" + pm.response.code).to.be.true;"));
    }
    lines.push("});".into());
    if streams {
        lines.push(format!(
            "pm.test(\"{} answers a stream of events\", function () {{ pm.response.to.have.header(\"Content-Type\", \"text/event-stream\"); }});",
            router.name
        ));
    }
    // A create keeps the new row's id for the routes that read it.
    if order(router) == 0
        && let Some(table) = router.steps.iter().find_map(|s| if let crate::workspace::document::Action::Insert(w) = &s.action { Some(&w.table) } else { None })
    {
        lines.push(format!("if (pm.response.code < 300) {{ pm.collectionVariables.set(\"{table}_id\", pm.response.json().id); }}"));
    }
    json!({ "name": router.name, "request": request, "event": script(lines) })
}

/// The collection of `doc` for the environment at `base_url`.
pub fn collection(doc: &WorkspaceDocument, name: &str, base_url: &str) -> Value {
    let happy: HashMap<String, ExpectedStatus> = generate::generate(doc)
        .into_iter()
        .filter(|c| c.name.ends_with(": happy path"))
        .filter_map(|c| Some((c.router.clone(), c.steps.last()?.expect.status.clone())))
        .collect();
    let email = "newman-{{$timestamp}}{{$randomInt}}@example.com";
    let signup = json!({
        "name": "sign up (stores {{token}})",
        "request": {
            "method": "POST",
            "header": [{ "key": "Content-Type", "value": "application/json" }],
            "url": url("/auth/signup", &HashMap::new(), &[]),
            "body": { "mode": "raw", "raw": format!("{{\"email\": \"{email}\", \"password\": \"a long enough password\"}}"), "options": { "raw": { "language": "json" } } }
        },
        "event": script(vec![
            "pm.test(\"sign-up answers 201\", function () { pm.response.to.have.status(201); });".into(),
            "pm.collectionVariables.set(\"token\", pm.response.json().token);".into(),
        ])
    });
    let mut routers: Vec<&Router> = doc.routers.iter().collect();
    routers.sort_by_key(|r| order(r));
    // Folders by table (or by the first path segment), in the order they first run.
    let mut folders: Vec<(String, Vec<Value>)> = Vec::new();
    for router in routers {
        let folder =
            router.steps.iter().find_map(|s| s.action.table()).map(str::to_owned).unwrap_or_else(|| router.path.split('/').nth(1).unwrap_or("api").to_owned());
        let expected = happy.get(&router.name).cloned().unwrap_or(ExpectedStatus::Class("2xx".into()));
        let entry = item(doc, router, &expected);
        match folders.iter_mut().find(|(name, _)| *name == folder) {
            Some((_, items)) => items.push(entry),
            None => folders.push((folder, vec![entry])),
        }
    }
    let mut items = vec![json!({ "name": "auth", "item": [signup] })];
    items.extend(folders.into_iter().map(|(name, item)| json!({ "name": name, "item": item })));
    let mut variables = vec![json!({ "key": "baseUrl", "value": base_url }), json!({ "key": "token", "value": "" })];
    variables.extend(
        doc.groups.iter().map(|g| json!({ "key": format!("token_{}", g.name), "value": "", "description": format!("a token of a member of `{}`", g.name) })),
    );
    variables.extend(doc.tables.iter().map(|t| json!({ "key": format!("{}_id", t.name), "value": "1" })));
    json!({
        "info": { "name": name, "schema": SCHEMA, "description": "Generated by ServerKit. Set token_<group> to a group member's token to test group routers as a member. File fields send the file named in their `src` from newman's --working-dir (in Postman, pick a file of the type their description gives)." },
        "variable": variables,
        "item": items
    })
}
