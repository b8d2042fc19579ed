//! Masking secrets and cutting bodies before a record is stored or streamed:
//! nothing redacted here ever reaches the log store or a subscriber.

use axum::http::HeaderMap;
use serde_json::{Map, Value};

pub const MASK: &str = "***";

/// Headers always masked, whatever their name says.
const SECRET_HEADERS: [&str; 4] = ["authorization", "cookie", "set-cookie", "x-api-key"];
/// A header or body field whose name contains one of these is masked.
const SECRET_WORDS: [&str; 4] = ["password", "token", "secret", "key"];

/// Finds any of `SECRET_WORDS` in any case in one pass (None only if it could
/// not be built, when a plain scan stands in).
static SECRET_WORD_FINDER: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> = std::sync::LazyLock::new(|| {
    // A DFA: four short words make a small one, and it reads a body in one fast pass.
    aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).kind(Some(aho_corasick::AhoCorasickKind::DFA)).build(SECRET_WORDS).ok()
});

/// Which names are secret: the built-in rules plus an environment's own names.
pub struct Redactor<'a> {
    extra: &'a [String],
}

impl<'a> Redactor<'a> {
    pub fn new(extra: &'a [String]) -> Self {
        Self { extra }
    }

    pub fn is_secret(&self, name: &str) -> bool {
        // No lowercase copy: this runs for every field name of every logged JSON body.
        let contains = |word: &str| name.as_bytes().windows(word.len()).any(|w| w.eq_ignore_ascii_case(word.as_bytes()));
        SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
            || SECRET_WORDS.iter().any(|w| contains(w))
            || self.extra.iter().any(|e| e.eq_ignore_ascii_case(name))
    }

    /// Whether any field name of `value`, at any depth, is secret: asked of
    /// a body already parsed (or written) as JSON, so its text need not be
    /// searched (see `parsed_body`).
    pub fn names_a_secret(&self, value: &Value) -> bool {
        match value {
            Value::Object(map) => map.iter().any(|(name, item)| self.is_secret(name) || self.names_a_secret(item)),
            Value::Array(items) => items.iter().any(|item| self.names_a_secret(item)),
            _ => false,
        }
    }

    /// `is_secret` of a name already in lowercase (header names always are).
    fn is_secret_lowercase(&self, name: &str) -> bool {
        SECRET_HEADERS.contains(&name) || SECRET_WORDS.iter().any(|w| name.contains(w)) || self.extra.iter().any(|e| e.eq_ignore_ascii_case(name))
    }

    /// Whether `bytes` contain, in any case, a word that makes a field name
    /// secret: only then is a body worth parsing to mask fields. One pass
    /// for the built-in words (this runs on every logged body).
    fn may_name_a_secret(&self, bytes: &[u8]) -> bool {
        // A name may be written with escapes (`"pass\u0077ord"`) that only
        // a parse reads as the word: any `\u` sends the body to the parse.
        if memchr::memmem::find(bytes, b"\\u").is_some() {
            return true;
        }
        let contains = |needle: &[u8]| !needle.is_empty() && bytes.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
        let built_in = match &*SECRET_WORD_FINDER {
            Some(finder) => finder.is_match(bytes),
            None => SECRET_WORDS.iter().any(|w| contains(w.as_bytes())),
        };
        built_in || self.extra.iter().any(|e| contains(e.as_bytes()))
    }

    /// Headers as `name: value` lines, secrets masked: one string, not a map
    /// of many (this runs for every logged request).
    pub fn headers(&self, headers: &HeaderMap) -> String {
        let mut lines = String::with_capacity(headers.len() * 32);
        for (name, value) in headers {
            lines.push_str(name.as_str());
            lines.push_str(": ");
            if self.is_secret_lowercase(name.as_str()) {
                lines.push_str(MASK);
            } else {
                // One line per header: a raw newline (obs-fold) would start another.
                for part in String::from_utf8_lossy(value.as_bytes()).split('\n') {
                    lines.push_str(part);
                    lines.push(' ');
                }
                lines.pop();
            }
            lines.push('\n');
        }
        lines
    }

