//! `multipart/form-data` bodies of routers that take files: text fields
//! become the body's values (typed as the body schema declares, as path and
//! query values are), and each file part streams into a staging object under
//! its column's limits, so memory does not grow with the file.

use axum::{
    body::Body,
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde_json::Value;

use super::{
    ErrorCode, Notes,
    reply::{error, invalid_text, service_error},
};
use crate::{
    engine::{compile::CompiledRouter, execute::coerce},
    files::{self, columns::Staged, row_files::RowFiles},
};

/// The body's values and the files it staged. `limit` (the environment's
/// `maxBodyBytes`) bounds the text fields together; files have their own limits.
pub async fn read(
    body: Body,
    headers: &HeaderMap,
    router: &CompiledRouter,
    files: &RowFiles<'_>,
    limit: usize,
    notes: &mut Notes,
) -> Result<(Value, Staged), Response> {
    let bad = |message: String| error(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, message);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| bad("the multipart body names no boundary".into()))?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut texts: Vec<(String, String)> = Vec::new();
    let (mut text_bytes, mut file_bytes) = (0usize, 0u64);
    let mut staged = Staged::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(bad(format!("the multipart body is malformed: {err}"))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name.contains('\0') {
            return Err(invalid_text(&format!("body.{}", name.replace('\0', "\\u0000"))));
        }
        let Some(file_name) = field.file_name().map(str::to_owned) else {
            let mut text = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        text_bytes += chunk.len();
                        if text_bytes > limit {
                            return Err(error(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, format!("the text fields exceed {limit} bytes")));
                        }
                        text.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(err) => return Err(bad(format!("the multipart body is malformed: {err}"))),
                }
            }
            let text = String::from_utf8(text).map_err(|_| bad(format!("`{name}` is not UTF-8 text")))?;
            texts.push((name, text));
            continue;
        };
        let Some(spec) = router.files.iter().find(|f| f.field == name) else {
            let takes: Vec<&str> = router.files.iter().map(|f| f.field.as_str()).collect();
            return Err(bad(format!("`{name}` does not take a file here (these fields do: {})", takes.join(", "))));
        };
        if staged.files.contains_key(&name) {
            return Err(bad(format!("`{name}` takes one file")));
        }
        let content_type =
            field.content_type().map(ToString::to_string).filter(|t| t != "application/octet-stream").unwrap_or_else(|| files::guess_type(&file_name));
        let key = RowFiles::staging_key();
        // Registered first: a request cut short still has it deleted.
        notes.staged.push(key.clone());
        let file = files.stage(&key, spec, &file_name, &content_type, field).await.map_err(service_error)?;
        file_bytes += file.size;
        staged.files.insert(name, file);
    }
    notes.request_bytes = Some(text_bytes as u64 + file_bytes);
    let mut body = coerce(&texts, router.body_schema.as_ref());
    if let Value::Object(fields) = &mut body {
        for (name, file) in &staged.files {
            fields.insert(name.clone(), file.to_value());
        }
    }
    Ok((body, staged))
}
