//! A request body refused before it is read whole (413 over a file column's
//! `maxBytes` or the body limit, 415 for a type the column does not take)
//! reaches the client as its JSON error, never as a connection reset: the
//! server reads the rest of the body (within a bound) before it answers.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::{
    Client, StatusCode,
    multipart::{Form, Part},
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    blog::{Blog, blog},
    common::{REQUEST_TIMEOUT, TestServer},
};

const KIB: usize = 1024;
/// The cover's `maxBytes`, and the environment's `maxBodyBytes`.
const LIMIT: usize = 64 * KIB;
/// How far each body goes past what it is refused at.
const OVER: usize = 300 * KIB;
/// As far, for a client that writes it all before reading: more than the
/// kernel's buffers on loopback hold (the client is still writing when the
/// answer comes), less than the server reads on (`web::drain::DRAIN_BYTES`).
const RAW_OVER: usize = 3 * 1024 * KIB;

/// The blog with a cover of at most `LIMIT` bytes and bodies of at most `LIMIT`.
async fn small_limits() -> (Blog, String) {
    let mut document = blog();
    let posts = document["tables"].as_array_mut().unwrap().iter_mut().find(|t| t["name"] == "posts").unwrap();
    let cover = posts["columns"].as_array_mut().unwrap().iter_mut().find(|c| c["name"] == "cover").unwrap();
    cover["maxBytes"] = json!(LIMIT);
    let blog = Blog::start_with_document(TestServer::start().await, document).await;
    blog.owner
        .run("mutation($l: Int!) { updateEnvironment(slug: \"test\", input: { limits: { maxBodyBytes: $l } }) { slug } }", json!({ "l": LIMIT }))
        .await
        .data();
    let (token, _) = blog.user("uploader@example.com").await;
    (blog, token)
}

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The four refusals, by `n % 4`: what the body holds, and the status and code it is answered with.
enum Refused {
    /// A cover over its `maxBytes`.
    FileTooLarge,
    /// A cover of a type it does not take.
    FileType,
    /// Text fields over the body limit.
    TextTooLarge,
    /// A JSON body over the body limit.
    JsonTooLarge,
}

impl Refused {
    fn nth(n: usize) -> Self {
        [Self::FileTooLarge, Self::FileType, Self::TextTooLarge, Self::JsonTooLarge].into_iter().nth(n % 4).expect("four kinds")
    }

    fn answer(&self) -> (StatusCode, &'static str) {
        match self {
            Self::FileType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE"),
            _ => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        }
    }

    fn request(&self, http: &Client, url: &str, token: &str, n: usize) -> reqwest::RequestBuilder {
        let form = || Form::new().text("title", format!("upload {n}")).text("published", "true");
        let request = http.post(url).bearer_auth(token);
        match self {
            Self::FileTooLarge => request.multipart(form().part("cover", Part::bytes(bytes(LIMIT + OVER)).file_name("big.png").mime_str("image/png").unwrap())),
            Self::FileType => request.multipart(form().part("cover", Part::bytes(bytes(OVER)).file_name("page.html").mime_str("text/html").unwrap())),
            Self::TextTooLarge => request.multipart(form().text("body", "x".repeat(LIMIT + OVER))),
            Self::JsonTooLarge => request.json(&json!({ "title": "json", "body": "y".repeat(LIMIT + OVER) })),
        }
    }

    /// The same body as raw bytes, `over` past its limit, with its content type.
    fn raw(&self, n: usize, over: usize) -> (String, Vec<u8>) {
        const BOUNDARY: &str = "refused-body-boundary";
        let field = |name: &str, file: Option<(&str, &str)>, value: &[u8]| {
            let mut part = format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"").into_bytes();
            if let Some((file_name, kind)) = file {
                part.extend_from_slice(format!("; filename=\"{file_name}\"\r\ncontent-type: {kind}").as_bytes());
            }
            part.extend_from_slice(b"\r\n\r\n");
            part.extend_from_slice(value);
            part.extend_from_slice(b"\r\n");
            part
        };
        let multipart = |last: Vec<u8>| {
            let mut body = field("title", None, format!("raw {n}").as_bytes());
            body.extend(field("published", None, b"true"));
            body.extend(last);
            body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
            (format!("multipart/form-data; boundary={BOUNDARY}"), body)
        };
        match self {
            Self::FileTooLarge => multipart(field("cover", Some(("big.png", "image/png")), &bytes(LIMIT + over))),
            Self::FileType => multipart(field("cover", Some(("page.html", "text/html")), &bytes(over))),
            Self::TextTooLarge => multipart(field("body", None, "x".repeat(LIMIT + over).as_bytes())),
            Self::JsonTooLarge => ("application/json".into(), json!({ "title": "json", "body": "y".repeat(LIMIT + over) }).to_string().into_bytes()),
        }
    }
}

/// An answer's status and JSON body, or what went wrong getting it.
type Answer = Result<(StatusCode, Value), String>;

