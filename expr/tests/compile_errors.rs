mod common;

use common::{compile, compile_err, roots};
use serde_json::json;
use serverkit_expr::{Expr, MAX_DEPTH, MAX_SOURCE_LEN, Roots};

/// `(source, position, a fragment of the message)`.
fn check_errors(cases: &[(&str, usize, &str)]) {
    for (src, position, fragment) in cases {
        let e = compile_err(src);
        assert_eq!(e.position, *position, "position for `{src}`: {}", e.message);
        assert!(e.message.contains(fragment), "message for `{src}`: {}", e.message);
        assert_eq!(e.to_string(), e.message);
    }
}

#[test]
fn unknown_names_and_functions() {
    check_errors(&[
        ("reqest.params.id", 0, "unknown name `reqest` at 0; known: request, caller, env, vars, steps, item"),
        ("reqest", 0, "did you mean `request`?"),
        ("1 + calller.id", 4, "did you mean `caller`?"),
        ("status == active", 0, "put it in quotes"),
        ("len", 0, "`len` is a function"),
        ("lowr('A')", 0, "unknown function `lowr` at 0 (did you mean `lower`?)"),
        ("foo(1)", 0, "functions: len, lower"),
        ("request(1)", 0, "`request` at 0 is not a function"),
        ("len()", 0, "`len` at 0 takes 1 argument, got 0"),
        ("len(1, 2)", 0, "takes 1 argument, got 2"),
        ("1 + now(1)", 4, "`now` at 4 takes 0 arguments, got 1"),
        ("1 + round()", 4, "takes 1 to 2 arguments, got 0"),
        ("coalesce()", 0, "takes at least 1 argument, got 0"),
        ("replace('a')", 0, "takes 3 arguments, got 1"),
    ]);
}

#[test]
fn syntax_errors_point_at_the_problem() {
    check_errors(&[
        ("", 0, "empty"),
        ("   ", 3, "empty"),
        ("1 +", 3, "ends too early"),
        ("(1 + 2", 6, "expected `)` to close the `(` at 6, found the end of the expression"),
        ("[1, 2", 5, "expected `,` between items"),
        ("{a 1}", 3, "expected `:` after the key"),
        ("{1: 2}", 1, "expected a key"),
        ("{a: 1, a: 2}", 7, "the key `a` appears twice"),
        ("1 2", 2, "expected an operator or the end of the expression at 2, found the number 2"),
        ("request.", 8, "expected a field name after `.`"),
        ("request.0", 8, "write `[0]`"),
        ("request.body.'x'", 13, "['a-b']"),
        ("request[1", 9, "to close the `[`"),
        ("a = 1", 2, "use `==`"),
        ("caller.id = 1", 10, "use `==`"),
        ("true & false", 5, "use `&&`"),
        ("true | false", 5, "use `||`"),
        ("#", 0, "unexpected character `#`"),
        ("'abc", 0, "not closed"),
        ("1 + \"abc", 4, "add a closing \""),
        ("'\\x'", 1, "unknown escape"),
        ("'\\u{zz}'", 1, "unicode escape"),
        ("'\\u{D800}'", 1, "unicode escape"),
        ("1e", 0, "exponent"),
        ("1e999", 0, "too large"),
        ("true ? 1", 8, "expected `:`"),
        ("${request.id}", 0, "only needed inside templates"),
        (")", 0, "expected a value at 0, found `)`"),
        ("len(1,,)", 6, "expected a value"),
        ("matches('a', '(')", 0, "invalid pattern"),
    ]);
}

#[test]
fn positions_count_characters_not_bytes() {
    let e = compile_err("'日本' + reqest");
    assert_eq!(e.position, 7);
    assert!(e.message.contains("at 7"));
}

#[test]
fn length_limit() {
    let ok = format!("'{}'", "a".repeat(MAX_SOURCE_LEN - 2));
    assert_eq!(*compile(&ok).eval(&common::scope()).unwrap(), json!("a".repeat(MAX_SOURCE_LEN - 2)));
    let too_long = format!("'{}'", "a".repeat(MAX_SOURCE_LEN));
    let e = compile_err(&too_long);
    assert!(e.message.contains("too long"), "{}", e.message);
    assert_eq!(e.position, MAX_SOURCE_LEN);
}

