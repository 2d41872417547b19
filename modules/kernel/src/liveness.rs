//! Liveness of the processes that use MongoDB, so that the open transactions of a dead
//! process are aborted within seconds instead of holding their documents until the
//! server's `transactionLifetimeLimitSeconds` (60 s).
//!
//! Each process registers an *instance* in the collection [`INSTANCES`] (`_id` = a
//! random id, `heartbeatAt` in the server's clock, `startedAt`, `host`, `pid`, and
//! `sessions`: the logical session ids its transactions use). Its heartbeat refreshes
//! `heartbeatAt` every [`LivenessSettings::heartbeat`]. The transaction helper
//! ([`crate::transaction`]) records a session's lsid with [`Instance::record`] before
//! the transaction starts, so no transaction writes under an lsid that is not in a live
//! instance's document.
//!
//! The same loop reaps: an instance whose `heartbeatAt` is older than
//! [`LivenessSettings::dead_after`] before the reaper's own fresh one (both in the
//! server's clock, so host clocks do not matter) has its sessions killed (`killSessions`:
//! the server aborts their transactions and releases their locks), then its document is
//! deleted, on the condition that it did not beat or record a session since it was read.
//! Whichever live instance notices first does it.
//!
//! An instance that was reaped while alive (paused, cut off) finds its document gone at
//! its next write: the write recreates it (upsert) and the in-process record of lsids is
//! cleared, so every session is recorded again before its next transaction. Its own
//! aborted transactions fail with `TransientTransactionError` and the helper retries them.
//!
//! Why a cached lsid is safe to use: a write that confirmed the document at local time
//! `t` set `heartbeatAt` to the server's time after `t`, and a reaper deletes only a
//! document whose `heartbeatAt` it saw older than `dead_after` and that is unchanged when
//! it deletes. So the document, with every lsid it confirmed, exists until at least
//! `t + dead_after`; the cache is trusted for half that, and after it the lsid is written
//! again (which also beats).
//!
//! `sessions` holds the lsids the driver's session pool has handed out to transactions
//! since the process started: about the peak number of concurrent transactions, plus the
//! pool's renewals of sessions idle for ~30 min. It is not pruned (a restart starts a
//! new document).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use mongodb::bson::{doc, Bson, Document};
use mongodb::error::Error;
use mongodb::{ClientSession, Collection, Database};

/// The collection of live instances, in the application's database.
pub const INSTANCES: &str = "hme_instances";

/// How often an instance beats and how stale a heartbeat makes it dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LivenessSettings {
    /// Interval of the heartbeat (and of the reaper, which runs in the same loop).
    pub heartbeat: Duration,
    /// An instance whose last heartbeat is older than this is dead: its sessions are
    /// killed. Several heartbeats, so a loaded process is not reaped by mistake (which
    /// would be safe, only wasteful: its transactions are retried).
    pub dead_after: Duration,
}

impl Default for LivenessSettings {
    /// A beat per second, dead after 4 s without one.
    fn default() -> Self {
        Self { heartbeat: Duration::from_millis(1000), dead_after: Duration::from_millis(4000) }
    }
}

/// One process's registration (see the module docs).
pub struct Instance {
    id: String,
    instances: Collection<Document>,
    admin: Database,
    settings: LivenessSettings,
    started_at: mongodb::bson::DateTime,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The lsids (as their display form) confirmed in the document.
    recorded: HashSet<String>,
    /// Bumped when the document was found gone (cache cleared).
    generation: u64,
    /// When the last write that confirmed the document was sent.
    confirmed: Option<Instant>,
    /// Whether the document was created once (a later creation means it was reaped).
    registered: bool,
    /// Sessions of this process whose transaction may still be open on the server
    /// because aborting it failed (a cut connection): killed at the next pass that
    /// reaches the server.
    orphans: Vec<Document>,
}

/// What one reaper pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reaped {
    /// Ids of the dead instances whose sessions were killed and documents deleted.
    pub instances: Vec<String>,
    /// Sessions killed.
    pub sessions: usize,
}

