//! The file store behind every environment's files, through `object_store`:
//! local files under the data dir by default, or S3 (and compatibles) from
//! `SERVERKIT_STORAGE_URL=s3://bucket/prefix` with the usual `AWS_*` variables.

use std::{path::Path as FsPath, sync::Arc};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use object_store::{ObjectStore, aws::AmazonS3Builder, local::LocalFileSystem, path::Path, prefix::PrefixStore};

pub type Store = Arc<dyn ObjectStore>;

pub fn open(url: Option<&str>, data_dir: &FsPath) -> anyhow::Result<Store> {
    let Some(url) = url else {
        let root = data_dir.join("files");
        std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
        return Ok(Arc::new(LocalFileSystem::new_with_prefix(&root)?.with_automatic_cleanup(true)));
    };
    let parsed = url::Url::parse(url).context("SERVERKIT_STORAGE_URL is not a URL")?;
    let prefix = parsed.path().trim_matches('/').to_owned();
    let store: Store = match parsed.scheme() {
        "file" => {
            let root = parsed.to_file_path().map_err(|_| anyhow::anyhow!("not a file path: {url}"))?;
            std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
            return Ok(Arc::new(LocalFileSystem::new_with_prefix(&root)?.with_automatic_cleanup(true)));
        }
        "s3" | "s3a" => Arc::new(AmazonS3Builder::from_env().with_url(url).build()?),
        other => bail!("storage scheme `{other}` is not supported (use file:// or s3://)"),
    };
    Ok(if prefix.is_empty() { store } else { Arc::new(PrefixStore::new(store, prefix)) })
}

/// Deletes every object under `prefix`.
pub async fn delete_prefix(store: &Store, prefix: &Path) -> anyhow::Result<()> {
    let locations = store.list(Some(prefix)).map(|meta| meta.map(|meta| meta.location)).boxed();
    let mut deleted = store.delete_stream(locations);
    while let Some(result) = deleted.next().await {
        result?;
    }
    Ok(())
}
