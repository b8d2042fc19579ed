//! The built-in functions. Names and argument counts were checked when the
//! expression compiled, so here only the argument *values* can be wrong.
//!
//! A shared rule keeps pipelines forgiving about optional inputs: text and
//! collection functions given `null` return `null` (or `false`/`0` where a
//! boolean or count is expected) instead of failing the request.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::SecondsFormat;
use regex::{Regex, RegexBuilder};
use serde_json::{Number, Value};

use crate::Scope;
use crate::ast::{Func, Node};
use crate::error::EvalError;
use crate::eval::{eval, first_present, resolve_index};
use crate::ops::{self, NULL, Num, a_type, boolean, to_text, truthy};

type Out<'a> = Result<Cow<'a, Value>, EvalError>;

fn owned<'a>(v: Value) -> Cow<'a, Value> {
    Cow::Owned(v)
}

fn wrong(func: Func, wanted: &str, got: &Value) -> EvalError {
    EvalError::new(format!("`{}` needs {wanted}, got {}", func.name(), a_type(got)))
}

pub(crate) fn call<'a>(func: Func, args: &'a [Node], scope: &'a dyn Scope) -> Out<'a> {
    // Arguments are evaluated on demand so `coalesce` can stop early.
    let arg = |i: usize| -> Out<'a> {
        match args.get(i) {
            Some(node) => eval(node, scope),
            None => Ok(Cow::Borrowed(&NULL)),
        }
    };
    match func {
        Func::Coalesce => first_present(args, scope),
        Func::Now => Ok(owned(Value::String(scope.now().to_rfc3339_opts(SecondsFormat::Millis, true)))),
        Func::Min => extreme(func, args, scope, Ordering::Less),
        Func::Max => extreme(func, args, scope, Ordering::Greater),
        Func::Len => len(func, &*arg(0)?),
        Func::Lower => map_text(func, arg(0)?, |s| s.to_lowercase()),
        Func::Upper => map_text(func, arg(0)?, |s| s.to_uppercase()),
        Func::Trim => map_text(func, arg(0)?, |s| s.trim().to_string()),
        Func::Contains => ops::contains(&*arg(0)?, &*arg(1)?).map(boolean),
        Func::StartsWith => affix(func, &*arg(0)?, &*arg(1)?, |s, p| s.starts_with(p)),
        Func::EndsWith => affix(func, &*arg(0)?, &*arg(1)?, |s, p| s.ends_with(p)),
        Func::Int => to_int(func, arg(0)?),
        Func::Float => to_float(func, &*arg(0)?),
        Func::String => Ok(match arg(0)? {
            s @ Cow::Borrowed(Value::String(_)) => s,
            other => owned(Value::String(to_text(&other).into_owned())),
        }),
        Func::Bool => Ok(boolean(to_bool(&*arg(0)?))),
        Func::Keys | Func::Values => keys_or_values(func, &*arg(0)?),
        Func::Join => join(func, &*arg(0)?, &*arg(1)?),
        Func::Split => split(func, &*arg(0)?, &*arg(1)?),
        Func::Abs => abs(func, arg(0)?),
        Func::Round => round(func, arg(0)?, &*arg(1)?),
        Func::IsNull => Ok(boolean(arg(0)?.is_null())),
        Func::TypeOf => Ok(owned(Value::String(ops::type_name(&*arg(0)?).to_string()))),
        Func::Matches => {
            let pattern = arg(1)?;
            let Value::String(pattern) = pattern.as_ref() else {
                return Err(wrong(func, "a pattern string as its second argument", &pattern));
            };
            matches(&*arg(0)?, &compile_regex(pattern)?)
        }
        Func::Replace => replace(func, arg(0)?, &*arg(1)?, &*arg(2)?),
        Func::Slice => slice(func, &*arg(0)?, &*arg(1)?, &*arg(2)?),
        Func::Sum => sum(func, &*arg(0)?),
    }
}

