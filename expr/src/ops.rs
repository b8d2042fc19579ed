//! Operators and the value rules they share with functions: truthiness,
//! number arithmetic (integers stay integers until they would overflow),
//! deep equality, ordering and membership.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use crate::ast::BinOp;
use crate::error::EvalError;

pub(crate) static NULL: Value = Value::Null;
pub(crate) static TRUE: Value = Value::Bool(true);
pub(crate) static FALSE: Value = Value::Bool(false);

/// A borrowed boolean, so comparisons never allocate.
pub(crate) fn boolean<'a>(b: bool) -> Cow<'a, Value> {
    Cow::Borrowed(if b { &TRUE } else { &FALSE })
}

/// Whether a value counts as "true" in `if`-like positions (`&&`, `||`, `!`,
/// `?:`, router conditions): `null`, `false`, `0`, `''`, `[]` and `{}` are
/// false, everything else is true.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The name `type_of` returns.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The type with an article, for error messages ("got a string").
pub(crate) fn a_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Text form used by string concatenation, `join` and template
/// interpolation: strings as they are, everything else as JSON.
pub(crate) fn to_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

impl Num {
    pub(crate) fn of(v: &Value) -> Option<Num> {
        match v {
            // u64 values beyond i64 are rare enough to be treated as floats.
            Value::Number(n) => Some(n.as_i64().map_or_else(|| Num::F(n.as_f64().unwrap_or(0.0)), Num::I)),
            _ => None,
        }
    }

    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }

    pub(crate) fn into_value(self) -> Result<Value, EvalError> {
        match self {
            Num::I(i) => Ok(Value::from(i)),
            Num::F(f) => Number::from_f64(f).map(Value::Number).ok_or_else(|| EvalError::new("the result is too large to be a number")),
        }
    }
}

pub(crate) fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

/// Deep JSON equality where `1 == 1.0`.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => Num::of(a).zip(Num::of(b)).and_then(|(x, y)| num_cmp(x, y)) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w))),
        _ => a == b,
    }
}

pub(crate) fn binary<'a>(op: BinOp, l: Cow<'a, Value>, r: Cow<'a, Value>) -> Result<Cow<'a, Value>, EvalError> {
    match op {
        BinOp::Eq => Ok(boolean(equal(&l, &r))),
        BinOp::Ne => Ok(boolean(!equal(&l, &r))),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare(op, &l, &r).map(boolean),
        BinOp::In => contains(&r, &l).map(boolean),
        BinOp::Add => add(l.into_owned(), r).map(Cow::Owned),
        BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => match (Num::of(&l), Num::of(&r)) {
            (Some(a), Some(b)) => arith(op, a, b)?.into_value().map(Cow::Owned),
            _ => Err(EvalError::new(format!("`{}` needs two numbers, got {} and {}{}", op.symbol(), a_type(&l), a_type(&r), null_hint(&l, &r)))),
        },
    }
}

fn null_hint(l: &Value, r: &Value) -> &'static str {
    if l.is_null() || r.is_null() { " (a value is missing; use `??` to give a default)" } else { "" }
}

/// Integer arithmetic that falls back to floats instead of overflowing.
pub(crate) fn arith(op: BinOp, a: Num, b: Num) -> Result<Num, EvalError> {
    if matches!(op, BinOp::Div | BinOp::Rem) && b.as_f64() == 0.0 {
        return Err(EvalError::new(if op == BinOp::Div { "division by zero" } else { "remainder of a division by zero" }));
    }
    if let (Num::I(x), Num::I(y)) = (a, b) {
        let exact = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            // Stays an integer only when exact: 6 / 3 == 2 but 7 / 2 == 3.5.
            BinOp::Div => x.checked_rem(y).filter(|r| *r == 0).and_then(|_| x.checked_div(y)),
            // Only i64::MIN % -1 fails, and its remainder is 0.
            BinOp::Rem => Some(x.checked_rem(y).unwrap_or(0)),
            _ => None,
        };
        if let Some(n) = exact {
            return Ok(Num::I(n));
        }
    }
    let (x, y) = (a.as_f64(), b.as_f64());
    Ok(Num::F(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        _ => x % y,
    }))
}

