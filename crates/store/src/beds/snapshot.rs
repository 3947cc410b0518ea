//! The bed finder's snapshot in memory: every hospital, every ward with its posted counts, the
//! expiry instants of its active holds and its admissions since the posting. The search reads it
//! under a read lock and never touches the database ([`super::search_at`]).
//!
//! **How it stays current.** It is read whole from the database on first use. Every write of the
//! bed finder in this process (posting, hold, cancel, accept, decline, expiry, ward or hospital
//! settings) re-reads the wards and hospitals it changed right after its transaction commits,
//! before the write returns ([`BedSnapshot::refresh`]); refreshes run one at a time, so a later
//! read is never overwritten by an earlier one. Time-based expiry needs no write: a hold counts
//! while `now < expires_at`, exactly as the database query counts it. On PostgreSQL every such
//! transaction also sends `pg_notify` ([`announce_in`], delivered on commit), and each server's
//! listener ([`follow_changes`]) refreshes what another server changed; a lost listener
//! connection drops the snapshot, which is read whole again on the next search. A refresh that
//! fails does the same. The hold decision never reads the snapshot: it stays in its database
//! transaction, so a stale snapshot can show a bed that a hold then cannot take (409), never the
//! reverse.

use super::search::{Found, select};
use super::{HOSPITAL_COLUMNS, Hospital, WARD_COLUMNS, WardStatus, hospital_from, status_from};
use crate::{Backend, Db, StoreError};
use nimo_domain::beds::{Availability, Criteria};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

/// The PostgreSQL channel of bed finder changes (and API token revocations).
pub const CHANNEL: &str = "nimo_changes";

/// One process's snapshot (one per `Db`, shared by its clones).
pub struct BedSnapshot {
    loaded: AtomicBool,
    inner: RwLock<Inner>,
    /// Taken by every load and refresh, so that they install in the order they read.
    writer: tokio::sync::Mutex<()>,
    /// This process's name in notifications, so that its listener skips its own.
    origin: String,
    /// The database URL the listener connects with (never printed).
    url: String,
}

impl std::fmt::Debug for BedSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BedSnapshot").field("loaded", &self.loaded).field("origin", &self.origin).finish()
    }
}

#[derive(Default)]
struct Inner {
    hospitals: Vec<Hospital>,
    hospital_index: HashMap<String, usize>,
    wards: Vec<Entry>,
    ward_index: HashMap<String, usize>,
}

struct Entry {
    hospital: usize,
    /// The ward and its counts; `availability.active_holds` is counted at search time.
    status: WardStatus,
    /// When each of its holds in state `held` expires (Unix seconds).
    held_until: Vec<i64>,
}

impl Inner {
    fn put_hospital(&mut self, hospital: Hospital) -> usize {
        match self.hospital_index.get(&hospital.id) {
            Some(&index) => {
                self.hospitals[index] = hospital;
                index
            }
            None => {
                self.hospital_index.insert(hospital.id.clone(), self.hospitals.len());
                self.hospitals.push(hospital);
                self.hospitals.len() - 1
            }
        }
    }

    /// Puts a ward whose hospital is already in.
    fn put_ward(&mut self, status: WardStatus, held_until: Vec<i64>) {
        let Some(&hospital) = self.hospital_index.get(&status.ward.hospital_id) else { return };
        let entry = Entry { hospital, status, held_until };
        match self.ward_index.get(&entry.status.ward.id) {
            Some(&index) => self.wards[index] = entry,
            None => {
                self.ward_index.insert(entry.status.ward.id.clone(), self.wards.len());
                self.wards.push(entry);
            }
        }
    }
}

/// Admissions since the current posting, beside [`WARD_COLUMNS`]; active holds are read apart.
const SNAPSHOT_COUNTS: &str = "CAST(0 AS BIGINT) AS active, \
     (SELECT COUNT(*) FROM bed_hold b WHERE b.ward_id = w.id AND b.state = 'accepted' \
       AND b.posting_seq = w.posting_seq) AS admitted";

