//! The change feed's table and the triggers that fill it, so every
//! committed change of a row or an end user is recorded in the same
//! transaction as the change, whichever path wrote it (the data plane, the
//! admin, a script, a cascade).
//!
//! A row is recorded as a JSON object of its stored values (SQLite's
//! `json_object`, PostgreSQL's `to_jsonb`), decoded to the API's shape when
//! it is read (`decode`). End users are recorded without their password hash;
//! tokens are never recorded. A change of a user's groups is an `update` of
//! the user with no values (readers read the user again).

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr};

use crate::{
    engine::schema::{self, Plan, quote},
    workspace::document::{ColumnType, Table},
};

pub use crate::databases::changes::CHANGES;
const USERS: &str = super::super::users::USERS;
const USER_GROUPS: &str = "_sk_user_groups";

/// Creates the feed's table if it is missing, and the end users' triggers.
/// After the end users' tables (`users::ensure_tables`).
pub async fn ensure(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    crate::databases::changes::ensure_table(db).await?;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(PG_FUNCTION).await?;
            for table in [USERS, USER_GROUPS] {
                db.execute_unprepared(&pg_trigger(table)).await?;
            }
        }
        _ => {
            let user = |row: &str| format!("json_object('id', {row}.id, 'email', {row}.email, 'disabled', {row}.disabled, 'created_at', {row}.created_at)");
            let record = |op: &str, new: &str, old: &str, item: &str| {
                format!("INSERT INTO {CHANGES} (subject, op, item, new, old) VALUES ('user', '{op}', {item}, {new}, {old});")
            };
            let users = [
                ("insert", record("insert", &user("NEW"), "NULL", "NEW.id"), ""),
                ("update", record("update", &user("NEW"), &user("OLD"), "NEW.id"), ""),
                ("delete", record("delete", "NULL", &user("OLD"), "OLD.id"), ""),
            ];
            for (op, body, when) in users {
                db.execute_unprepared(&lite_trigger(USERS, op, when, &body)).await?;
            }
            // A membership changed: the user did. Not for a user being deleted.
            let still_there = |row: &str| format!("WHEN EXISTS (SELECT 1 FROM {USERS} WHERE id = {row}.user_id)");
            let groups = [
                ("insert", record("update", "NULL", "NULL", "NEW.user_id"), still_there("NEW")),
                ("delete", record("update", "NULL", "NULL", "OLD.user_id"), still_there("OLD")),
            ];
            for (op, body, when) in groups {
                db.execute_unprepared(&lite_trigger(USER_GROUPS, op, &when, &body)).await?;
            }
        }
    }
    Ok(())
}

/// Runs a migration `plan` from `old` to `new` inside `txn` (the caller
/// commits) with the feed's triggers out of its way: dropped before, and
/// created after for every table served (tables kept unserved too: a
/// rollback may serve them again).
pub async fn migrate(txn: &DatabaseTransaction, old: &[Table], new: &[Table], plan: &Plan) -> anyhow::Result<()> {
    drop_triggers(txn, old).await?;
    schema::apply(txn, old, new, plan).await?;
    create_triggers(txn, new).await?;
    Ok(())
}

/// Drops the feed's triggers of `tables` before a migration changes them:
/// SQLite refuses to drop a column a trigger names. (PostgreSQL's one
/// function reads any row whole: its triggers stay.)
pub async fn drop_triggers(db: &impl ConnectionTrait, tables: &[Table]) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    for table in tables {
        let sql = ["insert", "update", "delete"].map(|op| format!("DROP TRIGGER IF EXISTS {};", quote(&lite_trigger_name(&table.name, op)))).join(" ");
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// Creates the feed's triggers of `tables` (after a migration made them).
pub async fn create_triggers(db: &impl ConnectionTrait, tables: &[Table]) -> Result<(), DbErr> {
    for table in tables {
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&pg_trigger(&table.name)).await?;
            }
            _ => {
                let subject = format!("row:{}", table.name);
                let values = |row: &str| lite_object(table, row);
                let record = |op: &str, new: &str, old: &str, item: &str| {
                    format!("INSERT INTO {CHANGES} (subject, op, item, new, old) VALUES ('{subject}', '{op}', {item}, {new}, {old});")
                };
                let triggers = [
                    ("insert", record("insert", &values("NEW"), "NULL", "NEW.id")),
                    ("update", record("update", &values("NEW"), &values("OLD"), "NEW.id")),
                    ("delete", record("delete", "NULL", &values("OLD"), "OLD.id")),
                ];
                for (op, body) in triggers {
                    db.execute_unprepared(&lite_trigger(&table.name, op, "", &body)).await?;
                }
            }
        }
    }
    Ok(())
}

