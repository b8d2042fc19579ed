//! An environment's files (where its `fileManagement` capability is on):
//! folders, listings in pages, moves, deletes, and uploads following the
//! GraphQL multipart request specification. Large files also go by plain
//! `PUT /admin/files/…`, and downloads always by `GET` there (`http::files`).
//! The role and the capability are checked by `Files` itself; the guards
//! are only the first gate, as on every resolver.

use async_graphql::{
    Context, Object, Result, SimpleObject, Upload,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    error::ServiceError,
    files::{FileInfo as DomainFile, FilePath, Listing},
    pagination::page_size,
};

/// A file of an environment.
pub struct FileInfo(DomainFile);

#[Object]
impl FileInfo {
    /// From the environment's root: `photos/2024/a.png`.
    async fn path(&self) -> String {
        self.0.path.to_string()
    }
    async fn name(&self) -> &str {
        self.0.path.name()
    }
    /// In bytes.
    async fn size(&self) -> u64 {
        self.0.size
    }
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn modified_at(&self) -> DateTime<Utc> {
        self.0.modified_at
    }
    async fn etag(&self) -> Option<&str> {
        self.0.etag.as_deref()
    }
    /// `GET` it (with the admin's cookie or token); `?inline=1` to preview.
    async fn download_url(&self) -> &str {
        &self.0.download_url
    }
    /// Files of table rows (under `tables/`) change through their rows only.
    async fn read_only(&self) -> bool {
        crate::files::Files::is_read_only(&self.0.path)
    }
}

/// A folder's page: its subfolders, then files by name.
pub struct FileListing(Listing);

#[derive(SimpleObject)]
pub struct FolderSummary {
    /// Files in the folder, at any depth.
    files: u64,
    bytes: u64,
}

#[Object]
impl FileListing {
    /// `""` for the root.
    async fn folder(&self) -> String {
        self.0.folder.to_string()
    }
    /// Whether the folder is managed by table rows (`tables/…`): listed and
    /// downloaded here, changed through the rows.
    async fn read_only(&self) -> bool {
        crate::files::Files::is_read_only(&self.0.folder)
    }
    /// The direct subfolders' paths, sorted.
    async fn folders(&self) -> Vec<String> {
        self.0.folders.iter().map(ToString::to_string).collect()
    }
    async fn files(&self) -> Connection<String, FileInfo> {
        let mut connection = Connection::new(false, self.0.has_next);
        connection.edges.extend(self.0.files.iter().map(|file| Edge::new(file.path.name().to_owned(), FileInfo(file.clone()))));
        connection
    }
    /// All the environment's files together, in bytes.
    async fn used_bytes(&self) -> u64 {
        self.0.used_bytes
    }
    /// 0 for no quota.
    async fn quota_bytes(&self) -> u64 {
        self.0.quota_bytes
    }
    async fn max_file_bytes(&self) -> u64 {
        self.0.max_file_bytes
    }
}

fn path(field: &str, text: &str) -> Result<FilePath, ServiceError> {
    FilePath::parse(field, text)
}

#[derive(Default)]
pub struct FileQuery;

#[Object]
impl FileQuery {
    /// A folder of `environment` (the root by default): subfolders, and its
    /// files by name in pages of `first` (at most 200) after the cursor `after`.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn files(&self, ctx: &Context<'_>, environment: String, folder: Option<String>, first: Option<i32>, after: Option<String>) -> Result<FileListing> {
        let folder = FilePath::folder("folder", folder.as_deref())?;
        let first = page_size(first)? as usize;
        Ok(FileListing(state(ctx).files.list(principal(ctx)?, &environment, &folder, first, after.as_deref()).await?))
    }

    /// How many files a folder holds at any depth, and their size: what
    /// deleting it would delete.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn folder_summary(&self, ctx: &Context<'_>, environment: String, path: String) -> Result<FolderSummary> {
        let (files, bytes) = state(ctx).files.summary(principal(ctx)?, &environment, &self::path("path", &path)?).await?;
        Ok(FolderSummary { files, bytes })
    }
}

#[derive(Default)]
pub struct FileMutation;

#[Object]
impl FileMutation {
    /// Creates an empty folder (its parents too); the folder's path.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn create_folder(&self, ctx: &Context<'_>, environment: String, path: String) -> Result<String> {
        let path = self::path("path", &path)?;
        state(ctx).files.create_folder(principal(ctx)?, &environment, &path).await?;
        Ok(path.to_string())
    }

    /// Renames or moves a file (full paths); refused where `to` exists.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn move_file(&self, ctx: &Context<'_>, environment: String, from: String, to: String) -> Result<FileInfo> {
        let (from, to) = (self::path("from", &from)?, self::path("to", &to)?);
        Ok(FileInfo(state(ctx).files.rename(principal(ctx)?, &environment, &from, &to).await?))
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_file(&self, ctx: &Context<'_>, environment: String, path: String) -> Result<bool> {
        state(ctx).files.delete(principal(ctx)?, &environment, &self::path("path", &path)?).await?;
        Ok(true)
    }

    /// Deletes a folder and everything in it; how many files were deleted.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_folder(&self, ctx: &Context<'_>, environment: String, path: String) -> Result<u64> {
        Ok(state(ctx).files.delete_folder(principal(ctx)?, &environment, &self::path("path", &path)?).await?)
    }

    /// Uploads files into `folder` ("" for the root) under their own names,
    /// replacing files of the same names. Send as `multipart/form-data`
    /// (the GraphQL multipart request specification) with the header
    /// `x-serverkit-csrf` when signed in by cookie.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn upload_files(&self, ctx: &Context<'_>, environment: String, folder: String, files: Vec<Upload>) -> Result<Vec<FileInfo>> {
        let principal = principal(ctx)?;
        let folder = FilePath::folder("folder", Some(&folder))?;
        let mut stored = Vec::with_capacity(files.len());
        for upload in files {
            let value = upload.value(ctx).map_err(|err| ServiceError::bad_input("files", err.to_string()))?;
            let path = folder.child(&value.filename)?;
            let declared = value.size().ok();
            let content = tokio::fs::File::from_std(value.content);
            let body = tokio_util::io::ReaderStream::new(content);
            let info = state(ctx).files.put(principal, &environment, &path, value.content_type.as_deref(), declared, body).await?;
            stored.push(FileInfo(info));
        }
        Ok(stored)
    }
}
