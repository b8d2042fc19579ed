//! Materializing workspace tables as real SQL tables, and planning the change
//! from one definition to the next. Creating tables, adding columns and
//! indexes is safe; dropping and changing types is destructive and runs only
//! with explicit consent. A plan runs in one transaction.
//!
//! DDL carries what the database must guarantee (types, ids, relations,
//! unique and plain indexes). Required, default, min and max are checked by
//! the engine on every write, so they can change without a table rebuild.

use std::collections::HashSet;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction,
    sea_query::{Alias, ColumnDef, ForeignKey, ForeignKeyAction, Index as SqlIndex, Table as SqlTable},
};

use crate::workspace::document::{Column, ColumnType, OnDelete, Table, all_indexes, index_name};

pub const USERS_TABLE: &str = "_sk_users";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Change {
    CreateTable { table: String },
    AddColumn { table: String, column: String },
    AddIndex { table: String, name: String },
    DropIndex { table: String, name: String },
    DropColumn { table: String, column: String },
    ChangeColumnType { table: String, column: String, from: String, to: String },
    DropTable { table: String },
}

impl Change {
    pub fn is_destructive(&self) -> bool {
        matches!(self, Self::DropColumn { .. } | Self::ChangeColumnType { .. } | Self::DropTable { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CreateTable { table } => format!("create table {table}"),
            Self::AddColumn { table, column } => format!("add column {table}.{column}"),
            Self::AddIndex { table, name } => format!("add index {name} on {table}"),
            Self::DropIndex { table, name } => format!("drop index {name} on {table}"),
            Self::DropColumn { table, column } => format!("drop column {table}.{column} and its data"),
            Self::ChangeColumnType { table, column, from, to } => {
                format!("change {table}.{column} from {from} to {to} (its data is dropped)")
            }
            Self::DropTable { table } => format!("drop table {table} and its rows"),
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn is_destructive(&self) -> bool {
        self.changes.iter().any(Change::is_destructive)
    }
}

fn find<'a>(tables: &'a [Table], name: &str) -> Option<&'a Table> {
    tables.iter().find(|t| t.name == name)
}

/// What it takes to go from `old` to `new` (both already validated).
pub fn plan(old: &[Table], new: &[Table]) -> Plan {
    let mut changes = Vec::new();
    for table in new {
        let Some(before) = find(old, &table.name) else {
            changes.push(Change::CreateTable { table: table.name.clone() });
            for index in all_indexes(table) {
                changes.push(Change::AddIndex { table: table.name.clone(), name: index_name(&table.name, &index) });
            }
            continue;
        };
        let old_indexes: Vec<String> = all_indexes(before).iter().map(|i| index_name(&before.name, i)).collect();
        let new_indexes: Vec<String> = all_indexes(table).iter().map(|i| index_name(&table.name, i)).collect();
        for name in old_indexes.iter().filter(|n| !new_indexes.contains(n)) {
            changes.push(Change::DropIndex { table: table.name.clone(), name: name.clone() });
        }
        for column in &before.columns {
            match table.columns.iter().find(|c| c.name == column.name) {
                None => changes.push(Change::DropColumn { table: table.name.clone(), column: column.name.clone() }),
                Some(now) if now.kind != column.kind || now.table != column.table || now.on_delete != column.on_delete => {
                    changes.push(Change::ChangeColumnType {
                        table: table.name.clone(),
                        column: column.name.clone(),
                        from: describe_type(column),
                        to: describe_type(now),
                    })
                }
                Some(_) => {}
            }
        }
        if table.owned && !before.owned {
            changes.push(Change::AddColumn { table: table.name.clone(), column: "owner".into() });
        }
        if before.owned && !table.owned {
            changes.push(Change::DropColumn { table: table.name.clone(), column: "owner".into() });
        }
        for column in table.columns.iter().filter(|c| !before.columns.iter().any(|b| b.name == c.name)) {
            changes.push(Change::AddColumn { table: table.name.clone(), column: column.name.clone() });
        }
        for name in new_indexes.iter().filter(|n| !old_indexes.contains(n)) {
            changes.push(Change::AddIndex { table: table.name.clone(), name: name.clone() });
        }
    }
    for table in old.iter().filter(|t| find(new, &t.name).is_none()) {
        changes.push(Change::DropTable { table: table.name.clone() });
    }
    Plan { changes }
}

/// The tables the database keeps when it goes from `old` to `new` without
/// losing data (a rollback): `new`'s tables, each with the columns `old` had
/// and `new` lacks, plus `old`'s tables that `new` lacks. Planned from `old`,
/// it has no drops; only type changes stay destructive.
pub fn keeping(old: &[Table], new: &[Table]) -> Vec<Table> {
    let mut kept: Vec<Table> = new
        .iter()
        .map(|table| {
            let mut table = table.clone();
            if let Some(before) = find(old, &table.name) {
                let extra: Vec<Column> = before.columns.iter().filter(|c| !table.columns.iter().any(|n| n.name == c.name)).cloned().collect();
                table.columns.extend(extra);
                table.owned |= before.owned;
            }
            table
        })
        .collect();
    kept.extend(old.iter().filter(|t| find(new, &t.name).is_none()).cloned());
    kept
}

fn describe_type(column: &Column) -> String {
    match (&column.kind, &column.table) {
        (ColumnType::Relation, Some(target)) => format!("relation to {target}"),
        (kind, _) => kind.as_str().to_owned(),
    }
}

fn column_def(column: &Column) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(&column.name));
    match column.kind {
        ColumnType::Text | ColumnType::File => def.text(),
        ColumnType::Integer | ColumnType::Relation => def.big_integer(),
        ColumnType::Float => def.double(),
        ColumnType::Boolean => def.boolean(),
        ColumnType::Datetime => def.timestamp_with_time_zone(),
        ColumnType::Json => def.json_binary(),
    };
    def.null();
    // Rows that exist when a column is added take its default too.
    if let Some(default) = &column.default
        && column.kind != ColumnType::Json
        && let Ok(value) = super::values::to_sql(&Column { required: false, ..column.clone() }, default)
    {
        def.default(value);
    }
    def
}

