//! Each environment's files on the object store, under its prefix
//! (`envs/{slug}/`): folders, streamed uploads and downloads for admins
//! (where the environment's `fileManagement` capability is on), the quota,
//! and the files of `file` columns (`columns`, `row_files`), which end users reach
//! through routers. Role and capability are checked here, once, for GraphQL
//! and HTTP alike.

pub mod columns;
pub mod name;
pub mod respond;
pub mod row_files;
pub mod transfer;
mod usage;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream::BoxStream};
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, path::Path};

pub use name::FilePath;
pub use respond::{inline_safe, respond};

pub use crate::web::Conditions;
use transfer::{PutFailure, Wanted};

use crate::{
    auth::{Principal, Role},
    databases::DataDatabases,
    environments::{Capability, Environment, Environments, provision::storage_prefix},
    error::{ServiceError, ServiceResult},
    storage::{Storage, Store},
};

/// The folder of `file` columns' objects; read-only for admins (rows own them).
pub const TABLES_FOLDER: &str = "tables";
/// Where uploads wait until the write that keeps them succeeds.
pub const STAGING_FOLDER: &str = ".serverkit-staging";

/// A file as admins and the API see it.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub path: FilePath,
    pub size: u64,
    pub content_type: String,
    pub modified_at: DateTime<Utc>,
    pub etag: Option<String>,
    /// `/admin/files/{environment}/{path}`.
    pub download_url: String,
}

/// One page of a folder.
pub struct Listing {
    pub folder: FilePath,
    /// Direct subfolders, sorted.
    pub folders: Vec<FilePath>,
    pub files: Vec<FileInfo>,
    pub has_next: bool,
    pub used_bytes: u64,
    pub quota_bytes: u64,
    pub max_file_bytes: u64,
}

/// A download about to stream.
pub struct Download {
    pub info: FileInfo,
    pub body: Body,
}