/// Patterns come from users: the size limits keep a pathological pattern
/// from using unbounded memory, and the regex engine never backtracks.
pub(crate) fn compile_regex(pattern: &str) -> Result<Regex, EvalError> {
    RegexBuilder::new(pattern).size_limit(1 << 20).dfa_size_limit(1 << 20).build().map_err(|e| EvalError::new(format!("invalid pattern `{pattern}`: {e}")))
}

pub(crate) fn matches<'a>(subject: &Value, regex: &Regex) -> Out<'a> {
    match subject {
        Value::Null => Ok(boolean(false)),
        Value::String(s) => Ok(boolean(regex.is_match(s))),
        other => Err(wrong(Func::Matches, "a string to test", other)),
    }
}

fn len<'a>(func: Func, v: &Value) -> Out<'a> {
    let n = match v {
        Value::Null => 0,
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => return Err(wrong(func, "a string, an array or an object", other)),
    };
    Ok(owned(Value::from(n)))
}

fn map_text<'a>(func: Func, v: Cow<'a, Value>, f: impl Fn(&str) -> String) -> Out<'a> {
    match v.as_ref() {
        Value::Null => Ok(v),
        Value::String(s) => Ok(owned(Value::String(f(s)))),
        other => Err(wrong(func, "a string", other)),
    }
}

fn affix<'a>(func: Func, s: &Value, part: &Value, test: fn(&str, &str) -> bool) -> Out<'a> {
    match (s, part) {
        (Value::Null, _) => Ok(boolean(false)),
        (Value::String(s), Value::String(p)) => Ok(boolean(test(s, p))),
        (Value::String(_), other) | (other, _) => Err(wrong(func, "two strings", other)),
    }
}

/// Converts a float to an integer by dropping the fraction, if it fits.
fn trunc_to_int(func: Func, f: f64) -> Result<Value, EvalError> {
    let t = f.trunc();
    // i64::MAX is not exactly representable; 2^63 is the first float too big.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
        Ok(Value::from(t as i64))
    } else {
        Err(EvalError::new(format!("`{}`: {f} is too large for an integer", func.name())))
    }
}

fn to_int(func: Func, v: Cow<'_, Value>) -> Out<'_> {
    match v.as_ref() {
        Value::Null => Ok(v),
        Value::Bool(b) => Ok(owned(Value::from(i64::from(*b)))),
        Value::Number(_) => match Num::of(&v) {
            Some(Num::F(f)) => trunc_to_int(func, f).map(owned),
            _ => Ok(v),
        },
        // Unreadable text becomes null so `int(request.query.page) ?? 1` works.
        Value::String(s) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                return Ok(owned(Value::from(i)));
            }
            match s.parse::<f64>() {
                Ok(f) if f.is_finite() => trunc_to_int(func, f).map(owned),
                _ => Ok(Cow::Borrowed(&NULL)),
            }
        }
        other => Err(wrong(func, "a number, a string or a boolean", other)),
    }
}

fn to_float<'a>(func: Func, v: &Value) -> Out<'a> {
    let f = match v {
        Value::Null => return Ok(Cow::Borrowed(&NULL)),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => f,
            _ => return Ok(Cow::Borrowed(&NULL)),
        },
        other => return Err(wrong(func, "a number, a string or a boolean", other)),
    };
    Ok(owned(Number::from_f64(f).map_or(Value::Null, Value::Number)))
}

/// Truthiness, except that text such as a query parameter `?active=false`
/// reads as false: `''`, `'false'`, `'0'`, `'no'`, `'off'` (any case).
fn to_bool(v: &Value) -> bool {
    match v {
        Value::String(s) => {
            let s = s.trim();
            !["", "false", "0", "no", "off"].iter().any(|f| s.eq_ignore_ascii_case(f))
        }
        other => truthy(other),
    }
}

fn keys_or_values<'a>(func: Func, v: &Value) -> Out<'a> {
    match v {
        Value::Null => Ok(Cow::Borrowed(&NULL)),
        Value::Object(map) if func == Func::Keys => Ok(owned(Value::Array(map.keys().map(|k| Value::String(k.clone())).collect()))),
        Value::Object(map) => Ok(owned(Value::Array(map.values().cloned().collect()))),
        other => Err(wrong(func, "an object", other)),
    }
}