impl Instance {
    /// Registers a new instance in `db` (writes its document) without a heartbeat loop;
    /// [`install`] is what a process uses.
    pub async fn register(db: &Database, settings: LivenessSettings) -> Result<Arc<Self>, Error> {
        let instance = Arc::new(Self {
            id: uuid::Uuid::new_v4().simple().to_string(),
            instances: db.collection(INSTANCES),
            admin: db.client().database("admin"),
            settings,
            started_at: mongodb::bson::DateTime::now(),
            state: Mutex::new(State::default()),
        });
        instance.beat().await?;
        Ok(instance)
    }

    /// This instance's id (`_id` of its document).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The settings it runs with.
    pub fn settings(&self) -> LivenessSettings {
        self.settings
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records `session`'s lsid in the document before a transaction on it starts:
    /// answered from the in-process record while the document is known to exist,
    /// otherwise written (`$addToSet`, which also beats).
    pub async fn record(&self, session: &ClientSession) -> Result<(), Error> {
        let lsid = session.id();
        let trusted = self.settings.dead_after / 2;
        {
            let st = self.state();
            if st.recorded.contains(&lsid.to_string()) && st.confirmed.is_some_and(|c| c.elapsed() < trusted) {
                return Ok(());
            }
        }
        self.touch(Some(lsid)).await
    }

    /// Notes that `session`'s transaction may still be open on the server (its abort or
    /// commit failed, typically on a cut connection): the next [`Instance::reap`] pass
    /// that reaches the server kills the session, so the transaction's locks go within a
    /// heartbeat of the connection coming back instead of after the server's 60 s.
    /// Killing a session whose transaction did end is harmless.
    pub fn orphan(&self, session: &ClientSession) {
        let lsid = session.id().clone();
        let mut st = self.state();
        if !st.orphans.contains(&lsid) {
            st.orphans.push(lsid);
        }
    }

    /// Kills the orphaned sessions (see [`Instance::orphan`]); answers how many.
    async fn kill_orphans(&self) -> Result<usize, Error> {
        let orphans = std::mem::take(&mut self.state().orphans);
        if orphans.is_empty() {
            return Ok(0);
        }
        let sessions: Vec<Bson> = orphans.iter().cloned().map(Bson::Document).collect();
        if let Err(e) = self.admin.run_command(doc! {"killSessions": sessions}).await {
            let mut st = self.state();
            for lsid in orphans {
                if !st.orphans.contains(&lsid) {
                    st.orphans.push(lsid);
                }
            }
            return Err(e);
        }
        tracing::info!(instance = %self.id, sessions = orphans.len(), "killed this process's sessions whose transaction a cut connection may have left open");
        Ok(orphans.len())
    }

    /// One heartbeat: refreshes `heartbeatAt` (recreating the document when it was reaped).
    pub async fn beat(&self) -> Result<(), Error> {
        self.touch(None).await
    }

    async fn touch(&self, lsid: Option<&Document>) -> Result<(), Error> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).or_else(|_| std::env::var("HOSTNAME")).unwrap_or_default();
        let mut on_insert = doc! {"startedAt": self.started_at, "host": host, "pid": i64::from(std::process::id())};
        let mut update = doc! {"$currentDate": {"heartbeatAt": true}};
        match lsid {
            Some(l) => {
                update.insert("$addToSet", doc! {"sessions": l.clone()});
            }
            None => {
                on_insert.insert("sessions", Bson::Array(Vec::new()));
            }
        }
        update.insert("$setOnInsert", on_insert);
        let mut last = None;
        for _ in 0..5 {
            let generation = self.state().generation;
            let sent = Instant::now();
            let created = match self.instances.update_one(doc! {"_id": &self.id}, update.clone()).upsert(true).await {
                Ok(r) => r.upserted_id.is_some(),
                // Two writers recreating the document at once: the other one made it.
                Err(e) if crate::transaction::is_duplicate_key(&e) => {
                    last = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut st = self.state();
            if created && st.registered {
                tracing::warn!(instance = %self.id, "this instance was reaped as dead (paused or cut off for longer than mongodb.instance_dead_after_ms); registered again, its open transactions were aborted and are retried");
                st.recorded.clear();
                st.generation += 1;
            }
            st.registered = true;
            // The document was recreated after this write was prepared: the lsid may have
            // gone with the old one; write it again.
            if st.generation != generation && !created {
                continue;
            }
            if let Some(l) = lsid {
                st.recorded.insert(l.to_string());
            }
            if st.confirmed.is_none_or(|c| c < sent) {
                st.confirmed = Some(sent);
            }
            return Ok(());
        }
        Err(last.unwrap_or_else(|| Error::custom("instance registration kept changing")))
    }

    /// One reaper pass: beats, kills this process's orphaned sessions
    /// ([`Instance::orphan`]), then kills the sessions of every other instance whose
    /// heartbeat is older than `dead_after` before this one's (both in the server's clock,
    /// so no host clock matters), then deletes its document.
    pub async fn reap(&self) -> Result<Reaped, Error> {
        self.beat().await?;
        self.kill_orphans().await?;
        let Some(now) = self.instances.find_one(doc! {"_id": &self.id}).await?.and_then(|d| d.get_datetime("heartbeatAt").ok().copied()) else {
            return Ok(Reaped::default());
        };
        let dead_ms = i64::try_from(self.settings.dead_after.as_millis()).unwrap_or(i64::MAX);
        let before = mongodb::bson::DateTime::from_millis(now.timestamp_millis().saturating_sub(dead_ms));
        let mut cursor = self.instances.find(doc! {"_id": {"$ne": &self.id}, "heartbeatAt": {"$lt": before}}).await?;
        let mut reaped = Reaped::default();
        while cursor.advance().await? {
            let dead = cursor.deserialize_current()?;
            let (Some(id), Some(beat)) = (dead.get("_id").cloned(), dead.get("heartbeatAt").cloned()) else { continue };
            let sessions = dead.get_array("sessions").cloned().unwrap_or_default();
            if !sessions.is_empty() {
                self.admin.run_command(doc! {"killSessions": sessions.clone()}).await?;
            }
            // Only if it neither beat nor recorded a session since it was read: a
            // session recorded after the kill must stay in a document.
            let gone = self.instances.delete_one(doc! {"_id": &id, "heartbeatAt": beat, "sessions": sessions.clone()}).await?;
            if gone.deleted_count == 1 {
                tracing::warn!(instance = %id, sessions = sessions.len(), host = %dead.get_str("host").unwrap_or_default(), pid = dead.get("pid").map(Bson::to_string).unwrap_or_default(), "reaped a dead instance: its open transactions are aborted");
                reaped.instances.push(id.as_str().map(str::to_owned).unwrap_or_else(|| id.to_string()));
                reaped.sessions += sessions.len();
            }
        }
        Ok(reaped)
    }

    /// Beats and reaps every `heartbeat`, forever (a failed pass is logged and the next
    /// one tries again).
    pub async fn run(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.settings.heartbeat);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.reap().await {
                tracing::warn!(instance = %self.id, error = %e, "instance heartbeat or reaping dead instances failed");
            }
        }
    }
}

