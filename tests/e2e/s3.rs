//! A real S3-protocol server on loopback (s3s-fs, in the test process), so
//! the file suite runs against S3 as well as local files. No mock: object_store
//! speaks signed S3 HTTP to it, multipart uploads included.

use std::{collections::BTreeMap, sync::Arc};

use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto::Builder,
};
use s3s::{auth::SimpleAuth, service::S3ServiceBuilder};
use secrecy::SecretString;
use tokio::net::TcpListener;

pub const BUCKET: &str = "serverkit";
const ACCESS_KEY: &str = "serverkit-test";
const SECRET_KEY: &str = "serverkit-test-secret";

pub struct S3Server {
    pub endpoint: String,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl S3Server {
    pub async fn start() -> Arc<Self> {
        let dir = tempfile::tempdir().expect("temp dir for the S3 server");
        std::fs::create_dir(dir.path().join(BUCKET)).expect("bucket folder");
        let fs = s3s_fs::FileSystem::new(dir.path()).expect("s3s-fs");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the S3 server");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let http = Builder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Arc::new(Self { endpoint, _dir: dir, task })
    }

    /// `storage_url` and `storage_options` that point ServerKit here.
    pub fn config(&self) -> (String, BTreeMap<String, SecretString>) {
        let options = [
            ("endpoint", self.endpoint.as_str()),
            ("allow_http", "true"),
            ("access_key_id", ACCESS_KEY),
            ("secret_access_key", SECRET_KEY),
            ("region", "us-east-1"),
        ];
        (format!("s3://{BUCKET}"), options.into_iter().map(|(k, v)| (k.to_owned(), SecretString::from(v.to_owned()))).collect())
    }
}
