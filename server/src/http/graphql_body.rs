//! Reading a `/graphql` POST: at most `admin_max_body_bytes`, one JSON
//! request, every refusal in the GraphQL error shape with a code, so a client
//! never meets a Rust debug string or an unbounded read.

use axum::{
    Json,
    body::Body,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// A GraphQL error response that no resolver produced.
pub fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] }))).into_response()
}

/// The GraphQL request of a POST body, or the response that refuses it.
pub async fn read(body: Body, headers: &HeaderMap, limit: usize) -> Result<async_graphql::Request, Response> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| too_large(limit))?;
    parse(&bytes).map_err(|message| refusal(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message))
}

fn too_large(limit: usize) -> Response {
    refusal(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &format!("the request body exceeds {limit} bytes (admin_max_body_bytes)"))
}

/// The request, or what is wrong with the body in words.
fn parse(bytes: &[u8]) -> Result<async_graphql::Request, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the body is not valid UTF-8".to_owned())?;
    if text.trim_start().starts_with('[') {
        return Err("batched requests are not supported: send one {\"query\": …} object per request".into());
    }
    // serde_json refuses nesting deeper than 128 levels before it could hurt.
    serde_json::from_str(text).map_err(|err| format!("the body is not a GraphQL request ({{\"query\", \"variables\", \"operationName\"}} as JSON): {err}"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn bodies_are_refused_in_words() {
        assert!(parse(br#"{"query":"{ viewer { email } }"}"#).is_ok());
        assert!(parse(b"not json").err().unwrap_or_default().contains("not a GraphQL request"));
        assert!(parse(b"[{\"query\":\"{a}\"}]").err().unwrap_or_default().contains("batched"));
        assert!(parse(b"{\"query\":\"\xff\"}").err().unwrap_or_default().contains("UTF-8"));
        let deep = format!("{{\"query\":\"{{a}}\",\"variables\":{{\"x\":{}1{}}}}}", "[".repeat(200), "]".repeat(200));
        assert!(parse(deep.as_bytes()).err().unwrap_or_default().contains("recursion limit"));
    }
}
