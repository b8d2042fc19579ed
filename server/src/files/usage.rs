//! Bytes each environment's files take, for the quota: counted by listing
//! the prefix once, then kept up to date by every put and delete of this
//! process, and counted again every few minutes (other replicas write too).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::StreamExt;

use crate::{environments::provision::storage_prefix, storage::Store};

const RECOUNT_AFTER: Duration = Duration::from_secs(300);

#[derive(Clone)]
pub struct Usage {
    store: Store,
    counted: Arc<Mutex<HashMap<String, (i64, Instant)>>>,
}

impl Usage {
    pub fn new(store: Store) -> Self {
        Self { store, counted: Arc::default() }
    }

    pub async fn used(&self, slug: &str) -> object_store::Result<u64> {
        if let Some((bytes, at)) = self.counted.lock().expect("usage lock").get(slug)
            && at.elapsed() < RECOUNT_AFTER
        {
            return Ok((*bytes).max(0) as u64);
        }
        let mut listed = self.store.list(Some(&storage_prefix(slug)));
        let mut bytes: u64 = 0;
        while let Some(meta) = listed.next().await {
            bytes += meta?.size;
        }
        self.counted.lock().expect("usage lock").insert(slug.to_owned(), (bytes as i64, Instant::now()));
        Ok(bytes)
    }

    /// Forgets what it counted for `slug` (a test run's sandbox, once dropped).
    pub fn forget(&self, slug: &str) {
        self.counted.lock().expect("usage lock").remove(slug);
    }

    /// Counts a change of `delta` bytes (negative for deletes).
    pub fn add(&self, slug: &str, delta: i64) {
        if let Some((bytes, _)) = self.counted.lock().expect("usage lock").get_mut(slug) {
            *bytes += delta;
        }
    }
}
