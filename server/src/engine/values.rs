//! Converting between JSON (what clients send and get) and SQL values, by the
//! column's declared type, with the checks the DDL leaves to the engine:
//! required, min and max.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Value as Cell;
use sea_orm::{QueryResult, sea_query::Value as SqlValue};
use serde_json::Value;

use crate::workspace::document::{Column, ColumnType, Table};

/// A value that does not fit its column; names the column.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn field_error(column: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: column.to_owned(), message: message.into() }
}

/// The SQL value of `value` for `column`, checked against its constraints.
pub fn to_sql(column: &Column, value: &Value) -> Result<SqlValue, FieldError> {
    let name = &column.name;
    if value.is_null() {
        if column.required {
            return Err(field_error(name, format!("`{name}` is required")));
        }
        return Ok(null_of(column.kind));
    }
    let wrong = || field_error(name, format!("`{name}` must be {}", expected(column.kind)));
    let sql = match column.kind {
        ColumnType::File => {
            let file = crate::files::columns::StoredFile::from_value(value).ok_or_else(wrong)?;
            SqlValue::String(Some(file.to_text()))
        }
        ColumnType::Text => {
            let text = value.as_str().ok_or_else(wrong)?;
            let length = text.chars().count() as f64;
            if column.min.is_some_and(|min| length < min) || column.max.is_some_and(|max| length > max) {
                return Err(field_error(name, format!("`{name}` must have {} characters", range(column))));
            }
            SqlValue::String(Some(text.to_owned()))
        }
        ColumnType::Integer | ColumnType::Relation => {
            let number = value.as_i64().ok_or_else(wrong)?;
            check_number(column, number as f64)?;
            SqlValue::BigInt(Some(number))
        }
        ColumnType::Float => {
            let number = value.as_f64().ok_or_else(wrong)?;
            check_number(column, number)?;
            SqlValue::Double(Some(number))
        }
        ColumnType::Boolean => SqlValue::Bool(Some(value.as_bool().ok_or_else(wrong)?)),
        ColumnType::Datetime => {
            let text = value.as_str().ok_or_else(wrong)?;
            let at = DateTime::parse_from_rfc3339(text).map_err(|_| wrong())?.with_timezone(&Utc);
            SqlValue::ChronoDateTimeUtc(Some(at))
        }
        ColumnType::Json => SqlValue::Json(Some(Box::new(value.clone()))),
    };
    Ok(sql)
}

fn check_number(column: &Column, number: f64) -> Result<(), FieldError> {
    if column.min.is_some_and(|min| number < min) || column.max.is_some_and(|max| number > max) {
        return Err(field_error(&column.name, format!("`{}` must be {}", column.name, range(column))));
    }
    Ok(())
}

fn range(column: &Column) -> String {
    match (column.min, column.max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "any".into(),
    }
}

fn expected(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "a string",
        ColumnType::File => "a file (uploaded as multipart/form-data), or null",
        ColumnType::Integer => "an integer",
        ColumnType::Relation => "the id (integer) of a row",
        ColumnType::Float => "a number",
        ColumnType::Boolean => "true or false",
        ColumnType::Datetime => "an RFC 3339 date-time",
        ColumnType::Json => "JSON",
    }
}

pub fn null_of(kind: ColumnType) -> SqlValue {
    match kind {
        ColumnType::Text | ColumnType::File => SqlValue::String(None),
        ColumnType::Integer | ColumnType::Relation => SqlValue::BigInt(None),
        ColumnType::Float => SqlValue::Double(None),
        ColumnType::Boolean => SqlValue::Bool(None),
        ColumnType::Datetime => SqlValue::ChronoDateTimeUtc(None),
        ColumnType::Json => SqlValue::Json(None),
    }
}

pub fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A row as JSON: `id`, `created_at`, `updated_at`, `owner` (owned tables),
/// then the table's columns, each decoded by its type.
pub fn row_to_json(table: &Table, row: &QueryResult) -> Result<Value, sea_orm::DbErr> {
    let mut object = serde_json::Map::with_capacity(table.columns.len() + 4);
    object.insert("id".into(), row.try_get::<i64>("", "id")?.into());
    for system in ["created_at", "updated_at"] {
        let at: DateTime<Utc> = row.try_get("", system)?;
        object.insert(system.into(), format_time(at).into());
    }
    if table.owned {
        object.insert("owner".into(), row.try_get::<Option<i64>>("", "owner")?.into());
    }
    for column in &table.columns {
        object.insert(column.name.clone(), decode(column, row)?);
    }
    Ok(Value::Object(object))
}

fn decode(column: &Column, row: &QueryResult) -> Result<Value, sea_orm::DbErr> {
    let name = column.name.as_str();
    Ok(match column.kind {
        ColumnType::Text => row.try_get::<Option<String>>("", name)?.into(),
        ColumnType::File => row.try_get::<Option<String>>("", name)?.map_or(Value::Null, |text| crate::files::columns::StoredFile::text_to_json(&text)),
        ColumnType::Integer | ColumnType::Relation => row.try_get::<Option<i64>>("", name)?.into(),
        ColumnType::Float => row.try_get::<Option<f64>>("", name)?.into(),
        ColumnType::Boolean => row.try_get::<Option<bool>>("", name)?.into(),
        ColumnType::Datetime => row.try_get::<Option<DateTime<Utc>>>("", name)?.map(format_time).into(),
        ColumnType::Json => row.try_get::<Option<Value>>("", name)?.unwrap_or(Value::Null),
    })
}

