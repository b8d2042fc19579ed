//! Live delivery: one reader per environment reads the feed while anyone
//! listens and broadcasts each event once to every subscriber. It reads when
//! a write commits: SQLite's writer tells it; on PostgreSQL each committing
//! transaction notifies `_sk_feed` (any replica's, see `ddl`) and the
//! cluster listener hands it on (`Feeds::committed`). A poll covers what
//! nothing told of (another process on SQLite, a notification lost while
//! the listener reconnected). A subscriber
//! that falls behind the broadcast (or comes back with an old cursor) reads
//! the feed itself until it is level again, then listens: none is dropped,
//! none gets an event twice or out of order.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};

use super::{Cursor, Shared, read};
use crate::databases::DataDatabases;

/// How often the reader looks for new events while anyone listens, where
/// nothing tells it of commits, or while committed events wait below the
/// PostgreSQL horizon (`read`).
const POLL: Duration = Duration::from_millis(20);
/// How often it looks when commits are notified: only for a lost notification.
const NOTIFIED_POLL: Duration = Duration::from_millis(250);
/// After a read that found events, the reader gathers commits this long
/// before it reads again: under a steady stream of writes each subscriber
/// then gets a few events per write to its socket rather than one (the
/// socket writes were most of what delivery cost), for at most this much
/// more latency. The first event after a quiet spell goes at once.
const GATHER: Duration = Duration::from_millis(10);
/// Events read at once (by the reader, and by a subscriber catching up).
const PAGE: u64 = 500;
/// Events committed before a subscription began that it remembers to pass over.
const SKIPPED_AT_MOST: u64 = 10_000;
/// Events a subscriber may be behind the reader before it reads the feed itself.
const BROADCAST_CAPACITY: usize = 4096;

/// Every environment's feed reader, started when the first subscriber comes.
#[derive(Clone)]
pub struct Feeds {
    databases: DataDatabases,
    open: Arc<Mutex<HashMap<String, Arc<Feed>>>>,
}

impl Feeds {
    pub fn new(databases: DataDatabases) -> Self {
        Self { databases, open: Arc::default() }
    }

    /// `slug`'s feed (its reader runs while it has subscribers).
    pub fn of(&self, slug: &str) -> Arc<Feed> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.entry(slug.to_owned())
            .or_insert_with(|| {
                let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
                Arc::new(Feed {
                    slug: slug.to_owned(),
                    source: Source::Environment(self.databases.clone()),
                    sender,
                    reading: Mutex::new(None),
                    seats: Mutex::default(),
                    committed: Committed::default(),
                })
            })
            .clone()
    }

    /// A transaction `tx` that wrote to the feed in PostgreSQL schema
    /// `schema` committed (a `_sk_feed` notification): its reader reads.
    pub fn committed(&self, schema: &str, tx: u64) {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let feed = open.iter().find(|(slug, _)| crate::environments::DataPlacement::schema_name(slug) == schema).map(|(_, feed)| feed);
        if let Some(feed) = feed {
            feed.committed.latest.fetch_max(tx, std::sync::atomic::Ordering::Relaxed);
            feed.committed.notify.notify_one();
        }
    }

    /// Stops the reader of a deleted environment.
    pub fn forget(&self, slug: &str) {
        if let Some(feed) = self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(slug)
            && let Some(task) = feed.reading.lock().unwrap_or_else(|e| e.into_inner()).take()
        {
            task.abort();
        }
    }
}

/// Where a feed is read.
enum Source {
    /// An environment's database, as it is now (a migration on PostgreSQL
    /// opens new connections).
    Environment(DataDatabases),
    /// A test run's sandbox, for as long as the run.
    Sandbox(DatabaseConnection),
}

pub struct Feed {
    slug: String,
    source: Source,
    sender: broadcast::Sender<Shared>,
    /// The reader task, while it runs.
    reading: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Streams open on this replica: in all, and per caller.
    seats: Mutex<(usize, HashMap<String, usize>)>,
    /// PostgreSQL's notifications of committed transactions.
    committed: Committed,
}

