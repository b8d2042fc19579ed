//! Files of an environment through the admin: streamed uploads and downloads
//! compared byte for byte, ranges, 304, refused names, limits and quota,
//! folders, capabilities and the cross-site rules. Every test runs twice: on
//! local files and on a real S3-protocol server on loopback.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Gql, Options, TestServer};

on_both_stores!(
    uploads_come_back_byte_for_byte,
    ranges_and_revalidation_follow_http,
    names_that_could_escape_are_refused,
    size_limits_and_the_quota_refuse_before_storing,
    folders_list_move_and_delete,
    cookies_need_the_csrf_header_and_production_is_closed,
);

async fn start(s3: bool) -> (TestServer, Gql) {
    let server = TestServer::start_with(Options { s3, ..Options::default() }).await;
    let owner = server.owner().await;
    (server, owner)
}

fn file_url(server: &TestServer, environment: &str, path: &str) -> String {
    server.url(&format!("/admin/files/{environment}/{path}"))
}

/// Deterministic bytes that do not compress or repeat at part boundaries.
fn bytes_of(len: usize, seed: u8) -> Vec<u8> {
    let mut state = u64::from(seed) + 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn sha(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn put(owner: &Gql, url: &str, body: Vec<u8>, content_type: &str) -> reqwest::Response {
    owner.http.put(url).header("x-serverkit-csrf", "1").header(header::CONTENT_TYPE, content_type).body(body).send().await.expect("PUT")
}

async fn listing(owner: &Gql, environment: &str, folder: &str) -> Value {
    owner
        .run(
            "query($e: String!, $f: String) { files(environment: $e, folder: $f, first: 200) { folder folders usedBytes quotaBytes maxFileBytes
               files { edges { cursor node { path name size contentType etag downloadUrl modifiedAt } } pageInfo { hasNextPage endCursor } } } }",
            json!({ "e": environment, "f": folder }),
        )
        .await
        .data()["files"]
        .clone()
}

