//! The result of a run: per resource type and overall, as stored, printed and emitted with `--json`.

use serde::Serialize;

/// `ops.do_ingest_runs.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    /// Every requested resource type was listed completely and written.
    Success,
    /// At least one type succeeded and at least one failed.
    Partial,
    /// Every type failed, or the database itself failed.
    Error,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Error => "error",
        }
    }

    /// The rule of a finished run, from how many of its resource types failed.
    pub fn from_counts(types: usize, failed: usize) -> RunStatus {
        if failed == 0 {
            RunStatus::Success
        } else if failed >= types {
            RunStatus::Error
        } else {
            RunStatus::Partial
        }
    }
}

/// `ops.run_events.status`: a type is either written completely or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceStatus {
    Success,
    Partial,
}

impl ResourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceStatus::Success => "success",
            ResourceStatus::Partial => "partial",
        }
    }
}

/// One resource type's outcome: one `ops.run_events` row.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceOutcome {
    pub resource: String,
    pub status: ResourceStatus,
    /// Rows upserted (0 when the type failed: its transaction was rolled back).
    pub rows: u64,
    /// Rows newly marked deleted.
    pub deleted: u64,
    /// Failed HTTP attempts (retries included) while listing this type.
    pub errors: u64,
    pub pages: u64,
    pub duration_ms: u64,
    pub started_at: String,
    pub finished_at: String,
    pub error: Option<String>,
}

/// A finished run: the `ops.do_ingest_runs` row plus its events. This is the `--json` output.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub status: RunStatus,
    pub backend: String,
    /// The database, password redacted.
    pub database: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub rows: u64,
    pub deleted: u64,
    pub errors: u64,
    pub resources_failed: u64,
    pub last_error: Option<String>,
    pub resources: Vec<ResourceOutcome>,
    /// Earlier runs found abandoned (`running`, their ingest gone) and closed as `error` by this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_abandoned_runs: Vec<i64>,
}

impl RunSummary {
    /// The human summary: one line per resource type, then the run's status.
    pub fn render_text(&self) -> String {
        let mut text = String::new();
        for r in &self.resources {
            text.push_str(&format!(
                "{:<15} {:>8} rows {:>6} deleted {:>4} errors {:>8.2}s  {}\n",
                r.resource,
                r.rows,
                r.deleted,
                r.errors,
                r.duration_ms as f64 / 1000.0,
                r.status.as_str()
            ));
            if let Some(error) = &r.error {
                text.push_str(&format!("  {error}\n"));
            }
        }
        if !self.closed_abandoned_runs.is_empty() {
            let ids: Vec<String> = self
                .closed_abandoned_runs
                .iter()
                .map(i64::to_string)
                .collect();
            text.push_str(&format!(
                "closed earlier run{} {} as error: left running by an ingest that stopped before finishing\n",
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", ")
            ));
        }
        text.push_str(&format!(
            "ingest run {}: {} ({} rows, {} deleted, {} of {} resource types failed) into {} in {:.2}s\n",
            self.run_id,
            self.status.as_str(),
            self.rows,
            self.deleted,
            self.resources_failed,
            self.resources.len(),
            self.database,
            self.duration_ms as f64 / 1000.0
        ));
        text
    }

    pub fn render_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rule() {
        assert_eq!(RunStatus::from_counts(4, 0), RunStatus::Success);
        assert_eq!(RunStatus::from_counts(4, 1), RunStatus::Partial);
        assert_eq!(RunStatus::from_counts(4, 3), RunStatus::Partial);
        assert_eq!(RunStatus::from_counts(4, 4), RunStatus::Error);
        assert_eq!(RunStatus::from_counts(1, 1), RunStatus::Error);
    }
}