impl BedSnapshot {
    /// An empty snapshot, read on first use, for the database at `url`.
    pub(crate) fn new(url: &str) -> Self {
        Self {
            loaded: AtomicBool::new(false),
            inner: RwLock::default(),
            writer: tokio::sync::Mutex::new(()),
            origin: format!("{:016x}", rand::random::<u64>()),
            url: url.to_string(),
        }
    }

    /// Reads the whole snapshot from the database unless it is loaded.
    pub(crate) async fn ensure_loaded(&self, db: &Db) -> Result<(), StoreError> {
        if self.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let _writer = self.writer.lock().await;
        if self.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let inner = read_all(db).await?;
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = inner;
        self.loaded.store(true, Ordering::Release);
        Ok(())
    }

    /// Drops the snapshot: the next search reads it whole again.
    pub(crate) async fn invalidate(&self) {
        let _writer = self.writer.lock().await;
        self.loaded.store(false, Ordering::Release);
    }

    /// Re-reads these wards and hospitals after a commit that changed them. Nothing to do before
    /// the first load (which will read them); a failed read drops the snapshot.
    pub(crate) async fn refresh(&self, db: &Db, wards: &[&str], hospitals: &[&str]) {
        let _writer = self.writer.lock().await;
        if !self.loaded.load(Ordering::Acquire) {
            return;
        }
        if let Err(error) = self.refresh_locked(db, wards, hospitals).await {
            tracing::warn!(%error, "refreshing the bed snapshot failed: it is read again on the next search");
            self.loaded.store(false, Ordering::Release);
        }
    }