pub enum Body {
    /// 200 with the whole object.
    Whole(BoxStream<'static, object_store::Result<Bytes>>),
    /// 206 with `start..end` of `total` bytes.
    Part { start: u64, end: u64, total: u64, stream: BoxStream<'static, object_store::Result<Bytes>> },
    /// 304: the client's copy (`If-None-Match`) is current.
    NotModified,
    /// 416: the range starts past the end.
    Unsatisfiable { total: u64 },
}

#[derive(Clone)]
pub struct Files {
    store: Store,
    keeps_attributes: bool,
    environments: Environments,
    usage: usage::Usage,
    /// Where each change of a file is recorded (the environment's change feed).
    databases: DataDatabases,
}

fn store_error(err: object_store::Error) -> ServiceError {
    match err {
        object_store::Error::NotFound { .. } => ServiceError::not_found("no such file"),
        other => ServiceError::internal(other),
    }
}

/// The content type of a name, where the store keeps none.
pub fn guess_type(name: &str) -> String {
    mime_guess::from_path(name).first_raw().unwrap_or("application/octet-stream").to_owned()
}

impl Files {
    pub fn new(storage: Storage, environments: Environments, databases: DataDatabases) -> Self {
        Self { usage: usage::Usage::new(storage.store.clone()), store: storage.store, keeps_attributes: storage.keeps_attributes, environments, databases }
    }

    /// Whether `principal` may follow `slug`'s files as they change (what
    /// reading its folders takes).
    pub async fn may_follow(&self, principal: &Principal, slug: &str) -> ServiceResult<()> {
        self.scope(principal, slug, Role::Viewer).await.map(|_| ())
    }

    /// Records a change of a file in `slug`'s change feed. The file changed
    /// already: a feed that cannot be written is logged, not the caller's error.
    async fn record(&self, slug: &str, op: &str, now: Option<&FileInfo>, previous: Option<&FilePath>) {
        let now = now.map(|info| (info.path.to_string(), info.size, info.content_type.as_str()));
        self.record_paths(slug, op, now.as_ref().map(|(path, size, kind)| (path.as_str(), *size, *kind)), previous.map(|p| p.to_string()).as_deref()).await;
    }

    /// `record` of a file named by its path under the environment: `now`
    /// its path, size and type, `previous` the path it had.
    async fn record_paths(&self, slug: &str, op: &str, now: Option<(&str, u64, &str)>, previous: Option<&str>) {
        let now = now.map(|(path, size, kind)| serde_json::json!({ "path": path, "size": size, "contentType": kind }));
        let previous = previous.map(|path| serde_json::json!({ "path": path }));
        let recorded = async {
            let connections = self.databases.get(slug).await?;
            crate::databases::changes::record_file(&connections.write, op, now.as_ref(), previous.as_ref()).await?;
            Ok::<_, anyhow::Error>(())
        };
        if let Err(err) = recorded.await {
            tracing::warn!(environment = %slug, error = %err, "recording a file's change in the feed");
        }
    }

    /// The environment, where `principal` may manage its files with `role`.
    async fn scope(&self, principal: &Principal, slug: &str, role: Role) -> ServiceResult<Environment> {
        let env = self.environments.scope(principal, slug, Capability::FileManagement).await?;
        principal.require(role)?;
        Ok(env)
    }

    fn root(slug: &str) -> Path {
        storage_prefix(slug)
    }

    /// Whether `path` is among the files of table rows.
    pub fn is_read_only(path: &FilePath) -> bool {
        path.top() == Some(TABLES_FOLDER)
    }

    /// Files of rows are changed through their rows, never directly.
    fn writable(path: &FilePath) -> ServiceResult<()> {
        match path.top() {
            Some(TABLES_FOLDER) => Err(ServiceError::forbidden(format!(
                "`{TABLES_FOLDER}/` holds the files of table rows: change them through the rows (the Database page or the API)"
            ))),
            _ => Ok(()),
        }
    }

    fn info(&self, slug: &str, path: FilePath, meta: &ObjectMeta, content_type: Option<String>) -> FileInfo {
        FileInfo {
            download_url: format!("/admin/files/{slug}/{}", path.url_encoded()),
            content_type: content_type.unwrap_or_else(|| guess_type(path.name())),
            size: meta.size,
            modified_at: meta.last_modified,
            etag: transfer::quoted_etag(meta),
            path,
        }
    }

    pub async fn list(&self, principal: &Principal, slug: &str, folder: &FilePath, first: usize, after: Option<&str>) -> ServiceResult<Listing> {
        let env = self.scope(principal, slug, Role::Viewer).await?;
        let root = Self::root(slug);
        let listed = self.store.list_with_delimiter(Some(&folder.under(&root))).await.map_err(store_error)?;
        let mut folders: Vec<FilePath> = listed
            .common_prefixes
            .iter()
            .filter_map(|prefix| FilePath::from_location(&root, prefix))
            .filter(|path| !path.name().starts_with(name::RESERVED_PREFIX))
            .collect();
        folders.sort_by_key(ToString::to_string);
        let mut objects: Vec<(FilePath, &ObjectMeta)> = listed
            .objects
            .iter()
            .filter_map(|meta| Some((FilePath::from_location(&root, &meta.location)?, meta)))
            .filter(|(path, meta)| !path.name().starts_with(name::RESERVED_PREFIX) && !meta.location.filename().is_some_and(|n| n.contains('#')))
            .collect();
        objects.sort_by(|a, b| a.0.name().cmp(b.0.name()));
        let start = after.map_or(0, |after| objects.partition_point(|(path, _)| path.name() <= after));
        let page: Vec<FileInfo> = objects.iter().skip(start).take(first).map(|(path, meta)| self.info(slug, path.clone(), meta, None)).collect();
        let has_next = objects.len() > start + page.len();
        Ok(Listing {
            folder: folder.clone(),
            folders,
            files: page,
            has_next,
            used_bytes: self.usage.used(slug).await.map_err(store_error)?,
            quota_bytes: env.limits.file_quota_bytes.max(0) as u64,
            max_file_bytes: env.limits.max_file_bytes.max(0) as u64,
        })
    }

    /// How many files a folder holds, at any depth, and their bytes.
    pub async fn summary(&self, principal: &Principal, slug: &str, folder: &FilePath) -> ServiceResult<(u64, u64)> {
        self.scope(principal, slug, Role::Viewer).await?;
        let mut listed = self.store.list(Some(&folder.under(&Self::root(slug))));
        let (mut files, mut bytes) = (0, 0);
        while let Some(meta) = listed.next().await {
            let meta = meta.map_err(store_error)?;
            if !meta.location.filename().is_some_and(|n| n.starts_with(name::RESERVED_PREFIX)) {
                files += 1;
                bytes += meta.size;
            }
        }
        Ok((files, bytes))
    }

    pub async fn stat(&self, principal: &Principal, slug: &str, path: &FilePath) -> ServiceResult<FileInfo> {
        self.scope(principal, slug, Role::Viewer).await?;
        let location = path.under(&Self::root(slug));
        let (meta, content_type) = self.head(&location).await?;
        Ok(self.info(slug, path.clone(), &meta, content_type))
    }

    /// The object's metadata and the content type kept with it (where the
    /// store keeps attributes), in one request to the store.
    async fn head(&self, location: &Path) -> ServiceResult<(ObjectMeta, Option<String>)> {
        let options = GetOptions { head: true, ..GetOptions::default() };
        let result = self.store.get_opts(location, options).await.map_err(store_error)?;
        let content_type = result.attributes.get(&object_store::Attribute::ContentType).filter(|_| self.keeps_attributes).map(|v| v.to_string());
        Ok((result.meta, content_type))
    }

    pub async fn create_folder(&self, principal: &Principal, slug: &str, path: &FilePath) -> ServiceResult<()> {
        self.scope(principal, slug, Role::Developer).await?;
        Self::writable(path)?;
        let marker = path.under(&Self::root(slug)).join(name::FOLDER_MARKER);
        self.store.put(&marker, PutPayload::new()).await.map_err(store_error)?;
        Ok(())
    }

    /// Streams `body` to `path`, replacing a file there. Refused with 413
    /// before reading when `declared` (Content-Length) is over the limits,
    /// and by stopping the stream (nothing kept) when the body turns out to be.
    pub async fn put<S, E>(
        &self,
        principal: &Principal,
        slug: &str,
        path: &FilePath,
        content_type: Option<&str>,
        declared: Option<u64>,
        body: S,
    ) -> ServiceResult<FileInfo>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let env = self.scope(principal, slug, Role::Developer).await?;
        Self::writable(path)?;
        let location = path.under(&Self::root(slug));
        let replaced = match self.store.head(&location).await {
            Ok(meta) => meta.size,
            Err(_) => 0,
        };
        let content_type = content_type.filter(|t| !t.is_empty() && *t != "application/octet-stream").map(str::to_owned);
        let size = self.store_limited(slug, &env.limits, &location, declared, replaced, content_type.as_deref(), None, body).await?;
        let meta = self.store.head(&location).await.map_err(store_error)?;
        debug_assert_eq!(meta.size, size);
        let content_type = content_type.filter(|_| self.keeps_attributes);
        let info = self.info(slug, path.clone(), &meta, content_type);
        self.record(slug, if replaced > 0 { "update" } else { "insert" }, Some(&info), None).await;
        Ok(info)
    }

    /// Streams an upload to `location` under the environment's file size
    /// limit, the column's (`column_limit`) and the quota, counted into the
    /// usage. `replaced` is the size of the object it replaces.
    #[allow(clippy::too_many_arguments, reason = "one upload's place, size, type and limits")]
    async fn store_limited<S, E>(
        &self,
        slug: &str,
        limits: &crate::environments::Limits,
        location: &Path,
        declared: Option<u64>,
        replaced: u64,
        content_type: Option<&str>,
        column_limit: Option<u64>,
        body: S,
    ) -> ServiceResult<u64>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let max_file = limits.max_file_bytes.max(0) as u64;
        let max = column_limit.map_or(max_file, |c| c.min(max_file));
        let quota = limits.file_quota_bytes.max(0) as u64;
        let room = if quota == 0 { u64::MAX } else { (quota + replaced).saturating_sub(self.usage.used(slug).await.map_err(store_error)?) };
        let too_large = |limit: u64| ServiceError::TooLarge(format!("the file is larger than {limit} bytes, the most this accepts"));
        let over_quota =
            || ServiceError::QuotaExceeded(format!("the environment's files would exceed its quota of {quota} bytes: delete some or raise fileQuotaBytes"));
        if let Some(declared) = declared {
            if declared > max {
                return Err(too_large(max));
            }
            if declared > room {
                return Err(over_quota());
            }
        }
        match transfer::put_stream(self.store.as_ref(), location, body, max.min(room), content_type, self.keeps_attributes).await {
            Ok(size) => {
                self.usage.add(slug, size as i64 - replaced as i64);
                Ok(size)
            }
            Err(PutFailure::TooLarge { .. }) if room < max => Err(over_quota()),
            Err(PutFailure::TooLarge { limit }) => Err(too_large(limit)),
            Err(PutFailure::Body(message)) => Err(ServiceError::bad_input("body", format!("the upload broke off: {message}"))),
            Err(PutFailure::Store(err)) => Err(ServiceError::internal(err)),
        }
    }