fn on_delete(rule: Option<OnDelete>) -> ForeignKeyAction {
    match rule.unwrap_or_default() {
        OnDelete::Restrict => ForeignKeyAction::Restrict,
        OnDelete::Cascade => ForeignKeyAction::Cascade,
        OnDelete::SetNull => ForeignKeyAction::SetNull,
    }
}

/// Quotes an identifier that `validate::is_identifier` accepted (or a system name).
pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs `plan` from `old` to `new` inside `txn`. The caller commits.
pub async fn apply(txn: &DatabaseTransaction, old: &[Table], new: &[Table], plan: &Plan) -> anyhow::Result<()> {
    // New tables first, then everything else in the plan's order: a column
    // or an index may refer to a table the plan creates after it. PostgreSQL
    // also refuses a reference to a table that does not exist yet, so a
    // relation between new tables is added once all of them are there.
    let mut uncreated: HashSet<&str> =
        plan.changes.iter().filter_map(|c| if let Change::CreateTable { table } = c { Some(table.as_str()) } else { None }).collect();
    let mut deferred: Vec<(&Table, &Column)> = Vec::new();
    for change in &plan.changes {
        if let Change::CreateTable { table } = change {
            let table = find(new, table).ok_or_else(|| anyhow::anyhow!("planned table {table} missing"))?;
            uncreated.remove(table.name.as_str());
            let later = |column: &&Column| column.table.as_deref().is_some_and(|target| uncreated.contains(target));
            deferred.extend(table.columns.iter().filter(later).map(|column| (table, column)));
            txn.execute(&create_table(table, &uncreated)).await?;
        }
    }
    for (table, column) in deferred {
        let target = column.table.as_deref().unwrap_or_default();
        add_reference(txn, &table.name, &column.name, target, on_delete(column.on_delete)).await?;
    }
    for change in &plan.changes {
        match change {
            Change::CreateTable { .. } => {}
            Change::AddColumn { table, column } => {
                let def = find(new, table).ok_or_else(|| anyhow::anyhow!("planned table {table} missing"))?;
                if column == "owner" {
                    add_reference(txn, table, "owner", USERS_TABLE, ForeignKeyAction::SetNull).await?;
                } else {
                    let column = def.columns.iter().find(|c| &c.name == column).ok_or_else(|| anyhow::anyhow!("planned column missing"))?;
                    if let (ColumnType::Relation, Some(target)) = (column.kind, &column.table) {
                        add_reference(txn, table, &column.name, target, on_delete(column.on_delete)).await?;
                    } else {
                        let alter = SqlTable::alter().table(Alias::new(table)).add_column(column_def(column)).to_owned();
                        txn.execute(&alter).await?;
                    }
                }
            }
            Change::AddIndex { table, name } => {
                let def = find(new, table).ok_or_else(|| anyhow::anyhow!("planned table {table} missing"))?;
                let index = all_indexes(def).into_iter().find(|i| &index_name(table, i) == name).ok_or_else(|| anyhow::anyhow!("planned index missing"))?;
                let mut create = SqlIndex::create();
                create.name(name).table(Alias::new(table));
                for column in &index.columns {
                    create.col(Alias::new(column));
                }
                if index.unique {
                    create.unique();
                }
                txn.execute(&create).await?;
            }
            Change::DropIndex { name, .. } => {
                // Index names are unique per database (SQLite) or schema (PostgreSQL).
                txn.execute_unprepared(&format!("DROP INDEX IF EXISTS {}", quote(name))).await?;
            }
            Change::DropColumn { table, column } => {
                // SQLite refuses to drop a column an index uses: drop those first.
                if let Some(before) = find(old, table) {
                    for index in all_indexes(before).iter().filter(|i| i.columns.iter().any(|c| c == column)) {
                        txn.execute_unprepared(&format!("DROP INDEX IF EXISTS {}", quote(&index_name(table, index)))).await?;
                    }
                }
                let alter = SqlTable::alter().table(Alias::new(table)).drop_column(Alias::new(column)).to_owned();
                txn.execute(&alter).await?;
            }
            Change::ChangeColumnType { table, column, .. } => {
                if let Some(before) = find(old, table) {
                    for index in all_indexes(before).iter().filter(|i| i.columns.iter().any(|c| c == column)) {
                        txn.execute_unprepared(&format!("DROP INDEX IF EXISTS {}", quote(&index_name(table, index)))).await?;
                    }
                }
                let drop = SqlTable::alter().table(Alias::new(table)).drop_column(Alias::new(column)).to_owned();
                txn.execute(&drop).await?;
                let def =
                    find(new, table).and_then(|t| t.columns.iter().find(|c| &c.name == column)).ok_or_else(|| anyhow::anyhow!("planned column missing"))?;
                if let (ColumnType::Relation, Some(target)) = (def.kind, &def.table) {
                    add_reference(txn, table, column, target, on_delete(def.on_delete)).await?;
                } else {
                    let add = SqlTable::alter().table(Alias::new(table)).add_column(column_def(def)).to_owned();
                    txn.execute(&add).await?;
                }
            }
            Change::DropTable { table } => {
                let mut drop = SqlTable::drop();
                drop.table(Alias::new(table));
                // Tables dropped together may refer to each other; no table that
                // stays may refer to a dropped one (validation), so CASCADE only
                // removes references among the dropped. SQLite has no CASCADE here.
                if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
                    drop.cascade();
                }
                txn.execute(&drop).await?;
            }
        }
    }
    Ok(())
}

