//! The connection cap: which connections are open, which of them sit idle between requests, and
//! making room for a new one by closing the longest-idle. Idle connections cost a thread and a
//! socket each, so without a cap a client holding thousands open would exhaust the server.

use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often a wait for a free place looks at the shutdown flag.
const WAIT_STEP: Duration = Duration::from_millis(100);

pub struct Conns {
    max: usize,
    table: Mutex<Table>,
    /// Signalled whenever a connection closes or turns idle: a place may be free.
    changed: Condvar,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Slot>,
}

struct Slot {
    /// The same socket the connection's thread reads, so closing it here wakes that thread.
    stream: Arc<TcpStream>,
    /// Since when it waits for a request; None while a request is being read or answered.
    idle_since: Option<Instant>,
}

impl Conns {
    pub fn new(max: usize) -> Conns {
        Conns {
            max: max.max(1),
            table: Mutex::new(Table::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for a new connection (counted idle until its first request). When every place
    /// is taken, the longest-idle connection is closed; when none is idle, this waits for one.
    /// None when the sandbox shuts down meanwhile.
    pub fn admit(&self, stream: Arc<TcpStream>, shutdown: &AtomicBool) -> Option<u64> {
        let mut table = self.lock();
        while table.open.len() >= self.max {
            if shutdown.load(Ordering::SeqCst) {
                return None;
            }
            let oldest = table
                .open
                .iter()
                .filter_map(|(id, s)| s.idle_since.map(|t| (t, *id)))
                .min();
            if let Some((_, id)) = oldest {
                if let Some(slot) = table.open.remove(&id) {
                    let _ = slot.stream.shutdown(Shutdown::Both);
                }
                break;
            }
            table = self
                .changed
                .wait_timeout(table, WAIT_STEP)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        let id = table.next_id;
        table.next_id += 1;
        let slot = Slot {
            stream,
            idle_since: Some(Instant::now()),
        };
        table.open.insert(id, slot);
        Some(id)
    }

    /// Marks the connection idle or busy; false when it was closed to make room.
    pub fn set_idle(&self, id: u64, idle: bool) -> bool {
        let mut table = self.lock();
        let Some(slot) = table.open.get_mut(&id) else {
            return false;
        };
        slot.idle_since = idle.then(Instant::now);
        if idle {
            self.changed.notify_all();
        }
        true
    }

    /// Gives the place back when the connection's thread ends.
    pub fn leave(&self, id: u64) {
        self.lock().open.remove(&id);
        self.changed.notify_all();
    }

    /// Closes every idle connection (at shutdown; busy ones end after their answer).
    pub fn close_idle(&self) {
        let mut table = self.lock();
        table.open.retain(|_, slot| {
            let keep = slot.idle_since.is_none();
            if !keep {
                let _ = slot.stream.shutdown(Shutdown::Both);
            }
            keep
        });
        self.changed.notify_all();
    }

    #[cfg(test)]
    pub fn open(&self) -> usize {
        self.lock().open.len()
    }
}
