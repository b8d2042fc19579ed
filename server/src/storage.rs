//! The file store behind every environment's files, through `object_store`:
//! local files under the data dir by default, or S3 (and compatibles) from
//! `SERVERKIT_STORAGE_URL=s3://bucket/prefix` with `storage_options` or the
//! usual `AWS_*` variables.

use std::{collections::BTreeMap, path::Path as FsPath, str::FromStr, sync::Arc};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use object_store::{
    ObjectStore,
    aws::{AmazonS3Builder, AmazonS3ConfigKey},
    local::LocalFileSystem,
    path::Path,
    prefix::PrefixStore,
};
use secrecy::{ExposeSecret, SecretString};

pub type Store = Arc<dyn ObjectStore>;

/// The store, and whether it keeps objects' attributes (content types): S3
/// does, local files do not (types then come from the names).
#[derive(Clone)]
pub struct Storage {
    pub store: Store,
    pub keeps_attributes: bool,
}

pub fn open(url: Option<&str>, options: &BTreeMap<String, SecretString>, data_dir: &FsPath) -> anyhow::Result<Storage> {
    let local = |root: &FsPath| -> anyhow::Result<Storage> {
        std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
        let store = Arc::new(LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true));
        Ok(Storage { store, keeps_attributes: false })
    };
    let Some(url) = url else { return local(&data_dir.join("files")) };
    let parsed = url::Url::parse(url).context("SERVERKIT_STORAGE_URL is not a URL")?;
    let prefix = parsed.path().trim_matches('/').to_owned();
    let store: Store = match parsed.scheme() {
        "file" => {
            let root = parsed.to_file_path().map_err(|_| anyhow::anyhow!("not a file path: {url}"))?;
            return local(&root);
        }
        "s3" | "s3a" => {
            let mut builder = AmazonS3Builder::from_env().with_url(url);
            for (key, value) in options {
                let key = AmazonS3ConfigKey::from_str(key).with_context(|| format!("storage_options: `{key}` is not an S3 option"))?;
                builder = builder.with_config(key, value.expose_secret());
            }
            Arc::new(builder.build()?)
        }
        other => bail!("storage scheme `{other}` is not supported (use file:// or s3://)"),
    };
    let store = if prefix.is_empty() { store } else { Arc::new(PrefixStore::new(store, prefix)) };
    Ok(Storage { store, keeps_attributes: true })
}

/// Deletes every object under `prefix`; how many there were.
pub async fn delete_prefix(store: &Store, prefix: &Path) -> anyhow::Result<u64> {
    let locations = store.list(Some(prefix)).map(|meta| meta.map(|meta| meta.location)).boxed();
    let mut deleted = store.delete_stream(locations);
    let mut count = 0;
    while let Some(result) = deleted.next().await {
        match result {
            Ok(_) => count += 1,
            // Gone meanwhile (another delete): what was wanted.
            Err(object_store::Error::NotFound { .. }) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(count)
}
