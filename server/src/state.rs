//! The active table and reloads.
//!
//! The router lives behind an [`ArcSwapOption`]: a request takes one
//! `Arc` of the [`Active`] table and keeps it to its answer, so it ends on
//! the table it started with. A reload reads and verifies the new table and
//! builds its router off to the side (on a blocking thread), then swaps the
//! pointer. Reloads queue behind each other on their own lock, which no
//! request ever takes. The table swapped out is freed on a blocking thread
//! once the requests still on it have ended, not by one of them. A table that fails to load or verify is refused: the
//! old one keeps serving and the status says `stale`.
//!
//! Imports: `crate::{Loaded, TableSource, metrics, decision_log}`,
//! dxmap-runtime, arc-swap, tokio, jiff.

use std::sync::Arc;

use arc_swap::{ArcSwap, ArcSwapOption};
use dxmap_runtime::Router;
use jiff::Timestamp;

use crate::decision_log::DecisionLog;
use crate::metrics::Metrics;
use crate::{Config, Loaded, TableSource};

/// A loaded table, ready to answer.
#[derive(Debug)]
pub struct Active {
    /// The router over the table.
    pub router: Router,
    /// The hex SHA-256 of the table's artifact.
    pub hash: String,
    /// When it was swapped in.
    pub loaded_at: Timestamp,
}

/// [`retire`] waits for the requests still on an old table as long as a
/// request may take, and this much more.
const RETIRE_MARGIN: std::time::Duration = std::time::Duration::from_secs(1);

/// Frees a table swapped out by a reload, on the calling thread, once the
/// requests that started on it have ended (it checks every millisecond).
/// After `wait` it lets go of it anyway, and the last request frees it.
fn retire<T>(mut old: Arc<T>, wait: std::time::Duration) {
    let deadline = std::time::Instant::now() + wait;
    loop {
        match Arc::try_unwrap(old) {
            Ok(table) => return drop(table),
            Err(shared) if std::time::Instant::now() < deadline => {
                old = shared;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(_) => return,
        }
    }
}

/// What the last reload did.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// When a load was last attempted.
    pub last_attempt: Option<Timestamp>,
    /// Its error, if it failed.
    pub last_error: Option<String>,
    /// When a load last succeeded.
    pub last_success: Option<Timestamp>,
}

impl Status {
    /// A table is served but the last reload failed.
    pub fn stale(&self, loaded: bool) -> bool {
        loaded && self.last_error.is_some()
    }
}

/// What every request and reload shares.
pub struct Shared {
    /// The table in force, once one is loaded.
    pub active: ArcSwapOption<Active>,
    /// The last reload's outcome.
    pub status: ArcSwap<Status>,
    /// Where tables come from.
    pub source: Box<dyn TableSource>,
    /// Reloads take turns on this; requests never take it.
    reloading: tokio::sync::Mutex<()>,
    /// Counters and histograms.
    pub metrics: Metrics,
    /// The decision log, if one is kept.
    pub log: Option<DecisionLog>,
    /// The configuration.
    pub config: Config,
}

impl Shared {
    /// Shared state with no table yet.
    pub fn new(source: Box<dyn TableSource>, config: Config, log: Option<DecisionLog>) -> Shared {
        Shared {
            active: ArcSwapOption::empty(),
            status: ArcSwap::from_pointee(Status::default()),
            source,
            reloading: tokio::sync::Mutex::new(()),
            metrics: Metrics::default(),
            log,
            config,
        }
    }

    /// Loads the source's table and swaps it in; on failure keeps the old
    /// one and records the error. Returns the new table's hash.
    pub async fn reload(self: &Arc<Shared>) -> Result<String, String> {
        let _turn = self.reloading.lock().await;
        let attempt = Timestamp::now();
        let shared = Arc::clone(self);
        let built = tokio::task::spawn_blocking(move || {
            let Loaded { router, hash } = shared.source.load()?;
            Ok::<_, String>(Active {
                router,
                hash,
                loaded_at: Timestamp::now(),
            })
        })
        .await
        .unwrap_or_else(|error| Err(format!("the reload stopped: {error}")));
        let previous = self.status.load_full();
        match built {
            Ok(active) => {
                let hash = active.hash.clone();
                if let Some(old) = self.active.swap(Some(Arc::new(active))) {
                    // Freeing a national table takes milliseconds: not on
                    // this thread, which answers requests, nor in the
                    // request that lets go of it last.
                    let wait = self.config.request_timeout + RETIRE_MARGIN;
                    drop(tokio::task::spawn_blocking(move || retire(old, wait)));
                }
                self.status.store(Arc::new(Status {
                    last_attempt: Some(attempt),
                    last_error: None,
                    last_success: Some(attempt),
                }));
                self.metrics.reloaded(true, attempt);
                Ok(hash)
            }
            Err(error) => {
                self.status.store(Arc::new(Status {
                    last_attempt: Some(attempt),
                    last_error: Some(error.clone()),
                    last_success: previous.last_success,
                }));
                self.metrics.reloaded(false, attempt);
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the thread that drops it.
    struct Table(std::sync::mpsc::Sender<std::thread::ThreadId>);

    impl Drop for Table {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    /// A table swapped out is freed by the retiring thread once the last
    /// request on it lets go, not by that request; after the wait, the
    /// last holder frees it.
    #[test]
    fn a_swapped_out_table_is_freed_by_the_retiring_thread() {
        let (sender, dropped) = std::sync::mpsc::channel();
        let old = Arc::new(Table(sender.clone()));
        let request = Arc::clone(&old);
        let retiring = std::thread::spawn(move || {
            retire(old, std::time::Duration::from_secs(30));
            std::thread::current().id()
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(dropped.try_recv().is_err(), "freed while a request held it");
        drop(request);
        let retirer = retiring.join().unwrap();
        assert_eq!(dropped.recv().unwrap(), retirer);

        let old = Arc::new(Table(sender));
        let request = Arc::clone(&old);
        retire(old, std::time::Duration::from_millis(5));
        assert!(dropped.try_recv().is_err());
        drop(request);
        assert_eq!(dropped.recv().unwrap(), std::thread::current().id());
    }
}
