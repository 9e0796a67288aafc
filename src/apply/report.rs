//! What an apply did, host by host: the data behind the final report and `--json`.

use serde::{Serialize, Serializer};

use std::time::Duration;

use super::sink::ActionKind;
use crate::provider::Client;

/// How one host's step ended.
#[derive(Debug, Clone, PartialEq)]
pub enum HostOutcome {
    Done,
    Failed {
        error: String,
        request_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostResult {
    pub droplet_name: String,
    pub action: ActionKind,
    pub droplet_id: Option<u64>,
    pub public_ipv4: Option<String>,
    pub outcome: HostOutcome,
}

impl HostResult {
    pub fn ok(&self) -> bool {
        self.outcome == HostOutcome::Done
    }

    pub fn error(&self) -> Option<&str> {
        match &self.outcome {
            HostOutcome::Done => None,
            HostOutcome::Failed { error, .. } => Some(error),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match &self.outcome {
            HostOutcome::Done => None,
            HostOutcome::Failed { request_id, .. } => request_id.as_deref(),
        }
    }
}

/// The JSON shape of a result, flat as scripts read it: `ok`, then `error` and `request_id` on failure.
#[derive(Serialize)]
struct Wire<'a> {
    droplet_name: &'a str,
    action: ActionKind,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    droplet_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_ipv4: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl Serialize for HostResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            droplet_name: &self.droplet_name,
            action: self.action,
            ok: self.ok(),
            droplet_id: self.droplet_id,
            public_ipv4: self.public_ipv4.as_deref(),
            error: self.error(),
            request_id: self.request_id(),
        }
        .serialize(serializer)
    }
}

/// What the run was, for its summary.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Apply,
    Destroy,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub kind: RunKind,
    pub env: String,
    pub results: Vec<HostResult>,
    /// API requests this apply sent, planning included.
    pub requests: u64,
    /// The most requests that were in flight at once.
    pub most_in_flight: usize,
    /// Time spent waiting for room in the request budget (the per-minute limit).
    pub budget_wait_ms: u64,
    pub elapsed_ms: u64,
    /// Firewalls, records, project assignments and reserved IPs, in the order they were done.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<crate::network::apply::NetResult>,
    /// Failures to record dispatched actions (`apply --db`); the apply itself went on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recording_problems: Vec<String>,
}

impl Report {
    /// A report with no results yet, with `client`'s request figures: the same client made the plan, so
    /// they cover planning too.
    pub fn new(kind: RunKind, env: &str, client: &Client, elapsed: Duration) -> Report {
        let budget = client.budget_stats();
        Report {
            kind,
            env: env.to_string(),
            results: Vec::new(),
            network: Vec::new(),
            requests: client.request_count(),
            most_in_flight: budget.most_in_flight,
            budget_wait_ms: budget.waited.as_millis() as u64,
            elapsed_ms: elapsed.as_millis() as u64,
            recording_problems: Vec::new(),
        }
    }

    /// Hosts whose step failed.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.ok()).count()
            + self.network.iter().filter(|r| !r.ok).count()
    }
}