fn lite_trigger_name(table: &str, op: &str) -> String {
    format!("_sk_feed_{table}_{op}")
}

fn lite_trigger(table: &str, op: &str, when: &str, body: &str) -> String {
    format!("CREATE TRIGGER IF NOT EXISTS {} AFTER {} ON {} {when} BEGIN {body} END;", quote(&lite_trigger_name(table, op)), op.to_uppercase(), quote(table))
}

/// `json_object('id', NEW."id", …)` of every column of `table`, JSON
/// columns as JSON (they are stored as its text).
fn lite_object(table: &Table, row: &str) -> String {
    let system = ["id", "created_at", "updated_at"].into_iter().chain(table.owned.then_some("owner")).map(|name| (name, ColumnType::Integer));
    let columns = system.chain(table.columns.iter().map(|c| (c.name.as_str(), c.kind)));
    let pairs: Vec<String> = columns
        .map(|(name, kind)| {
            let cell = format!("{row}.{}", quote(name));
            match kind {
                ColumnType::Json => format!("'{name}', CASE WHEN json_valid({cell}) THEN json({cell}) ELSE {cell} END"),
                _ => format!("'{name}', {cell}"),
            }
        })
        .collect();
    format!("json_object({})", pairs.join(", "))
}

fn pg_trigger(table: &str) -> String {
    format!("CREATE OR REPLACE TRIGGER _sk_feed AFTER INSERT OR UPDATE OR DELETE ON {} FOR EACH ROW EXECUTE FUNCTION _sk_feed()", quote(table))
}

/// The channel each committed transaction that changed the feed notifies,
/// with `<schema> <transaction id>` (`live::Feeds::committed`).
pub const CHANNEL: &str = "_sk_feed";

/// One function for every table: it reads the table's name from the trigger.
/// It keeps the search path it was created with (the environment's schema),
/// so a write from a connection with another path records into the right feed.
const PG_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION _sk_feed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  n jsonb; o jsonb; subject text; item bigint; op text := lower(TG_OP);
BEGIN
  IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;
  IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
  IF TG_TABLE_NAME = '_sk_users' THEN
    subject := 'user';
    n := n - 'password_hash'; o := o - 'password_hash';
    item := coalesce(n->>'id', o->>'id')::bigint;
  ELSIF TG_TABLE_NAME = '_sk_user_groups' THEN
    subject := 'user'; op := 'update';
    item := coalesce(n->>'user_id', o->>'user_id')::bigint;
    n := NULL; o := NULL;
    -- Not for a user being deleted (their memberships go with them).
    IF NOT EXISTS (SELECT 1 FROM _sk_users WHERE id = item) THEN RETURN NULL; END IF;
  ELSE
    subject := 'row:' || TG_TABLE_NAME;
    item := coalesce(n->>'id', o->>'id')::bigint;
  END IF;
  INSERT INTO _sk_changes (subject, op, item, new, old) VALUES (subject, op, item, n::text, o::text);
  -- Every replica's reader wakes when the transaction commits. The same
  -- payload twice in one transaction is sent once: one per committed batch.
  PERFORM pg_notify('_sk_feed', current_schema() || ' ' || pg_current_xact_id()::text);
  RETURN NULL;
END $$"#;