    /// The file, streamed; `Range` and `If-None-Match` as HTTP has them.
    pub async fn open(&self, principal: &Principal, slug: &str, path: &FilePath, conditions: Conditions<'_>) -> ServiceResult<Download> {
        self.scope(principal, slug, Role::Viewer).await?;
        let location = path.under(&Self::root(slug));
        self.stream(slug, path.clone(), &location, None, conditions).await
    }

    /// Streams `location` (shown as `path`), with `content_type` if known.
    async fn stream(&self, slug: &str, path: FilePath, location: &Path, content_type: Option<String>, conditions: Conditions<'_>) -> ServiceResult<Download> {
        let (meta, stored_type) = self.head(location).await?;
        let info = self.info(slug, path, &meta, content_type.or(stored_type));
        if transfer::matches_etag(conditions.if_none_match, info.etag.as_deref()) {
            return Ok(Download { info, body: Body::NotModified });
        }
        let total = meta.size;
        let (range, wanted) = match transfer::wanted(conditions.range, total) {
            Wanted::Unsatisfiable => return Ok(Download { info, body: Body::Unsatisfiable { total } }),
            Wanted::Whole => (None, Wanted::Whole),
            Wanted::Part(start, end) => (Some(GetRange::Bounded(start..end)), Wanted::Part(start, end)),
        };
        // An empty object has no bytes to ask for; S3 refuses a range on it.
        if total == 0 {
            return Ok(Download { info, body: Body::Whole(futures_util::stream::empty().boxed()) });
        }
        let options = GetOptions { range, ..GetOptions::default() };
        let stream = self.store.get_opts(location, options).await.map_err(store_error)?.into_stream();
        let body = match wanted {
            Wanted::Part(start, end) => Body::Part { start, end, total, stream },
            _ => Body::Whole(stream),
        };
        Ok(Download { info, body })
    }

