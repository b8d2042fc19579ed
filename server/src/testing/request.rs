//! One request sent to an environment from inside the process, through the
//! real data plane: what test runs and the API console both send, and the
//! `curl` command that sends it again from a shell.

use std::net::SocketAddr;

use axum::{
    body::Body,
    http::{HeaderName, HeaderValue, Request, header},
};
use serde_json::{Map, Value};

use crate::{
    dataplane::{self, DataPlane, Source},
    logs::RequestRecord,
    workspace::test_case::TestFile,
};

/// The text a body field is sent as in a multipart body.
fn field_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A request ready to send: every template already rendered.
pub struct Outgoing {
    pub method: &'static str,
    /// Under the environment, starting with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<Value>,
    /// Files by body field: the body then goes as `multipart/form-data`.
    pub files: Vec<(String, TestFile)>,
}

/// What came back, with the request's record.
pub struct Answer {
    pub status: u16,
    pub headers: Map<String, Value>,
    /// JSON, or the text of a body that is not.
    pub body: Value,
    pub record: Option<RequestRecord>,
    /// A stream's body (a watch router's events), still open: a test case
    /// that expects events reads it; dropping it closes the stream.
    pub stream: Option<Body>,
}

impl Outgoing {
    pub fn path_and_query(&self) -> String {
        let path = self.path.trim_start_matches('/');
        if self.query.is_empty() {
            return path.to_owned();
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.query).finish();
        format!("{path}?{query}")
    }

    /// The request as a shell command; a caller's token is left as `$TOKEN`.
    pub fn curl(&self, base: &str, environment: &str, signed_in: bool) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut parts = vec!["curl".to_owned(), "-X".to_owned(), self.method.to_owned(), quote(&format!("{base}/env/{environment}/{}", self.path_and_query()))];
        for (name, value) in &self.headers {
            parts.push(format!("-H {}", quote(&format!("{name}: {}", value.to_str().unwrap_or_default()))));
        }
        if signed_in {
            parts.push("-H \"authorization: Bearer $TOKEN\"".to_owned());
        }
        if !self.files.is_empty() {
            let fields = self.body.as_ref().and_then(Value::as_object).into_iter().flatten();
            parts.extend(fields.map(|(name, value)| format!("-F {}", quote(&format!("{name}={}", field_text(value))))));
            parts.extend(self.files.iter().map(|(field, file)| format!("-F {}", quote(&format!("{field}=@{};type={}", file.name, file.content_type)))));
        } else if let Some(body) = &self.body {
            parts.push("-H 'content-type: application/json'".to_owned());
            parts.push(format!("-d {}", quote(&body.to_string())));
        }
        parts.join(" ")
    }

    /// The body and files as `multipart/form-data` (RFC 7578).
    fn multipart(&self, boundary: &str) -> Result<Vec<u8>, String> {
        let quoted = |s: &str| s.replace('"', "%22").replace(['\r', '\n'], " ");
        let mut out = Vec::new();
        for (name, value) in self.body.as_ref().and_then(Value::as_object).into_iter().flatten() {
            out.extend(format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n", quoted(name), field_text(value)).into_bytes());
        }
        for (field, file) in &self.files {
            let head = format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"{}\"; filename=\"{}\"\r\ncontent-type: {}\r\n\r\n",
                quoted(field),
                quoted(&file.name),
                quoted(&file.content_type)
            );
            out.extend(head.into_bytes());
            out.extend(file.bytes()?);
            out.extend(b"\r\n");
        }
        out.extend(format!("--{boundary}--\r\n").into_bytes());
        Ok(out)
    }

    /// Sends it to `environment` as the holder of `token`.
    pub async fn send(&self, plane: &DataPlane, environment: &str, token: Option<&str>, source: Source) -> Result<Answer, String> {
        let mut builder = Request::builder().method(self.method).uri(format!("http://serverkit.internal/{}", self.path_and_query()));
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match &self.body {
            _ if !self.files.is_empty() => {
                let boundary = format!("serverkit-{}", uuid::Uuid::new_v4().simple());
                builder = builder.header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
                Body::from(self.multipart(&boundary)?)
            }
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let request = builder.body(body).map_err(|err| format!("not a valid request: {err}"))?;
        let peer = SocketAddr::from(([127, 0, 0, 1], 0));
        let rest = self.path.trim_start_matches('/').to_owned();
        let (response, record) = dataplane::serve_recorded(plane, environment, &rest, request, peer, source).await;
        let status = response.status().as_u16();
        let headers = response.headers().iter().filter_map(|(n, v)| Some((n.as_str().to_owned(), Value::from(v.to_str().ok()?)))).collect();
        // A watch router's stream does not end: that it opened is the answer.
        let streams = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let (bytes, stream) = match streams {
            true => (Default::default(), Some(response.into_body())),
            false => (axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|err| format!("reading the answer: {err}"))?, None),
        };
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Answer { status, headers, body, record, stream })
    }
}