/// Whether `answer` is the JSON error `expected`.
fn is_refusal((status, body): &(StatusCode, Value), expected: (StatusCode, &str)) -> bool {
    *status == expected.0 && body["error"]["code"] == expected.1 && body["error"]["message"].is_string()
}

#[tokio::test]
async fn refused_uploads_reach_every_client_as_json() {
    const REQUESTS: usize = 200;
    let (blog, token) = small_limits().await;
    let http = Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap();
    let url = blog.url("/posts");
    let outcomes: Vec<(usize, Answer)> = futures_util::stream::iter(0..REQUESTS)
        .map(|n| {
            let request = Refused::nth(n).request(&http, &url, &token, n);
            async move {
                let answer = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        response.json::<Value>().await.map(|body| (status, body)).map_err(|err| format!("reading the answer: {err:?}"))
                    }
                    Err(err) => Err(format!("sending: {err:?}")),
                };
                (n, answer)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert_eq!(outcomes.len(), REQUESTS);
    let wrong: Vec<String> = outcomes
        .iter()
        .filter(|(n, answer)| !answer.as_ref().is_ok_and(|answer| is_refusal(answer, Refused::nth(*n).answer())))
        .map(|(n, answer)| format!("request {n} (expected {:?}): {answer:?}", Refused::nth(*n).answer()))
        .collect();
    assert!(wrong.is_empty(), "{} of {REQUESTS} refusals did not reach the client as JSON:\n{}", wrong.len(), wrong.join("\n"));
    let (_, posts) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(posts["items"], json!([]), "nothing was created");
}

/// Sends `head` and then `body` as far as it goes, then reads the whole
/// answer (the request asks to close after it); the write's error, if any,
/// and the answer's status and JSON body.
async fn raw_exchange(server: &TestServer, head: String, body: &[u8]) -> (Option<std::io::ErrorKind>, Answer) {
    let exchange = async {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        let mut failed = stream.write_all(head.as_bytes()).await.err().map(|e| e.kind());
        for chunk in body.chunks(16 * KIB) {
            if failed.is_some() {
                break;
            }
            failed = stream.write_all(chunk).await.err().map(|e| e.kind());
        }
        let mut answer = Vec::new();
        let read = stream.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer).into_owned();
        let parsed = match (read, text.split_once("\r\n\r\n")) {
            (Ok(_), Some((head, body))) => {
                let status = head.split(' ').nth(1).and_then(|code| code.parse::<u16>().ok()).and_then(|code| StatusCode::from_u16(code).ok());
                match (status, serde_json::from_str::<Value>(body)) {
                    (Some(status), Ok(body)) => Ok((status, body)),
                    _ => Err(format!("not a JSON answer: {text:?}")),
                }
            }
            (read, _) => Err(format!("read {read:?}, got {text:?}")),
        };
        (failed, parsed)
    };
    tokio::time::timeout(Duration::from_secs(60), exchange).await.expect("the exchange ended within 60 s")
}

fn head(server: &TestServer, token: &str, content_type: &str, length: usize) -> String {
    format!(
        "POST /env/test/posts HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n",
        server.addr
    )
}

/// Many clients send the whole body before they read: the server must not
/// close under them (their write would fail, the answer unread).
#[tokio::test]
async fn a_client_that_sends_its_whole_body_first_reads_the_refusal() {
    let (blog, token) = small_limits().await;
    let mut wrong = Vec::new();
    for n in 0..40 {
        let refused = Refused::nth(n);
        let (content_type, body) = refused.raw(n, RAW_OVER);
        let (write, answer) = raw_exchange(&blog.server, head(&blog.server, &token, &content_type, body.len()), &body).await;
        if write.is_some() || !answer.as_ref().is_ok_and(|answer| is_refusal(answer, refused.answer())) {
            wrong.push(format!("request {n} (expected {:?}): write failed {write:?}, answer {answer:?}", refused.answer()));
        }
    }
    assert!(wrong.is_empty(), "{} of 40:\n{}", wrong.len(), wrong.join("\n"));
}

/// The rest of a body is read within bounds: a client that stops sending
/// still gets its answer, and one that announces far more than the bound is
/// answered without it.
#[tokio::test]
async fn reading_the_rest_is_bounded() {
    let (blog, token) = small_limits().await;
    let (content_type, body) = Refused::FileTooLarge.raw(0, OVER);
    // Announces 1 MiB more than it sends, then waits for the answer.
    let (write, answer) = raw_exchange(&blog.server, head(&blog.server, &token, &content_type, body.len() + 1024 * KIB), &body).await;
    assert_eq!(write, None);
    assert!(answer.as_ref().is_ok_and(|answer| is_refusal(answer, Refused::FileTooLarge.answer())), "{answer:?}");
    // Announces 1 GiB, sends the start of it.
    let started = tokio::time::Instant::now();
    let (_, answer) = raw_exchange(&blog.server, head(&blog.server, &token, &content_type, 1 << 30), &body[..LIMIT + 16 * KIB]).await;
    assert!(answer.as_ref().is_ok_and(|answer| is_refusal(answer, Refused::FileTooLarge.answer())), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(30), "answered without waiting for the announced gigabyte");
}
