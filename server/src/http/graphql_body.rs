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

use crate::error::AdminCode;

/// A GraphQL error response that no resolver produced.
pub fn refusal(status: StatusCode, code: AdminCode, message: &str) -> Response {
    (status, Json(json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] }))).into_response()
}

/// Most files one multipart request may carry (larger sets: several requests,
/// or `PUT /admin/files/…` per file).
const MAX_UPLOADS: usize = 100;
/// Largest file of a multipart request; each environment's own limit is then
/// checked as the file is stored.
const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024 * 1024;

/// The GraphQL request of a POST body, or the response that refuses it: JSON,
/// or `multipart/form-data` with files (the GraphQL multipart request
/// specification), which async-graphql spools to temporary files, so memory
/// does not grow with them.
pub async fn read(body: Body, headers: &HeaderMap, limit: usize) -> Result<async_graphql::Request, Response> {
    if crate::web::is_multipart(headers) {
        use futures_util::TryStreamExt;
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let options = async_graphql::http::MultipartOptions::default().max_num_files(MAX_UPLOADS).max_file_size(MAX_UPLOAD_BYTES);
        let reader = body.into_data_stream().map_err(std::io::Error::other).into_async_read();
        let request = async_graphql::http::receive_body(content_type, reader, options).await.map_err(|err| {
            let (status, code) = match err {
                async_graphql::ParseRequestError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, AdminCode::PayloadTooLarge),
                _ => (StatusCode::BAD_REQUEST, AdminCode::BadRequest),
            };
            refusal(status, code, &format!("the multipart request is not valid: {err}"))
        })?;
        return Ok(request);
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| too_large(limit))?;
    parse(&bytes).map_err(|message| refusal(StatusCode::BAD_REQUEST, AdminCode::BadRequest, &message))
}

fn too_large(limit: usize) -> Response {
    refusal(StatusCode::PAYLOAD_TOO_LARGE, AdminCode::PayloadTooLarge, &format!("the request body exceeds {limit} bytes (admin_max_body_bytes)"))
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
