//! Realtime delivery probe (bench/realtime.sh runs it against a release
//! ServerKit that serves the blog with two watch routers).
//!
//! `public`: N anonymous subscribers on `GET /posts/live`; one writer
//! inserts published posts at RATE per second for SECONDS. Every subscriber
//! must receive every insert.
//! `owner`: N end users (signed up here) each on `GET /posts/mine/live`
//! (owner only); the writer inserts as each of them in turn. Every
//! subscriber must receive exactly its own inserts: none lost, none leaked.
//!
//! Latency is the time from the row's `created_at` (taken by the server as
//! it inserts) to the event read here, on the same clock (one machine).
//! Prints one JSON object.
//!
//! With `SERVER_PID` (and `CLK_TCK`, default 100) it also reports the
//! server's CPU from the moment all subscribers are attached to the end of
//! delivery (sign-ups and connects excluded) per delivered event, and its
//! peak RSS over the same.
//!
//! usage: serverkit-realtime-bench ENV_URL public|owner N RATE SECONDS

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

/// What the probe reads of an event's row: when it was written, and whose it is.
#[derive(serde::Deserialize)]
struct Probed<'a> {
    #[serde(borrow)]
    created_at: &'a str,
    owner: Option<i64>,
}

struct Stats {
    received: AtomicU64,
    /// Events whose row was not this subscriber's (owner mode).
    leaked: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
}

fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

async fn sign_up(http: &reqwest::Client, base: &str, email: &str) -> (String, i64) {
    loop {
        let response =
            http.post(format!("{base}/auth/signup")).json(&json!({ "email": email, "password": "realtime bench password" })).send().await.expect("sign-up");
        if response.status() == 429 {
            let wait = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        let body: Value = response.json().await.expect("sign-up answer");
        return (body["token"].as_str().expect("a token").to_owned(), body["user"]["id"].as_i64().expect("an id"));
    }
}

/// One subscriber: opens the stream, says when it is attached, counts events.
async fn subscribe(http: reqwest::Client, url: String, token: Option<String>, me: Option<i64>, stats: Arc<Stats>, attached: tokio::sync::mpsc::Sender<()>) {
    let mut request = http.get(&url).header("accept", "text/event-stream");
    if let Some(token) = &token {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.expect("stream");
    assert_eq!(response.status(), 200, "{url}: {}", response.status());
    let _ = attached.send(()).await;
    // Bytes as they come, consumed frame by frame in place: the probe shares
    // the CPUs with the server, so it parses only what it checks.
    let mut buffer: Vec<u8> = Vec::new();
    let mut latencies = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = chrono::Utc::now();
        buffer.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = buffer[start..].windows(2).position(|w| w == b"\n\n").map(|at| start + at) {
            let frame = &buffer[start..end];
            start = end + 2;
            let Some(data) = frame.split(|b| *b == b'\n').find_map(|line| line.strip_prefix(b"data:")) else { continue };
            let Ok(row) = serde_json::from_slice::<Probed>(data) else { continue };
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(row.created_at) {
                latencies.push((now - at.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0).max(0) as u64);
            }
            stats.received.fetch_add(1, Ordering::Relaxed);
            if me.is_some_and(|me| row.owner != Some(me)) {
                stats.leaked.fetch_add(1, Ordering::Relaxed);
            }
            if latencies.len() >= 256 {
                stats.latencies_us.lock().unwrap().append(&mut latencies);
            }
        }
        buffer.drain(..start);
        // Flushed often enough for the report to read them at the end.
        if !latencies.is_empty() && buffer.is_empty() {
            stats.latencies_us.lock().unwrap().append(&mut latencies);
        }
    }
}

/// The server's user + system CPU so far, in seconds.
fn server_cpu(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) : utime is the 14th field of the line.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let hz: f64 = std::env::var("CLK_TCK").ok().and_then(|v| v.parse().ok()).unwrap_or(100.0);
    Some(ticks / hz)
}