fn join<'a>(func: Func, items: &Value, sep: &Value) -> Out<'a> {
    match (items, sep) {
        (Value::Null, _) => Ok(Cow::Borrowed(&NULL)),
        (Value::Array(items), Value::String(sep)) => {
            let parts: Vec<Cow<'_, str>> = items.iter().map(to_text).collect();
            Ok(owned(Value::String(parts.join(sep))))
        }
        (Value::Array(_), other) => Err(wrong(func, "a text separator", other)),
        (other, _) => Err(wrong(func, "an array", other)),
    }
}

fn split<'a>(func: Func, s: &Value, sep: &Value) -> Out<'a> {
    let parts: Vec<Value> = match (s, sep) {
        (Value::Null, _) => return Ok(Cow::Borrowed(&NULL)),
        (Value::String(s), Value::String(sep)) if sep.is_empty() => s.chars().map(|c| Value::String(c.to_string())).collect(),
        (Value::String(s), Value::String(sep)) => s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect(),
        (Value::String(_), other) | (other, _) => return Err(wrong(func, "two strings", other)),
    };
    Ok(owned(Value::Array(parts)))
}

/// Orders two values of the same kind for `min`/`max`.
fn order(func: Func, a: &Value, b: &Value) -> Result<Ordering, EvalError> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => match (Num::of(a), Num::of(b)) {
            (Some(x), Some(y)) => Ok(ops::num_cmp(x, y).unwrap_or(Ordering::Equal)),
            _ => Err(EvalError::new(format!("`{}` compares numbers with numbers or strings with strings, got {} and {}", func.name(), a_type(a), a_type(b)))),
        },
    }
}

/// Index of the smallest (`want = Less`) or largest value, skipping nulls.
fn pick<'v>(func: Func, items: impl Iterator<Item = &'v Value>, want: Ordering) -> Result<Option<usize>, EvalError> {
    let mut best: Option<(usize, &Value)> = None;
    for (i, v) in items.enumerate() {
        if v.is_null() {
            continue;
        }
        if !matches!(v, Value::Number(_) | Value::String(_)) {
            return Err(wrong(func, "numbers or strings", v));
        }
        match best {
            Some((_, b)) if order(func, v, b)? != want => {}
            _ => best = Some((i, v)),
        }
    }
    Ok(best.map(|(i, _)| i))
}

/// `min(a, b, …)` or `min(array)`.
fn extreme<'a>(func: Func, args: &'a [Node], scope: &'a dyn Scope, want: Ordering) -> Out<'a> {
    if let [only] = args {
        return match eval(only, scope)? {
            Cow::Borrowed(Value::Array(items)) => Ok(Cow::Borrowed(pick(func, items.iter(), want)?.and_then(|i| items.get(i)).unwrap_or(&NULL))),
            Cow::Owned(Value::Array(mut items)) => Ok(match pick(func, items.iter(), want)? {
                Some(i) if i < items.len() => owned(items.swap_remove(i)),
                _ => Cow::Borrowed(&NULL),
            }),
            single => {
                pick(func, std::iter::once(single.as_ref()), want)?;
                Ok(single)
            }
        };
    }
    let mut values = args.iter().map(|n| eval(n, scope)).collect::<Result<Vec<_>, _>>()?;
    Ok(match pick(func, values.iter().map(AsRef::as_ref), want)? {
        Some(i) if i < values.len() => values.swap_remove(i),
        _ => Cow::Borrowed(&NULL),
    })
}

