//! A watch router's stream that a test case keeps open while its later
//! steps run: its events read as they come, then checked against the events
//! the step expects, in order. The stream closes when the case ends.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::{sync::watch, task::JoinHandle, time::Instant};

use super::compare::{Mismatch, render, subset_mismatch};
use crate::workspace::test_case::ExpectedEvent;

pub struct OpenStream {
    /// The step's `as`: later steps read `${steps.<as>.events}`.
    pub name: Option<String>,
    label: String,
    expected: Vec<ExpectedEvent>,
    /// `{"id", "event", "data"}` of each event so far.
    seen: Arc<Mutex<Vec<Value>>>,
    /// How many arrived, and whether the stream ended.
    progress: watch::Receiver<(usize, bool)>,
    reader: JoinHandle<()>,
}

impl OpenStream {
    pub fn open(label: String, name: Option<String>, expected: Vec<ExpectedEvent>, body: Body) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (progress_tx, progress) = watch::channel((0, false));
        let reader = tokio::spawn({
            let seen = seen.clone();
            async move {
                let mut events = body.into_data_stream().eventsource();
                while let Some(Ok(event)) = events.next().await {
                    let data = serde_json::from_str(&event.data).unwrap_or(Value::String(event.data));
                    let count = {
                        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                        seen.push(json!({ "id": event.id, "event": event.event, "data": data }));
                        seen.len()
                    };
                    progress_tx.send_replace((count, false));
                }
                progress_tx.send_modify(|(_, ended)| *ended = true);
            }
        });
        Self { name, label, expected, seen, progress, reader }
    }

    /// The events so far, as later steps' templates read them.
    pub fn events(&self) -> Value {
        Value::Array(self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// Waits until the expected events arrived, the stream ended, or `deadline`.
    pub async fn settle(&mut self, deadline: Instant) {
        let wanted = self.expected.len();
        let _ = tokio::time::timeout_at(deadline, self.progress.wait_for(|(count, ended)| *count >= wanted || *ended)).await;
    }

    /// Where the events differ from the expected ones (templates rendered in `scope`).
    pub fn check(&self, scope: &[Value]) -> Option<Mismatch> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mismatch = |what: String, expected: Value, actual: Value| Some(Mismatch { step: self.label.clone(), what, expected, actual });
        for (index, want) in self.expected.iter().enumerate() {
            let Some(got) = seen.get(index) else {
                let expected = json!({ "event": want.event.as_str(), "data": want.data });
                let within = crate::workspace::test_case::EVENTS_WITHIN.as_secs();
                return mismatch(
                    format!("events/{index}"),
                    expected,
                    json!(format!("{} event(s) within {within} s: {}", seen.len(), Value::Array(seen.clone()))),
                );
            };
            if got["event"] != want.event.as_str() {
                return mismatch(format!("events/{index}/event"), json!(want.event.as_str()), got["event"].clone());
            }
            let Some(data) = &want.data else { continue };
            match render(data, scope) {
                Ok(data) => {
                    if let Some(path) = subset_mismatch(&data, &got["data"], String::new()) {
                        let actual = got["data"].pointer(&path).cloned().unwrap_or(Value::Null);
                        return mismatch(format!("events/{index}/data{path}"), data.pointer(&path).cloned().unwrap_or(data.clone()), actual);
                    }
                }
                Err(message) => return mismatch(format!("events/{index}/data"), json!("a data template that renders"), json!(message)),
            }
        }
        None
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        // Dropping the body closes the stream and gives its seat back.
        self.reader.abort();
    }
}