fn server_peak_rss_mb(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, mode, n, rate, seconds] = args.as_slice() else {
        eprintln!("usage: serverkit-realtime-bench ENV_URL public|owner N RATE SECONDS");
        std::process::exit(2);
    };
    let (n, rate, seconds): (usize, u64, u64) = (n.parse().unwrap(), rate.parse().unwrap(), seconds.parse().unwrap());
    let owner = mode == "owner";
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let stats = Arc::new(Stats { received: AtomicU64::new(0), leaked: AtomicU64::new(0), latencies_us: Mutex::new(Vec::new()) });

    // Callers: N users (owner), or one writer (public).
    let users: Vec<(String, i64)> = if owner {
        let mut users = Vec::with_capacity(n);
        let all: Vec<usize> = (0..n).collect();
        for chunk in all.chunks(8) {
            let signed = chunk.iter().copied().map(|i| {
                let (http, base) = (http.clone(), base.clone());
                async move { sign_up(&http, &base, &format!("rt-{i}@bench.example")).await }
            });
            for handle in signed.map(tokio::spawn).collect::<Vec<_>>() {
                users.push(handle.await.unwrap());
            }
        }
        users
    } else {
        vec![sign_up(&http, base, "rt-writer@bench.example").await]
    };

    let (attached_tx, mut attached_rx) = tokio::sync::mpsc::channel(n);
    let started_connecting = Instant::now();
    for i in 0..n {
        let (url, token, me) = match owner {
            true => (format!("{base}/posts/mine/live"), Some(users[i].0.clone()), Some(users[i].1)),
            false => (format!("{base}/posts/live"), None, None),
        };
        // Each subscriber on its own connection, as browsers are.
        let client = reqwest::Client::builder().build().unwrap();
        tokio::spawn(subscribe(client, url, token, me, stats.clone(), attached_tx.clone()));
    }
    for _ in 0..n {
        tokio::time::timeout(Duration::from_secs(60), attached_rx.recv()).await.expect("all attached within 60 s");
    }
    let connect_s = started_connecting.elapsed().as_secs_f64();
    let server = std::env::var("SERVER_PID").ok();
    // Peak RSS from here on (the kernel resets VmHWM to the current RSS).
    if let Some(pid) = &server {
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }
    let cpu_before = server.as_deref().and_then(server_cpu);

    // The writer: RATE inserts per second for SECONDS, each awaited.
    let total = rate * seconds;
    let writes_started = Instant::now();
    let mut writes = tokio::task::JoinSet::new();
    let failed = Arc::new(AtomicU64::new(0));
    for i in 0..total {
        let due = writes_started + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let token = users[i as usize % users.len()].0.clone();
        let (http, base, failed) = (http.clone(), base.clone(), failed.clone());
        writes.spawn(async move {
            let body = json!({ "title": format!("live {i}"), "body": "b", "published": true });
            match http.post(format!("{base}/posts")).bearer_auth(token).json(&body).send().await {
                Ok(r) if r.status().is_success() => {}
                _ => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while writes.join_next().await.is_some() {}
    let write_s = writes_started.elapsed().as_secs_f64();
    // What each subscriber must get: every insert (public), its own (owner).
    let expected = if owner { total } else { total * n as u64 } - failed.load(Ordering::Relaxed) * if owner { 1 } else { n as u64 };
    let deadline = Instant::now() + Duration::from_secs(15);
    while stats.received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu = server.as_deref().and_then(server_cpu).zip(cpu_before).map(|(after, before)| after - before);
    let peak_rss_mb = server.as_deref().and_then(server_peak_rss_mb);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut latencies = std::mem::take(&mut *stats.latencies_us.lock().unwrap());
    latencies.sort_unstable();
    let received = stats.received.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({
            "mode": mode, "subscribers": n, "rate_per_s": rate, "seconds": seconds,
            "writes": total, "writes_failed": failed.load(Ordering::Relaxed), "write_s": write_s, "connect_s": connect_s,
            "expected_events": expected, "received_events": received,
            "lost": expected.saturating_sub(received), "extra": received.saturating_sub(expected),
            "leaked": stats.leaked.load(Ordering::Relaxed),
            "server_cpu_s": cpu,
            "server_cpu_us_per_event": cpu.map(|s| s * 1e6 / received.max(1) as f64),
            "server_peak_rss_mb": peak_rss_mb,
            "latency_ms": { "samples": latencies.len(), "p50": percentile(&latencies, 0.5), "p95": percentile(&latencies, 0.95), "p99": percentile(&latencies, 0.99), "max": percentile(&latencies, 1.0) },
        })
    );
    std::process::exit(0);
}