/// A row read on the SQLite path, its cells in `rows::select_all` order, as
/// the same JSON `row_to_json` gives.
pub fn cells_to_json(table: &Table, cells: Vec<Cell>) -> Result<Value, sea_orm::DbErr> {
    let width = cells.len();
    let mut cells = cells.into_iter();
    decode_cells(table, width, || cells.next().unwrap_or(Cell::Null))
}

/// `cells_to_json` straight from the statement's row, with no list of cells
/// in between.
pub fn lite_row_to_json(table: &Table, row: &rusqlite::Row) -> Result<Value, sea_orm::DbErr> {
    let width = row.as_ref().column_count();
    let mut index = 0;
    decode_cells(table, width, || {
        // Any stored value reads as a `Cell`; `decode_cells` asks for no more than `width`.
        let cell = row.get::<_, Cell>(index).unwrap_or(Cell::Null);
        index += 1;
        cell
    })
}

fn decode_cells(table: &Table, width: usize, mut next: impl FnMut() -> Cell) -> Result<Value, sea_orm::DbErr> {
    let system = if table.owned { 4 } else { 3 };
    if width != system + table.columns.len() {
        return Err(sea_orm::DbErr::Custom(format!("{} gave {width} columns, expected {}", table.name, system + table.columns.len())));
    }
    let mut object = serde_json::Map::with_capacity(width);
    object.insert("id".into(), cell_to_json(ColumnType::Integer, "id", next())?);
    object.insert("created_at".into(), cell_to_json(ColumnType::Datetime, "created_at", next())?);
    object.insert("updated_at".into(), cell_to_json(ColumnType::Datetime, "updated_at", next())?);
    if table.owned {
        object.insert("owner".into(), cell_to_json(ColumnType::Integer, "owner", next())?);
    }
    for column in &table.columns {
        object.insert(column.name.clone(), cell_to_json(column.kind, &column.name, next())?);
    }
    Ok(Value::Object(object))
}

/// A row as the change feed stored it (a JSON object of its stored values,
/// see `feed::ddl`) in the shape `row_to_json` gives.
pub fn stored_to_json(table: &Table, stored: &Value) -> Value {
    let cell = |name: &str, kind: ColumnType| -> Value {
        let value = stored.get(name).cloned().unwrap_or(Value::Null);
        if kind == ColumnType::Json {
            return value;
        }
        let cell = match value {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Integer(b.into()),
            Value::Number(n) => n.as_i64().map_or_else(|| Cell::Real(n.as_f64().unwrap_or_default()), Cell::Integer),
            Value::String(text) => Cell::Text(text),
            other => Cell::Text(other.to_string()),
        };
        cell_to_json(kind, name, cell).unwrap_or(Value::Null)
    };
    let mut object = serde_json::Map::with_capacity(table.columns.len() + 4);
    object.insert("id".into(), cell("id", ColumnType::Integer));
    object.insert("created_at".into(), cell("created_at", ColumnType::Datetime));
    object.insert("updated_at".into(), cell("updated_at", ColumnType::Datetime));
    if table.owned {
        object.insert("owner".into(), cell("owner", ColumnType::Integer));
    }
    for column in &table.columns {
        object.insert(column.name.clone(), cell(&column.name, column.kind));
    }
    Value::Object(object)
}

/// One SQLite cell by its column's type. SQLite's type affinity may store a
/// value differently than it was bound (JSON `5` as an integer), so each type
/// takes what SQLite may have turned it into.
fn cell_to_json(kind: ColumnType, name: &str, cell: Cell) -> Result<Value, sea_orm::DbErr> {
    let mismatch = |cell: &Cell| sea_orm::DbErr::Type(format!("column `{name}` holds {:?}, not {kind:?}", cell.data_type()));
    Ok(match (kind, cell) {
        (_, Cell::Null) => Value::Null,
        (ColumnType::File, Cell::Text(text)) => crate::files::columns::StoredFile::text_to_json(&text),
        (ColumnType::Text, Cell::Text(text)) => Value::String(text),
        (ColumnType::Text, Cell::Integer(n)) => Value::String(n.to_string()),
        (ColumnType::Text, Cell::Real(n)) => Value::String(n.to_string()),
        (ColumnType::Integer | ColumnType::Relation, Cell::Integer(n)) => Value::from(n),
        (ColumnType::Float, Cell::Real(n)) => Value::from(n),
        (ColumnType::Float, Cell::Integer(n)) => Value::from(n as f64),
        (ColumnType::Boolean, Cell::Integer(n)) => Value::Bool(n != 0),
        (ColumnType::Datetime, Cell::Text(text)) => Value::String(match utc_as_answered(&text) {
            Some(answered) => answered,
            None => format_time(parse_time(&text).ok_or_else(|| mismatch(&Cell::Text(text)))?),
        }),
        (ColumnType::Json, Cell::Text(text)) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        (ColumnType::Json, Cell::Integer(n)) => Value::from(n),
        (ColumnType::Json, Cell::Real(n)) => Value::from(n),
        (_, other) => return Err(mismatch(&other)),
    })
}

