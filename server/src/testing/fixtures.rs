//! Loading the workspace's fixtures into a run's sandbox: end users first,
//! then rows table by table, each row's templates rendered over what was
//! loaded before it. What was loaded is the `fixtures` root of the run's
//! templates: `{"endUsers": [{id, email, groups}], "posts": [row, …]}`.

use serde_json::{Map, Value, json};
use serverkit_expr::Template;

use crate::{
    engine::{compile::fixture_roots, rows, runtime::Active},
    error::{ServiceError, ServiceResult},
    tables::row_error,
    workspace::fixtures::Fixtures,
};

pub async fn load(active: &Active, fixtures: &Fixtures) -> ServiceResult<Value> {
    let mut loaded = Map::new();
    let mut users = Vec::new();
    for (i, user) in fixtures.end_users.iter().enumerate() {
        let at = |err: ServiceError| ServiceError::bad_input(format!("fixtures.endUsers[{i}]"), format!("could not be loaded: {}", err.message()));
        let id = match &user.password {
            Some(password) => active.users.create(&user.email, password, &user.groups).await.map_err(at)?.id,
            None => {
                active.users.fixture(&user.email, &user.groups).await.map_err(at)?;
                active.users.id_by_email(&user.email).await.map_err(at)?
            }
        };
        users.push(json!({ "id": id, "email": user.email.trim().to_lowercase(), "groups": user.groups }));
    }
    loaded.insert("endUsers".into(), Value::Array(users));
    let roots = fixture_roots();
    for table in &active.revision.document.tables {
        let Some(rows) = fixtures.rows_of(&table.name) else { continue };
        let mut inserted = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let at = format!("fixtures.rows.{}[{i}]", table.name);
            let scope = [Value::Object(loaded.clone())];
            let rendered = Template::compile(&Value::Object(row.clone()), &roots)
                .map_err(|err| ServiceError::bad_input(&at, err.error.message))?
                .render(&scope)
                .map_err(|err| ServiceError::bad_input(&at, err.message))?;
            let Value::Object(mut values) = rendered else { return Err(ServiceError::bad_input(&at, "a row is an object of column values")) };
            let owner = match values.remove("owner") {
                None | Some(Value::Null) => None,
                Some(owner) => Some(owner.as_i64().ok_or_else(|| ServiceError::bad_input(format!("{at}.owner"), "an end user's id"))?),
            };
            let row = rows::insert(&active.db.rows, table, &values, owner)
                .await
                .map_err(|err| ServiceError::bad_input(&at, format!("could not be loaded: {}", row_error(err).message())))?;
            inserted.push(row);
        }
        loaded.insert(table.name.clone(), Value::Array(inserted));
    }
    Ok(Value::Object(loaded))
}
