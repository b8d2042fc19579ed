//! JSON templates: response bodies and step arguments written as JSON with
//! `${…}` expressions inside strings, compiled once like expressions are.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::ast::Node;
use crate::error::{CompileError, EvalError, TemplateError};
use crate::lexer::{Lexer, Tok};
use crate::ops::to_text;
use crate::{Expr, MAX_SOURCE_LEN, Roots, Scope};

/// JSON documents nest far less than this; the bound keeps a hostile
/// definition from exhausting the stack while compiling or rendering.
const MAX_TEMPLATE_DEPTH: usize = 128;

/// A compiled JSON template.
///
/// Each string in the JSON value is one of:
/// - exactly `"${ expr }"`: replaced by the expression's value, of any JSON
///   type (`"${request.body.tags}"` yields an array);
/// - text with `${…}` inside: a string, each expression's value written in
///   (strings as they are, other values as JSON);
/// - anything else: kept as is. `$${` writes a literal `${`.
///
/// Object keys are never templated. Parts without expressions are stored as
/// ready-made constants.
///
/// ```
/// use serverkit_expr::{Roots, Template};
/// use serde_json::json;
///
/// let roots = Roots::new(["request"]);
/// let t = Template::compile(&json!({"id": "${request.params.id}", "msg": "Hi ${request.query.name}!"}), &roots).unwrap();
/// let scope = [json!({"params": {"id": 7}, "query": {"name": "Ada"}})];
/// assert_eq!(t.render(&scope).unwrap(), json!({"id": 7, "msg": "Hi Ada!"}));
/// ```
#[derive(Debug, Clone)]
pub struct Template {
    node: TNode,
}

#[derive(Debug, Clone)]
enum TNode {
    Const(Value),
    Expr(Expr),
    Text(Vec<Part>),
    Array(Vec<TNode>),
    Object(Vec<(String, TNode)>),
}

impl TNode {
    fn references<'a>(&'a self, found: &mut Vec<(usize, Vec<&'a str>)>) {
        match self {
            TNode::Const(_) => {}
            TNode::Expr(expr) => found.extend(expr.references()),
            TNode::Text(parts) => parts.iter().for_each(|part| part.references(found)),
            TNode::Array(nodes) => nodes.iter().for_each(|node| node.references(found)),
            TNode::Object(fields) => fields.iter().for_each(|(_, node)| node.references(found)),
        }
    }

    fn into_const(self) -> Option<Value> {
        if let TNode::Const(v) = self { Some(v) } else { None }
    }
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Expr(Expr),
}

impl Part {
    fn references<'a>(&'a self, found: &mut Vec<(usize, Vec<&'a str>)>) {
        if let Part::Expr(expr) = self {
            found.extend(expr.references());
        }
    }
}

impl Template {
    /// Compiles every string of `value`. A failing string is reported with
    /// its JSON Pointer (e.g. `/items/0/title`) and the position within it.
    pub fn compile(value: &Value, roots: &Roots) -> Result<Template, TemplateError> {
        let mut path = String::new();
        compile_value(value, roots, &mut path, 0).map(|node| Template { node })
    }

    /// Builds the JSON value for one request.
    pub fn render(&self, scope: &dyn Scope) -> Result<Value, EvalError> {
        render(&self.node, scope)
    }

    /// Whether the template contains no expression at all.
    pub fn is_constant(&self) -> bool {
        matches!(self.node, TNode::Const(_))
    }

    /// When the template is exactly one path of fields, such as
    /// `"${steps.post}"`: the root's index and the field names. A caller that
    /// owns the scope can then move the value out instead of copying it.
    ///
    /// ```
    /// use serverkit_expr::{Roots, Template};
    /// use serde_json::json;
    ///
    /// let roots = Roots::new(["request", "steps"]);
    /// let t = Template::compile(&json!("${steps.post}"), &roots).unwrap();
    /// assert_eq!(t.field_path(), Some((1, vec!["post"])));
    /// assert_eq!(Template::compile(&json!({"p": "${steps.post}"}), &roots).unwrap().field_path(), None);
    /// ```
    /// Every path from a root the template's expressions read (see
    /// [`crate::Expr::references`]).
    pub fn references(&self) -> Vec<(usize, Vec<&str>)> {
        let mut found = Vec::new();
        self.node.references(&mut found);
        found
    }

    pub fn field_path(&self) -> Option<(usize, Vec<&str>)> {
        let TNode::Expr(expr) = &self.node else { return None };
        expr.field_path()
    }
}