/// `format_time(parse_time(text))` of a time stored in UTC as RFC 3339
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)`, how both paths write
/// times), by moving its bytes: every row read has two, a list twenty rows.
/// None for any other text, a date that does not exist among them (the
/// caller then parses it).
fn utc_as_answered(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 20 || !text.is_ascii() {
        return None;
    }
    let digits = |from: usize, to: usize| b[from..to].iter().all(u8::is_ascii_digit);
    let number = |from: usize, to: usize| b[from..to].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let shaped = digits(0, 4) && b[4] == b'-' && digits(5, 7) && b[7] == b'-' && digits(8, 10) && b[10] == b'T' && digits(11, 13) && b[13] == b':';
    if !(shaped && digits(14, 16) && b[16] == b':' && digits(17, 19)) {
        return None;
    }
    // Seconds end at 19; a fraction, if any, is 1 to 9 digits after a dot.
    let (fraction, end) = match b[19] {
        b'.' => {
            let digits = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&digits) {
                return None;
            }
            (&b[20..20 + digits], 20 + digits)
        }
        _ => (&b[19..19], 19),
    };
    if !matches!(&b[end..], b"Z" | b"+00:00") {
        return None;
    }
    let (hour, minute, second) = (number(11, 13), number(14, 16), number(17, 19));
    if hour > 23 || minute > 59 || second > 59 || chrono::NaiveDate::from_ymd_opt(number(0, 4) as i32, number(5, 7), number(8, 10)).is_none() {
        return None;
    }
    // Microseconds, cut (not rounded) as `format_time` cuts them.
    let mut answered = String::with_capacity(27);
    answered.push_str(&text[..19]);
    answered.push('.');
    answered.extend((0..6).map(|i| fraction.get(i).map_or('0', |&d| char::from(d))));
    answered.push('Z');
    Some(answered)
}

/// A stored time: RFC 3339 as sqlx writes it, or SQLite's own
/// `YYYY-MM-DD HH:MM:SS[.fff]` (taken as UTC).
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text, "%F %T%.f").ok().map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::{format_time, parse_time, utc_as_answered};

    /// The byte path answers exactly what parsing and formatting answer, and
    /// leaves to them every text it is not sure of.
    #[test]
    fn stored_times_are_answered_as_a_parse_and_format_would() {
        let texts = [
            "2026-12-08T01:02:03Z",
            "2026-12-08T01:02:03+00:00",
            "2024-02-29T23:59:59.999999999+00:00",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-08T24:00:00Z",
            "2026-12-08T23:60:00Z",
            "2026-12-08T23:59:60Z",
            "2026-12-08T01:02:03.Z",
            "2026-12-08T01:02:03.1234567891Z",
            "2026-12-08T01:02:03+01:00",
            "2026-12-08T01:02:03-00:00",
            "2026-12-08t01:02:03z",
            "2026-12-08 01:02:03",
            "2026-12-08 01:02:03.5",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9Z",
            "2026-12-08T01:02:03Z ",
            "2026-12-08T01:02:03ZZ",
            "２026-12-08T01:02:03Z",
            "2026-1２-08T01:02:03Z",
            "",
            "not a time",
        ];
        // How times are written (any fraction length, either zone): all taken by the byte path.
        let mut written = Vec::new();
        for digits in 0..=9 {
            let fraction = if digits == 0 { String::new() } else { format!(".{}", &"123456789"[..digits]) };
            for zone in ["Z", "+00:00"] {
                written.push(format!("2026-01-31T12:34:56{fraction}{zone}"));
            }
        }
        for text in &written {
            assert!(utc_as_answered(text).is_some(), "{text:?} taken by the byte path");
        }
        for text in texts.into_iter().chain(written.iter().map(String::as_str)) {
            if let Some(answered) = utc_as_answered(text) {
                assert_eq!(Some(answered), parse_time(text).map(format_time), "{text:?}");
            }
        }
        // Left to the parse, which still reads them.
        for text in ["2026-12-08 01:02:03.5", "2026-12-08T01:02:03+01:00"] {
            assert!(utc_as_answered(text).is_none() && parse_time(text).is_some(), "{text:?}");
        }
        // Not times at all: neither path makes one up.
        for text in ["2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-08T24:00:00Z", "not a time", ""] {
            assert!(utc_as_answered(text).is_none() && parse_time(text).is_none(), "{text:?}");
        }
        assert_eq!(utc_as_answered("2026-12-08T01:02:03.1+00:00").as_deref(), Some("2026-12-08T01:02:03.100000Z"));
    }
}