/// `ALTER TABLE … ADD COLUMN … REFERENCES …`: SQLite accepts a reference only
/// inline in the column definition, which sea-query does not write for ALTER.
/// Every name here passed identifier validation and is quoted.
async fn add_reference(txn: &DatabaseTransaction, table: &str, column: &str, target: &str, action: ForeignKeyAction) -> anyhow::Result<()> {
    let action = match action {
        ForeignKeyAction::Cascade => "CASCADE",
        ForeignKeyAction::SetNull => "SET NULL",
        _ => "RESTRICT",
    };
    let sql = format!("ALTER TABLE {} ADD COLUMN {} BIGINT REFERENCES {} (\"id\") ON DELETE {action}", quote(table), quote(column), quote(target));
    txn.execute_unprepared(&sql).await?;
    Ok(())
}

/// The table with its columns, but for relations to `uncreated` tables (added later).
fn create_table(table: &Table, uncreated: &HashSet<&str>) -> sea_orm::sea_query::TableCreateStatement {
    let mut create = SqlTable::create();
    create
        .table(Alias::new(&table.name))
        .col(ColumnDef::new(Alias::new("id")).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Alias::new("created_at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(Alias::new("updated_at")).timestamp_with_time_zone().not_null());
    if table.owned {
        create.col(ColumnDef::new(Alias::new("owner")).big_integer().null());
        create.foreign_key(
            ForeignKey::create()
                .from(Alias::new(&table.name), Alias::new("owner"))
                .to(Alias::new(USERS_TABLE), Alias::new("id"))
                .on_delete(ForeignKeyAction::SetNull),
        );
    }
    for column in table.columns.iter().filter(|c| c.table.as_deref().is_none_or(|target| !uncreated.contains(target))) {
        create.col(column_def(column));
        if let (ColumnType::Relation, Some(target)) = (column.kind, &column.table) {
            create.foreign_key(
                ForeignKey::create()
                    .from(Alias::new(&table.name), Alias::new(&column.name))
                    .to(Alias::new(target), Alias::new("id"))
                    .on_delete(on_delete(column.on_delete)),
            );
        }
    }
    create.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::document::ColumnType;

    fn table(name: &str, columns: &[(&str, ColumnType)]) -> Table {
        let columns = columns.iter().map(|(n, k)| serde_json::json!({ "name": n, "type": k.as_str() })).collect::<Vec<_>>();
        serde_json::from_value(serde_json::json!({ "name": name, "columns": columns })).expect("a table")
    }

    #[test]
    fn keeping_leaves_what_the_older_definition_lacks_in_place() {
        let old = [table("posts", &[("title", ColumnType::Text), ("cover", ColumnType::Text)]), table("tags", &[("name", ColumnType::Text)])];
        let new = [table("posts", &[("title", ColumnType::Text)])];
        assert!(plan(&old, &new).is_destructive(), "a plain plan drops");
        let kept = keeping(&old, &new);
        let keep_plan = plan(&old, &kept);
        assert!(keep_plan.changes.is_empty(), "{:?}", keep_plan.changes);
        assert_eq!(kept.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["posts", "tags"]);
        // A type change cannot be kept in place: it stays destructive.
        let retyped = [table("posts", &[("title", ColumnType::Integer)])];
        assert!(plan(&old, &keeping(&old, &retyped)).is_destructive());
    }
}
