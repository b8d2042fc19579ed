//! A stream of events (a watch router's) is one request record, written
//! when the stream closes: how long it was open, the bytes and events it
//! sent, and why it ended.

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

/// What the stream counts as it goes; the record reads it at close.
#[derive(Default)]
pub struct StreamTally {
    events: AtomicU64,
    closed: Mutex<Option<StreamClose>>,
}

impl StreamTally {
    pub fn sent(&self) {
        self.events.fetch_add(1, Ordering::Relaxed);
    }

    /// Why the server ends the stream; a stream the client leaves says nothing.
    pub fn close(&self, why: StreamClose) {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    fn end(&self) -> StreamEnd {
        let closed_by = self.closed.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(StreamClose::Client);
        StreamEnd { events: self.events.load(Ordering::Relaxed), closed_by }
    }
}

/// The stream's body, which hands its record to the log when dropped.
pub struct RecordedStream {
    inner: Body,
    record: Option<(RequestRecord, Logs)>,
    started: Instant,
    bytes: u64,
    tally: Arc<StreamTally>,
}

impl RecordedStream {
    pub fn wrap(inner: Body, record: RequestRecord, logs: Logs, started: Instant, tally: Arc<StreamTally>) -> Body {
        Body::new(Self { inner, record: Some((record, logs)), started, bytes: 0, tally })
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
            this.bytes += data.len() as u64;
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
        if let Some((mut record, logs)) = self.record.take() {
            record.duration_us = self.started.elapsed().as_micros() as u64;
            record.response_bytes = self.bytes;
            record.stream = Some(self.tally.end());
            logs.submit(record);
        }
    }
}
