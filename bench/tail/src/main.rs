//! Live-tail latency: sends `GET {url}/env/{env}/posts/{id}` at a steady rate
//! (open loop: request i leaves at start + i / rate, whatever the answers do)
//! while a graphql-transport-ws subscriber on `/graphql/ws` tails the
//! environment's request log. For every response it pairs the time the
//! response was received with the time the subscriber received the record
//! carrying the same `x-request-id`, and prints p50/p99/max of the
//! difference, and records received against requests sent.
//!
//! A benchmark, not a test: it prints figures and one `TAIL {json}` line; it
//! exits non-zero only when it cannot run at all.
//!
//! usage: serverkit-tail-bench --url http://127.0.0.1:PORT --token sk_… [--env test]
//!        [--rate 2000] [--duration 20] [--max-id 100000] [--drain 10]

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

struct Args {
    url: String,
    token: String,
    env: String,
    rate: f64,
    duration: f64,
    max_id: u64,
    drain: f64,
}

fn args() -> Args {
    let mut a = Args { url: String::new(), token: String::new(), env: "test".into(), rate: 2000.0, duration: 20.0, max_id: 100_000, drain: 10.0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| die(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--url" => a.url = value().trim_end_matches('/').to_owned(),
            "--token" => a.token = value(),
            "--env" => a.env = value(),
            "--rate" => a.rate = value().parse().unwrap_or_else(|_| die("--rate: a number")),
            "--duration" => a.duration = value().parse().unwrap_or_else(|_| die("--duration: seconds")),
            "--max-id" => a.max_id = value().parse().unwrap_or_else(|_| die("--max-id: a number")),
            "--drain" => a.drain = value().parse().unwrap_or_else(|_| die("--drain: seconds")),
            _ => die(&format!("unknown argument {flag}")),
        }
    }
    if a.url.is_empty() || a.token.is_empty() {
        die("--url and --token are required");
    }
    a
}

fn die(msg: &str) -> ! {
    eprintln!("tail-bench: {msg}");
    std::process::exit(2);
}

/// What the subscriber saw: record id → when its frame arrived.
#[derive(Default)]
struct Tail {
    seen: HashMap<String, Instant>,
    /// `next` payloads with errors (`LAGGED`: the server's broadcast dropped records for us).
    errors: Vec<Value>,
    closed: Option<String>,
}

