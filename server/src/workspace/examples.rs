//! Example documents built into the binary, so a walkthrough works from any
//! folder: `serverkit example blog > blog.json`.

/// The blog of the README: posts with covers, comments, editors.
pub const BLOG: &str = include_str!("../../../examples/blog.json");
