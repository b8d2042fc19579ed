mod common;

use common::{check, eval_err};
use serde_json::json;

#[test]
fn len() {
    check(&[
        ("len('abc')", json!(3)),
        ("len('Zoë😀')", json!(4)),
        ("len('')", json!(0)),
        ("len(caller.groups)", json!(2)),
        ("len(request.body)", json!(5)),
        ("len(request.nope)", json!(0)),
    ]);
    assert!(eval_err("len(5)").contains("`len` needs a string, an array or an object, got a number"));
    assert!(eval_err("len(true)").contains("len"));
}

#[test]
fn text_functions() {
    check(&[
        ("lower('HeLLo É')", json!("hello é")),
        ("upper('straße')", json!("STRASSE")),
        ("trim('  a b \\n')", json!("a b")),
        ("lower(request.nope)", json!(null)),
        ("upper(null)", json!(null)),
        ("trim(null)", json!(null)),
        ("starts_with('hello', 'he')", json!(true)),
        ("starts_with('hello', 'lo')", json!(false)),
        ("ends_with('hello', 'lo')", json!(true)),
        ("ends_with('hello', '')", json!(true)),
        ("starts_with(request.nope, 'x')", json!(false)),
        ("contains('hello', 'ell')", json!(true)),
        ("contains(caller.groups, 'admin')", json!(true)),
        ("contains(request.body, 'tags')", json!(true)),
        ("contains(null, 'x')", json!(false)),
        ("replace('a-b-c', '-', '+')", json!("a+b+c")),
        ("replace('aaa', 'a', '')", json!("")),
        ("replace('abc', '', 'x')", json!("abc")),
        ("replace(null, 'a', 'b')", json!(null)),
        ("split('a,b,,c', ',')", json!(["a", "b", "", "c"])),
        ("split('', ',')", json!([""])),
        ("split('héj', '')", json!(["h", "é", "j"])),
        ("split(request.nope, ',')", json!(null)),
        ("join(caller.groups, ', ')", json!("admin, staff")),
        ("join([1, 'a', null, true, [2]], '|')", json!("1|a|null|true|[2]")),
        ("join([], ',')", json!("")),
        ("join(null, ',')", json!(null)),
    ]);
    assert!(eval_err("lower(1)").contains("`lower` needs a string, got a number"));
    assert!(eval_err("trim([])").contains("needs a string"));
    assert!(eval_err("starts_with('a', 1)").contains("two strings"));
    assert!(eval_err("ends_with(1, 'a')").contains("two strings"));
    assert!(eval_err("split('a', 1)").contains("two strings"));
    assert!(eval_err("join('a', ',')").contains("an array"));
    assert!(eval_err("join(['a'], 1)").contains("separator"));
    assert!(eval_err("replace('a', 1, 'b')").contains("three strings"));
    assert!(eval_err("contains(5, 1)").contains("`in` needs"));
}

#[test]
fn conversions() {
    check(&[
        ("int('42')", json!(42)),
        ("int(' -7 ')", json!(-7)),
        ("int('3.9')", json!(3)),
        ("int('-3.9')", json!(-3)),
        ("int(3.9)", json!(3)),
        ("int(5)", json!(5)),
        ("int(true)", json!(1)),
        ("int(false)", json!(0)),
        ("int('abc')", json!(null)),
        ("int('')", json!(null)),
        ("int(null)", json!(null)),
        ("int(request.query.limit) + 1", json!(11)),
        ("int(request.query.page) ?? 1", json!(1)),
        ("float('2.5')", json!(2.5)),
        ("float(2)", json!(2.0)),
        ("float(true)", json!(1.0)),
        ("float('NaN')", json!(null)),
        ("float('inf')", json!(null)),
        ("float('x')", json!(null)),
        ("float(null)", json!(null)),
        ("string('a')", json!("a")),
        ("string(12)", json!("12")),
        ("string(1.5)", json!("1.5")),
        ("string(true)", json!("true")),
        ("string(null)", json!("null")),
        ("string([1, 'a'])", json!("[1,\"a\"]")),
        ("string({a: 1})", json!("{\"a\":1}")),
        ("bool(1)", json!(true)),
        ("bool(0)", json!(false)),
        ("bool(null)", json!(false)),
        ("bool([])", json!(false)),
        ("bool('yes')", json!(true)),
        ("bool('true')", json!(true)),
        ("bool(request.query.active)", json!(false)),
        ("bool('FALSE')", json!(false)),
        ("bool(' no ')", json!(false)),
        ("bool('off')", json!(false)),
        ("bool('0')", json!(false)),
        ("bool('')", json!(false)),
    ]);
    assert!(eval_err("int([1])").contains("`int` needs a number, a string or a boolean, got an array"));
    assert!(eval_err("int(1e300)").contains("too large"));
    assert!(eval_err("int('1e300')").contains("too large"));
    assert!(eval_err("float({})").contains("float"));
}

#[test]
fn objects() {
    check(&[
        ("keys({a: 1, b: 2})", json!(["a", "b"])),
        ("values({a: 1, b: [2]})", json!([1, [2]])),
        ("keys({})", json!([])),
        ("keys(request.nope)", json!(null)),
        ("values(null)", json!(null)),
        ("len(keys(request.headers))", json!(2)),
    ]);
    assert!(eval_err("keys([1])").contains("`keys` needs an object, got an array"));
    assert!(eval_err("values('a')").contains("an object"));
}