#[test]
fn depth_limit() {
    let nest = |open: &str, close: &str, n: usize| format!("{}1{}", open.repeat(n), close.repeat(n));
    // At the limit: fine (the outermost expression is one level itself).
    let ok = nest("(", ")", MAX_DEPTH - 1);
    assert_eq!(*compile(&ok).eval(&common::scope()).unwrap(), json!(1));
    for src in [
        nest("(", ")", MAX_DEPTH),
        nest("(", ")", 10_000),
        nest("[", "]", 10_000),
        nest("-", "", 10_000),
        nest("!", "", 10_000),
        nest("abs(", ")", 2_000),
        nest("{a:", "}", 2_000),
        nest("1 ? 1 : ", "", 1_000),
        "(".repeat(10_000),
    ] {
        let e = compile_err(&src);
        assert!(e.message.contains("too long") || e.message.contains("nested too deeply"), "{}", e.message);
    }
    let e = compile_err(&"(".repeat(5_000));
    // Points at the first parenthesis past the limit.
    assert_eq!(e.position, MAX_DEPTH);
    assert_eq!(e.message, format!("the expression is nested too deeply at 64 (at most {MAX_DEPTH} levels)"));
}

/// Long flat chains are not nesting: they compile and run with loops.
#[test]
fn long_chains_are_not_nesting() {
    let sum = vec!["1"; 3000].join("+");
    assert_eq!(*compile(&sum).eval(&common::scope()).unwrap(), json!(3000));
    let path = format!("request{}", ".a".repeat(3000));
    assert_eq!(*compile(&path).eval(&common::scope()).unwrap(), json!(null));
    let ors = vec!["false"; 500].join(" || ");
    assert_eq!(*compile(&ors).eval(&common::scope()).unwrap(), json!(false));
}

/// The deepest tree the limits allow, with every precedence level used at
/// every nesting level, compiles and evaluates within a 2 MiB thread stack
/// (the default for spawned threads, and tokio's worker size). Measured:
/// under 1 MiB in debug builds, under 256 KiB in release builds.
#[test]
fn worst_case_nesting_fits_a_small_stack() {
    let shapes: [fn(&str) -> String; 2] = [
        // Every precedence level inside each pair of parentheses.
        |inner| format!("({inner}.a * 3 + 2 < 1 == 1 && true || false ?? null ? 1 : 0)"),
        |inner| format!("!(true ? null ?? false || true && 1 == 1 < 2 + 3 * -len([{inner}]) : 0)"),
    ];
    for shape in shapes {
        let mut src = "1".to_string();
        let mut levels = 0;
        while Expr::compile(&shape(&src), &roots()).is_ok() {
            src = shape(&src);
            levels += 1;
        }
        assert!(levels >= 10, "{levels}");
        let on_small_stack = move || {
            let expr = Expr::compile(&src, &roots()).unwrap();
            let scope = common::scope();
            // Failing or not, evaluation has walked the whole tree.
            let _ = expr.eval(&scope);
        };
        std::thread::Builder::new().stack_size(2 * 1024 * 1024).spawn(on_small_stack).unwrap().join().unwrap();
    }
}

/// A tiny deterministic fuzzer: random garbage from an alphabet biased
/// towards the language's own characters must never panic, only fail.
#[test]
fn garbage_never_panics() {
    const PIECES: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        ".",
        "?",
        "??",
        "|",
        "||",
        "&",
        "&&",
        "=",
        "==",
        "!",
        "!=",
        "<",
        ">=",
        "+",
        "-",
        "*",
        "/",
        "%",
        "'",
        "\"",
        "\\",
        "\\u{",
        "1",
        "0",
        "1.5",
        "e",
        "9999999999999999999999",
        " ",
        "\n",
        "request",
        "caller",
        "x",
        "in",
        "null",
        "true",
        "len",
        "coalesce",
        "matches",
        "'a'",
        "é",
        "😀",
        "$",
        "${",
        "}",
        "#",
        "\0",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        // xorshift64*: fast, deterministic, good enough to shuffle tokens.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let scope = common::scope();
    let roots = Roots::new(["request", "caller", "x"]);
    let mut compiled = 0;
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let src: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
        if let Ok(expr) = Expr::compile(&src, &roots) {
            compiled += 1;
            let _ = expr.eval(&scope);
        }
        let _ = serverkit_expr::Template::compile(&json!(src), &roots);
    }
    // The generator does produce valid expressions, so evaluation is exercised.
    assert!(compiled > 100, "only {compiled} compiled");
}