/// The instance of this process for each database (by name), for the transaction helper.
static PROCESS: LazyLock<Mutex<HashMap<String, Weak<Instance>>>> = LazyLock::new(Default::default);

fn process() -> MutexGuard<'static, HashMap<String, Weak<Instance>>> {
    PROCESS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Registers this process on `db` and runs its heartbeat and reaper on the current
/// runtime, once per database per process (a second call answers the running one).
/// [`crate::backends::connect_mongo`] calls it; the instance lives as long as its loop.
pub async fn install(db: &Database, settings: LivenessSettings) -> Result<Arc<Instance>, Error> {
    if let Some(running) = process().get(db.name()).and_then(Weak::upgrade) {
        return Ok(running);
    }
    let instance = Instance::register(db, settings).await?;
    process().insert(db.name().to_owned(), Arc::downgrade(&instance));
    tokio::spawn(Arc::clone(&instance).run());
    tracing::info!(instance = %instance.id, database = db.name(), "registered this process's MongoDB instance");
    Ok(instance)
}

/// The running instance of `client`'s default database, if installed in this process
/// (`connect_mongo` names the database as the client's default).
pub fn of_client(client: &mongodb::Client) -> Option<Arc<Instance>> {
    let name = client.default_database()?.name().to_owned();
    process().get(&name).and_then(Weak::upgrade)
}