#[tokio::main]
async fn main() {
    let a = args();
    let ws_url = format!("{}/graphql/ws", a.url.replacen("http", "ws", 1));
    let mut request = ws_url.as_str().into_client_request().unwrap_or_else(|e| die(&format!("bad url {ws_url}: {e}")));
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap_or_else(|e| die(&format!("WebSocket upgrade on {ws_url}: {e}")));
    socket.send(Message::text(json!({ "type": "connection_init", "payload": { "token": a.token } }).to_string())).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let v: Value = serde_json::from_str(&text).unwrap_or_default();
                match v["type"].as_str() {
                    Some("connection_ack") => break,
                    Some("ping") => continue,
                    _ => die(&format!("connection_init answered {text}")),
                }
            }
            Ok(Some(Ok(_))) => continue,
            other => die(&format!("no connection_ack: {other:?}")),
        }
    }
    let query = "subscription($e: String!) { requestLogTail(environment: $e) { id status } }";
    let subscribe = json!({ "id": "tail", "type": "subscribe", "payload": { "query": query, "variables": { "e": a.env } } });
    socket.send(Message::text(subscribe.to_string())).await.unwrap();

    // The subscriber: timestamps each frame as it is read, then parses it.
    let tail = Arc::new(Mutex::new(Tail::default()));
    let frames = Arc::new(AtomicU64::new(0));
    let (mut sink, mut stream) = socket.split();
    let (pong_tx, mut pong_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    tokio::spawn(async move {
        while pong_rx.recv().await.is_some() {
            if sink.send(Message::text(r#"{"type":"pong"}"#)).await.is_err() {
                break;
            }
        }
    });
    {
        let (tail, frames) = (tail.clone(), frames.clone());
        tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                let at = Instant::now();
                let text = match frame {
                    Ok(Message::Text(text)) => text,
                    Ok(Message::Close(close)) => {
                        tail.lock().unwrap().closed = Some(format!("{close:?}"));
                        break;
                    }
                    Ok(_) => continue,
                    Err(err) => {
                        tail.lock().unwrap().closed = Some(err.to_string());
                        break;
                    }
                };
                frames.fetch_add(1, Ordering::Relaxed);
                let v: Value = match serde_json::from_str(&text) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                match v["type"].as_str() {
                    Some("next") => {
                        let payload = &v["payload"];
                        let mut t = tail.lock().unwrap();
                        if let Some(id) = payload["data"]["requestLogTail"]["id"].as_str() {
                            t.seen.insert(id.to_owned(), at);
                        }
                        if payload.get("errors").is_some_and(|e| !e.is_null()) {
                            t.errors.push(payload["errors"].clone());
                        }
                    }
                    Some("ping") => {
                        let _ = pong_tx.send(());
                    }
                    Some("error") | Some("complete") => {
                        let mut t = tail.lock().unwrap();
                        t.closed = Some(text.to_string());
                        break;
                    }
                    _ => {}
                }
            }
        });
    }

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| die(&format!("HTTP client: {e}")));
    let prefix = format!("{}/env/{}/posts/", a.url, a.env);

    // graphql-transport-ws says nothing when a subscription is attached: probe
    // (and warm the connection pool) until a probe's record comes back.
    let attach_deadline = Instant::now() + Duration::from_secs(30);
    let mut probes = 0u32;
    'attach: loop {
        probes += 1;
        let response = client.get(format!("{prefix}1")).send().await.unwrap_or_else(|e| die(&format!("probe GET: {e}")));
        let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let _ = response.bytes().await;
        let Some(id) = id else { die("the probe's response has no x-request-id") };
        let until = Instant::now() + Duration::from_millis(500);
        while Instant::now() < until {
            if tail.lock().unwrap().seen.contains_key(&id) {
                break 'attach;
            }
            if let Some(closed) = tail.lock().unwrap().closed.clone() {
                die(&format!("the subscription ended before it started: {closed}"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if Instant::now() > attach_deadline {
            die(&format!("no record of {probes} probes reached the subscriber in 30 s"));
        }
    }

    // The load: request i leaves at start + i / rate, on a task of its own.
    let total = (a.rate * a.duration).round() as u64;
    let period = Duration::from_secs_f64(1.0 / a.rate);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(Option<String>, Instant, u16)>();
    let failed = Arc::new(AtomicU64::new(0));
    let mut max_lag = Duration::ZERO;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64;
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    for i in 0..total {
        let at = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(at).await;
        max_lag = max_lag.max(tokio::time::Instant::now().saturating_duration_since(at));
        // xorshift64*: a random id without a dependency.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        let id = seed.wrapping_mul(0x2545_F491_4F6C_DD1D) % a.max_id + 1;
        let (client, url, done, failed) = (client.clone(), format!("{prefix}{id}"), done_tx.clone(), failed.clone());
        tokio::spawn(async move {
            match client.get(url).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    match response.bytes().await {
                        Ok(_) => {
                            let _ = done.send((id, Instant::now(), status));
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Err(_) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    let sent_for = start.elapsed().as_secs_f64();
    drop(done_tx);
    let mut answered: Vec<(String, Instant)> = Vec::with_capacity(total as usize);
    let (mut ok, mut not_ok, mut no_id) = (0u64, 0u64, 0u64);
    while let Some((id, at, status)) = done_rx.recv().await {
        if (200..300).contains(&status) {
            ok += 1
        } else {
            not_ok += 1
        }
        match id {
            Some(id) => answered.push((id, at)),
            None => no_id += 1,
        }
    }
    let load_s = start.elapsed().as_secs_f64();

    // Wait for the stragglers (records still on their way), at most `drain` s.
    let drain_deadline = Instant::now() + Duration::from_secs_f64(a.drain);
    loop {
        let missing = {
            let t = tail.lock().unwrap();
            answered.iter().filter(|(id, _)| !t.seen.contains_key(id)).count()
        };
        if missing == 0 || Instant::now() > drain_deadline || tail.lock().unwrap().closed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let t = tail.lock().unwrap();
    let mut latencies_ms: Vec<f64> = Vec::with_capacity(answered.len());
    for (id, at) in &answered {
        if let Some(seen) = t.seen.get(id) {
            // Signed: a record may reach the subscriber before its response reaches the client.
            let ms = if seen >= at { seen.duration_since(*at).as_secs_f64() * 1e3 } else { -(at.duration_since(*seen).as_secs_f64() * 1e3) };
            latencies_ms.push(ms);
        }
    }
    latencies_ms.sort_by(|x, y| x.total_cmp(y));
    let pct = |p: f64| -> Option<f64> {
        if latencies_ms.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * latencies_ms.len() as f64).ceil() as usize;
        Some(latencies_ms[rank.clamp(1, latencies_ms.len()) - 1])
    };
    let received = latencies_ms.len() as u64;
    let negative = latencies_ms.iter().filter(|ms| **ms < 0.0).count() as u64;
    let failed = failed.load(Ordering::Relaxed);
    let lagged_missed: u64 = t.errors.iter().filter_map(|e| e[0]["extensions"]["missed"].as_u64()).sum();
    let summary = json!({
        "rate_target": a.rate,
        "duration_target_s": a.duration,
        "sent": total,
        "send_window_s": sent_for,
        "send_rate": total as f64 / sent_for,
        "max_send_lag_ms": max_lag.as_secs_f64() * 1e3,
        "load_s": load_s,
        "answered_2xx": ok,
        "answered_other": not_ok,
        "failed": failed,
        "without_request_id": no_id,
        "received": received,
        "missing": answered.len() as u64 - received,
        "received_equals_sent": received == total,
        "p50_ms": pct(50.0),
        "p90_ms": pct(90.0),
        "p99_ms": pct(99.0),
        "max_ms": latencies_ms.last().copied(),
        "min_ms": latencies_ms.first().copied(),
        "mean_ms": if latencies_ms.is_empty() { None } else { Some(latencies_ms.iter().sum::<f64>() / latencies_ms.len() as f64) },
        "negative": negative,
        "tail_frames": frames.load(Ordering::Relaxed),
        "tail_errors": t.errors.len(),
        "lagged_missed": lagged_missed,
        "tail_closed": t.closed,
        "probes": probes,
    });
    let f = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
    eprintln!(
        "tail-bench: sent {total} in {sent_for:.1} s ({:.0}/s, max send lag {:.1} ms), {ok} 2xx, {not_ok} other, {failed} failed; \
         records received {received}/{total}; response→record p50 {} ms, p99 {} ms, max {} ms ({negative} arrived before their response)",
        total as f64 / sent_for,
        max_lag.as_secs_f64() * 1e3,
        f(pct(50.0)),
        f(pct(99.0)),
        f(latencies_ms.last().copied()),
    );
    println!("TAIL {summary}");
}
