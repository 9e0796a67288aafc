//! The audit log: one JSON line per API attempt (time, method, path, status, duration, attempt, request id).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use std::io::{Read, Seek, SeekFrom};
use std::time::{Duration, SystemTime};

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    pub time: String,
    pub method: &'a str,
    pub path: &'a str,
    /// `null` when no response came back.
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub attempt: u32,
    pub request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// An append-only JSON-lines file. Paths never carry the token, and bodies are not logged.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When the requests logged in the last `window` before `now` were sent: earlier commands' requests
    /// count against the API's per-minute limit too. Only the file's tail is read.
    pub fn recent(&self, now: SystemTime, window: Duration) -> Vec<SystemTime> {
        recent_in(&self.path, now, window)
    }

    /// Appends one entry. A failing audit write must not fail the API call it describes.
    pub fn record(&self, entry: &AuditEntry<'_>) {
        let Ok(mut line) = serde_json::to_string(entry) else {
            return;
        };
        line.push('\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = file.write_all(line.as_bytes());
    }
}

/// A minute of requests is a few hundred lines; the tail holds them all.
const TAIL: u64 = 256 * 1024;

fn recent_in(path: &Path, now: SystemTime, window: Duration) -> Vec<SystemTime> {
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut text = String::new();
    if file
        .seek(SeekFrom::Start(len.saturating_sub(TAIL)))
        .is_err()
        || file.read_to_string(&mut text).is_err()
    {
        return Vec::new();
    }
    text.lines()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            parse_time(value.get("time")?.as_str()?)
        })
        .filter(|t| now.duration_since(*t).is_ok_and(|age| age < window))
        .collect()
}

/// Reads back the `time` the log writes (`2026-11-21T23:49:00.123Z`).
fn parse_time(text: &str) -> Option<SystemTime> {
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    if text.len() != 24 || !text.ends_with('Z') {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, min, s, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    // Howard Hinnant's days-from-civil, the inverse of the clock's formatter.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let millis = ((days * 86_400 + h * 3600 + min * 60 + s) * 1000 + ms)
        .try_into()
        .ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_back_as_written() {
        for millis in [0u64, 1_595_356_664_123, 1_796_073_501_877, 951_782_400_000] {
            let t = SystemTime::UNIX_EPOCH + Duration::from_millis(millis);
            assert_eq!(parse_time(&crate::clock::rfc3339(t)), Some(t), "{millis}");
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn only_the_last_window_of_requests_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(&dir.path().join("audit.jsonl")).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for age in [120u64, 59, 30, 1] {
            log.record(&AuditEntry {
                time: crate::clock::rfc3339(now - Duration::from_secs(age)),
                method: "GET",
                path: "/v2/account",
                status: Some(200),
                duration_ms: 1,
                attempt: 1,
                request_id: None,
                error: None,
            });
        }
        assert_eq!(log.recent(now, Duration::from_secs(60)).len(), 3);
    }
}
