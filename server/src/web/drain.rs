//! Reading, before an answer goes out, what is left of a request body that
//! the handler did not read. A server that answers early (413 over a limit,
//! 415, 401 …) and closes while the client is still sending makes the kernel
//! reset the connection (unread data in a closed socket), and many clients
//! then report the reset instead of the answer: a client that sends its
//! whole body before reading fails its write. Reading on, within a bound,
//! lets the client finish sending and read the answer, and keeps the
//! connection for its next request.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, BodyDataStream, Bytes, HttpBody},
    extract::Request,
    http::{Version, header},
    middleware::Next,
    response::Response,
};
use futures_util::{Stream, StreamExt};
use tokio::sync::oneshot;

/// The most of a refused body read on: a few MiB, past which a close is
/// cheaper than reading (a client sending that much more is told by the reset).
pub const DRAIN_BYTES: u64 = 4 << 20;
/// The longest the answer waits for the rest of a body: a slow or stalled
/// client cannot hold it longer.
pub const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Middleware: hands the handler a body that gives back, when dropped, what
/// it did not read, and reads that (up to `DRAIN_BYTES`, for `DRAIN_TIME` at
/// most) before the handler's answer is sent.
pub async fn unread_body(request: Request, next: Next) -> Response {
    // HTTP/2 ends a stream on its own without closing the connection; a body
    // known to be empty has nothing left.
    if !matches!(request.version(), Version::HTTP_10 | Version::HTTP_11) || request.body().is_end_stream() {
        return next.run(request).await;
    }
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // A client waiting for `100 Continue` sends nothing until the body is read:
    // an answer without reading it needs no draining.
    let expects_continue = request.headers().get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let (parts, body) = request.into_parts();
    let (back, mut unread) = oneshot::channel();
    let watched = Watched { inner: Some(body.into_data_stream()), seen: 0, polled: false, back: Some(back) };
    let response = next.run(Request::from_parts(parts, Body::from_stream(watched))).await;
    // Still held somewhere (nothing in this server keeps it): left alone.
    if let Ok(rest) = unread.try_recv()
        && (rest.polled || !expects_continue)
        && declared.is_none_or(|length| length.saturating_sub(rest.seen) <= DRAIN_BYTES)
    {
        drain(rest.stream).await;
    }
    response
}

/// What a handler left of a body.
struct Unread {
    stream: BodyDataStream,
    /// Bytes the handler read.
    seen: u64,
    /// Whether the handler asked for any of it.
    polled: bool,
}

/// A request body that, dropped before its end, gives its rest back.
struct Watched {
    inner: Option<BodyDataStream>,
    seen: u64,
    polled: bool,
    back: Option<oneshot::Sender<Unread>>,
}

impl Stream for Watched {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.polled = true;
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        let next = inner.poll_next_unpin(cx);
        match &next {
            Poll::Ready(Some(Ok(data))) => this.seen += data.len() as u64,
            // Read to its end (or failed): nothing to give back.
            Poll::Ready(None | Some(Err(_))) => this.inner = None,
            Poll::Pending => {}
        }
        next
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let (Some(stream), Some(back)) = (self.inner.take(), self.back.take()) {
            // The middleware may be gone (a cancelled request): then nobody drains.
            let _ = back.send(Unread { stream, seen: self.seen, polled: self.polled });
        }
    }
}

/// Reads and discards `stream` to its end, `DRAIN_BYTES` or `DRAIN_TIME`.
async fn drain(mut stream: BodyDataStream) {
    let reading = async {
        let mut read = 0u64;
        while let Some(Ok(data)) = stream.next().await {
            read += data.len() as u64;
            if read > DRAIN_BYTES {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, reading).await;
}