    /// Masks, in place and at any depth, the values of secret field names.
    pub fn json(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (name, item) in map.iter_mut() {
                    if self.is_secret(name) {
                        *item = Value::String(MASK.to_owned());
                    } else {
                        self.json(item);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.json(item)),
            _ => {}
        }
    }

    /// A body as logged: JSON with secrets masked, other text as is, cut at
    /// `limit` bytes (on a character boundary). Returns the text and whether it was cut.
    pub fn body(&self, bytes: &[u8], limit: usize) -> (Option<String>, bool) {
        if bytes.is_empty() {
            return (None, false);
        }
        // Most bodies name no secret at all: kept as they are, not parsed
        // and written again (that was most of what logging a request cost).
        // Only what is kept needs looking at: the first `limit` bytes.
        if !self.may_name_a_secret(&bytes[..bytes.len().min(limit)]) {
            return kept_as_sent(bytes, limit);
        }
        self.masked(bytes, limit)
    }

    /// A body parsed, its secret fields masked, and written again.
    fn masked(&self, bytes: &[u8], limit: usize) -> (Option<String>, bool) {
        let text = match serde_json::from_slice::<Value>(bytes) {
            Ok(mut json) => {
                self.json(&mut json);
                json.to_string()
            }
            // Not JSON: it cannot be searched for secret fields, so only a cut of it is kept.
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        };
        cut(text, limit)
    }

    /// `body` of bytes that are the JSON text of a value the caller has:
    /// `names_a_secret` is what `Redactor::names_a_secret` said of that value.
    /// A body naming no secret is kept as sent without a search of its text
    /// (a list's answer is kilobytes; its names are a handful).
    pub fn parsed_body(&self, bytes: &[u8], names_a_secret: bool, limit: usize) -> (Option<String>, bool) {
        match (bytes.is_empty(), names_a_secret) {
            (true, _) => (None, false),
            (false, false) => kept_as_sent(bytes, limit),
            (false, true) => self.masked(bytes, limit),
        }
    }

    /// A body already parsed as JSON.
    pub fn json_body(&self, value: &Value, limit: usize) -> (Option<String>, bool) {
        if value.is_null() {
            return (None, false);
        }
        let mut value = value.clone();
        self.json(&mut value);
        cut(value.to_string(), limit)
    }
}