    async fn refresh_locked(&self, db: &Db, wards: &[&str], hospitals: &[&str]) -> Result<(), StoreError> {
        let mut read_hospitals = Vec::new();
        for id in hospitals {
            read_hospitals.extend(read_hospital(db, id).await?);
        }
        let mut read_wards = Vec::new();
        for id in wards {
            let Some(row) =
                sqlx::query(&format!("SELECT {WARD_COLUMNS}, {SNAPSHOT_COUNTS} FROM ward w WHERE w.id = $1"))
                    .bind(*id)
                    .fetch_optional(&db.pool)
                    .await?
            else {
                continue;
            };
            let status = status_from(&row)?;
            let held: Vec<i64> =
                sqlx::query_scalar("SELECT expires_at FROM bed_hold WHERE ward_id = $1 AND state = 'held'")
                    .bind(*id)
                    .fetch_all(&db.pool)
                    .await?;
            let known = self.read().hospital_index.contains_key(&status.ward.hospital_id)
                || read_hospitals.iter().any(|h: &Hospital| h.id == status.ward.hospital_id);
            if !known {
                read_hospitals.extend(read_hospital(db, &status.ward.hospital_id).await?);
            }
            read_wards.push((status, held));
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        for hospital in read_hospitals {
            inner.put_hospital(hospital);
        }
        for (status, held) in read_wards {
            inner.put_ward(status, held);
        }
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The search over the snapshot (see [`super::search_at`]).
    pub(crate) fn search(&self, criteria: &Criteria, stale_after_seconds: i64, limit: usize, now: i64) -> Found {
        let inner = self.read();
        let wards = inner.wards.iter().map(|entry| {
            let active = entry.held_until.iter().filter(|until| **until > now).count();
            let availability =
                Availability { active_holds: i64::try_from(active).unwrap_or(i64::MAX), ..entry.status.availability };
            (&inner.hospitals[entry.hospital], &entry.status, availability)
        });
        select(criteria, stale_after_seconds, limit, now, wards)
    }

    /// The hospital of a ward, as the snapshot knows it.
    fn hospital_of(&self, ward: &str) -> Option<String> {
        let inner = self.read();
        inner.ward_index.get(ward).map(|&index| inner.wards[index].status.ward.hospital_id.clone())
    }

    /// How many hospitals and wards it holds (0, 0 before the first load).
    pub fn len(&self) -> (usize, usize) {
        let inner = self.read();
        (inner.hospitals.len(), inner.wards.len())
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }
}

async fn read_hospital(db: &Db, id: &str) -> Result<Option<Hospital>, StoreError> {
    let row = sqlx::query(&format!("SELECT {HOSPITAL_COLUMNS} FROM hospital h WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(hospital_from).transpose()
}

async fn read_all(db: &Db) -> Result<Inner, StoreError> {
    let mut inner = Inner::default();
    let rows = sqlx::query(&format!("SELECT {HOSPITAL_COLUMNS} FROM hospital h")).fetch_all(&db.pool).await?;
    for row in &rows {
        inner.put_hospital(hospital_from(row)?);
    }
    let mut held: HashMap<String, Vec<i64>> = HashMap::new();
    for row in sqlx::query("SELECT ward_id, expires_at FROM bed_hold WHERE state = 'held'").fetch_all(&db.pool).await? {
        held.entry(row.try_get("ward_id")?).or_default().push(row.try_get("expires_at")?);
    }
    let rows =
        sqlx::query(&format!("SELECT {WARD_COLUMNS}, {SNAPSHOT_COUNTS} FROM ward w")).fetch_all(&db.pool).await?;
    for row in &rows {
        let status = status_from(row)?;
        let until = held.remove(&status.ward.id).unwrap_or_default();
        inner.put_ward(status, until);
    }
    Ok(inner)
}

/// Inside a write transaction: tells the other servers on the same PostgreSQL database that a
/// ward (`kind` "ward"), a hospital ("hospital") or the API tokens ("tokens") changed; delivered
/// when the transaction commits, never if it rolls back. Nothing on SQLite (one server).
pub(crate) async fn announce_in(
    tx: &mut Transaction<'static, Any>,
    db: &Db,
    kind: &str,
    id: &str,
) -> Result<(), StoreError> {
    if db.backend == Backend::Postgres {
        // pg_notify returns void, which the Any driver cannot read: count its one row instead.
        sqlx::query("SELECT COUNT(*) FROM (SELECT pg_notify($1, $2)) AS sent")
            .bind(CHANNEL)
            .bind(format!("{} {kind} {id}", db.bed_snapshot.origin))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// After a commit: re-reads the wards it changed (see [`BedSnapshot::refresh`]).
/// Drops this server's bed snapshot so that the next search reads every ward again: for changes
/// made outside nimo's own write path (an operator's SQL on the database, a test's fixture), which
/// no refresh or notification follows.
pub async fn reload_snapshot(db: &Db) {
    db.bed_snapshot.invalidate().await;
}

pub(crate) async fn committed(db: &Db, wards: &[&str]) {
    db.bed_snapshot.refresh(db, wards, &[]).await;
}

/// Follows the other servers' changes on PostgreSQL until the process ends: refreshes the
/// snapshot and calls `changed` with the hospital whose ward or holds changed (empty: any, after
/// the connection was lost and the snapshot dropped). Returns at once on SQLite.
pub async fn follow_changes(db: Db, changed: impl Fn(&str) + Send + 'static) {
    if db.backend != Backend::Postgres {
        return;
    }
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(&db.bed_snapshot.url).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "listening for other servers' changes failed; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "listening for other servers' changes failed; retrying");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        // Whatever changed before the listener ran is read again.
        db.bed_snapshot.invalidate().await;
        changed("");
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => on_notification(&db, notification.payload(), &changed).await,
                Ok(None) => {
                    // The connection was lost (the next call reconnects): changes may be lost.
                    tracing::warn!("the listener's connection was lost; the bed snapshot is read again");
                    db.bed_snapshot.invalidate().await;
                    changed("");
                }
                Err(error) => {
                    tracing::warn!(%error, "listening for other servers' changes failed; reconnecting");
                    db.bed_snapshot.invalidate().await;
                    changed("");
                    break;
                }
            }
        }
    }
}

async fn on_notification(db: &Db, payload: &str, changed: &impl Fn(&str)) {
    let mut parts = payload.splitn(3, ' ');
    let (Some(origin), Some(kind), Some(id)) = (parts.next(), parts.next(), parts.next()) else { return };
    if origin == db.bed_snapshot.origin {
        return;
    }
    match kind {
        "ward" => {
            db.bed_snapshot.refresh(db, &[id], &[]).await;
            changed(&db.bed_snapshot.hospital_of(id).unwrap_or_default());
        }
        "hospital" => {
            db.bed_snapshot.refresh(db, &[], &[id]).await;
            changed(id);
        }
        "tokens" => db.token_cache.clear(),
        _ => {}
    }
}
