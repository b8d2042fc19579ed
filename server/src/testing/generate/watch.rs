//! A watch router's cases. Its happy path opens the stream, writes a row
//! through the table's create, update and delete routers and expects
//! `insert`, `update` and `delete` for it, in that order. An owner-only
//! stream is opened by another user while the caller writes a row first:
//! the first event that user receives must be their own row. A stream opened
//! again after its first event receives exactly the rest.
//!
//! Events are expected only where the generator can tell the row is one the
//! stream shows: each column of the watch's `where` must be written with a
//! constant, or with a body field whose example equals it.

use serde_json::{Value, json};

use super::{NOT_THE_OWNER, Plan, RESUMES, admitted, by_id, create_router, creator_for, example_files, fill_path, step, success};
use crate::{
    testing::example::example,
    workspace::{
        document::{Action, Allow, Method, Router, WatchStep, WriteStep},
        test_case::{ActAs, EventName, ExpectedEvent, ExpectedStatus, TestCase, TestStep},
    },
};

/// The watch step of a watch router.
pub(super) fn watched(router: &Router) -> Option<&WatchStep> {
    router.steps.iter().find_map(|s| if let Action::Watch(watch) = &s.action { Some(watch) } else { None })
}

fn admits(router: &Router, who: &ActAs) -> bool {
    match &router.access.allow {
        Allow::Public => true,
        Allow::SignedIn => *who != ActAs::Anonymous,
        Allow::Groups(groups) => matches!(who, ActAs::Group(group) if groups.contains(group)),
    }
}

fn write_step<'a>(router: &'a Router, table: &str, insert: bool) -> Option<&'a WriteStep> {
    router.steps.iter().find_map(|s| match &s.action {
        Action::Insert(w) if insert && w.table == table => Some(w),
        Action::Update(w) if !insert && w.table == table => Some(w),
        _ => None,
    })
}

/// What a write gives a column, for a request sending `body`.
enum Written {
    Value(Value),
    /// The write does not name it (an update keeps it).
    Untouched,
    /// A template whose value cannot be told before the request.
    Unknown,
}