    /// Renames or moves a file; refused where the target exists.
    pub async fn rename(&self, principal: &Principal, slug: &str, from: &FilePath, to: &FilePath) -> ServiceResult<FileInfo> {
        self.scope(principal, slug, Role::Developer).await?;
        Self::writable(from)?;
        Self::writable(to)?;
        let root = Self::root(slug);
        let (source, target) = (from.under(&root), to.under(&root));
        self.store.head(&source).await.map_err(store_error)?;
        if from == to {
            return self.stat(principal, slug, to).await;
        }
        if self.store.head(&target).await.is_ok() {
            return Err(ServiceError::conflict("to", format!("`{to}` exists already: delete it first or choose another name")));
        }
        self.store.rename(&source, &target).await.map_err(store_error)?;
        let info = self.stat(principal, slug, to).await?;
        self.record(slug, "update", Some(&info), Some(from)).await;
        Ok(info)
    }

    pub async fn delete(&self, principal: &Principal, slug: &str, path: &FilePath) -> ServiceResult<()> {
        self.scope(principal, slug, Role::Developer).await?;
        Self::writable(path)?;
        let location = path.under(&Self::root(slug));
        let meta = self.store.head(&location).await.map_err(store_error)?;
        self.store.delete(&location).await.map_err(store_error)?;
        self.usage.add(slug, -(meta.size as i64));
        self.record(slug, "delete", None, Some(path)).await;
        Ok(())
    }