fn abs(func: Func, v: Cow<'_, Value>) -> Out<'_> {
    if v.is_null() {
        return Ok(v);
    }
    let n = match Num::of(&v) {
        // |i64::MIN| does not fit in an i64.
        Some(Num::I(i)) => i.checked_abs().map_or_else(|| Num::F((i as f64).abs()), Num::I),
        Some(Num::F(f)) => Num::F(f.abs()),
        None => return Err(wrong(func, "a number", &v)),
    };
    n.into_value().map(owned)
}

/// Half away from zero; `round(x, 2)` keeps two decimals, `round(x, -2)`
/// rounds to hundreds. With no or non-positive digits the result is an integer.
fn round<'a>(func: Func, v: Cow<'a, Value>, digits: &Value) -> Out<'a> {
    let digits = match digits {
        Value::Null => 0,
        Value::Number(n) => match n.as_i64().filter(|d| (-15..=15).contains(d)) {
            Some(d) => d as i32,
            None => {
                return Err(EvalError::new("`round` takes a whole number of digits between -15 and 15"));
            }
        },
        other => return Err(wrong(func, "a whole number of digits", other)),
    };
    if v.is_null() {
        return Ok(v);
    }
    let x = match Num::of(&v) {
        Some(Num::I(_)) if digits >= 0 => return Ok(v),
        Some(n) => n.as_f64(),
        None => return Err(wrong(func, "a number", &v)),
    };
    let factor = 10f64.powi(digits);
    let rounded = (x * factor).round() / factor;
    if digits <= 0 {
        return trunc_to_int(func, rounded).map(owned);
    }
    Num::F(rounded).into_value().map(owned)
}

fn replace<'a>(func: Func, s: Cow<'a, Value>, from: &Value, to: &Value) -> Out<'a> {
    match (s.as_ref(), from, to) {
        (Value::Null, _, _) => Ok(s),
        // Replacing "nothing" would insert `to` between every character.
        (Value::String(_), Value::String(from), Value::String(_)) if from.is_empty() => Ok(s),
        (Value::String(text), Value::String(from), Value::String(to)) => Ok(owned(Value::String(text.replace(from.as_str(), to)))),
        _ => Err(EvalError::new(format!("`{}` needs three strings, got {}, {} and {}", func.name(), a_type(&s), a_type(from), a_type(to)))),
    }
}

fn index_arg(func: Func, v: &Value) -> Result<Option<i64>, EvalError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) if n.is_i64() => Ok(n.as_i64()),
        other => Err(wrong(func, "whole numbers as positions", other)),
    }
}

/// `slice(x, start, end?)` on strings (by character) and arrays; negative
/// positions count from the end, out-of-range positions are clamped.
fn slice<'a>(func: Func, v: &Value, start: &Value, end: &Value) -> Out<'a> {
    let clamp = |i: Option<i64>, default: usize, len: usize| match i {
        None => default,
        Some(i) if i < 0 => resolve_index(i, len).unwrap_or(0),
        Some(i) => usize::try_from(i).unwrap_or(usize::MAX).min(len),
    };
    let (start, end) = (index_arg(func, start)?, index_arg(func, end)?);
    match v {
        Value::Null => Ok(Cow::Borrowed(&NULL)),
        Value::String(s) => {
            let len = s.chars().count();
            let (from, to) = (clamp(start, 0, len), clamp(end, len, len));
            let taken: String = s.chars().skip(from).take(to.saturating_sub(from)).collect();
            Ok(owned(Value::String(taken)))
        }
        Value::Array(items) => {
            let len = items.len();
            let (from, to) = (clamp(start, 0, len), clamp(end, len, len));
            Ok(owned(Value::Array(items.get(from..to.max(from)).unwrap_or_default().to_vec())))
        }
        other => Err(wrong(func, "a string or an array", other)),
    }
}

fn sum<'a>(func: Func, v: &Value) -> Out<'a> {
    let items = match v {
        Value::Null => return Ok(owned(Value::from(0))),
        Value::Array(items) => items,
        other => return Err(wrong(func, "an array of numbers", other)),
    };
    let mut total = Num::I(0);
    for item in items.iter().filter(|v| !v.is_null()) {
        let n = Num::of(item).ok_or_else(|| wrong(func, "an array of numbers", item))?;
        total = ops::arith(crate::ast::BinOp::Add, total, n)?;
    }
    total.into_value().map(owned)
}
