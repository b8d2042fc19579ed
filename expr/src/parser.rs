//! Recursive-descent parser, one function per precedence level, lowest first:
//! `?:` < `??` < `||` < `&&` < `== !=` < `< <= > >= in` < `+ -` < `* / %`
//! < unary `! -` < accessors and calls.
//!
//! Every way of nesting (parentheses, brackets, braces, call arguments,
//! ternary branches, unary operators) goes through [`Parser::enter`], which
//! refuses to go deeper than [`crate::MAX_DEPTH`]: a hostile `((((…` then
//! costs a compile error instead of the server's stack.

use serde_json::{Map, Number, Value};

use crate::MAX_DEPTH;
use crate::Roots;
use crate::ast::{BinOp, FUNCTIONS, Func, Node, Step};
use crate::error::{CompileError, suggest};
use crate::lexer::{Lexer, Tok, Token};

/// Parses `chars[start..end]`; positions in errors are offsets into `chars`.
pub(crate) fn parse(chars: &[char], start: usize, end: usize, roots: &Roots) -> Result<Node, CompileError> {
    let mut lexer = Lexer::new(chars, start, end);
    let tok = lexer.next_token()?;
    if tok.tok == Tok::Eof {
        return Err(CompileError::new(tok.pos, format!("the expression at {} is empty", tok.pos)));
    }
    let mut parser = Parser { lexer, tok, depth: 0, roots };
    let node = parser.expression()?;
    if parser.tok.tok != Tok::Eof {
        let t = &parser.tok;
        return Err(CompileError::new(t.pos, format!("expected an operator or the end of the expression at {}, found {}", t.pos, t.tok.describe())));
    }
    Ok(node)
}

struct Parser<'s> {
    lexer: Lexer<'s>,
    tok: Token,
    depth: usize,
    roots: &'s Roots,
}

