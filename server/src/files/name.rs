//! Names of files and folders as admins and routers give them, checked once
//! and turned into object-store paths under the environment's prefix. A name
//! is any UTF-8 except control characters; `..`, `.`, absolute paths,
//! backslashes and empty segments are refused, so nothing escapes the prefix
//! whatever the encoding it arrived in (percent-decoding happens before this).

use object_store::path::{Path, PathPart};

use crate::error::{ServiceError, ServiceResult};

/// The longest path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;

/// Segments starting with this are ServerKit's own (folder markers, uploads
/// in flight): hidden from listings and refused as names.
pub const RESERVED_PREFIX: &str = ".serverkit";

/// The object that keeps an empty folder in stores that have no folders.
pub const FOLDER_MARKER: &str = ".serverkit-folder";

/// A checked path inside an environment's files: `photos/2024/a.png`, or the
/// root (no segments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath {
    segments: Vec<String>,
}

impl FilePath {
    pub fn root() -> Self {
        Self { segments: Vec::new() }
    }

    /// `text` as a path; `field` names the argument in the error.
    pub fn parse(field: &str, text: &str) -> ServiceResult<Self> {
        // Shown as given, control characters as U+FFFD (they could break the message's line).
        let shown: String = text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
        let refuse = |why: &str| Err(ServiceError::bad_input(field, format!("`{shown}` {why}")));
        if text.len() > MAX_PATH_BYTES {
            return Err(ServiceError::bad_input(field, format!("a path is at most {MAX_PATH_BYTES} bytes")));
        }
        if text.is_empty() {
            return refuse("is empty: name a file or folder");
        }
        if text.starts_with('/') {
            return refuse("is absolute: paths start at the environment's root, without a leading /");
        }
        if text.contains('\\') {
            return refuse("contains a backslash: separate folders with /");
        }
        if text.chars().any(char::is_control) {
            return refuse("contains a control character");
        }
        let mut segments = Vec::new();
        for segment in text.split('/') {
            match segment {
                "" => return refuse("has an empty segment (// or a trailing /)"),
                "." | ".." => return refuse("contains . or .. segments"),
                s if s.starts_with(RESERVED_PREFIX) => return refuse(&format!("uses a name starting with {RESERVED_PREFIX}, kept for ServerKit")),
                s if s.trim().is_empty() => return refuse("has a segment of spaces only"),
                s => segments.push(s.to_owned()),
            }
        }
        Ok(Self { segments })
    }

    /// A folder: the root for `None` or an empty text, else as `parse`.
    pub fn folder(field: &str, text: Option<&str>) -> ServiceResult<Self> {
        match text.map(|t| t.trim_end_matches('/')) {
            None | Some("") => Ok(Self::root()),
            Some(text) => Self::parse(field, text),
        }
    }

    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The last segment: the file's name.
    pub fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// The first segment, where folders of ServerKit's own live (`tables`).
    pub fn top(&self) -> Option<&str> {
        self.segments.first().map(String::as_str)
    }

    pub fn child(&self, name: &str) -> ServiceResult<Self> {
        let joined = if self.is_root() { name.to_owned() } else { format!("{self}/{name}") };
        Self::parse("name", &joined)
    }

    /// Whether `self` is `other` or inside it.
    pub fn starts_with(&self, other: &FilePath) -> bool {
        self.segments.starts_with(&other.segments)
    }

    /// Where it lives in the store, under `root` (the environment's prefix).
    pub fn under(&self, root: &Path) -> Path {
        self.segments.iter().fold(root.clone(), |path, segment| path.clone().join(PathPart::from(segment.as_str())))
    }

    /// The path of a store location under `root`, decoded back to the names
    /// users gave (the store percent-encodes a few characters).
    pub fn from_location(root: &Path, location: &Path) -> Option<Self> {
        let parts = location.prefix_match(root)?;
        let segments: Vec<String> = parts.map(|part| decode(part.as_ref())).collect();
        Some(Self { segments })
    }

    /// The path percent-encoded segment by segment, for URLs.
    pub fn url_encoded(&self) -> String {
        self.segments.iter().map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")).collect::<Vec<_>>().join("/")
    }
}

impl std::fmt::Display for FilePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass_and_print_back() {
        for ok in ["a.txt", "photos/2024/été.png", "with space/x y", "日本/ファイル", "a#b%c{d}"] {
            assert_eq!(FilePath::parse("path", ok).expect(ok).to_string(), ok);
        }
    }

    #[test]
    fn escapes_and_odd_shapes_are_refused() {
        let long = "a".repeat(MAX_PATH_BYTES + 1);
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a\\b",
            "..\\x",
            "a//b",
            "a/",
            "nul\0",
            "tab\there",
            ".serverkit-folder",
            "a/.serverkit-x",
            "  ",
            &long,
        ] {
            assert!(FilePath::parse("path", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn store_locations_round_trip_through_the_encoding() {
        let root = Path::from("envs/test");
        let path = FilePath::parse("path", "dir/a#b%c.txt").expect("valid");
        let location = path.under(&root);
        assert!(location.as_ref().starts_with("envs/test/dir/"));
        assert_eq!(FilePath::from_location(&root, &location), Some(path));
    }

    #[test]
    fn url_encoding_keeps_slashes_between_segments_only() {
        let path = FilePath::parse("path", "a b/c?d/é").expect("valid");
        assert_eq!(path.url_encoded(), "a%20b/c%3Fd/%C3%A9");
    }
}
