//! ServerKit's expression language: the small language router steps use to
//! read the request, the caller, variables and earlier steps' results.
//!
//! Expressions are compiled once, when an environment activates a
//! definition, and evaluated on every request. Compilation resolves every
//! name (roots to indexes, functions to an enum) and rejects unknown ones, so
//! evaluation does no parsing or name lookup and returns values borrowed
//! from the scope whenever it can. Neither step panics or recurses without
//! bound on any input. The language itself is described in `README.md`.
//!
//! ```
//! use serverkit_expr::{Expr, Roots};
//! use serde_json::json;
//!
//! let roots = Roots::new(["request", "caller"]);
//! let limit = Expr::compile("request.query.limit ?? 20", &roots).unwrap();
//!
//! // A scope gives each root's value, by its index in `roots`.
//! let scope = [json!({"query": {}}), json!(null)];
//! assert_eq!(*limit.eval(&scope).unwrap(), json!(20));
//! ```

#![forbid(unsafe_code)]
// User data must never crash a request; unit tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod ast;
mod error;
mod eval;
mod functions;
mod lexer;
mod ops;
mod parser;
mod template;

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use error::{CompileError, EvalError, TemplateError};
pub use ops::truthy;
pub use template::Template;

/// Longest accepted expression source, in bytes.
pub const MAX_SOURCE_LEN: usize = 8 * 1024;

/// Deepest accepted nesting of parentheses, brackets, braces, calls,
/// ternaries and unary operators.
pub const MAX_DEPTH: usize = 64;

/// The root names an expression may start with, e.g. `request`, `caller`,
/// `env`, `vars`, `steps`. A root's index in this list is how a [`Scope`]
/// is asked for its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roots {
    names: Vec<String>,
}

impl Roots {
    /// Roots in order; the first has index 0. A repeated name keeps its
    /// first index.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Roots { names: names.into_iter().map(Into::into).collect() }
    }

    /// The index a [`Scope`] is asked for when an expression reads `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The values of the roots for one evaluation. `root(i)` returns the value
/// of the `i`-th name of the [`Roots`] the expression was compiled with;
/// `None` reads as `null`.
///
/// Arrays, vectors and slice references of values are scopes, indexed in
/// root order.
/// A pipeline adds a root (e.g. `item` inside a loop) by wrapping its scope.
pub trait Scope {
    fn root(&self, index: usize) -> Option<&Value>;

    /// The time `now()` returns. Override to give all expressions of one
    /// request the same instant, or to make tests deterministic.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

impl Scope for &[Value] {
    fn root(&self, index: usize) -> Option<&Value> {
        self.get(index)
    }
}

impl<const N: usize> Scope for [Value; N] {
    fn root(&self, index: usize) -> Option<&Value> {
        self.get(index)
    }
}

impl Scope for Vec<Value> {
    fn root(&self, index: usize) -> Option<&Value> {
        self.get(index)
    }
}

/// A compiled expression; cheap to evaluate many times, from many threads.
#[derive(Clone)]
pub struct Expr {
    source: String,
    node: ast::Node,
}

impl Expr {
    /// Compiles `src`. Names must be one of `roots` or a built-in function
    /// (with the right number of arguments); the source may be at most
    /// [`MAX_SOURCE_LEN`] bytes and [`MAX_DEPTH`] levels deep.
    pub fn compile(src: &str, roots: &Roots) -> Result<Expr, CompileError> {
        if src.len() > MAX_SOURCE_LEN {
            let position = src.char_indices().take_while(|(byte, _)| *byte < MAX_SOURCE_LEN).count();
            return Err(CompileError::new(position, format!("the expression is too long ({} bytes; at most {MAX_SOURCE_LEN})", src.len())));
        }
        let chars: Vec<char> = src.chars().collect();
        let node = parser::parse(&chars, 0, chars.len(), roots)?;
        Ok(Expr::from_parts(src.to_string(), node))
    }

    pub(crate) fn from_parts(source: String, node: ast::Node) -> Expr {
        Expr { source, node }
    }

    /// Evaluates against one request's values. Results read from the scope
    /// or from literals are borrowed, computed ones are owned.
    pub fn eval<'a>(&'a self, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
        eval::eval(&self.node, scope)
    }

    /// `root.a.b` as the root's index and the field names; `None` for any
    /// other expression.
    pub(crate) fn field_path(&self) -> Option<(usize, Vec<&str>)> {
        let ast::Node::Path(base, steps) = &self.node else { return None };
        let ast::Node::Root(root) = **base else { return None };
        let fields = steps
            .iter()
            .map(|step| match step {
                ast::Step::Field(name) => Some(name.as_str()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some((root, fields))
    }

    /// Every path from a root the expression reads, as far as its field
    /// names are written out: `steps.post.title[i].x` reads
    /// `(steps, ["post", "title"])`. For checking names against a definition.
    ///
    /// ```
    /// use serverkit_expr::{Expr, Roots};
    ///
    /// let roots = Roots::new(["request", "steps"]);
    /// let e = Expr::compile("steps.post.title + request.body.suffix", &roots).unwrap();
    /// assert_eq!(e.references(), vec![(1, vec!["post", "title"]), (0, vec!["body", "suffix"])]);
    /// ```
    pub fn references(&self) -> Vec<(usize, Vec<&str>)> {
        let mut found = Vec::new();
        references(&self.node, &mut found);
        found
    }

    /// Evaluates and applies [`truthy`], for conditions.
    pub fn eval_truthy(&self, scope: &dyn Scope) -> Result<bool, EvalError> {
        self.eval(scope).map(|v| truthy(&v))
    }

    /// The text the expression was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Expr").field(&self.source).finish()
    }
}

fn references<'a>(node: &'a ast::Node, found: &mut Vec<(usize, Vec<&'a str>)>) {
    use ast::Node;
    match node {
        Node::Const(_) => {}
        Node::Root(root) => found.push((*root, Vec::new())),
        Node::Path(base, steps) => {
            match **base {
                Node::Root(root) => {
                    let fields = steps.iter().map_while(|step| if let ast::Step::Field(name) = step { Some(name.as_str()) } else { None }).collect();
                    found.push((root, fields));
                }
                ref other => references(other, found),
            }
            for step in steps {
                if let ast::Step::Index(index) = step {
                    references(index, found);
                }
            }
        }
        Node::Not(inner) | Node::Neg(inner) => references(inner, found),
        Node::MatchesConst(inner, _) => references(inner, found),
        Node::Binary(first, rest) => {
            references(first, found);
            rest.iter().for_each(|(_, node)| references(node, found));
        }
        Node::And(nodes) | Node::Or(nodes) | Node::Coalesce(nodes) | Node::Array(nodes) | Node::Call(_, nodes) => {
            nodes.iter().for_each(|node| references(node, found));
        }
        Node::Cond(a, b, c) => [a, b, c].into_iter().for_each(|node| references(node, found)),
        Node::Object(fields) => fields.iter().for_each(|(_, node)| references(node, found)),
    }
}