impl Parser<'_> {
    fn advance(&mut self) -> Result<Token, CompileError> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    fn eat(&mut self, tok: &Tok) -> Result<bool, CompileError> {
        if &self.tok.tok == tok {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect(&mut self, tok: &Tok, context: &str) -> Result<(), CompileError> {
        if self.eat(tok)? {
            return Ok(());
        }
        let found = &self.tok;
        Err(CompileError::new(found.pos, format!("expected {} {context} at {}, found {}", tok.describe(), found.pos, found.tok.describe())))
    }

    fn enter(&mut self) -> Result<(), CompileError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let pos = self.tok.pos;
            return Err(CompileError::new(pos, format!("the expression is nested too deeply at {pos} (at most {MAX_DEPTH} levels)")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expression(&mut self) -> Result<Node, CompileError> {
        self.enter()?;
        let node = self.ternary();
        self.leave();
        node
    }

    fn ternary(&mut self) -> Result<Node, CompileError> {
        let cond = self.coalesce()?;
        if !self.eat(&Tok::Question)? {
            return Ok(cond);
        }
        let then = self.expression()?;
        self.expect(&Tok::Colon, "after the `?` branch")?;
        let otherwise = self.expression()?;
        Ok(Node::Cond(Box::new(cond), Box::new(then), Box::new(otherwise)))
    }

    /// Parses `next (op next)*` for the short-circuit operators.
    fn chain(&mut self, op: &Tok, next: fn(&mut Self) -> Result<Node, CompileError>, build: fn(Vec<Node>) -> Node) -> Result<Node, CompileError> {
        let first = next(self)?;
        if self.tok.tok != *op {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(op)? {
            items.push(next(self)?);
        }
        Ok(build(items))
    }

    fn coalesce(&mut self) -> Result<Node, CompileError> {
        self.chain(&Tok::Coalesce, Self::or, Node::Coalesce)
    }

    fn or(&mut self) -> Result<Node, CompileError> {
        self.chain(&Tok::OrOr, Self::and, Node::Or)
    }

    fn and(&mut self) -> Result<Node, CompileError> {
        self.chain(&Tok::AndAnd, Self::equality, Node::And)
    }

    /// Parses a left-associative level whose operators `ops` maps from tokens.
    fn binary(&mut self, ops: fn(&Tok) -> Option<BinOp>, next: fn(&mut Self) -> Result<Node, CompileError>) -> Result<Node, CompileError> {
        let first = next(self)?;
        let mut rest = Vec::new();
        while let Some(op) = ops(&self.tok.tok) {
            self.advance()?;
            rest.push((op, next(self)?));
        }
        Ok(if rest.is_empty() { first } else { Node::Binary(Box::new(first), rest) })
    }

    fn equality(&mut self) -> Result<Node, CompileError> {
        self.binary(
            |t| match t {
                Tok::EqEq => Some(BinOp::Eq),
                Tok::NotEq => Some(BinOp::Ne),
                _ => None,
            },
            Self::relational,
        )
    }

    fn relational(&mut self) -> Result<Node, CompileError> {
        self.binary(
            |t| match t {
                Tok::Lt => Some(BinOp::Lt),
                Tok::Le => Some(BinOp::Le),
                Tok::Gt => Some(BinOp::Gt),
                Tok::Ge => Some(BinOp::Ge),
                Tok::In => Some(BinOp::In),
                _ => None,
            },
            Self::additive,
        )
    }

    fn additive(&mut self) -> Result<Node, CompileError> {
        self.binary(
            |t| match t {
                Tok::Plus => Some(BinOp::Add),
                Tok::Minus => Some(BinOp::Sub),
                _ => None,
            },
            Self::multiplicative,
        )
    }

    fn multiplicative(&mut self) -> Result<Node, CompileError> {
        self.binary(
            |t| match t {
                Tok::Star => Some(BinOp::Mul),
                Tok::Slash => Some(BinOp::Div),
                Tok::Percent => Some(BinOp::Rem),
                _ => None,
            },
            Self::unary,
        )
    }

    fn unary(&mut self) -> Result<Node, CompileError> {
        let negate = match self.tok.tok {
            Tok::Bang => false,
            Tok::Minus => true,
            _ => return self.postfix(),
        };
        self.advance()?;
        self.enter()?;
        let operand = self.unary();
        self.leave();
        let operand = operand?;
        Ok(match (negate, operand) {
            // Fold `-5` into a constant so literals cost nothing per request.
            (true, Node::Const(Value::Number(n))) => Node::Const(Value::Number(negate_number(&n))),
            (true, other) => Node::Neg(Box::new(other)),
            (false, other) => Node::Not(Box::new(other)),
        })
    }

    fn postfix(&mut self) -> Result<Node, CompileError> {
        let base = self.primary()?;
        let mut steps = Vec::new();
        loop {
            if self.eat(&Tok::Dot)? {
                steps.push(Step::Field(self.field_name()?));
            } else if self.tok.tok == Tok::LBracket {
                self.advance()?;
                let index = self.expression()?;
                self.expect(&Tok::RBracket, "to close the `[`")?;
                steps.push(match index {
                    Node::Const(Value::String(s)) => Step::Field(s),
                    Node::Const(Value::Number(n)) if n.is_i64() => Step::At(n.as_i64().unwrap_or_default()),
                    other => Step::Index(other),
                });
            } else {
                break;
            }
        }
        Ok(if steps.is_empty() { base } else { Node::Path(Box::new(base), steps) })
    }

    /// After a `.`: a name, keywords included, so `request.body.in` works.
    fn field_name(&mut self) -> Result<String, CompileError> {
        let t = self.advance()?;
        match t.tok {
            Tok::Ident(name) => Ok(name),
            Tok::True => Ok("true".into()),
            Tok::False => Ok("false".into()),
            Tok::Null => Ok("null".into()),
            Tok::In => Ok("in".into()),
            Tok::Int(_) | Tok::Float(_) => {
                Err(CompileError::new(t.pos, format!("expected a field name after `.` at {}; to pick an array item write `[0]`", t.pos)))
            }
            other => Err(CompileError::new(
                t.pos,
                format!("expected a field name after `.` at {}, found {}; for names with spaces or dashes write `['a-b']`", t.pos, other.describe()),
            )),
        }
    }

    fn primary(&mut self) -> Result<Node, CompileError> {
        let t = self.advance()?;
        match t.tok {
            Tok::Int(n) => Ok(Node::Const(Value::from(n))),
            Tok::Float(f) => Ok(Node::Const(Number::from_f64(f).map_or(Value::Null, Value::Number))),
            Tok::Str(s) => Ok(Node::Const(Value::String(s))),
            Tok::True => Ok(Node::Const(Value::Bool(true))),
            Tok::False => Ok(Node::Const(Value::Bool(false))),
            Tok::Null => Ok(Node::Const(Value::Null)),
            Tok::LParen => {
                let inner = self.expression()?;
                self.expect(&Tok::RParen, "to close the `(`")?;
                Ok(inner)
            }
            Tok::LBracket => self.array(),
            Tok::LBrace => self.object(t.pos),
            Tok::Ident(name) => self.name(name, t.pos),
            other => Err(CompileError::new(
                t.pos,
                match other {
                    Tok::Eof => format!("the expression ends too early at {}; a value is missing", t.pos),
                    _ => format!("expected a value at {}, found {}", t.pos, other.describe()),
                },
            )),
        }
    }

    /// Parses `item, item, …` up to `close`; a trailing comma is allowed.
    /// Items are expressions, which count their own nesting depth.
    fn list<T>(&mut self, close: &Tok, mut item: impl FnMut(&mut Self) -> Result<T, CompileError>) -> Result<Vec<T>, CompileError> {
        let mut items = Vec::new();
        loop {
            if self.eat(close)? {
                return Ok(items);
            }
            items.push(item(self)?);
            if self.eat(close)? {
                return Ok(items);
            }
            self.expect(&Tok::Comma, "between items")?;
        }
    }

    fn array(&mut self) -> Result<Node, CompileError> {
        let items = self.list(&Tok::RBracket, Self::expression)?;
        if items.iter().all(|n| matches!(n, Node::Const(_))) {
            let values = items.into_iter().filter_map(|n| if let Node::Const(v) = n { Some(v) } else { None });
            return Ok(Node::Const(Value::Array(values.collect())));
        }
        Ok(Node::Array(items))
    }

    fn object(&mut self, open: usize) -> Result<Node, CompileError> {
        let fields = self.list(&Tok::RBrace, |p| {
            let key = p.advance()?;
            let name = match key.tok {
                Tok::Ident(name) | Tok::Str(name) => name,
                Tok::True => "true".into(),
                Tok::False => "false".into(),
                Tok::Null => "null".into(),
                Tok::In => "in".into(),
                other => {
                    return Err(CompileError::new(key.pos, format!("expected a key at {}, found {}", key.pos, other.describe())));
                }
            };
            p.expect(&Tok::Colon, "after the key")?;
            Ok((name, key.pos, p.expression()?))
        })?;
        let mut seen = std::collections::HashSet::new();
        for (name, pos, _) in &fields {
            if !seen.insert(name.as_str()) {
                return Err(CompileError::new(*pos, format!("the key `{name}` appears twice in the object at {open}")));
            }
        }
        if fields.iter().all(|(_, _, n)| matches!(n, Node::Const(_))) {
            let mut map = Map::new();
            for (name, _, node) in fields {
                if let Node::Const(v) = node {
                    map.insert(name, v);
                }
            }
            return Ok(Node::Const(Value::Object(map)));
        }
        Ok(Node::Object(fields.into_iter().map(|(name, _, node)| (name, node)).collect()))
    }

    /// A bare name: a function call when followed by `(`, else a root.
    fn name(&mut self, name: String, pos: usize) -> Result<Node, CompileError> {
        let is_call = self.tok.tok == Tok::LParen;
        if !is_call {
            if let Some(index) = self.roots.index_of(&name) {
                return Ok(Node::Root(index));
            }
            return Err(self.unknown_name(&name, pos));
        }
        let Some(&(_, func, min, max)) = FUNCTIONS.iter().find(|(n, ..)| *n == name) else {
            return Err(unknown_function(&name, pos, self.roots.index_of(&name).is_some()));
        };
        self.advance()?;
        let args = self.list(&Tok::RParen, Self::expression)?;
        if args.len() < min || args.len() > max {
            return Err(CompileError::new(pos, arity_message(&name, min, max, args.len(), pos)));
        }
        if func == Func::Matches
            && let [subject, Node::Const(Value::String(pattern))] = args.as_slice()
        {
            let regex = crate::functions::compile_regex(pattern).map_err(|e| CompileError::new(pos, format!("{} (in `matches` at {pos})", e.message)))?;
            return Ok(Node::MatchesConst(Box::new(subject.clone()), Box::new(regex)));
        }
        Ok(Node::Call(func, args))
    }

    fn unknown_name(&self, name: &str, pos: usize) -> CompileError {
        let known: Vec<&str> = self.roots.names().collect();
        let mut message = format!("unknown name `{name}` at {pos}; known: {}", known.join(", "));
        if let Some(guess) = suggest(name, known.iter().copied()) {
            message.push_str(&format!(" (did you mean `{guess}`?)"));
        } else if FUNCTIONS.iter().any(|(n, ..)| *n == name) {
            message.push_str(&format!(" (`{name}` is a function: call it as `{name}(…)`)"));
        } else {
            message.push_str(" (to write text, put it in quotes: 'like this')");
        }
        CompileError::new(pos, message)
    }
}

fn unknown_function(name: &str, pos: usize, is_root: bool) -> CompileError {
    if is_root {
        return CompileError::new(pos, format!("`{name}` at {pos} is not a function, it cannot be called"));
    }
    let mut message = format!("unknown function `{name}` at {pos}");
    if let Some(guess) = suggest(name, FUNCTIONS.iter().map(|(n, ..)| *n)) {
        message.push_str(&format!(" (did you mean `{guess}`?)"));
    }
    let all: Vec<&str> = FUNCTIONS.iter().map(|(n, ..)| *n).collect();
    message.push_str(&format!("; functions: {}", all.join(", ")));
    CompileError::new(pos, message)
}

fn arity_message(name: &str, min: usize, max: usize, got: usize, pos: usize) -> String {
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    let wanted = if min == max {
        format!("{min} {}", plural(min))
    } else if max == usize::MAX {
        format!("at least {min} {}", plural(min))
    } else {
        format!("{min} to {max} arguments")
    };
    format!("`{name}` at {pos} takes {wanted}, got {got}")
}

fn negate_number(n: &Number) -> Number {
    match n.as_i64().and_then(i64::checked_neg) {
        Some(i) => Number::from(i),
        None => Number::from_f64(-n.as_f64().unwrap_or(0.0)).unwrap_or_else(|| Number::from(0)),
    }
}
