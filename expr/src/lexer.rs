//! Turns characters into tokens on demand. It works on a `[char]` slice so
//! that every position is a character offset (what the admin UI needs for
//! its caret), and on a sub-range so templates can lex the inside of `${…}`
//! while keeping positions relative to the whole template string.

use crate::error::CompileError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    True,
    False,
    Null,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Dot,
    Question,
    Coalesce,
    OrOr,
    AndAnd,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    Eof,
}

impl Tok {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Int(n) => format!("the number {n}"),
            Tok::Float(n) => format!("the number {n}"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Ident(name) => format!("the name `{name}`"),
            Tok::True => "`true`".to_string(),
            Tok::False => "`false`".to_string(),
            Tok::Null => "`null`".to_string(),
            Tok::In => "`in`".to_string(),
            Tok::Eof => "the end of the expression".to_string(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::Comma => ",",
            Tok::Colon => ":",
            Tok::Dot => ".",
            Tok::Question => "?",
            Tok::Coalesce => "??",
            Tok::OrOr => "||",
            Tok::AndAnd => "&&",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Bang => "!",
            _ => "?",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Character offset of the token's first character.
    pub pos: usize,
}

pub(crate) struct Lexer<'s> {
    chars: &'s [char],
    pos: usize,
    end: usize,
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(chars: &'s [char], start: usize, end: usize) -> Self {
        Lexer { chars, pos: start, end: end.min(chars.len()) }
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        let i = self.pos + offset;
        if i < self.end { self.chars.get(i).copied() } else { None }
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, CompileError> {
        while self.peek_at(0).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(c) = self.peek_at(0) else {
            return Ok(Token { tok: Tok::Eof, pos: start });
        };
        let next = self.peek_at(1);
        let (tok, width) = match (c, next) {
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('[', _) => (Tok::LBracket, 1),
            (']', _) => (Tok::RBracket, 1),
            ('{', _) => (Tok::LBrace, 1),
            ('}', _) => (Tok::RBrace, 1),
            (',', _) => (Tok::Comma, 1),
            (':', _) => (Tok::Colon, 1),
            ('.', _) => (Tok::Dot, 1),
            ('?', Some('?')) => (Tok::Coalesce, 2),
            ('?', _) => (Tok::Question, 1),
            ('|', Some('|')) => (Tok::OrOr, 2),
            ('&', Some('&')) => (Tok::AndAnd, 2),
            ('=', Some('=')) => (Tok::EqEq, 2),
            ('!', Some('=')) => (Tok::NotEq, 2),
            ('<', Some('=')) => (Tok::Le, 2),
            ('>', Some('=')) => (Tok::Ge, 2),
            ('<', _) => (Tok::Lt, 1),
            ('>', _) => (Tok::Gt, 1),
            ('+', _) => (Tok::Plus, 1),
            ('-', _) => (Tok::Minus, 1),
            ('*', _) => (Tok::Star, 1),
            ('/', _) => (Tok::Slash, 1),
            ('%', _) => (Tok::Percent, 1),
            ('!', _) => (Tok::Bang, 1),
            ('\'' | '"', _) => return self.string(c),
            (d, _) if d.is_ascii_digit() => return self.number(),
            (a, _) if a.is_ascii_alphabetic() || a == '_' => return Ok(self.word()),
            _ => return Err(unexpected_char(c, start)),
        };
        self.pos += width;
        Ok(Token { tok, pos: start })
    }

    fn word(&mut self) -> Token {
        let start = self.pos;
        let mut word = String::new();
        while let Some(c) = self.peek_at(0).filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
            word.push(c);
            self.pos += 1;
        }
        let tok = match word.as_str() {
            "true" => Tok::True,
            "false" => Tok::False,
            "null" => Tok::Null,
            "in" => Tok::In,
            _ => Tok::Ident(word),
        };
        Token { tok, pos: start }
    }

    fn number(&mut self) -> Result<Token, CompileError> {
        let start = self.pos;
        let mut text = String::new();
        let mut is_float = false;
        self.digits(&mut text);
        // A dot only belongs to the number when a digit follows, so `1.5` is
        // a number but the dot in `x[0].name` stays an accessor.
        if self.peek_at(0) == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            text.push('.');
            self.pos += 1;
            self.digits(&mut text);
        }
        if matches!(self.peek_at(0), Some('e' | 'E')) {
            is_float = true;
            text.push('e');
            self.pos += 1;
            if let Some(sign) = self.peek_at(0).filter(|c| *c == '+' || *c == '-') {
                text.push(sign);
                self.pos += 1;
            }
            if !self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
                return Err(CompileError::new(start, format!("malformed number at {start}: an exponent needs digits, as in `1e3`")));
            }
            self.digits(&mut text);
        }
        if !is_float && let Ok(n) = text.parse::<i64>() {
            return Ok(Token { tok: Tok::Int(n), pos: start });
        }
        // Integers too large for 64 bits degrade to floats, like JSON parsers do.
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Token { tok: Tok::Float(f), pos: start }),
            _ => Err(CompileError::new(start, format!("the number at {start} is too large"))),
        }
    }

    fn digits(&mut self, text: &mut String) {
        while let Some(d) = self.peek_at(0).filter(char::is_ascii_digit) {
            text.push(d);
            self.pos += 1;
        }
    }

    fn string(&mut self, quote: char) -> Result<Token, CompileError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek_at(0) else {
                return Err(CompileError::new(start, format!("the string starting at {start} is not closed; add a closing {quote}")));
            };
            self.pos += 1;
            if c == quote {
                return Ok(Token { tok: Tok::Str(out), pos: start });
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escape_pos = self.pos - 1;
            let escaped = self.peek_at(0);
            self.pos += 1;
            match escaped {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('\\') => out.push('\\'),
                Some('\'') => out.push('\''),
                Some('"') => out.push('"'),
                Some('$') => out.push('$'),
                Some('u') => out.push(self.unicode_escape(escape_pos)?),
                _ => {
                    return Err(CompileError::new(escape_pos, format!("unknown escape at {escape_pos}; use \\n, \\t, \\r, \\\\, \\', \\\" or \\u{{…}}")));
                }
            }
        }
    }

    /// `\u{1F600}`: one to six hex digits naming a Unicode scalar value.
    fn unicode_escape(&mut self, escape_pos: usize) -> Result<char, CompileError> {
        let bad = || CompileError::new(escape_pos, format!("bad unicode escape at {escape_pos}; write it like \\u{{e9}} or \\u{{1F600}}"));
        if self.peek_at(0) != Some('{') {
            return Err(bad());
        }
        self.pos += 1;
        let mut hex = String::new();
        while let Some(h) = self.peek_at(0).filter(char::is_ascii_hexdigit) {
            if hex.len() == 6 {
                return Err(bad());
            }
            hex.push(h);
            self.pos += 1;
        }
        if self.peek_at(0) != Some('}') || hex.is_empty() {
            return Err(bad());
        }
        self.pos += 1;
        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).ok_or_else(bad)
    }
}

