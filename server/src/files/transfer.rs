//! Moving bytes in and out of the store in constant memory: uploads streamed
//! into a single put (small) or a multipart upload (large, so S3 gets parts
//! and no part is held twice), and downloads streamed with `Range`.

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::{Attribute, Attributes, ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, WriteMultipart, path::Path};

/// Bodies up to this size are sent in one put; larger ones in parts of it.
/// S3 wants parts of at least 5 MiB.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// Parts in flight at once while the next one fills.
const PARTS_IN_FLIGHT: usize = 2;

/// Why an upload stopped.
#[derive(Debug)]
pub enum PutFailure {
    /// Over `limit` bytes: nothing was stored.
    TooLarge {
        limit: u64,
    },
    /// The client's body ended with an error (a dropped connection).
    Body(String),
    Store(object_store::Error),
}

impl From<object_store::Error> for PutFailure {
    fn from(err: object_store::Error) -> Self {
        Self::Store(err)
    }
}

fn attributes(content_type: Option<&str>, keep: bool) -> Attributes {
    let mut attributes = Attributes::new();
    if let (true, Some(content_type)) = (keep, content_type) {
        attributes.insert(Attribute::ContentType, content_type.to_owned().into());
    }
    attributes
}

/// Streams `body` to `location`, stopping (and storing nothing) past `limit`
/// bytes. Stores that keep attributes (S3) keep `content_type` too.
pub async fn put_stream<S, E>(
    store: &dyn ObjectStore,
    location: &Path,
    mut body: S,
    limit: u64,
    content_type: Option<&str>,
    keep_attributes: bool,
) -> Result<u64, PutFailure>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut first: Vec<Bytes> = Vec::new();
    let mut size: u64 = 0;
    // The first part's worth is gathered before deciding between one put and parts.
    while size < PART_BYTES as u64 {
        match body.next().await {
            None => {
                let options = PutOptions { attributes: attributes(content_type, keep_attributes), ..PutOptions::default() };
                store.put_opts(location, PutPayload::from_iter(first), options).await?;
                return Ok(size);
            }
            Some(Err(err)) => return Err(PutFailure::Body(err.to_string())),
            Some(Ok(chunk)) => {
                size += chunk.len() as u64;
                if size > limit {
                    return Err(PutFailure::TooLarge { limit });
                }
                first.push(chunk);
            }
        }
    }
    let options = PutMultipartOptions { attributes: attributes(content_type, keep_attributes), ..PutMultipartOptions::default() };
    let upload = store.put_multipart_opts(location, options).await?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
    first.into_iter().for_each(|chunk| writer.put(chunk));
    loop {
        match body.next().await {
            None => break,
            Some(Err(err)) => {
                let _ = writer.abort().await;
                return Err(PutFailure::Body(err.to_string()));
            }
            Some(Ok(chunk)) => {
                size += chunk.len() as u64;
                if size > limit {
                    let _ = writer.abort().await;
                    return Err(PutFailure::TooLarge { limit });
                }
                if let Err(err) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                    let _ = writer.abort().await;
                    return Err(err.into());
                }
                writer.put(chunk);
            }
        }
    }
    writer.finish().await?;
    Ok(size)
}

/// A byte range asked for with `Range`, resolved against the object's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Whole,
    /// `start..end`, end exclusive, within the object.
    Part(u64, u64),
    /// Nothing of it can be served: 416.
    Unsatisfiable,
}

/// Parses a single `bytes=` range (`a-b`, `a-`, `-n`); anything else (several
/// ranges, other units) is served whole, as RFC 9110 allows.
pub fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else { return Wanted::Whole };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return Wanted::Whole };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        // The last `n` bytes.
        (true, false) => end.parse::<u64>().ok().map(|n| (size.saturating_sub(n), size, n == 0)),
        (false, true) => start.parse::<u64>().ok().map(|s| (s, size, false)),
        (false, false) => match (start.parse::<u64>(), end.parse::<u64>()) {
            (Ok(s), Ok(e)) if e >= s => Some((s, e.saturating_add(1).min(size), false)),
            _ => None,
        },
        (true, true) => None,
    };
    match parsed {
        None => Wanted::Whole,
        Some((_, _, true)) => Wanted::Unsatisfiable,
        Some((start, _, _)) if start >= size => Wanted::Unsatisfiable,
        Some((start, end, _)) => Wanted::Part(start, end),
    }
}

/// Whether an `If-None-Match` header names `etag` (or is `*`).
pub fn matches_etag(if_none_match: Option<&str>, etag: Option<&str>) -> bool {
    let (Some(header), Some(etag)) = (if_none_match, etag) else { return false };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").trim_matches('"').to_owned();
    let etag = bare(etag);
    header.split(',').any(|tag| tag.trim() == "*" || bare(tag) == etag)
}

/// The ETag as a quoted header value (S3 quotes its own, the local store does not).
pub fn quoted_etag(meta: &ObjectMeta) -> Option<String> {
    meta.e_tag.as_deref().map(|tag| if tag.starts_with('"') || tag.starts_with("W/") { tag.to_owned() } else { format!("\"{tag}\"") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(wanted(None, 10), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-3"), 10), Wanted::Part(0, 4));
        assert_eq!(wanted(Some("bytes=5-"), 10), Wanted::Part(5, 10));
        assert_eq!(wanted(Some("bytes=-3"), 10), Wanted::Part(7, 10));
        assert_eq!(wanted(Some("bytes=8-100"), 10), Wanted::Part(8, 10));
        assert_eq!(wanted(Some("bytes=10-"), 10), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 10), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,4-5"), 10), Wanted::Whole);
        assert_eq!(wanted(Some("items=0-1"), 10), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=5-2"), 10), Wanted::Whole);
    }

    #[test]
    fn etags_match_quoted_weak_or_any() {
        assert!(matches_etag(Some("\"abc\""), Some("abc")));
        assert!(matches_etag(Some("W/\"abc\", \"x\""), Some("\"abc\"")));
        assert!(matches_etag(Some("*"), Some("abc")));
        assert!(!matches_etag(Some("\"abd\""), Some("abc")));
        assert!(!matches_etag(None, Some("abc")));
    }
}
