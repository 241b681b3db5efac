//! The history from async code: a few worker threads, each owning one read-only connection,
//! take jobs from one queue (a `History` is used by one thread at a time and never crosses
//! threads). A poller thread with its own connection watches the history's change marker and
//! publishes a counter that live pages follow.

use crate::history::History;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

type Job = Box<dyn FnOnce(&mut History) + Send>;

/// A pool of read-only connections to one history.
#[derive(Clone)]
pub struct Db {
    jobs: mpsc::SyncSender<Job>,
    name: Arc<str>,
}

/// Opens `n` connections with `open`, each on its own thread. Fails with the first open's
/// error (a missing file, a server that cannot be reached).
pub fn pool(
    n: usize,
    open: Arc<dyn Fn() -> anyhow::Result<History> + Send + Sync>,
) -> anyhow::Result<Db> {
    // Jobs wait here when every connection is busy; the request's time limit bounds the wait.
    let (tx, rx) = mpsc::sync_channel::<Job>(256);
    let rx = Arc::new(Mutex::new(rx));
    let mut name = String::new();
    for idx in 0..n.max(1) {
        let (ready_tx, ready_rx) = mpsc::channel::<anyhow::Result<String>>();
        let rx = Arc::clone(&rx);
        let open = Arc::clone(&open);
        std::thread::Builder::new()
            .name(format!("legolog-db-{idx}"))
            .spawn(move || {
                let mut history = match open() {
                    Ok(history) => {
                        let _ = ready_tx.send(Ok(history.name().to_owned()));
                        history
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                loop {
                    let job = {
                        let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
                        rx.recv()
                    };
                    match job {
                        Ok(job) => job(&mut history),
                        Err(_) => return,
                    }
                }
            })?;
        name = ready_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("a history connection thread ended"))??;
    }
    Ok(Db {
        jobs: tx,
        name: name.into(),
    })
}

impl Db {
    /// Runs `work` on a free connection.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut History) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |history| {
            let _ = tx.send(work(history));
        });
        let jobs = self.jobs.clone();
        // The queue is bounded: waiting for room must not block the async thread.
        tokio::task::spawn_blocking(move || jobs.send(job))
            .await
            .map_err(|err| anyhow::anyhow!("history queue: {err}"))?
            .map_err(|_| anyhow::anyhow!("the history connections are gone"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("a history connection failed"))?
    }

    /// Runs `read` on a free connection in one read transaction ([`History::reading`]): a
    /// page's queries see one state of the history.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut History) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.run(move |history| history.reading(read)).await
    }

    /// The history as shown in messages.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Starts the poller: every `period` it reads the change marker and, when it moved, bumps the
/// counter. The counter starts at 1.
pub fn watch_changes(
    open: Arc<dyn Fn() -> anyhow::Result<History> + Send + Sync>,
    period: Duration,
) -> anyhow::Result<watch::Receiver<u64>> {
    // Fails early, with the open's error, when the history cannot be read.
    open()?.change_marker()?;
    let (tx, rx) = watch::channel(1u64);
    std::thread::Builder::new()
        .name("legolog-changes".into())
        .spawn(move || {
            // SQLite's marker counts commits seen by one connection: it is read on this
            // thread's own connection only.
            let Ok(mut history) = open() else {
                return;
            };
            // The gate is read before the marker: a write that ends after the gate was read
            // changes the gate again, so the next tick reads the marker.
            let mut gate = history.change_gate().unwrap_or_default();
            let mut marker = history.change_marker().unwrap_or_default();
            loop {
                std::thread::sleep(period);
                if tx.is_closed() {
                    return;
                }
                match history.change_gate() {
                    Ok(Some(now)) if gate.as_ref() == Some(&now) => continue,
                    Ok(now) => gate = now,
                    Err(_) => gate = None,
                }
                match history.change_marker() {
                    Ok(now) if now != marker => {
                        marker = now;
                        tx.send_modify(|n| *n += 1);
                    }
                    Ok(_) => {}
                    Err(_) => {
                        // A lost connection: try again at the next tick.
                        gate = None;
                        if let Ok(again) = open() {
                            history = again;
                        }
                    }
                }
            }
        })?;
    Ok(rx)
}