pub(crate) fn negate(v: &Value) -> Result<Value, EvalError> {
    match Num::of(v) {
        Some(Num::I(i)) => Ok(i.checked_neg().map_or_else(|| Num::F(-(i as f64)), Num::I).into_value()?),
        Some(Num::F(f)) => Num::F(-f).into_value(),
        None => Err(EvalError::new(format!("`-` needs a number, got {}", a_type(v)))),
    }
}

/// `< <= > >=`. Numbers compare with numbers and strings with strings;
/// anything compared with null is false, so a missing optional input makes
/// a condition false instead of failing the request.
fn compare(op: BinOp, l: &Value, r: &Value) -> Result<bool, EvalError> {
    let ordering = match (l, r) {
        (Value::Null, _) | (_, Value::Null) => return Ok(false),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Number(_), Value::Number(_)) => Num::of(l).zip(Num::of(r)).and_then(|(a, b)| num_cmp(a, b)),
        _ => {
            return Err(EvalError::new(format!(
                "cannot compare {} with {} using `{}`; compare numbers with numbers or strings with strings",
                a_type(l),
                a_type(r),
                op.symbol()
            )));
        }
    };
    let Some(ordering) = ordering else {
        return Ok(false);
    };
    Ok(match op {
        BinOp::Lt => ordering == Ordering::Less,
        BinOp::Le => ordering != Ordering::Greater,
        BinOp::Gt => ordering == Ordering::Greater,
        _ => ordering != Ordering::Less,
    })
}

/// `needle in haystack`: an item of an array, a key of an object, a part of
/// a string. Nothing is in null.
pub(crate) fn contains(haystack: &Value, needle: &Value) -> Result<bool, EvalError> {
    match (haystack, needle) {
        (Value::Null, _) => Ok(false),
        (Value::Array(items), _) => Ok(items.iter().any(|item| equal(item, needle))),
        (Value::Object(map), Value::String(key)) => Ok(map.contains_key(key)),
        (Value::Object(_), _) => Ok(false),
        (Value::String(s), Value::String(part)) => Ok(s.contains(part.as_str())),
        (Value::String(_), Value::Null) => Ok(false),
        (Value::String(_), other) => Err(EvalError::new(format!("looking for {} in a string: only text can be part of a string", a_type(other)))),
        (other, _) => Err(EvalError::new(format!("`in` needs an array, an object or a string on its right, got {}", a_type(other)))),
    }
}

/// `+`: numbers add; strings concatenate (numbers and booleans are written
/// into the text); arrays concatenate; objects merge, the right side winning.
fn add(l: Value, r: Cow<'_, Value>) -> Result<Value, EvalError> {
    if let (Some(x), Some(y)) = (Num::of(&l), Num::of(&r)) {
        return arith(BinOp::Add, x, y)?.into_value();
    }
    match (l, r.as_ref()) {
        (Value::String(mut a), Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
            a.push_str(&to_text(&r));
            Ok(Value::String(a))
        }
        (a @ (Value::Number(_) | Value::Bool(_)), Value::String(b)) => {
            let mut text = a.to_string();
            text.push_str(b);
            Ok(Value::String(text))
        }
        (Value::Array(mut a), Value::Array(_)) => {
            match r {
                Cow::Owned(Value::Array(b)) => a.extend(b),
                other => a.extend(other.as_array().into_iter().flatten().cloned()),
            }
            Ok(Value::Array(a))
        }
        (Value::Object(mut a), Value::Object(_)) => {
            match r {
                Cow::Owned(Value::Object(b)) => a.extend(b),
                other => a.extend(other.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone()))),
            }
            Ok(Value::Object(a))
        }
        (l, r) => Err(EvalError::new(format!("cannot add {} and {}{}", a_type(&l), a_type(r), null_hint(&l, r)))),
    }
}
