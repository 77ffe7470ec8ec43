//! Group commit: concurrent appenders share fsyncs.
//!
//! Every write under the writer lock (a batch of records, metadata puts) gets the next
//! *generation* number and publishes what a sync must cover to make it durable: the active
//! segment file and, if the write touched it, the metadata file. A caller that needs its
//! write durable calls [`Commit::wait_durable`] after releasing the writer lock:
//!
//! - if a sync already covered its generation, it returns at once;
//! - if another caller is syncing (the *leader*), it waits for that sync to end and looks
//!   again: the leader's sync covers every generation published before it started;
//! - otherwise it becomes the leader: it takes the latest published target, syncs it
//!   without holding any lock (other callers keep writing meanwhile), marks that
//!   generation durable and wakes everyone.
//!
//! So one fsync covers every batch written before it started, and writers never wait for
//! an fsync while holding the writer lock. Segments are synced when they are sealed (under
//! the writer lock, before the next one is created), so syncing the newest segment covers
//! the older ones.
//!
//! After a failed sync the store is poisoned: the kernel may have dropped the dirty pages,
//! so nothing written since the last good sync can be promised. The leader returns the I/O
//! error; callers waiting on it get [`StoreError::Poisoned`].

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::{Result, StoreError};

/// What a sync must cover for every generation up to `gen` to be durable.
#[derive(Clone)]
pub(crate) struct SyncTarget {
    /// Generation of the last write published.
    pub gen: u64,
    /// The active segment, its path and its length after that write (for error messages).
    pub log: Arc<File>,
    pub log_path: Arc<PathBuf>,
    pub log_len: u64,
    /// The metadata file, and the generation of the last write that touched it.
    pub meta: Arc<File>,
    pub meta_path: Arc<PathBuf>,
    pub meta_gen: u64,
}

struct State {
    /// Every generation up to this one is durable.
    synced: u64,
    /// The metadata file is durable up to this generation.
    meta_synced: u64,
    /// A leader is syncing right now.
    syncing: bool,
    target: SyncTarget,
}

/// Shared group-commit state of one store.
pub(crate) struct Commit {
    state: Mutex<State>,
    done: Condvar,
    poisoned: AtomicBool,
    /// Fault injection: the next sync fails like a disk error would.
    #[cfg(test)]
    pub(crate) fail_next_sync: AtomicBool,
    /// Number of fsync rounds (log file syncs) led, for tests of sharing.
    #[cfg(test)]
    pub(crate) rounds: std::sync::atomic::AtomicU64,
}

impl Commit {
    pub(crate) fn new(target: SyncTarget) -> Commit {
        let gen = target.gen;
        Commit {
            state: Mutex::new(State { synced: gen, meta_synced: gen, syncing: false, target }),
            done: Condvar::new(),
            poisoned: AtomicBool::new(false),
            #[cfg(test)]
            fail_next_sync: AtomicBool::new(false),
            #[cfg(test)]
            rounds: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Only plain fields are updated under this lock: a panic cannot leave them torn.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Acquire)
    }

    pub(crate) fn poison(&self) {
        self.poisoned.store(true, Ordering::Release);
        // Wake waiters so that they see it.
        let _g = self.lock();
        self.done.notify_all();
    }

    /// Publishes the target after a write (called under the writer lock).
    pub(crate) fn publish(&self, target: SyncTarget) {
        self.lock().target = target;
    }

    /// Returns once every write up to generation `gen` is durable.
    pub(crate) fn wait_durable(&self, gen: u64) -> Result<()> {
        let mut st = self.lock();
        loop {
            if st.synced >= gen {
                return Ok(());
            }
            if self.is_poisoned() {
                return Err(StoreError::Poisoned);
            }
            if st.syncing {
                st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            st.syncing = true;
            let t = st.target.clone();
            let sync_meta = t.meta_gen > st.meta_synced;
            drop(st);
            let r = self.sync(&t, sync_meta);
            st = self.lock();
            st.syncing = false;
            if let Err(e) = r {
                self.poisoned.store(true, Ordering::Release);
                self.done.notify_all();
                return Err(e);
            }
            st.synced = st.synced.max(t.gen);
            if sync_meta {
                st.meta_synced = st.meta_synced.max(t.meta_gen);
            }
            self.done.notify_all();
        }
    }

    fn sync(&self, t: &SyncTarget, sync_meta: bool) -> Result<()> {
        #[cfg(test)]
        {
            self.rounds.fetch_add(1, Ordering::Relaxed);
            if self.fail_next_sync.swap(false, Ordering::AcqRel) {
                let e = std::io::Error::other("injected fsync failure");
                return Err(StoreError::io_at("sync", &t.log_path, t.log_len, e));
            }
        }
        t.log.sync_data().map_err(|e| StoreError::io_at("sync", &t.log_path, t.log_len, e))?;
        if sync_meta {
            t.meta.sync_data().map_err(|e| StoreError::io("sync", &t.meta_path, e))?;
        }
        Ok(())
    }
}