fn compile_value(value: &Value, roots: &Roots, path: &mut String, depth: usize) -> Result<TNode, TemplateError> {
    if depth > MAX_TEMPLATE_DEPTH {
        let error = CompileError::new(0, format!("the template is nested too deeply (at most {MAX_TEMPLATE_DEPTH} levels)"));
        return Err(TemplateError { path: path.clone(), error });
    }
    let node = match value {
        Value::String(s) => compile_string(s, roots).map_err(|error| TemplateError { path: path.clone(), error })?,
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "/{i}");
                nodes.push(compile_value(item, roots, path, depth + 1)?);
                path.truncate(len);
            }
            // Fold from the compiled children, which have `$${` unescaped.
            if nodes.iter().all(|n| matches!(n, TNode::Const(_))) {
                return Ok(TNode::Const(Value::Array(nodes.into_iter().filter_map(TNode::into_const).collect())));
            }
            TNode::Array(nodes)
        }
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            for (key, item) in map {
                let len = path.len();
                // JSON Pointer escaping (RFC 6901).
                let _ = write!(path, "/{}", key.replace('~', "~0").replace('/', "~1"));
                fields.push((key.clone(), compile_value(item, roots, path, depth + 1)?));
                path.truncate(len);
            }
            if fields.iter().all(|(_, n)| matches!(n, TNode::Const(_))) {
                let map = fields.into_iter().filter_map(|(k, n)| n.into_const().map(|v| (k, v)));
                return Ok(TNode::Const(Value::Object(map.collect())));
            }
            TNode::Object(fields)
        }
        other => TNode::Const(other.clone()),
    };
    Ok(node)
}

/// Splits a string into literal text and `${…}` expressions.
fn compile_string(s: &str, roots: &Roots) -> Result<TNode, CompileError> {
    if !s.contains("${") {
        return Ok(TNode::Const(Value::String(s.to_string())));
    }
    let chars: Vec<char> = s.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        if c == '$' && at(i + 1) == Some('$') && at(i + 2) == Some('{') {
            literal.push_str("${");
            i += 3;
        } else if c == '$' && at(i + 1) == Some('{') {
            let start = i + 2;
            let end = closing_brace(&chars, i, start)?;
            let source: String = chars.get(start..end).unwrap_or_default().iter().collect();
            if source.len() > MAX_SOURCE_LEN {
                return Err(CompileError::new(start, format!("the expression at {start} is too long (at most {MAX_SOURCE_LEN} bytes)")));
            }
            let node: Node = crate::parser::parse(&chars, start, end, roots)?;
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Expr(Expr::from_parts(source, node)));
            i = end + 1;
        } else {
            literal.push(c);
            i += 1;
        }
    }
    if parts.is_empty() {
        return Ok(TNode::Const(Value::String(literal)));
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    if let [Part::Expr(_)] = parts.as_slice()
        && let Some(Part::Expr(expr)) = parts.pop()
    {
        return Ok(TNode::Expr(expr));
    }
    Ok(TNode::Text(parts))
}

/// Finds the `}` that closes the `${` at `open` by lexing, so braces inside
/// strings and object literals (`${ {a: '}'} }`) do not end it early.
fn closing_brace(chars: &[char], open: usize, start: usize) -> Result<usize, CompileError> {
    let mut lexer = Lexer::new(chars, start, chars.len());
    let mut depth = 0usize;
    loop {
        let token = lexer.next_token()?;
        match token.tok {
            Tok::LBrace => depth += 1,
            Tok::RBrace if depth == 0 => return Ok(token.pos),
            Tok::RBrace => depth -= 1,
            Tok::Eof => {
                return Err(CompileError::new(open, format!("the `${{` at {open} is not closed; add a `}}`")));
            }
            _ => {}
        }
    }
}

fn render(node: &TNode, scope: &dyn Scope) -> Result<Value, EvalError> {
    Ok(match node {
        TNode::Const(v) => v.clone(),
        TNode::Expr(expr) => expr.eval(scope)?.into_owned(),
        TNode::Text(parts) => {
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Literal(text) => out.push_str(text),
                    Part::Expr(expr) => out.push_str(&to_text(&*expr.eval(scope)?)),
                }
            }
            Value::String(out)
        }
        TNode::Array(items) => Value::Array(items.iter().map(|n| render(n, scope)).collect::<Result<_, _>>()?),
        TNode::Object(fields) => {
            let mut map = Map::new();
            for (key, n) in fields {
                map.insert(key.clone(), render(n, scope)?);
            }
            Value::Object(map)
        }
    })
}