fn names(listing: &Value) -> Vec<String> {
    listing["files"]["edges"].as_array().into_iter().flatten().map(|e| e["node"]["name"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn uploads_come_back_byte_for_byte(s3: bool) {
    let (server, owner) = start(s3).await;
    // Past one part (8 MiB): a multipart upload on S3, in parts.
    let big = bytes_of(20 * 1024 * 1024 + 123, 1);
    let answer = put(&owner, &file_url(&server, "test", "videos/clip%20one.bin"), big.clone(), "application/octet-stream").await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let info: Value = answer.json().await.expect("FileInfo JSON");
    assert_eq!(info["path"], "videos/clip one.bin");
    assert_eq!(info["size"], big.len());
    assert_eq!(info["downloadUrl"], "/admin/files/test/videos/clip%20one.bin");

    let download = owner.http.get(server.url(info["downloadUrl"].as_str().unwrap())).send().await.expect("GET");
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()[header::CONTENT_LENGTH], big.len().to_string().as_str());
    assert_eq!(download.headers()[header::ACCEPT_RANGES], "bytes");
    assert!(download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\"clip one.bin\""));
    assert_eq!(sha(&download.bytes().await.expect("body")), sha(&big), "the download differs from the upload");

    // Two files at once through GraphQL's multipart request, with a type kept.
    let text = "hello, files\n".repeat(100);
    let operations = json!({
        "query": "mutation($files: [Upload!]!) { uploadFiles(environment: \"test\", folder: \"docs\", files: $files) { path name size contentType } }",
        "variables": { "files": [null, null] }
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.files.0"], "1": ["variables.files.1"] }).to_string())
        .part("0", reqwest::multipart::Part::bytes(text.clone().into_bytes()).file_name("notes.txt").mime_str("text/plain").unwrap())
        .part("1", reqwest::multipart::Part::bytes(bytes_of(4096, 2)).file_name("été €.png").mime_str("image/png").unwrap());
    let answer = owner.http.post(server.url("/graphql")).header("x-serverkit-csrf", "1").multipart(form).send().await.expect("multipart POST");
    let body: Value = answer.json().await.expect("GraphQL JSON");
    let uploaded = body["data"]["uploadFiles"].as_array().unwrap_or_else(|| panic!("{body:#}")).clone();
    assert_eq!(uploaded.len(), 2, "{body:#}");
    assert_eq!(uploaded[0]["path"], "docs/notes.txt");
    assert_eq!(uploaded[0]["size"], text.len());
    assert_eq!(uploaded[1]["name"], "été €.png");
    assert_eq!(uploaded[1]["contentType"], "image/png");

    let docs = listing(&owner, "test", "docs").await;
    assert_eq!(names(&docs), ["notes.txt", "été €.png"]);
    let root = listing(&owner, "test", "").await;
    assert_eq!(root["folders"], json!(["docs", "videos"]));
    assert_eq!(root["usedBytes"], big.len() + text.len() + 4096);
    let png = owner.http.get(file_url(&server, "test", "docs/%C3%A9t%C3%A9%20%E2%82%AC.png?inline=1")).send().await.expect("GET png");
    assert_eq!(png.headers()[header::CONTENT_TYPE], "image/png");
    assert!(
        png.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("inline; filename=\"_t_ _.png\"; filename*=UTF-8''%C3%A9t%C3%A9%20%E2%82%AC.png")
    );
    assert_eq!(sha(&png.bytes().await.unwrap()), sha(&bytes_of(4096, 2)));
}

async fn ranges_and_revalidation_follow_http(s3: bool) {
    let (server, owner) = start(s3).await;
    let data = bytes_of(10_000, 3);
    let url = file_url(&server, "test", "data.bin");
    assert_eq!(put(&owner, &url, data.clone(), "application/octet-stream").await.status(), StatusCode::CREATED);

    let part = owner.http.get(&url).header(header::RANGE, "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[header::CONTENT_RANGE], "bytes 100-199/10000");
    assert_eq!(part.bytes().await.unwrap(), data[100..200]);

    // An interrupted download resumes where it stopped.
    let rest = owner.http.get(&url).header(header::RANGE, "bytes=9000-").send().await.unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(rest.bytes().await.unwrap(), data[9000..]);
    let tail = owner.http.get(&url).header(header::RANGE, "bytes=-10").send().await.unwrap();
    assert_eq!(tail.bytes().await.unwrap(), data[9990..]);

    let past = owner.http.get(&url).header(header::RANGE, "bytes=20000-").send().await.unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.headers()[header::CONTENT_RANGE], "bytes */10000");

    let whole = owner.http.get(&url).send().await.unwrap();
    let etag = whole.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(whole.headers().contains_key(header::LAST_MODIFIED));
    let again = owner.http.get(&url).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    // A new version has a new ETag: the old one no longer matches.
    put(&owner, &url, bytes_of(10_001, 4), "application/octet-stream").await;
    let changed = owner.http.get(&url).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(changed.bytes().await.unwrap().len(), 10_001);
}

/// Sends `method target` as written: HTTP clients normalize `..` and `%2e%2e`
/// away before sending, and a server must be safe against those that do not.
async fn raw(server: &TestServer, token: &str, method: &str, target: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let body = "out";
    let head = format!(
        "{method} {target} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        server.addr,
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

async fn names_that_could_escape_are_refused(s3: bool) {
    let (server, owner) = start(s3).await;
    assert_eq!(put(&owner, &file_url(&server, "test", "inside.txt"), b"in".to_vec(), "text/plain").await.status(), StatusCode::CREATED);
    let token = owner.run("mutation { createApiToken(input: { name: \"files\" }) { token } }", json!({})).await.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "../escape.txt",
        "a/../../escape.txt",
        "..%2fescape.txt",
        "%2e%2e%2fescape.txt",
        "%2E%2E/escape.txt",
        "a/%2e%2e/%2e%2e/escape.txt",
        "%2fabs.txt",
        "a%5c..%5cb.txt",
        "..%5c..%5cescape.txt",
        "nul%00.txt",
        "a//b.txt",
        "./a.txt",
        ".serverkit-folder",
        "x%0a.txt",
    ] {
        for method in ["PUT", "GET"] {
            let (status, text) = raw(&server, &token, method, &format!("/admin/files/test/{path}")).await;
            assert_eq!(status, 400, "{method} {path}: {text}");
            assert!(text.contains("BAD_USER_INPUT"), "{method} {path}: {text}");
        }
    }
    for (query, variables) in [
        ("mutation($p: String!) { createFolder(environment: \"test\", path: $p) }", json!({ "p": "../up" })),
        ("mutation($p: String!) { moveFile(environment: \"test\", from: \"inside.txt\", to: $p) { path } }", json!({ "p": "/etc/x" })),
        ("mutation($p: String!) { deleteFolder(environment: \"test\", path: $p) }", json!({ "p": ".." })),
    ] {
        assert_eq!(owner.run(query, variables).await.code(), "BAD_USER_INPUT");
    }
    // Nothing landed outside the environment's folder.
    let root = listing(&owner, "test", "").await;
    assert_eq!(names(&root), ["inside.txt"]);
    assert_eq!(root["folders"], json!([]));
    if !s3 {
        let store = server.data_dir().join("files");
        let top: Vec<String> = std::fs::read_dir(&store).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(top, ["envs"], "files outside envs/: {top:?}");
    }
}

async fn size_limits_and_the_quota_refuse_before_storing(s3: bool) {
    let (server, owner) = start(s3).await;
    owner
        .run("mutation { updateEnvironment(slug: \"test\", input: { limits: { maxFileBytes: 1000, fileQuotaBytes: 2500 } }) { limits { maxFileBytes fileQuotaBytes } } }", json!({}))
        .await
        .data();
    let url = file_url(&server, "test", "big.bin");
    // Declared too large: refused before the body is read.
    let answer = put(&owner, &url, bytes_of(1001, 5), "application/octet-stream").await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json::<Value>().await.unwrap()["error"]["code"], "PAYLOAD_TOO_LARGE");
    // Undeclared (chunked): the stream is stopped and nothing is kept.
    let chunks = futures_util::stream::iter((0..4).map(|i| Ok::<_, std::io::Error>(bytes_of(400, i))));
    let answer = owner.http.put(&url).header("x-serverkit-csrf", "1").body(reqwest::Body::wrap_stream(chunks)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(owner.http.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert!(names(&listing(&owner, "test", "").await).is_empty());

    for name in ["one.bin", "two.bin"] {
        assert_eq!(put(&owner, &file_url(&server, "test", name), bytes_of(1000, 6), "application/octet-stream").await.status(), StatusCode::CREATED);
    }
    let answer = put(&owner, &file_url(&server, "test", "three.bin"), bytes_of(1000, 7), "application/octet-stream").await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json::<Value>().await.unwrap()["error"]["code"], "QUOTA_EXCEEDED");
    // Replacing a file counts only the difference.
    assert_eq!(put(&owner, &file_url(&server, "test", "two.bin"), bytes_of(900, 8), "application/octet-stream").await.status(), StatusCode::CREATED);
    let root = listing(&owner, "test", "").await;
    assert_eq!(root["usedBytes"], 1900);
    assert_eq!(root["quotaBytes"], 2500);
    assert_eq!(names(&root), ["one.bin", "two.bin"]);
}

async fn folders_list_move_and_delete(s3: bool) {
    let (server, owner) = start(s3).await;
    assert_eq!(owner.run("mutation { createFolder(environment: \"test\", path: \"empty/inner\") }", json!({})).await.data()["createFolder"], "empty/inner");
    assert_eq!(listing(&owner, "test", "").await["folders"], json!(["empty"]));
    assert_eq!(listing(&owner, "test", "empty").await["folders"], json!(["empty/inner"]));
    for i in 0..5 {
        put(&owner, &file_url(&server, "test", &format!("album/p{i}.txt")), format!("photo {i}").into_bytes(), "text/plain").await;
    }
    put(&owner, &file_url(&server, "test", "album/deep/x.txt"), b"deep".to_vec(), "text/plain").await;

    // Pages of two, by name, until the end.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = owner
            .run(
                "query($a: String) { files(environment: \"test\", folder: \"album\", first: 2, after: $a) { folders files { edges { node { name } } pageInfo { hasNextPage endCursor } } } }",
                json!({ "a": after }),
            )
            .await
            .data()["files"]
            .clone();
        assert_eq!(page["folders"], json!(["album/deep"]));
        seen.extend(names(&page));
        if !page["files"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["files"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ["p0.txt", "p1.txt", "p2.txt", "p3.txt", "p4.txt"]);

    let moved =
        owner.run("mutation { moveFile(environment: \"test\", from: \"album/p0.txt\", to: \"kept/renamed.txt\") { path size } }", json!({})).await.data();
    assert_eq!(moved["moveFile"], json!({ "path": "kept/renamed.txt", "size": 7 }));
    assert_eq!(owner.http.get(file_url(&server, "test", "kept/renamed.txt")).send().await.unwrap().text().await.unwrap(), "photo 0");
    let taken = owner.run("mutation { moveFile(environment: \"test\", from: \"album/p1.txt\", to: \"kept/renamed.txt\") { path } }", json!({})).await;
    assert_eq!(taken.code(), "CONFLICT");

    let summary = owner.run("{ folderSummary(environment: \"test\", path: \"album\") { files bytes } }", json!({})).await.data();
    assert_eq!(summary["folderSummary"], json!({ "files": 5, "bytes": 4 * 7 + 4 }));
    assert_eq!(owner.run("mutation { deleteFolder(environment: \"test\", path: \"album\") }", json!({})).await.data()["deleteFolder"], 5);
    assert_eq!(owner.run("mutation { deleteFile(environment: \"test\", path: \"kept/renamed.txt\") }", json!({})).await.data()["deleteFile"], true);
    let root = listing(&owner, "test", "").await;
    assert_eq!(root["folders"], json!(["empty"]));
    assert_eq!(root["usedBytes"], 0);
    assert_eq!(owner.run("mutation { deleteFile(environment: \"test\", path: \"kept/renamed.txt\") }", json!({})).await.code(), "NOT_FOUND");
    // The files of table rows are changed through their rows only.
    let answer = put(&owner, &file_url(&server, "test", "tables/posts/1/cover/x.png"), b"x".to_vec(), "image/png").await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}

async fn cookies_need_the_csrf_header_and_production_is_closed(s3: bool) {
    let (server, owner) = start(s3).await;
    let url = file_url(&server, "test", "a.txt");
    let bare = owner.http.put(&url).body("x").send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    let cross = owner.http.put(&url).header("x-serverkit-csrf", "1").header(header::ORIGIN, "https://evil.example").body("x").send().await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let form = reqwest::multipart::Form::new().text("operations", "{}").text("map", "{}");
    let no_header = owner.http.post(server.url("/graphql")).multipart(form).send().await.unwrap();
    assert_eq!(no_header.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Signed out: nothing, not even a 404 that tells what exists.
    let stranger = reqwest::Client::new();
    assert_eq!(stranger.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stranger.put(&url).header("x-serverkit-csrf", "1").body("x").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // A viewer reads but does not write.
    assert_eq!(put(&owner, &url, b"hello".to_vec(), "text/plain").await.status(), StatusCode::CREATED);
    let viewer = server.admin_with_role("VIEWER").await;
    assert_eq!(viewer.http.get(&url).send().await.unwrap().text().await.unwrap(), "hello");
    assert_eq!(put(&viewer, &url, b"mine".to_vec(), "text/plain").await.status(), StatusCode::FORBIDDEN);

    // Production keeps file management off by default.
    let closed = owner.run("{ files(environment: \"production\") { folder } }", json!({})).await;
    assert_eq!(closed.code(), "FORBIDDEN");
    let answer = put(&owner, &file_url(&server, "production", "a.txt"), b"x".to_vec(), "text/plain").await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(answer.json::<Value>().await.unwrap()["error"]["code"], "FORBIDDEN");
    owner.run("mutation { updateEnvironment(slug: \"production\", input: { capabilities: { fileManagement: true } }) { slug } }", json!({})).await.data();
    assert_eq!(put(&owner, &file_url(&server, "production", "a.txt"), b"x".to_vec(), "text/plain").await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn uploads_left_staged_by_a_crash_are_swept() {
    let (server, owner) = start(false).await;
    let staging = server.data_dir().join("files/envs/test/.serverkit-staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("0190-left-behind"), b"half an upload").unwrap();
    put(&owner, &file_url(&server, "test", "kept.txt"), b"kept".to_vec(), "text/plain").await;
    // Younger than the age given: kept.
    server.app.files.sweep_staging(std::time::Duration::from_secs(3600)).await;
    assert!(staging.join("0190-left-behind").exists());
    server.app.files.sweep_staging(std::time::Duration::ZERO).await;
    assert!(!staging.join("0190-left-behind").exists(), "the staged upload is still there");
    // Hidden from listings all along, and the admin's files untouched.
    assert_eq!(names(&listing(&owner, "test", "").await), ["kept.txt"]);
}
