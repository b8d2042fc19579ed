mod common;

use common::{roots, scope};
use serde_json::{Value, json};
use serverkit_expr::{Roots, Template, TemplateError};

fn render(template: Value) -> Value {
    let t = Template::compile(&template, &roots()).unwrap_or_else(|e| panic!("{template}: {e}"));
    t.render(&scope()).unwrap_or_else(|e| panic!("{template}: {e}"))
}

fn compile_err(template: Value) -> TemplateError {
    Template::compile(&template, &roots()).expect_err("should not compile")
}

#[test]
fn exact_expression_keeps_its_type() {
    assert_eq!(render(json!("${caller.groups}")), json!(["admin", "staff"]));
    assert_eq!(render(json!("${ vars.total }")), json!(100));
    assert_eq!(render(json!("${request.nope}")), json!(null));
    assert_eq!(render(json!("${ {a: 1, b: [vars.total]} }")), json!({"a": 1, "b": [100]}));
    assert_eq!(render(json!("${'}'}")), json!("}"));
}

#[test]
fn interpolation_builds_text() {
    assert_eq!(render(json!("Hello ${caller.email}!")), json!("Hello ada@example.com!"));
    assert_eq!(render(json!("${vars.total} items")), json!("100 items"));
    assert_eq!(render(json!("${caller.id}${vars.total}")), json!("u1100"));
    assert_eq!(render(json!("tags=${request.body.tags}")), json!("tags=[\"a\",\"b\"]"));
    assert_eq!(render(json!("x=${request.nope}")), json!("x=null"));
    assert_eq!(render(json!("${'{' + '}'} and ${ {a: '}'}.a }")), json!("{} and }"));
    assert_eq!(render(json!("Zoë ${vars.name} 😀")), json!("Zoë Zoë 😀"));
}

#[test]
fn escapes_and_constants() {
    assert_eq!(render(json!("cost: $${price}")), json!("cost: ${price}"));
    assert_eq!(render(json!("$${a} ${vars.total}")), json!("${a} 100"));
    assert_eq!(render(json!("$5 and $ {x} and {y}")), json!("$5 and $ {x} and {y}"));
    assert_eq!(render(json!("plain")), json!("plain"));
    assert_eq!(render(json!(42)), json!(42));
    assert_eq!(render(json!(null)), json!(null));
    let constant = json!({"a": [1, "two", {"b": "$${not}"}]});
    let t = Template::compile(&constant, &roots()).unwrap();
    assert!(t.is_constant());
    assert_eq!(t.render(&scope()).unwrap(), json!({"a": [1, "two", {"b": "${not}"}]}));
}

#[test]
fn nested_in_arrays_and_objects() {
    let template = json!({
        "id": "${steps.post.id}",
        "title": "Post: ${request.body.title}",
        "owner": {"id": "${caller.id}", "groups": "${caller.groups}", "fixed": true},
        "list": ["${vars.total}", "n=${vars.total}", 3, ["${caller.id}"]],
        "${not_a_key}": "keys are never templated",
    });
    assert_eq!(
        render(template),
        json!({
            "id": 7,
            "title": "Post: Hello",
            "owner": {"id": "u1", "groups": ["admin", "staff"], "fixed": true},
            "list": [100, "n=100", 3, ["u1"]],
            "${not_a_key}": "keys are never templated",
        })
    );
}

#[test]
fn errors_name_the_string_and_position() {
    let e = compile_err(json!({"body": {"items": [1, "ok ${reqest.id}"]}}));
    assert_eq!(e.path, "/body/items/1");
    assert_eq!(e.error.position, 5);
    assert!(e.error.message.contains("unknown name `reqest` at 5"), "{}", e.error.message);
    assert!(e.to_string().starts_with("in `/body/items/1`: unknown name"));

    let e = compile_err(json!("abc ${1 +"));
    assert_eq!(e.path, "");
    assert!(e.error.message.contains("not closed"), "{}", e.error.message);
    assert_eq!(e.error.position, 4);

    let e = compile_err(json!("${}"));
    assert!(e.error.message.contains("empty"), "{}", e.error.message);

    let e = compile_err(json!({"a/b": {"c~d": "${ 'x }"}}));
    assert_eq!(e.path, "/a~1b/c~0d");
    assert!(e.error.message.contains("not closed"), "{}", e.error.message);

    let e = compile_err(json!(format!("${{{}}}", "(".repeat(1000))));
    assert!(e.error.message.contains("nested too deeply"), "{}", e.error.message);
}

#[test]
fn render_errors_come_from_expressions() {
    let t = Template::compile(&json!({"a": "${1 / 0}"}), &roots()).unwrap();
    assert_eq!(t.render(&scope()).unwrap_err().message, "division by zero");
    let t = Template::compile(&json!("x ${'a' - 1}"), &roots()).unwrap();
    assert!(t.render(&scope()).is_err());
}

#[test]
fn deep_json_is_refused_not_overflowed() {
    let mut deep = json!("${vars.total}");
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let e = Template::compile(&deep, &roots()).unwrap_err();
    assert!(e.error.message.contains("nested too deeply"));
    let mut ok = json!("${vars.total}");
    for _ in 0..100 {
        ok = json!({ "a": ok });
    }
    assert!(Template::compile(&ok, &roots()).is_ok());
}

#[test]
fn templates_use_their_own_roots() {
    let roots = Roots::new(["item"]);
    let t = Template::compile(&json!({"name": "${item.name}", "upper": "${upper(item.name)}"}), &roots).unwrap();
    assert_eq!(t.render(&[json!({"name": "x"})]).unwrap(), json!({"name": "x", "upper": "X"}));
    assert!(Template::compile(&json!("${request.id}"), &roots).is_err());
}
