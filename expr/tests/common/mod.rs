//! Shared fixtures: the roots a router sees and one sample request.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use serverkit_expr::{CompileError, Expr, Roots, Scope};

pub fn roots() -> Roots {
    Roots::new(["request", "caller", "env", "vars", "steps", "item"])
}

/// A fixed clock so `now()` is testable.
pub struct TestScope(pub Vec<Value>);

impl Scope for TestScope {
    fn root(&self, index: usize) -> Option<&Value> {
        self.0.get(index)
    }

    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap()
    }
}

pub fn scope() -> TestScope {
    TestScope(vec![
        json!({
            "method": "POST",
            "params": {"id": "42"},
            "query": {"limit": "10", "active": "false", "empty": ""},
            "headers": {"x-api-key": "secret", "content-type": "application/json"},
            "body": {"title": "Hello", "tags": ["a", "b"], "count": 3, "price": 2.5, "nested": {"deep": {"x": 1}}},
        }),
        json!({"id": "u1", "email": "ada@example.com", "groups": ["admin", "staff"]}),
        json!({"STRIPE_KEY": "sk_test"}),
        json!({"total": 100, "zero": 0, "name": "Zoë"}),
        json!({"post": {"id": 7}, "posts": [{"title": "first"}, {"title": "second"}]}),
        // `item` is left out: a missing root reads as null.
    ])
}

pub fn compile(src: &str) -> Expr {
    Expr::compile(src, &roots()).unwrap_or_else(|e| panic!("`{src}` did not compile: {e}"))
}

pub fn eval(src: &str) -> Value {
    let expr = compile(src);
    let scope = scope();
    let value = expr.eval(&scope).unwrap_or_else(|e| panic!("`{src}` failed: {e}"));
    value.into_owned()
}

pub fn eval_err(src: &str) -> String {
    let expr = compile(src);
    match expr.eval(&scope()) {
        Ok(v) => panic!("`{src}` should fail but gave {v}"),
        Err(e) => e.message,
    }
}

pub fn compile_err(src: &str) -> CompileError {
    match Expr::compile(src, &roots()) {
        Ok(_) => panic!("`{src}` should not compile"),
        Err(e) => e,
    }
}

/// Asserts each `(source, expected)` pair.
pub fn check(cases: &[(&str, Value)]) {
    for (src, expected) in cases {
        assert_eq!(&eval(src), expected, "{src}");
    }
}