    /// Deletes a folder and everything in it; how many files that was.
    pub async fn delete_folder(&self, principal: &Principal, slug: &str, folder: &FilePath) -> ServiceResult<u64> {
        self.scope(principal, slug, Role::Developer).await?;
        Self::writable(folder)?;
        let prefix = folder.under(&Self::root(slug));
        let mut listed = self.store.list(Some(&prefix));
        let (mut files, mut bytes) = (0u64, 0u64);
        let mut locations = Vec::new();
        let mut gone = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = meta.map_err(store_error)?;
            if !meta.location.filename().is_some_and(|n| n.starts_with(name::RESERVED_PREFIX)) {
                files += 1;
                let root = format!("{}/", Self::root(slug));
                gone.extend(meta.location.as_ref().strip_prefix(root.as_str()).map(str::to_owned));
            }
            bytes += meta.size;
            locations.push(Ok(meta.location));
        }
        if locations.is_empty() {
            return Err(ServiceError::not_found(format!("no folder `{folder}`")));
        }
        let mut deleted = self.store.delete_stream(futures_util::stream::iter(locations).boxed());
        while let Some(result) = deleted.next().await {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(ServiceError::internal(err)),
            }
        }
        self.usage.add(slug, -(bytes as i64));
        for path in gone.iter().filter_map(|p| FilePath::parse("path", p).ok()) {
            self.record(slug, "delete", None, Some(&path)).await;
        }
        Ok(files)
    }

    /// Deletes uploads left staged longer than `age`: a process that died
    /// mid-request could not discard its own.
    pub async fn sweep_staging(&self, age: std::time::Duration) {
        let Ok(environments) = self.environments.list().await else { return };
        let cutoff = Utc::now() - chrono::Duration::from_std(age).unwrap_or_default();
        for env in environments {
            let prefix = Self::root(&env.slug).join(STAGING_FOLDER);
            let mut listed = self.store.list(Some(&prefix));
            while let Some(meta) = listed.next().await {
                let Ok(meta) = meta else { break };
                if meta.last_modified < cutoff && self.store.delete(&meta.location).await.is_ok() {
                    self.usage.add(&env.slug, -(meta.size as i64));
                    tracing::info!(location = %meta.location, "deleted an upload left staged");
                }
            }
        }
    }

    /// Deletes the files a test run's sandbox stored (under `files_at`, see
    /// `engine::sandbox`).
    pub async fn drop_sandbox(&self, files_at: &str) {
        self.usage.forget(files_at);
        if let Err(err) = crate::storage::delete_prefix(&self.store, &Self::root(files_at)).await {
            tracing::warn!(sandbox = files_at, error = %err, "a sandbox's files could not be deleted; they are swept at the next start");
        }
    }

    /// Deletes the files of sandboxes a crash left behind, older than `age`
    /// (their files' last change tells).
    pub async fn sweep_sandboxes(&self, age: std::time::Duration) {
        let Ok(listing) = self.store.list_with_delimiter(Some(&Path::from("envs"))).await else { return };
        let cutoff = Utc::now() - chrono::Duration::from_std(age).unwrap_or_default();
        for folder in listing.common_prefixes {
            if !folder.filename().is_some_and(|name| name.starts_with("sandbox_")) {
                continue;
            }
            let mut listed = self.store.list(Some(&folder));
            let mut newest = None;
            while let Some(Ok(meta)) = listed.next().await {
                newest = newest.max(Some(meta.last_modified));
            }
            if newest.is_none_or(|at| at < cutoff) {
                match crate::storage::delete_prefix(&self.store, &folder).await {
                    Ok(_) => tracing::info!(folder = %folder, "deleted the files of a test run a stop cut short"),
                    Err(err) => tracing::warn!(folder = %folder, error = %err, "sweeping a sandbox's files"),
                }
            }
        }
    }
}
