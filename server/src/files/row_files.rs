//! Storing the files of `file` columns for one request: uploads staged
//! under the column's limits, kept at their row's place by a write that
//! succeeds, the files of replaced cells and deleted rows removed, and a
//! row's file streamed. Which rows exist is the caller's to say (the engine
//! knows rows; this module only knows the store).

use std::collections::HashSet;

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::{ObjectStore, ObjectStoreExt, path::Path};

use super::{
    Conditions, Download, FilePath, Files, STAGING_FOLDER, TABLES_FOLDER,
    columns::{FileField, StoredFile, accepts, safe_name},
};
use crate::{
    environments::{Limits, provision::storage_prefix},
    error::{ServiceError, ServiceResult},
    workspace::document::Table,
};

/// The store location of a key (segments as stored, encoded by the store).
fn location(slug: &str, key: &str) -> Path {
    key.split('/').filter(|s| !s.is_empty()).fold(storage_prefix(slug), |path, segment| path.join(segment))
}

/// An environment's file columns, as one request sees them.
#[derive(Clone)]
pub struct RowFiles<'a> {
    pub files: &'a Files,
    /// The environment, as rows' file URLs name it.
    pub slug: &'a str,
    /// Whose prefix of the store the files are under (and count against the
    /// quota of): the environment's own, or a test run's sandbox.
    pub stored_as: &'a str,
    pub limits: Limits,
}

impl RowFiles<'_> {
    /// Whether the files' changes go to the environment's feed (the Files
    /// page follows them): not a test run's sandbox's.
    fn followed(&self) -> bool {
        self.stored_as == self.slug
    }

    /// A new staging key, registered by the caller before anything streams.
    pub fn staging_key() -> String {
        format!("{STAGING_FOLDER}/{}", uuid::Uuid::now_v7())
    }

    /// Streams one uploaded part to `key` under the column's limits.
    pub async fn stage<S, E>(&self, key: &str, field: &FileField, name: &str, content_type: &str, body: S) -> ServiceResult<StoredFile>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if !accepts(field.content_types.as_deref(), content_type) {
            let accepted = field.content_types.as_deref().unwrap_or_default().join(", ");
            return Err(ServiceError::UnsupportedMediaType(format!("`{}` takes {accepted}, not {content_type}", field.field)));
        }
        let at = location(self.stored_as, key);
        let size = self.files.store_limited(self.stored_as, &self.limits, &at, None, 0, Some(content_type), field.max_bytes, body).await?;
        Ok(StoredFile { key: key.to_owned(), name: safe_name(name), size, content_type: content_type.to_owned(), url: None })
    }

    /// Moves a staged upload to its row's place; the value to store.
    pub async fn keep(&self, mut file: StoredFile, table: &str, id: i64, column: &str) -> ServiceResult<StoredFile> {
        let key = format!("{TABLES_FOLDER}/{table}/{id}/{column}/{}", file.name);
        let store = &self.files.store;
        store.rename(&location(self.stored_as, &file.key), &location(self.stored_as, &key)).await.map_err(ServiceError::internal)?;
        if self.followed() {
            self.files.record_paths(self.slug, "insert", Some((&key, file.size, &file.content_type)), None).await;
        }
        file.key = key;
        file.url = Some(format!("/env/{}/files/{table}/{id}/{column}", self.slug));
        Ok(file)
    }

    /// Deletes what a row's column held, except `keep` (its new file).
    pub async fn forget_column(&self, table: &str, id: i64, column: &str, keep: Option<&str>) {
        let prefix = location(self.stored_as, &format!("{TABLES_FOLDER}/{table}/{id}/{column}"));
        let keep = keep.map(|key| location(self.stored_as, key));
        self.delete_under(&prefix, keep.as_ref()).await;
    }

    /// Deletes every file of a deleted row.
    pub async fn forget_row(&self, table: &str, id: i64) {
        let prefix = location(self.stored_as, &format!("{TABLES_FOLDER}/{table}/{id}"));
        self.delete_under(&prefix, None).await;
    }

    /// Deletes the files of `table`'s rows that no longer exist (removed by a
    /// cascading delete): one listing of the table's folders, then the ids
    /// looked up in batches of `batch` with `existing`, which answers those
    /// of its ids that still have a row.
    pub async fn forget_orphans<F, Fut, E>(&self, table: &Table, batch: usize, existing: F)
    where
        F: Fn(Vec<i64>) -> Fut,
        Fut: Future<Output = Result<HashSet<i64>, E>>,
        E: std::fmt::Debug,
    {
        let prefix = location(self.stored_as, &format!("{TABLES_FOLDER}/{}", table.name));
        let listing = match self.files.store.list_with_delimiter(Some(&prefix)).await {
            Ok(listing) => listing,
            Err(err) => return tracing::warn!(error = %err, table = %table.name, "files of cascaded rows could not be listed"),
        };
        let folders: Vec<(i64, Path)> = listing.common_prefixes.into_iter().filter_map(|folder| Some((folder.filename()?.parse().ok()?, folder))).collect();
        for batch in folders.chunks(batch.max(1)) {
            let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
            let existing = match existing(ids).await {
                Ok(existing) => existing,
                Err(err) => return tracing::warn!(error = ?err, table = %table.name, "rows of cascaded files could not be read"),
            };
            for (id, folder) in batch {
                if !existing.contains(id) {
                    self.delete_under(folder, None).await;
                }
            }
        }
    }

    /// Deletes staged uploads no write kept (deleting a moved one finds nothing).
    pub async fn discard(&self, keys: &[String]) {
        for key in keys {
            let at = location(self.stored_as, key);
            // Moved to its row (or never completed): nothing to do.
            let Ok(meta) = self.files.store.head(&at).await else { continue };
            match self.files.store.delete(&at).await {
                Ok(()) => self.files.usage.add(self.stored_as, -(meta.size as i64)),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => tracing::warn!(error = %err, key, "a staged upload could not be deleted"),
            }
        }
    }

    async fn delete_under(&self, prefix: &Path, keep: Option<&Path>) {
        let store = &self.files.store;
        let mut listed = store.list(Some(prefix));
        let mut freed = 0i64;
        while let Some(meta) = listed.next().await {
            let Ok(meta) = meta else { continue };
            if Some(&meta.location) == keep {
                continue;
            }
            match store.delete(&meta.location).await {
                Ok(()) => {
                    freed += meta.size as i64;
                    if self.followed()
                        && let Some(parts) = meta.location.prefix_match(&storage_prefix(self.stored_as))
                    {
                        let path = parts.map(|part| part.as_ref().to_owned()).collect::<Vec<_>>().join("/");
                        self.files.record_paths(self.slug, "delete", None, Some(&path)).await;
                    }
                }
                Err(object_store::Error::NotFound { .. }) => {}
                // The row is gone or changed already: log, and let the client have its answer.
                Err(err) => tracing::warn!(error = %err, location = %meta.location, "an old file could not be deleted"),
            }
        }
        self.files.usage.add(self.stored_as, -freed);
    }

    /// Streams a row's file.
    pub async fn open(&self, file: &StoredFile, conditions: Conditions<'_>) -> ServiceResult<Download> {
        let shown = FilePath::parse("key", &file.name).unwrap_or_else(|_| FilePath::root());
        self.files.stream(self.stored_as, shown, &location(self.stored_as, &file.key), Some(file.content_type.clone()), conditions).await
    }
}
