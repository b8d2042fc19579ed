mod common;

use std::borrow::Cow;

use common::{check, compile, eval_err, scope};
use serde_json::{Value, json};
use serverkit_expr::{Expr, Roots, truthy};

#[test]
fn literals() {
    check(&[
        ("1", json!(1)),
        ("-1", json!(-1)),
        ("1.5", json!(1.5)),
        ("1e3", json!(1000.0)),
        ("2.5E-1", json!(0.25)),
        ("9223372036854775807", json!(i64::MAX)),
        ("-9223372036854775807", json!(-i64::MAX)),
        // Past i64 the literal becomes a float rather than an error.
        ("9223372036854775808", json!(9_223_372_036_854_775_808.0)),
        (r#""say \"hi\"""#, json!("say \"hi\"")),
        (r"'a\tb\nc\\d\'e'", json!("a\tb\nc\\d'e")),
        (r"'\u{1F600} \u{e9}'", json!("😀 é")),
        ("'日本語'", json!("日本語")),
        ("true", json!(true)),
        ("false", json!(false)),
        ("null", json!(null)),
        ("[]", json!([])),
        ("[1, 'a', [true], {}]", json!([1, "a", [true], {}])),
        ("[1, 2,]", json!([1, 2])),
        ("{}", json!({})),
        (r#"{title: 'x', "a b": 1, 'c': [null], in: 2}"#, json!({"title": "x", "a b": 1, "c": [null], "in": 2})),
        ("{id: caller.id, n: 1 + 1}", json!({"id": "u1", "n": 2})),
        ("[caller.id, vars.total]", json!(["u1", 100])),
    ]);
}

#[test]
fn paths() {
    check(&[
        ("request.params.id", json!("42")),
        ("request.query.limit", json!("10")),
        ("request.body.title", json!("Hello")),
        ("request.headers['x-api-key']", json!("secret")),
        ("request['headers'][\"content-type\"]", json!("application/json")),
        ("caller.groups", json!(["admin", "staff"])),
        ("caller.groups[1]", json!("staff")),
        ("caller.groups[-1]", json!("staff")),
        ("caller.groups[0 + 1]", json!("staff")),
        ("env.STRIPE_KEY", json!("sk_test")),
        ("steps.post.id", json!(7)),
        ("steps.posts[0].title", json!("first")),
        ("steps.posts[vars.zero].title", json!("first")),
        ("request.body.nested.deep.x", json!(1)),
        ("request.body[request.method == 'POST' ? 'title' : 'count']", json!("Hello")),
        ("'héllo'[1]", json!("é")),
        ("'héllo'[-1]", json!("o")),
        ("[1, 2, 3][2]", json!(3)),
        ("{a: {b: 5}}.a.b", json!(5)),
        ("split('a,b', ',')[1]", json!("b")),
        ("(caller.groups)[0]", json!("admin")),
    ]);
}

#[test]
fn missing_data_is_null() {
    check(&[
        ("request.nope", json!(null)),
        ("request.nope.deeper.still", json!(null)),
        ("request.body.title.length", json!(null)),
        ("caller.groups[5]", json!(null)),
        ("caller.groups[-5]", json!(null)),
        ("caller.groups['x']", json!(null)),
        ("caller.groups[1.5]", json!(null)),
        ("caller[0]", json!(null)),
        ("vars.total.x", json!(null)),
        ("request.body[null]", json!(null)),
        ("item", json!(null)),
        ("item.x", json!(null)),
        ("null.x", json!(null)),
        ("'abc'[10]", json!(null)),
        ("split('a,b', ',')[7]", json!(null)),
    ]);
    assert!(eval_err("request.body[true]").contains("index"));
    assert!(eval_err("request.body[[1]]").contains("index"));
}

#[test]
fn arithmetic() {
    check(&[
        ("1 + 2", json!(3)),
        ("1 + 2.5", json!(3.5)),
        ("0.5 + 0.5", json!(1.0)),
        ("5 - 7", json!(-2)),
        ("3 * 4", json!(12)),
        ("6 / 3", json!(2)),
        ("7 / 2", json!(3.5)),
        ("6.0 / 3", json!(2.0)),
        ("7 % 3", json!(1)),
        ("-7 % 3", json!(-1)),
        ("7.5 % 2", json!(1.5)),
        ("-(2 + 3)", json!(-5)),
        ("--4", json!(4)),
        ("- vars.total", json!(-100)),
        ("request.body.count * request.body.price", json!(7.5)),
        // Overflow falls back to floats instead of failing or wrapping.
        ("9223372036854775807 + 1", json!(9_223_372_036_854_775_808.0)),
        ("-9223372036854775807 - 2", json!(-9_223_372_036_854_775_809.0)),
        ("9223372036854775807 * 2", json!(18_446_744_073_709_551_614.0)),
        ("(-9223372036854775807 - 1) / -1", json!(9_223_372_036_854_775_808.0)),
        ("(-9223372036854775807 - 1) % -1", json!(0)),
        ("-(-9223372036854775807 - 1)", json!(9_223_372_036_854_775_808.0)),
    ]);
    assert_eq!(eval_err("1 / 0"), "division by zero");
    assert_eq!(eval_err("1.5 / 0.0"), "division by zero");
    assert!(eval_err("1 % 0").contains("division by zero"));
    assert!(eval_err("1e308 * 10").contains("too large"));
    assert!(eval_err("'a' - 1").contains("`-` needs two numbers, got a string and a number"));
    assert!(eval_err("2 * 'a'").contains("needs two numbers"));
    assert!(eval_err("-'a'").contains("needs a number"));
    assert!(eval_err("request.nope * 2").contains("use `??`"));
}

#[test]
fn plus() {
    check(&[
        ("'a' + 'b'", json!("ab")),
        ("'n=' + 5", json!("n=5")),
        ("5 + '!'", json!("5!")),
        ("'x' + 1.5", json!("x1.5")),
        ("'ok: ' + true", json!("ok: true")),
        ("'a' + 'b' + 1 + 2", json!("ab12")),
        ("1 + 2 + 'a'", json!("3a")),
        ("[1] + [2, 3]", json!([1, 2, 3])),
        ("caller.groups + ['x']", json!(["admin", "staff", "x"])),
        ("{a: 1, b: 2} + {b: 3}", json!({"a": 1, "b": 3})),
        ("request.body.nested + {y: 2}", json!({"deep": {"x": 1}, "y": 2})),
        ("'Zoë' + '🎉'", json!("Zoë🎉")),
    ]);
    assert!(eval_err("'a' + null").contains("use `??`"));
    assert!(eval_err("null + 1").contains("cannot add null and a number"));
    assert!(eval_err("[1] + 1").contains("cannot add an array and a number"));
    assert!(eval_err("'a' + [1]").contains("cannot add"));
    assert!(eval_err("{} + []").contains("cannot add"));
}

#[test]
fn comparisons() {
    check(&[
        ("1 < 2", json!(true)),
        ("2 <= 2", json!(true)),
        ("3 > 2.5", json!(true)),
        ("2 >= 3", json!(false)),
        ("'apple' < 'banana'", json!(true)),
        ("'Z' < 'a'", json!(true)),
        ("'é' > 'z'", json!(true)),
        ("1 == 1.0", json!(true)),
        ("1 != 2", json!(true)),
        ("'a' == 'a'", json!(true)),
        ("'1' == 1", json!(false)),
        ("null == null", json!(true)),
        ("request.nope == null", json!(true)),
        ("[1, {a: [2]}] == [1.0, {a: [2]}]", json!(true)),
        ("{a: 1, b: 2} == {b: 2, a: 1}", json!(true)),
        ("{a: 1} == {a: 1, b: 2}", json!(false)),
        ("[1, 2] != [2, 1]", json!(true)),
        ("caller.groups == ['admin', 'staff']", json!(true)),
        // Comparing with null is false, never an error: inputs are optional.
        ("request.nope < 5", json!(false)),
        ("request.nope >= 5", json!(false)),
        ("5 > null", json!(false)),
        ("9223372036854775807 > 9223372036854775806", json!(true)),
    ]);
    assert!(eval_err("1 < 'a'").contains("cannot compare a number with a string"));
    assert!(eval_err("true < false").contains("cannot compare"));
    assert!(eval_err("[1] < [2]").contains("cannot compare"));
}

#[test]
fn membership() {
    check(&[
        ("'admin' in caller.groups", json!(true)),
        ("'root' in caller.groups", json!(false)),
        ("1 in [1.0, 2]", json!(true)),
        ("[1] in [[1], [2]]", json!(true)),
        ("'title' in request.body", json!(true)),
        ("'nope' in request.body", json!(false)),
        ("1 in request.body", json!(false)),
        ("'ell' in 'hello'", json!(true)),
        ("'' in 'hello'", json!(true)),
        ("'x' in 'hello'", json!(false)),
        ("'a' in request.nope", json!(false)),
        ("null in 'abc'", json!(false)),
        ("!('root' in caller.groups)", json!(true)),
    ]);
    assert!(eval_err("1 in 'a1'").contains("only text"));
    assert!(eval_err("1 in 5").contains("`in` needs an array, an object or a string"));
}

#[test]
fn logic_and_truthiness() {
    check(&[
        ("true && false", json!(false)),
        ("true || false", json!(true)),
        ("1 && 'x'", json!(true)),
        ("0 || ''", json!(false)),
        ("!0", json!(true)),
        ("!''", json!(true)),
        ("![]", json!(true)),
        ("!{}", json!(true)),
        ("!null", json!(true)),
        ("!0.0", json!(true)),
        ("!'0'", json!(false)),
        ("![0]", json!(false)),
        ("!{a: null}", json!(false)),
        ("!!vars.total", json!(true)),
        ("true && true && 1 && 'a'", json!(true)),
        ("false || 0 || null || 'x'", json!(true)),
    ]);
    for (v, expected) in [
        (json!(null), false),
        (json!(false), false),
        (json!(0), false),
        (json!(0.0), false),
        (json!(""), false),
        (json!([]), false),
        (json!({}), false),
        (json!(true), true),
        (json!(-1), true),
        (json!(0.1), true),
        (json!(" "), true),
        (json!([null]), true),
        (json!({"a": 1}), true),
    ] {
        assert_eq!(truthy(&v), expected, "{v}");
    }
}

#[test]
fn short_circuit_skips_the_failing_side() {
    check(&[
        ("false && 1 / 0", json!(false)),
        ("true || 1 / 0", json!(true)),
        ("null && 'a' - 1", json!(false)),
        ("vars.total ?? 1 / 0", json!(100)),
        ("true ? 1 : 1 / 0", json!(1)),
        ("false ? 1 / 0 : 2", json!(2)),
        ("coalesce(1, 1 / 0)", json!(1)),
        ("false && false && 1 / 0", json!(false)),
    ]);
    assert_eq!(eval_err("true && 1 / 0"), "division by zero");
    assert_eq!(eval_err("null ?? 1 / 0"), "division by zero");
}

#[test]
fn coalesce_and_ternary() {
    check(&[
        ("request.query.limit ?? 20", json!("10")),
        ("request.query.nope ?? 20", json!(20)),
        ("request.query.nope ?? vars.nope ?? 'x'", json!("x")),
        ("null ?? null", json!(null)),
        // `??` only replaces null, not other falsy values.
        ("vars.zero ?? 5", json!(0)),
        ("request.query.empty ?? 'x'", json!("")),
        ("vars.total > 50 ? 'big' : 'small'", json!("big")),
        ("vars.zero ? 'yes' : 'no'", json!("no")),
        ("1 ? 2 ? 3 : 4 : 5", json!(3)),
        ("0 ? 1 : 0 ? 2 : 3", json!(3)),
        ("request.nope ?? 0 ? 'a' : 'b'", json!("b")),
        ("(vars.total ?? 0) > 5", json!(true)),
    ]);
}

/// One row per precedence level, showing what binds tighter.
#[test]
fn precedence_table() {
    check(&[
        // ?: binds looser than ??
        ("null ?? true ? 'y' : 'n'", json!("y")),
        // ?? looser than ||
        ("null ?? false || true", json!(true)),
        // || looser than &&
        ("true || false && false", json!(true)),
        ("(true || false) && false", json!(false)),
        // && looser than == !=
        ("1 == 1 && 2 != 2", json!(false)),
        // == looser than < and in
        ("1 < 2 == true", json!(true)),
        ("'a' in ['a'] == true", json!(true)),
        // < looser than + -
        ("1 + 1 < 3", json!(true)),
        ("'b' in 'a' + 'b'", json!(true)),
        // + - looser than * / %
        ("1 + 2 * 3", json!(7)),
        ("(1 + 2) * 3", json!(9)),
        ("10 - 6 / 2", json!(7)),
        ("1 + 7 % 4", json!(4)),
        // left associativity
        ("10 - 3 - 2", json!(5)),
        ("100 / 10 / 5", json!(2)),
        ("2 * 3 % 4", json!(2)),
        // unary binds tighter than * and looser than accessors
        ("-2 * 3", json!(-6)),
        ("!true == false", json!(true)),
        ("-request.body.count", json!(-3)),
        ("!caller.groups[5]", json!(true)),
        ("-len('abc')", json!(-3)),
        ("- - 1", json!(1)),
    ]);
}

#[test]
fn whitespace_is_free() {
    check(&[("  1\n+\t2  ", json!(3)), ("request . body . title", json!("Hello")), ("len ( 'ab' )", json!(2))]);
}

#[test]
fn keywords_can_be_field_names() {
    let roots = Roots::new(["x"]);
    let expr = Expr::compile("x.in + x.true + x.null", &roots).unwrap();
    let scope = [json!({"in": 1, "true": 2, "null": 3})];
    assert_eq!(*expr.eval(&scope).unwrap(), json!(6));
}

/// Reading data and defaults must not allocate per request: the result of a
/// path or a literal is a borrow of the scope or of the compiled expression.
#[test]
fn plain_reads_are_borrowed() {
    let scope = scope();
    for src in [
        "request.query.limit ?? 20",
        "request.query.nope ?? 20",
        "request.headers['x-api-key']",
        "steps.posts[1].title",
        "caller.groups[-1]",
        "[1, 2, 3]",
        "{a: 'b'}",
        "coalesce(request.nope, caller.id)",
        "vars.total > 3",
        "'admin' in caller.groups",
        "request.nope.x.y",
        "true ? caller.email : 1",
        "max(1, vars.total)",
        "string(caller.id)",
    ] {
        let expr = compile(src);
        assert!(matches!(expr.eval(&scope).unwrap(), Cow::Borrowed(_)), "{src} allocated");
    }
}

#[test]
fn compiled_expressions_are_shareable() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Expr>();
    assert_send_sync::<serverkit_expr::Template>();
    let expr = compile("vars.total + 1");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let expr = expr.clone();
            std::thread::spawn(move || expr.eval(&scope()).map(|v| v.into_owned()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), json!(101));
    }
    assert_eq!(expr.source(), "vars.total + 1");
    assert!(compile("vars.total > 1").eval_truthy(&scope()).unwrap());
    assert_eq!(format!("{expr:?}"), "Expr(\"vars.total + 1\")");
}

#[test]
fn scopes_from_slices_and_vecs() {
    let roots = Roots::new(["a", "b"]);
    let expr = Expr::compile("a + b", &roots).unwrap();
    let vec: Vec<Value> = vec![json!(1), json!(2)];
    assert_eq!(*expr.eval(&vec).unwrap(), json!(3));
    assert_eq!(*expr.eval(&vec.as_slice()).unwrap(), json!(3));
    assert_eq!(*expr.eval(&[json!(1), json!(2)]).unwrap(), json!(3));
    // Too few values: the missing root is null.
    assert!(expr.eval(&[json!(1)]).unwrap_err().message.contains("null"));
    assert_eq!(roots.index_of("b"), Some(1));
    assert_eq!(roots.len(), 2);
}