#[derive(Default)]
struct Committed {
    notify: Arc<tokio::sync::Notify>,
    /// The latest transaction notified: the reader polls until it has read
    /// past it (its events may wait below the horizon a while).
    latest: std::sync::atomic::AtomicU64,
}

/// Why a stream was not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The environment has as many subscribers as it takes.
    Environment(usize),
    /// This caller has as many streams open as one may.
    Caller(usize),
}

/// A stream's place among its environment's subscribers, given back when it drops.
pub struct Seat {
    feed: Arc<Feed>,
    caller: String,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut seats = self.feed.seats.lock().unwrap_or_else(|e| e.into_inner());
        seats.0 = seats.0.saturating_sub(1);
        if let Some(count) = seats.1.get_mut(&self.caller) {
            *count -= 1;
            if *count == 0 {
                seats.1.remove(&self.caller);
            }
        }
    }
}

/// What a subscription gives next.
#[derive(Debug)]
pub enum Item {
    Change(Shared),
    /// The cursor asked for is older than the feed keeps: the subscriber
    /// must read the current state again, then follow from `now`.
    Resync {
        now: Cursor,
    },
}

impl Feed {
    /// The feed of a test run's sandbox (`db`), read only by its own subscribers.
    pub fn sandbox(slug: &str, db: DatabaseConnection) -> Arc<Self> {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        Arc::new(Feed {
            slug: slug.to_owned(),
            source: Source::Sandbox(db),
            sender,
            reading: Mutex::new(None),
            seats: Mutex::default(),
            committed: Committed::default(),
        })
    }

    /// A seat for one more stream of `caller` (a user id, or an address),
    /// within `in_all` streams and `per_caller` each.
    pub fn seat(self: &Arc<Self>, caller: &str, in_all: usize, per_caller: usize) -> Result<Seat, Full> {
        let mut seats = self.seats.lock().unwrap_or_else(|e| e.into_inner());
        if seats.0 >= in_all {
            return Err(Full::Environment(in_all));
        }
        if seats.1.get(caller).is_some_and(|open| *open >= per_caller) {
            return Err(Full::Caller(per_caller));
        }
        *seats.1.entry(caller.to_owned()).or_default() += 1;
        seats.0 += 1;
        Ok(Seat { feed: self.clone(), caller: caller.to_owned() })
    }

    async fn db(&self) -> anyhow::Result<DatabaseConnection> {
        match &self.source {
            Source::Environment(databases) => Ok(databases.get(&self.slug).await?.read),
            Source::Sandbox(db) => Ok(db.clone()),
        }
    }

    /// What tells of writes as they commit, if anything: SQLite's writer,
    /// or PostgreSQL's notifications. The reader wakes on it rather than at
    /// its next poll, and polls only as often as the second value says.
    async fn written(&self, cursor: Cursor) -> Option<(Arc<tokio::sync::Notify>, Duration)> {
        match &self.source {
            Source::Environment(databases) if databases.backend() == sea_orm::DbBackend::Postgres => {
                let waiting = self.committed.latest.load(std::sync::atomic::Ordering::Relaxed) > cursor.tx;
                Some((self.committed.notify.clone(), if waiting { POLL } else { NOTIFIED_POLL }))
            }
            Source::Environment(databases) => databases.get(&self.slug).await.ok()?.lite.map(|lite| (lite.written(), POLL)),
            Source::Sandbox(_) => None,
        }
    }

    /// Events after `after` (from now when None), in order, without end.
    pub async fn subscribe(self: &Arc<Self>, after: Option<Cursor>) -> anyhow::Result<Subscription> {
        // Listening before reading: nothing committed in between is missed.
        let live = self.sender.subscribe();
        let db = self.db().await?;
        // A reader that starts now starts here: at or before where this
        // subscriber's catching up ends, so it broadcasts all that follows.
        let head = read::head(&db).await?;
        self.ensure_reading(head);
        let (cursor, resync) = match after {
            None => (head, false),
            Some(after) => match after < read::trimmed(&db).await? {
                true => (head, true),
                false => (after, false),
            },
        };
        // From now: what committed before, but after the head (above
        // PostgreSQL's horizon while a transaction elsewhere runs), is not new.
        let before = match after {
            None => read::committed_after(&db, head, SKIPPED_AT_MOST).await?.into_iter().collect(),
            Some(_) => Default::default(),
        };
        Ok(Subscription { feed: self.clone(), live, cursor, catching_up: true, backlog: Default::default(), resync, before })
    }

