//! Error types. Messages are written for the people who type expressions into
//! the admin UI, not for Rust programmers, so they name the problem, where it
//! is and, when we can guess, the fix.

use std::fmt;

/// An expression could not be compiled.
///
/// `position` is a character offset (not a byte offset) into the compiled
/// text, so the admin UI can put a caret under it. `message` is a complete
/// sentence that already mentions the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub position: usize,
    pub message: String,
}

impl CompileError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        CompileError { position, message: message.into() }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompileError {}

/// A template could not be compiled: which string failed (`path`, a JSON
/// Pointer such as `/items/0/title`, empty for the root) and why. The error's
/// position is a character offset into that string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub path: String,
    pub error: CompileError,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.error) } else { write!(f, "in `{}`: {}", self.path, self.error) }
    }
}

impl std::error::Error for TemplateError {}

/// A compiled expression failed on the data of one request, e.g. `'a' - 1`
/// or a division by zero. Missing data is not an error: it is `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
}

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        EvalError { message: message.into() }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// The candidate closest to `name` if it is close enough to be a typo.
pub(crate) fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates.into_iter().map(|c| (edit_distance(name, c), c)).filter(|(d, _)| *d <= limit).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

/// Levenshtein distance with one row of memory; names are short.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let cost = if ca == *cb { diagonal } else { diagonal + 1 };
            let best = cost.min(up.saturating_add(1)).min(left + 1);
            diagonal = up;
            left = best;
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = best;
            }
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("reqest", "request"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(suggest("reqest", ["request", "caller"]), Some("request"));
        assert_eq!(suggest("zzz", ["request", "caller"]), None);
    }
}
