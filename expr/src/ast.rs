//! The compiled form of an expression. It is built once per definition and
//! walked on every request, so names are already resolved (roots to indexes,
//! functions to an enum) and same-precedence chains are flat vectors: a long
//! `a + b + c + …` is then walked with a loop, not with deep recursion, and
//! the tree's height stays bounded by the parser's nesting limit.

use serde_json::Value;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(Value),
    /// A root such as `request`, by its index in [`crate::Roots`].
    Root(usize),
    /// `base.field[index]…`
    Path(Box<Node>, Vec<Step>),
    Not(Box<Node>),
    Neg(Box<Node>),
    /// A left-associative chain of operators of one precedence level.
    Binary(Box<Node>, Vec<(BinOp, Node)>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Coalesce(Vec<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
    Call(Func, Vec<Node>),
    /// `matches(x, 'literal')`: the pattern is compiled once, with the expression.
    MatchesConst(Box<Node>, Box<regex::Regex>),
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Field(String),
    /// A constant integer index, resolved at compile time.
    At(i64),
    Index(Node),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Len,
    Lower,
    Upper,
    Trim,
    Contains,
    StartsWith,
    EndsWith,
    Int,
    Float,
    String,
    Bool,
    Now,
    Coalesce,
    Keys,
    Values,
    Join,
    Split,
    Min,
    Max,
    Abs,
    Round,
    IsNull,
    TypeOf,
    Matches,
    Replace,
    Slice,
    Sum,
}

/// Name, function, minimum and maximum argument count.
pub(crate) const FUNCTIONS: &[(&str, Func, usize, usize)] = &[
    ("len", Func::Len, 1, 1),
    ("lower", Func::Lower, 1, 1),
    ("upper", Func::Upper, 1, 1),
    ("trim", Func::Trim, 1, 1),
    ("contains", Func::Contains, 2, 2),
    ("starts_with", Func::StartsWith, 2, 2),
    ("ends_with", Func::EndsWith, 2, 2),
    ("int", Func::Int, 1, 1),
    ("float", Func::Float, 1, 1),
    ("string", Func::String, 1, 1),
    ("bool", Func::Bool, 1, 1),
    ("now", Func::Now, 0, 0),
    ("coalesce", Func::Coalesce, 1, usize::MAX),
    ("keys", Func::Keys, 1, 1),
    ("values", Func::Values, 1, 1),
    ("join", Func::Join, 2, 2),
    ("split", Func::Split, 2, 2),
    ("min", Func::Min, 1, usize::MAX),
    ("max", Func::Max, 1, usize::MAX),
    ("abs", Func::Abs, 1, 1),
    ("round", Func::Round, 1, 2),
    ("is_null", Func::IsNull, 1, 1),
    ("type_of", Func::TypeOf, 1, 1),
    ("matches", Func::Matches, 2, 2),
    ("replace", Func::Replace, 3, 3),
    ("slice", Func::Slice, 2, 3),
    ("sum", Func::Sum, 1, 1),
];

impl Func {
    pub(crate) fn name(self) -> &'static str {
        FUNCTIONS.iter().find(|(_, f, _, _)| *f == self).map_or("?", |(name, _, _, _)| name)
    }
}