/// `name: value` lines as a JSON object, repeated names joined with `, `.
pub fn header_map(lines: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in lines.lines().filter_map(|line| line.split_once(": ")) {
        match out.get_mut(name) {
            Some(Value::String(existing)) if existing != MASK => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            Some(_) => {}
            None => {
                out.insert(name.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
    out
}

/// The first `limit` bytes of a body as text, copied once: only what is kept
/// is copied, and valid UTF-8 (nearly every body) is not looked at twice.
fn kept_as_sent(bytes: &[u8], limit: usize) -> (Option<String>, bool) {
    let was_cut = bytes.len() > limit;
    let head = &bytes[..bytes.len().min(limit)];
    match std::str::from_utf8(head) {
        Ok(text) => (Some(text.to_owned()), was_cut),
        // Cut inside a character: what comes before it.
        Err(err) if was_cut && err.error_len().is_none() => (Some(String::from_utf8_lossy(&head[..err.valid_up_to()]).into_owned()), true),
        Err(_) => cut(String::from_utf8_lossy(bytes).into_owned(), limit),
    }
}

fn cut(mut text: String, limit: usize) -> (Option<String>, bool) {
    if text.len() <= limit {
        return (Some(text), false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (Some(text), true)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};
    use serde_json::json;

    use super::{MASK, Redactor};

    #[test]
    fn secrets_are_masked_by_name_at_any_depth() {
        let extra = vec!["x-tenant".to_owned(), "ssn".to_owned()];
        let redactor = Redactor::new(&extra);
        let mut body = json!({ "email": "a@x.com", "password": "p", "nested": [{ "apiKey": "k", "SSN": "1", "note": "ok" }], "refresh_token": "t" });
        redactor.json(&mut body);
        assert_eq!(body, json!({ "email": "a@x.com", "password": MASK, "nested": [{ "apiKey": MASK, "SSN": MASK, "note": "ok" }], "refresh_token": MASK }));
        let mut headers = HeaderMap::new();
        for (name, value) in [("authorization", "Bearer x"), ("cookie", "c"), ("x-tenant", "t"), ("x-client-secret", "s"), ("accept", "*/*")] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let logged = super::header_map(&redactor.headers(&headers));
        assert_eq!(logged["accept"], "*/*");
        for name in ["authorization", "cookie", "x-tenant", "x-client-secret"] {
            assert_eq!(logged[name], MASK, "{name}");
        }
    }

    #[test]
    fn bodies_are_cut_on_a_character_boundary() {
        let redactor = Redactor::new(&[]);
        let (text, cut) = redactor.body("ééééé".as_bytes(), 5);
        assert_eq!((text.as_deref(), cut), (Some("éé"), true));
        assert_eq!(redactor.body(b"short", 100), (Some("short".to_owned()), false));
        assert_eq!(redactor.body(br#"{"token":"t"}"#, 100), (Some(r#"{"token":"***"}"#.to_owned()), false));
    }

    #[test]
    fn bodies_naming_no_secret_are_kept_as_sent() {
        let extra = vec!["ssn".to_owned()];
        let redactor = Redactor::new(&extra);
        // Not parsed and written again: spacing and key order survive.
        assert_eq!(redactor.body(b"{ \"title\" : \"x\",\"a\":1 }", 100).0.as_deref(), Some("{ \"title\" : \"x\",\"a\":1 }"));
        // A secret word in any case, or an extra name, makes it parsed and masked.
        assert_eq!(redactor.body(br#"{"PassWord": "p", "n": 1}"#, 100).0.as_deref(), Some(r#"{"PassWord":"***","n":1}"#));
        assert_eq!(redactor.body(br#"{"SSN": "1"}"#, 100).0.as_deref(), Some(r#"{"SSN":"***"}"#));
        // A secret name spelt with escapes is still a secret name.
        assert_eq!(redactor.body(br#"{"pass\u0077ord": "p"}"#, 100).0.as_deref(), Some(r#"{"password":"***"}"#));
    }

    #[test]
    fn parsed_bodies_are_masked_by_their_names_not_their_text() {
        let extra = vec!["ssn".to_owned()];
        let redactor = Redactor::new(&extra);
        let names = |text: &str| redactor.names_a_secret(&serde_json::from_str(text).expect("JSON"));
        // Names at any depth, in any case, spelt with escapes or not; extra names too.
        for secret in [r#"{"Password": 1}"#, r#"[{"a": {"x_API_KEY": 1}}]"#, r#"{"pass\u0077ord": "p"}"#, r#"{"SSN": 1}"#, r#"{"Cookie": 1}"#] {
            assert!(names(secret), "{secret}");
            let (logged, _) = redactor.parsed_body(secret.as_bytes(), true, 100);
            assert!(logged.as_deref().is_some_and(|l| l.contains(MASK)), "{secret}: {logged:?}");
        }
        // Secret words in values only: kept as sent, spacing and all.
        let plain = r#"{ "title": "my password is a secret token", "n": [1, {"body": "key"}] }"#;
        assert!(!names(plain));
        assert_eq!(redactor.parsed_body(plain.as_bytes(), false, 1000), (Some(plain.to_owned()), false));
        assert_eq!(redactor.parsed_body(plain.as_bytes(), false, 10), (Some(plain[..10].to_owned()), true));
        assert_eq!(redactor.parsed_body(b"", false, 10), (None, false));
        // The same answer as the text search wherever that one masks.
        let secret = r#"{"items": [{"id": 1, "api_token": "t"}]}"#;
        assert_eq!(redactor.parsed_body(secret.as_bytes(), names(secret), 100), redactor.body(secret.as_bytes(), 100));
    }
}