#[test]
fn numbers() {
    check(&[
        ("min(3, 1, 2)", json!(1)),
        ("max(3, 1, 2)", json!(3)),
        ("min([4, 2.5, 9])", json!(2.5)),
        ("max([4, 2.5, 9])", json!(9)),
        ("min(['b', 'a', 'c'])", json!("a")),
        ("max('b', 'c')", json!("c")),
        ("min([])", json!(null)),
        ("min([null, 3, null, 1])", json!(1)),
        ("max(null, 2)", json!(2)),
        ("min(null)", json!(null)),
        ("min(7)", json!(7)),
        ("max(split('3,1,2', ','))", json!("3")),
        ("min(int(request.query.limit) ?? 20, 100)", json!(10)),
        ("abs(-3)", json!(3)),
        ("abs(2.5)", json!(2.5)),
        ("abs(-0.5)", json!(0.5)),
        ("abs(null)", json!(null)),
        ("abs(-9223372036854775807 - 1)", json!(9_223_372_036_854_775_808.0)),
        ("round(2.5)", json!(3)),
        ("round(-2.5)", json!(-3)),
        ("round(2.4)", json!(2)),
        ("round(7)", json!(7)),
        ("round(2.71828, 2)", json!(2.72)),
        ("round(1234.5, -2)", json!(1200)),
        ("round(1250, -2)", json!(1300)),
        ("round(5, 2)", json!(5)),
        ("round(null)", json!(null)),
        ("sum([1, 2, 3])", json!(6)),
        ("sum([1, 2.5, null])", json!(3.5)),
        ("sum([])", json!(0)),
        ("sum(null)", json!(0)),
        ("sum([9223372036854775807, 1])", json!(9_223_372_036_854_775_808.0)),
    ]);
    assert!(eval_err("min(1, 'a')").contains("compares numbers with numbers"));
    assert!(eval_err("max([1, [2]])").contains("numbers or strings"));
    assert!(eval_err("min(true)").contains("numbers or strings"));
    assert!(eval_err("abs('a')").contains("`abs` needs a number"));
    assert!(eval_err("round('a')").contains("`round` needs a number"));
    assert!(eval_err("round(1.5, 99)").contains("between -15 and 15"));
    assert!(eval_err("round(1.5, 'a')").contains("digits"));
    assert!(eval_err("round(1e300, -1)").contains("too large"));
    assert!(eval_err("sum([1, 'a'])").contains("an array of numbers"));
    assert!(eval_err("sum('a')").contains("an array of numbers"));
}

#[test]
fn inspection() {
    check(&[
        ("is_null(request.nope)", json!(true)),
        ("is_null(0)", json!(false)),
        ("type_of(null)", json!("null")),
        ("type_of(true)", json!("boolean")),
        ("type_of(1.5)", json!("number")),
        ("type_of('')", json!("string")),
        ("type_of([])", json!("array")),
        ("type_of({})", json!("object")),
        ("coalesce(request.nope)", json!(null)),
        ("coalesce(null, null, 3, 4)", json!(3)),
        ("coalesce(request.nope, caller.email)", json!("ada@example.com")),
    ]);
}

#[test]
fn now_uses_the_scope_clock() {
    check(&[("now()", json!("2025-03-04T05:06:07.000Z")), ("now() > '2025'", json!(true))]);
}

#[test]
fn slice() {
    check(&[
        ("slice('hello', 1, 3)", json!("el")),
        ("slice('hello', 2)", json!("llo")),
        ("slice('hello', -3)", json!("llo")),
        ("slice('hello', 0, -1)", json!("hell")),
        ("slice('héllo', 1, 2)", json!("é")),
        ("slice('hello', 3, 1)", json!("")),
        ("slice('hello', 10)", json!("")),
        ("slice('hello', -10, 2)", json!("he")),
        ("slice('hello', null, 2)", json!("he")),
        ("slice([1, 2, 3, 4], 1, 3)", json!([2, 3])),
        ("slice([1, 2, 3], -1)", json!([3])),
        ("slice([1, 2, 3], 2, 1)", json!([])),
        ("slice([1, 2, 3], 0, 9223372036854775807)", json!([1, 2, 3])),
        ("slice([1, 2, 3], -9223372036854775807 - 1)", json!([1, 2, 3])),
        ("slice(null, 1)", json!(null)),
    ]);
    assert!(eval_err("slice(5, 1)").contains("a string or an array"));
    assert!(eval_err("slice('a', 1.5)").contains("whole numbers"));
}

#[test]
fn matches() {
    check(&[
        ("matches(caller.email, '^[^@]+@[^@]+\\\\.[a-z]+$')", json!(true)),
        ("matches('abc', 'B')", json!(false)),
        ("matches('abc', '(?i)B')", json!(true)),
        ("matches('Zoë', '^\\\\w+$')", json!(true)),
        ("matches(request.nope, 'x')", json!(false)),
        // A pattern computed at run time works too; it is compiled per call.
        ("matches('a1', '^' + 'a' + '\\\\d$')", json!(true)),
    ]);
    assert!(eval_err("matches(1, 'a')").contains("a string to test"));
    assert!(eval_err("matches('a', 1)").contains("pattern"));
    assert!(eval_err("matches('a', '(' + '')").contains("invalid pattern"));
}