fn written(write: &WriteStep, column: &str, body: &Value) -> Written {
    let from_body = |field: &str| body.get(field).cloned().map_or(Written::Unknown, Written::Value);
    match &write.values {
        Value::String(template) if template.trim() == "${request.body}" => match body.get(column) {
            Some(value) => Written::Value(value.clone()),
            None => Written::Untouched,
        },
        Value::Object(values) => match values.get(column) {
            None => Written::Untouched,
            // `${request.body.published}`, or `${request.body.published ?? false}` with the field sent.
            Some(Value::String(template)) => match template.trim().strip_prefix("${request.body.").and_then(|t| t.strip_suffix('}')) {
                Some(field) => from_body(field.split_once("??").map_or(field, |(field, _)| field).trim()),
                None if template.contains("${") => Written::Unknown,
                None => Written::Value(Value::String(template.clone())),
            },
            Some(constant) if constant.to_string().contains("${") => Written::Unknown,
            Some(constant) => Written::Value(constant.clone()),
        },
        _ => Written::Unknown,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    a == b || matches!((a, b), (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64())
}

/// Whether the watch's `where` holds for a row whose columns `value_of` tells.
fn shown(watch: &WatchStep, value_of: impl Fn(&str) -> Option<Value>) -> bool {
    let Some(filter) = &watch.filter else { return true };
    let Some(filter) = filter.as_object() else { return false };
    filter.iter().all(|(column, wanted)| !wanted.is_object() && !wanted.to_string().contains("${") && value_of(column).is_some_and(|v| same(&v, wanted)))
}

fn event(name: EventName, id: &str) -> ExpectedEvent {
    ExpectedEvent { event: name, data: Some(json!({ "id": format!("${{steps.{id}.body.id}}") })) }
}

impl Plan<'_> {
    /// Who writes the rows the caller's stream shows: the caller when the
    /// stream is owner-only, else whoever the table's create router admits.
    fn writer(&self, watch: &WatchStep) -> Option<ActAs> {
        let create = create_router(self.doc, &watch.table)?;
        let who = if self.router.access.owner_only { self.caller.clone() } else { creator_for(&self.caller) };
        match admits(create, &who) {
            true => Some(who),
            false if !self.router.access.owner_only => Some(admitted(&create.access)),
            false => None,
        }
    }

    /// A step inserting a row through the create router as `who`, named
    /// `name`, and the events the stream shows for it; None when the row
    /// would not be one the stream shows (or no router creates one). A row
    /// created with files is an `insert`, then an `update` once its files
    /// are kept at the row's place (their key names the row's id).
    fn insert(&self, watch: &WatchStep, who: &ActAs, name: &str) -> Option<(TestStep, Vec<ExpectedEvent>)> {
        let create = create_router(self.doc, &watch.table)?;
        let insert = write_step(create, &watch.table, true)?;
        let body = create.input.body.as_ref().map_or(json!({}), |schema| example(schema, true));
        let value_of = |column: &str| match written(insert, column, &body) {
            Written::Value(value) => Some(value),
            _ => None,
        };
        if !admits(create, who) || !shown(watch, value_of) {
            return None;
        }
        let mut call = step(Some(name), create.method, create.path.clone(), Some(body), Some(who.clone()), success(create));
        call.files = example_files(self.doc, create);
        let mut events = vec![event(EventName::Insert, name)];
        if !call.files.is_empty() {
            events.push(event(EventName::Update, name));
        }
        Some((call, events))
    }

    /// Steps updating, then deleting, the row `created` made, through the
    /// table's routers that `who` may call, and the events they show.
    fn update_and_delete(&self, watch: &WatchStep, who: &ActAs, created: &str) -> (Vec<TestStep>, Vec<ExpectedEvent>) {
        let (mut steps, mut events) = (Vec::new(), Vec::new());
        let at = |router: &Router| fill_path(&router.path, &[(super::params(router)[0].clone(), format!("${{steps.{created}.body.id}}"))].into());
        let update = by_id(self.doc, &watch.table, Method::Patch).or_else(|| by_id(self.doc, &watch.table, Method::Put));
        if let Some(update) = update.filter(|r| admits(r, who))
            && let (Some(create), Some(write)) = (create_router(self.doc, &watch.table), write_step(update, &watch.table, false))
            && let Some(insert) = write_step(create, &watch.table, true)
        {
            let created_body = create.input.body.as_ref().map_or(json!({}), |schema| example(schema, true));
            let body = update.input.body.as_ref().map_or(json!({}), |schema| example(schema, true));
            // Still shown after the update: else it would arrive as a delete.
            let value_of = |column: &str| match written(write, column, &body) {
                Written::Value(value) => Some(value),
                Written::Untouched => match written(insert, column, &created_body) {
                    Written::Value(value) => Some(value),
                    _ => None,
                },
                Written::Unknown => None,
            };
            if shown(watch, value_of) {
                let mut call = step(Some("update"), update.method, at(update), Some(body), Some(who.clone()), success(update));
                call.files = example_files(self.doc, update);
                steps.push(call);
                events.push(event(EventName::Update, created));
            }
        }
        if let Some(delete) = by_id(self.doc, &watch.table, Method::Delete).filter(|r| admits(r, who)) {
            steps.push(step(Some("delete"), Method::Delete, at(delete), None, Some(who.clone()), success(delete)));
            events.push(event(EventName::Delete, created));
        }
        (steps, events)
    }

    /// The stream opened, as the case's caller unless `who` says otherwise.
    fn open(&self, values: &std::collections::HashMap<String, String>, events: Vec<ExpectedEvent>) -> TestStep {
        let mut open = step(Some("watch"), Method::Get, fill_path(&self.router.path, values), None, None, success(self.router));
        open.query = self.required_query();
        open.expect.events = events;
        open
    }

    /// The stream opens; a row written through the table's routers arrives
    /// as `insert`, `update` and `delete`, where such routers exist.
    pub(super) fn watch_happy_path(&self, watch: &WatchStep) -> Option<TestCase> {
        let (mut steps, values) = self.setup(&creator_for(&self.caller))?;
        let written = self.writer(watch).and_then(|who| Some((self.insert(watch, &who, "create")?, who)));
        match written {
            Some(((create, inserted), who)) => {
                let (more, events) = self.update_and_delete(watch, &who, "create");
                steps.push(self.open(&values, inserted.into_iter().chain(events).collect()));
                steps.push(create);
                steps.extend(more);
            }
            None => steps.push(self.open(&values, Vec::new())),
        }
        Some(self.case(super::HAPPY_PATH, steps))
    }

    /// An owner-only stream of another user: the caller's row, written
    /// first, never arrives; that user's own row does.
    pub(super) fn watch_not_the_owner(&self, watch: &WatchStep) -> Option<TestCase> {
        if !self.router.access.owner_only || self.router.access.allow != Allow::SignedIn {
            return None;
        }
        let (mine, _) = self.insert(watch, &ActAs::SignedIn, "mine")?;
        let (theirs, their_events) = self.insert(watch, &ActAs::OtherUser, "theirs")?;
        let (setup, values) = self.setup(&ActAs::OtherUser)?;
        let mut open = self.open(&values, their_events);
        open.act_as = Some(ActAs::OtherUser);
        let steps = setup.into_iter().chain([open, mine, theirs]).collect();
        Some(TestCase { act_as: ActAs::SignedIn, ..self.case(NOT_THE_OWNER, steps) })
    }

    /// A stream opened again after its first event receives exactly the rest.
    pub(super) fn resume(&self) -> Option<TestCase> {
        let watch = watched(self.router)?;
        let who = self.writer(watch)?;
        let (first, first_events) = self.insert(watch, &who, "first")?;
        let (second, second_events) = self.insert(watch, &who, "second")?;
        let (mut steps, values) = self.setup(&creator_for(&self.caller))?;
        let events: Vec<ExpectedEvent> = first_events.into_iter().chain(second_events).collect();
        steps.push(self.open(&values, events.clone()));
        steps.extend([first, second]);
        let mut resumed = self.open(&values, events[1..].to_vec());
        resumed.name = Some("resumed".into());
        resumed.query.insert("after".into(), json!("${steps.watch.events[0].id}"));
        resumed.expect.status = ExpectedStatus::Exact(200);
        steps.push(resumed);
        Some(self.case(RESUMES, steps))
    }

    /// Why a watch router's stream gets no written rows to check.
    pub(super) fn unwritable(&self, watch: &WatchStep) -> String {
        match create_router(self.doc, &watch.table) {
            None => format!("no router creates `{}` rows (a POST without path parameters that inserts into `{}`)", watch.table, watch.table),
            Some(create) if self.writer(watch).is_none() => {
                format!("`{}` does not admit the callers this stream shows rows to", create.name)
            }
            Some(create) => format!(
                "a row made by `{}` with its example body is not one the stream shows (its `where` is not met by constants or example body fields)",
                create.name
            ),
        }
    }
}
