//! A stream of events (a watch router's, as Server-Sent Events or on a
//! WebSocket) is one request record, written when the stream closes: how
//! long it was open, the bytes and events it sent, and why it ended.

use std::{
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Instant,
};

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};

use crate::logs::{Logs, RequestRecord, StreamClose, StreamEnd};

/// What the stream counts as it goes, and its record until it closes.
#[derive(Default)]
pub struct StreamTally {
    events: AtomicU64,
    bytes: AtomicU64,
    closed: Mutex<Option<StreamClose>>,
    /// The record made when the stream opened, written when it closes.
    held: Mutex<Option<(RequestRecord, Logs, Instant)>>,
    /// A WebSocket: its task says when it closed (the response's body is empty).
    socket: bool,
}

impl StreamTally {
    pub fn for_socket() -> Self {
        Self { socket: true, ..Self::default() }
    }

    pub fn is_socket(&self) -> bool {
        self.socket
    }

    pub fn sent(&self) {
        self.events.fetch_add(1, Ordering::Relaxed);
    }

    pub fn wrote(&self, bytes: usize) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Why the server ends the stream; a stream the client leaves says nothing.
    pub fn close(&self, why: StreamClose) {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    /// Why the server ended the stream, if it did.
    pub fn closed_by(&self) -> Option<StreamClose> {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the stream's record (made as it opened) until `finish`.
    pub fn hold(&self, record: RequestRecord, logs: Logs, started: Instant) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some((record, logs, started));
    }

    /// The stream closed: its record, if one is kept, goes to the log.
    pub fn finish(&self) {
        let Some((mut record, logs, started)) = self.held.lock().unwrap_or_else(|e| e.into_inner()).take() else { return };
        let closed_by = self.closed.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(StreamClose::Client);
        record.duration_us = started.elapsed().as_micros() as u64;
        record.response_bytes = self.bytes.load(Ordering::Relaxed);
        record.stream = Some(StreamEnd { events: self.events.load(Ordering::Relaxed), closed_by });
        logs.submit(record);
    }
}

/// A Server-Sent Events body that counts what it sends and finishes the
/// stream's record when it is dropped (the client went, or the stream ended).
pub struct RecordedStream {
    inner: Body,
    tally: Arc<StreamTally>,
}

impl RecordedStream {
    pub fn wrap(inner: Body, tally: Arc<StreamTally>) -> Body {
        Body::new(Self { inner, tally })
    }
}

impl HttpBody for RecordedStream {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.tally.wrote(data.len());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for RecordedStream {
    fn drop(&mut self) {
        self.tally.finish();
    }
}