    fn ensure_reading(self: &Arc<Self>, from: Cursor) {
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        if reading.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let feed = Arc::downgrade(self);
        *reading = Some(tokio::spawn(async move {
            let mut cursor = from;
            loop {
                let Some(feed) = feed.upgrade() else { return };
                if feed.sender.receiver_count() == 0 {
                    // Nobody listens: stop (the next subscriber starts it again).
                    let mut reading = feed.reading.lock().unwrap_or_else(|e| e.into_inner());
                    if feed.sender.receiver_count() == 0 {
                        *reading = None;
                        return;
                    }
                }
                let pause = match feed.read_once(&mut cursor).await {
                    Ok(Read::Full) => continue,
                    Ok(Read::Some) => {
                        drop(feed);
                        tokio::time::sleep(GATHER).await;
                        continue;
                    }
                    Ok(Read::None) => POLL,
                    Err(err) => {
                        // Its subscribers wait (they lose nothing); the log is not flooded.
                        tracing::warn!(environment = %feed.slug, error = %err, "reading the change feed; retrying in a second");
                        Duration::from_secs(1)
                    }
                };
                let written = if pause == POLL { feed.written(cursor).await } else { None };
                drop(feed);
                // The next poll, or sooner when a write commits.
                match written {
                    Some((written, pause)) => {
                        let _ = tokio::time::timeout(pause, written.notified()).await;
                    }
                    None => tokio::time::sleep(pause).await,
                }
            }
        }));
    }

    /// Broadcasts what was committed since `cursor`.
    async fn read_once(&self, cursor: &mut Cursor) -> anyhow::Result<Read> {
        let db = self.db().await?;
        let changes = read::after(&db, *cursor, PAGE).await?;
        let read = match changes.len() as u64 {
            0 => Read::None,
            PAGE => Read::Full,
            _ => Read::Some,
        };
        *cursor = changes.last().map_or(*cursor, |c| c.cursor);
        for change in changes {
            let _ = self.sender.send(Arc::new(change));
        }
        Ok(read)
    }
}

/// What one read of the feed found.
enum Read {
    None,
    Some,
    /// A whole page: there may be more.
    Full,
}

/// One subscriber's place in the feed.
pub struct Subscription {
    feed: Arc<Feed>,
    live: broadcast::Receiver<Shared>,
    /// The last event given (or where it started).
    cursor: Cursor,
    /// Reading the feed itself until it is level with the reader.
    catching_up: bool,
    backlog: std::collections::VecDeque<Shared>,
    resync: bool,
    /// Events committed before a subscription "from now" began, passed over
    /// when they come (see `subscribe`).
    before: std::collections::HashSet<Cursor>,
}

impl Subscription {
    /// Where the subscriber is: the last event given, or where it started.
    pub fn cursor(&self) -> Cursor {
        self.cursor
    }

    /// The next event; None when the feed is gone (its environment deleted).
    pub async fn next(&mut self) -> anyhow::Result<Option<Item>> {
        if std::mem::take(&mut self.resync) {
            return Ok(Some(Item::Resync { now: self.cursor }));
        }
        loop {
            if let Some(change) = self.backlog.pop_front() {
                self.cursor = change.cursor;
                if self.before.remove(&change.cursor) {
                    continue;
                }
                return Ok(Some(Item::Change(change)));
            }
            if self.catching_up {
                let db = self.feed.db().await?;
                let page = read::after(&db, self.cursor, PAGE).await?;
                if page.is_empty() {
                    self.catching_up = false;
                } else {
                    self.backlog.extend(page.into_iter().map(Arc::new));
                }
                continue;
            }
            match self.live.recv().await {
                Ok(change) if change.cursor > self.cursor => {
                    self.cursor = change.cursor;
                    if self.before.remove(&change.cursor) {
                        continue;
                    }
                    return Ok(Some(Item::Change(change)));
                }
                // Read while catching up already.
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return Ok(None),
            }
        }
    }
}