fn unexpected_char(c: char, pos: usize) -> CompileError {
    let hint = match c {
        '=' => "; use `==` to compare",
        '&' => "; use `&&` for \"and\"",
        '|' => "; use `||` for \"or\"",
        '`' => "; quote strings with ' or \"",
        '$' => "; `${` is only needed inside templates, not in expressions",
        _ => "",
    };
    CompileError::new(pos, format!("unexpected character `{c}` at {pos}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(src: &str) -> Result<Vec<Tok>, CompileError> {
        let chars: Vec<char> = src.chars().collect();
        let mut lexer = Lexer::new(&chars, 0, chars.len());
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token()?;
            if t.tok == Tok::Eof {
                return Ok(out);
            }
            out.push(t.tok);
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(
            lex("a.b[0] ?? 1.5e2 != 'x'").unwrap(),
            vec![
                Tok::Ident("a".into()),
                Tok::Dot,
                Tok::Ident("b".into()),
                Tok::LBracket,
                Tok::Int(0),
                Tok::RBracket,
                Tok::Coalesce,
                Tok::Float(150.0),
                Tok::NotEq,
                Tok::Str("x".into()),
            ]
        );
        assert_eq!(lex("99999999999999999999").unwrap(), vec![Tok::Float(1e20)]);
        assert_eq!(lex(r"'\u{e9}\n\'\\'").unwrap(), vec![Tok::Str("é\n'\\".into())]);
    }

    #[test]
    fn errors() {
        assert_eq!(lex("'abc").unwrap_err().position, 0);
        assert_eq!(lex("a = 1").unwrap_err().position, 2);
        assert!(lex(r"'\u{110000}'").is_err());
        assert!(lex(r"'\u{1234567}'").is_err());
        assert!(lex(r"'\q'").is_err());
        assert!(lex("1e").is_err());
        assert!(lex("1e999").is_err());
    }
}
