//! A standalone S3-protocol server (s3s-fs over a folder) on loopback, for
//! the files benchmark on S3 (`bench/files/run.py` with `S3=1`); the tests
//! run the same server in-process (`tests/e2e/s3.rs`).
//!
//!     cargo run --release --example s3_server -- <folder> <bucket> <access key> <secret key>
//!
//! Prints `listening http://127.0.0.1:<port>` once it accepts connections.

use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto::Builder,
};
use s3s::{auth::SimpleAuth, service::S3ServiceBuilder};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [folder, bucket, access_key, secret_key] = args.as_slice() else {
        return Err("usage: s3_server <folder> <bucket> <access key> <secret key>".into());
    };
    std::fs::create_dir_all(std::path::Path::new(folder).join(bucket))?;
    let fs = s3s_fs::FileSystem::new(folder).map_err(|err| format!("s3s-fs over {folder}: {err:?}"))?;
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(access_key.as_str(), secret_key.as_str()));
    let service = builder.build();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("listening http://{}", listener.local_addr()?);
    let http = Builder::new(TokioExecutor::new());
    loop {
        let (socket, _) = listener.accept().await?;
        let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
