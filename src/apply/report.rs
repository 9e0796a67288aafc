//! What an apply did, host by host: the data behind the final report and `--json`.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostResult {
    pub droplet_name: String,
    /// `create`, `delete`, `resize`, `power_on`, `retag`, `replace` or `wait`.
    pub action: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub droplet_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ipv4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub env: String,
    pub results: Vec<HostResult>,
    /// API requests this apply sent, planning included.
    pub requests: u64,
    pub elapsed_ms: u64,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.ok).count()
    }
}
