//! A download's HTTP answer: 200, 206, 304 or 416, streamed, with the
//! headers that keep a stored file from running as a page of our origin.
//! The admin's file endpoint and rows' files in the data plane answer alike.

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::Response,
};

use crate::error::ErrorCode;

/// Types a browser may show in place: they run no script. Anything else
/// (HTML, SVG, …) is always a download, served under a sandboxing CSP too,
/// because files share the admin's origin.
pub fn inline_safe(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/').unwrap_or_default();
    match kind {
        "image" => sub != "svg+xml",
        "audio" | "video" => true,
        "text" => sub == "plain" || sub == "csv",
        "application" => matches!(sub, "json" | "pdf"),
        _ => false,
    }
}

/// What RFC 5987's `attr-char` leaves out, escaped in `filename*`.
const ATTR_CHAR_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` with the name as given: an ASCII fallback and the
/// UTF-8 name (RFC 6266), quotes and control characters kept out.
pub fn disposition(name: &str, inline: bool) -> Option<HeaderValue> {
    let fallback: String = name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR_ESCAPES).to_string();
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")).ok()
}

/// The HTTP answer of a download: 200, 206, 304 or 416, streamed.
pub fn respond(download: super::Download, inline: bool) -> Response {
    let info = &download.info;
    let mut builder = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::LAST_MODIFIED, info.modified_at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        // Admin files and rows' files can be private: never kept by shared caches.
        .header(header::CACHE_CONTROL, "private, no-cache");
    if let Some(etag) = info.etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
        builder = builder.header(header::ETAG, etag);
    }
    let response = match download.body {
        super::Body::NotModified => builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()),
        super::Body::Unsatisfiable { total } => builder
            .status(StatusCode::RANGE_NOT_SATISFIABLE)
            .header(header::CONTENT_RANGE, format!("bytes */{total}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({ "error": { "code": ErrorCode::RangeNotSatisfiable.as_str(), "message": format!("the file has {total} bytes") } })
                    .to_string(),
            )),
        body => {
            let nosniff = HeaderValue::from_static("nosniff");
            builder = builder
                .header(header::CONTENT_TYPE, info.content_type.as_str())
                .header(header::X_CONTENT_TYPE_OPTIONS, nosniff)
                .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox");
            if let Some(value) = disposition(info.path.name(), inline) {
                builder = builder.header(header::CONTENT_DISPOSITION, value);
            }
            match body {
                super::Body::Part { start, end, total, stream } => builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_RANGE, format!("bytes {start}-{}/{total}", end - 1))
                    .header(header::CONTENT_LENGTH, end - start)
                    .body(Body::from_stream(stream)),
                super::Body::Whole(stream) => builder.status(StatusCode::OK).header(header::CONTENT_LENGTH, info.size).body(Body::from_stream(stream)),
                _ => unreachable!("handled above"),
            }
        }
    };
    response.unwrap_or_else(|err| {
        tracing::error!(error = %err, "building a download's answer");
        crate::web::json_error(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error")
    })
}
