//! Walks the compiled tree against a request's scope. Values read from the
//! scope or from constants are returned borrowed, so a path such as
//! `request.query.limit ?? 20` allocates nothing; only values that an
//! operator or function computes are owned.

use std::borrow::Cow;

use regex::Regex;
use serde_json::{Map, Value};

use crate::Scope;
use crate::ast::{BinOp, Node, Step};
use crate::error::EvalError;
use crate::functions;
use crate::ops::{self, NULL, a_type, boolean, truthy};

/// Kept small on purpose: it is the frame that recurses, so each arm only
/// dispatches and the work (and its temporaries) lives in helper frames.
/// This keeps the deepest tree the parser accepts well within a thread's
/// stack even in debug builds.
pub(crate) fn eval<'a>(node: &'a Node, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let mut node = node;
    loop {
        return match node {
            Node::Const(v) => Ok(Cow::Borrowed(v)),
            Node::Root(index) => Ok(Cow::Borrowed(scope.root(*index).unwrap_or(&NULL))),
            Node::Path(base, steps) => path(base, steps, scope),
            Node::Not(inner) => not(inner, scope),
            Node::Neg(inner) => neg(inner, scope),
            Node::Binary(first, rest) => chain(first, rest, scope),
            Node::And(items) => all(items, scope),
            Node::Or(items) => any(items, scope),
            Node::Coalesce(items) => first_present(items, scope),
            Node::Cond(cond, then, otherwise) => {
                // The chosen branch is evaluated in this frame, not a new one.
                node = if test(cond, scope)? { then } else { otherwise };
                continue;
            }
            Node::Array(items) => array(items, scope),
            Node::Object(fields) => object(fields, scope),
            Node::Call(func, args) => functions::call(*func, args, scope),
            Node::MatchesConst(subject, regex) => matches_const(subject, regex, scope),
        };
    }
}

fn test<'a>(node: &'a Node, scope: &'a dyn Scope) -> Result<bool, EvalError> {
    Ok(truthy(&*eval(node, scope)?))
}

#[inline(never)]
fn path<'a>(base: &'a Node, steps: &'a [Step], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let mut current = eval(base, scope)?;
    for step in steps {
        current = step_into(current, step, scope)?;
    }
    Ok(current)
}

#[inline(never)]
fn not<'a>(inner: &'a Node, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    Ok(boolean(!test(inner, scope)?))
}

#[inline(never)]
fn neg<'a>(inner: &'a Node, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    ops::negate(&*eval(inner, scope)?).map(Cow::Owned)
}

#[inline(never)]
fn chain<'a>(first: &'a Node, rest: &'a [(BinOp, Node)], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let mut acc = eval(first, scope)?;
    for (op, rhs) in rest {
        acc = ops::binary(*op, acc, eval(rhs, scope)?)?;
    }
    Ok(acc)
}

#[inline(never)]
fn all<'a>(items: &'a [Node], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    for item in items {
        if !test(item, scope)? {
            return Ok(boolean(false));
        }
    }
    Ok(boolean(true))
}

#[inline(never)]
fn any<'a>(items: &'a [Node], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    for item in items {
        if test(item, scope)? {
            return Ok(boolean(true));
        }
    }
    Ok(boolean(false))
}

#[inline(never)]
fn array<'a>(items: &'a [Node], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        values.push(eval(item, scope)?.into_owned());
    }
    Ok(Cow::Owned(Value::Array(values)))
}

#[inline(never)]
fn object<'a>(fields: &'a [(String, Node)], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let mut map = Map::new();
    for (key, item) in fields {
        map.insert(key.clone(), eval(item, scope)?.into_owned());
    }
    Ok(Cow::Owned(Value::Object(map)))
}

#[inline(never)]
fn matches_const<'a>(subject: &'a Node, regex: &'a Regex, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    functions::matches(&*eval(subject, scope)?, regex)
}

/// `??` and `coalesce`: the first value that is not null, evaluating no
/// further than needed; null when all are null.
pub(crate) fn first_present<'a>(items: &'a [Node], scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    for item in items {
        let v = eval(item, scope)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Cow::Borrowed(&NULL))
}

fn step_into<'a>(current: Cow<'a, Value>, step: &'a Step, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let key: Cow<'a, Value> = match step {
        Step::Field(name) => return Ok(field(current, name)),
        Step::At(i) => return Ok(at(current, *i)),
        Step::Index(node) => eval(node, scope)?,
    };
    match key.as_ref() {
        Value::String(name) => Ok(field(current, name)),
        Value::Number(n) => Ok(match n.as_i64() {
            Some(i) => at(current, i),
            None => Cow::Borrowed(&NULL),
        }),
        Value::Null => Ok(Cow::Borrowed(&NULL)),
        other => Err(EvalError::new(format!("an index in `[…]` must be a string or a number, got {}", a_type(other)))),
    }
}

/// `value.name`: null unless `value` is an object with that key.
fn field<'a>(current: Cow<'a, Value>, name: &str) -> Cow<'a, Value> {
    match current {
        Cow::Borrowed(Value::Object(map)) => Cow::Borrowed(map.get(name).unwrap_or(&NULL)),
        Cow::Owned(Value::Object(mut map)) => Cow::Owned(map.remove(name).unwrap_or(Value::Null)),
        _ => Cow::Borrowed(&NULL),
    }
}

/// `value[i]` on an array (a negative `i` counts from the end) or a string
/// (the i-th character); null when out of range.
fn at(current: Cow<'_, Value>, i: i64) -> Cow<'_, Value> {
    match current {
        Cow::Borrowed(Value::Array(items)) => Cow::Borrowed(resolve_index(i, items.len()).and_then(|i| items.get(i)).unwrap_or(&NULL)),
        Cow::Owned(Value::Array(mut items)) => match resolve_index(i, items.len()) {
            Some(i) if i < items.len() => Cow::Owned(items.swap_remove(i)),
            _ => Cow::Borrowed(&NULL),
        },
        other => match other.as_ref() {
            Value::String(s) => {
                let count = if i < 0 { s.chars().count() } else { 0 };
                match resolve_index(i, count).and_then(|i| s.chars().nth(i)) {
                    Some(c) => Cow::Owned(Value::String(c.to_string())),
                    None => Cow::Borrowed(&NULL),
                }
            }
            _ => Cow::Borrowed(&NULL),
        },
    }
}

/// Maps a possibly negative index onto `0..len`; `None` when before the start.
/// For non-negative indexes `len` is not consulted (the caller bounds-checks).
pub(crate) fn resolve_index(i: i64, len: usize) -> Option<usize> {
    if i >= 0 {
        usize::try_from(i).ok()
    } else {
        let back = usize::try_from(i.unsigned_abs()).ok()?;
        len.checked_sub(back)
    }
}
