//! Fault-injection rules set through `/_sandbox/faults`: which requests they hit and what they do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with `status` (and `retry-after` if set) without performing the request.
    Status,
    /// Sleep `latency_ms`, then serve normally.
    Latency,
    /// Close the connection without a response and without performing the request.
    Drop,
    /// Perform the request, then close the connection without a response.
    ReplyLost,
}

/// One rule as posted (unknown fields are rejected so typos do not silently match everything).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match; absent matches any.
    #[serde(default)]
    pub method: Option<String>,
    /// Exact path (`/v2/droplets/123`), route template (`/v2/droplets/{id}`) or prefix ending in `*`;
    /// absent matches every `/v2/` path.
    #[serde(default)]
    pub path: Option<String>,
    pub kind: FaultKind,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// How many matching requests it affects; absent = every one.
    #[serde(default)]
    pub times: Option<u64>,
    /// Skip the first N matching requests.
    #[serde(default)]
    pub after: u64,
    /// Matching requests seen so far (read-only).
    #[serde(default)]
    pub seen: u64,
    /// Requests it affected so far (read-only).
    #[serde(default)]
    pub fired: u64,
}

impl FaultRule {
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::Status => match self.status {
                Some(s) if (400..=599).contains(&s) => Ok(()),
                Some(s) => Err(format!("status {s} must be between 400 and 599")),
                None => Err("kind \"status\" needs a \"status\"".into()),
            },
            FaultKind::Latency if self.latency_ms.is_none() => {
                Err("kind \"latency\" needs \"latency_ms\"".into())
            }
            _ => Ok(()),
        }
    }

    fn matches(&self, method: &str, path: &str, route: &str) -> bool {
        if self
            .method
            .as_ref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        match &self.path {
            None => true,
            Some(p) => match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => p == path || p == route,
            },
        }
    }
}

/// The active rules, in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
}

impl Faults {
    /// Finds the fault for this request. Every matching rule counts the request as seen; the first
    /// rule that is past its `after` and still has `times` left fires.
    pub fn take(&mut self, method: &str, path: &str, route: &str) -> Option<FaultRule> {
        let mut fired = None;
        for rule in &mut self.rules {
            if !rule.matches(method, path, route) {
                continue;
            }
            rule.seen += 1;
            let eligible = rule.seen > rule.after && rule.times.is_none_or(|t| rule.fired < t);
            if eligible && fired.is_none() {
                rule.fired += 1;
                fired = Some(rule.clone());
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str, times: Option<u64>, after: u64) -> FaultRule {
        FaultRule {
            method: Some("POST".into()),
            path: Some(path.into()),
            kind: FaultKind::Drop,
            status: None,
            retry_after: None,
            latency_ms: None,
            times,
            after,
            seen: 0,
            fired: 0,
        }
    }

    #[test]
    fn after_and_times() {
        let mut f = Faults {
            rules: vec![rule("/v2/droplets", Some(2), 1)],
        };
        let hits: Vec<bool> = (0..5)
            .map(|_| f.take("POST", "/v2/droplets", "/v2/droplets").is_some())
            .collect();
        assert_eq!(hits, vec![false, true, true, false, false]);
        assert!(f.take("GET", "/v2/droplets", "/v2/droplets").is_none());
    }

    #[test]
    fn path_forms() {
        let cases: &[(&str, &str, &str, bool)] = &[
            (
                "/v2/droplets/{id}",
                "/v2/droplets/5",
                "/v2/droplets/{id}",
                true,
            ),
            (
                "/v2/droplets/5",
                "/v2/droplets/5",
                "/v2/droplets/{id}",
                true,
            ),
            (
                "/v2/droplets/6",
                "/v2/droplets/5",
                "/v2/droplets/{id}",
                false,
            ),
            ("/v2/*", "/v2/account", "/v2/account", true),
        ];
        for (p, path, route, want) in cases {
            let mut f = Faults {
                rules: vec![rule(p, None, 0)],
            };
            assert_eq!(
                f.take("POST", path, route).is_some(),
                *want,
                "{p} vs {path}"
            );
        }
    }

    #[test]
    fn validation() {
        let mut r = rule("/x", None, 0);
        r.kind = FaultKind::Status;
        assert!(r.validate().is_err());
        r.status = Some(503);
        assert!(r.validate().is_ok());
    }
}
