//! Droplet backups on the sandbox clock. A droplet with backups on has a daily window (the plan
//! the API picks when none is given); each time the clock passes the end of a window a backup is
//! taken, its id joins `backup_ids`, and the window moves on a day. Turning backups off deletes the
//! droplet's backups, as the provider does.

use super::State;
use crate::sandbox::model::BACKUP_WINDOW_MS as WINDOW_MS;

const DAY_MS: i64 = 86_400_000;
/// Daily backups are kept for a week.
const KEPT: usize = 7;

/// The first midnight (UTC) strictly after `ms`: where the first window of new backups starts.
fn next_midnight(ms: i64) -> i64 {
    (ms.div_euclid(DAY_MS) + 1) * DAY_MS
}

impl State {
    /// Turns backups on (from `at_ms`); a droplet that already has them keeps its window.
    pub(super) fn start_backups(&mut self, id: u64, at_ms: i64) {
        let Some(d) = self.data.droplets.get_mut(&id) else {
            return;
        };
        d.backups = true;
        d.next_backup_ms.get_or_insert(next_midnight(at_ms));
        d.rendered = None;
        self.schedule_backups(id);
    }

    /// Turns backups off and forgets the droplet's backups.
    pub(super) fn stop_backups(&mut self, id: u64) {
        let Some(d) = self.data.droplets.get_mut(&id) else {
            return;
        };
        if let Some(start) = d.next_backup_ms.take() {
            self.backups_due.remove(&(start + WINDOW_MS, id));
        }
        d.backups = false;
        d.backup_ids.clear();
        d.rendered = None;
    }

    /// Puts a droplet with backups on into the queue `settle` looks at. State files written before
    /// windows were stored have none: theirs starts the day after creation, as it was shown then.
    pub(super) fn schedule_backups(&mut self, id: u64) {
        let Some(d) = self.data.droplets.get_mut(&id) else {
            return;
        };
        if !d.backups {
            return;
        }
        let start = *d.next_backup_ms.get_or_insert(next_midnight(d.created_ms));
        self.backups_due.insert((start + WINDOW_MS, id));
    }

    /// Takes the backups of every window that ended by `now_ms`.
    pub(super) fn take_backups(&mut self, now_ms: i64) {
        while let Some(&(end, id)) = self.backups_due.iter().next() {
            if end > now_ms {
                break;
            }
            self.backups_due.remove(&(end, id));
            let Some(d) = self.data.droplets.get_mut(&id) else {
                continue;
            };
            // A clock advanced by weeks passes many windows at once; only the newest are kept.
            let windows = (now_ms - end) / DAY_MS + 1;
            let taken = windows.min(KEPT as i64) as u64;
            self.data.next_backup_id += (windows as u64).saturating_sub(taken);
            for _ in 0..taken {
                d.backup_ids.push(self.data.next_backup_id);
                self.data.next_backup_id += 1;
            }
            let excess = d.backup_ids.len().saturating_sub(KEPT);
            d.backup_ids.drain(..excess);
            let start = d.next_backup_ms.unwrap_or(end - WINDOW_MS) + windows * DAY_MS;
            d.next_backup_ms = Some(start);
            d.rendered = None;
            self.backups_due.insert((start + WINDOW_MS, id));
        }
    }
}
