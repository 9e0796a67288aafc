//! When a host counts as ready (`ready:`, on the provider or per host) and how many replacements may be in
//! flight at once (`apply.max_replacing`): their config shapes and how they resolve.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The default `ready.timeout`: cloud-init on a fresh droplet (package upgrades, a container pull) can take
/// many minutes.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What must hold before a new droplet counts as ready; without it, the API's `active` with an address.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Ready {
    /// Log in over SSH and run a command whose output comes back (a login banner is not ready).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<bool>,
    /// Then wait for cloud-init to finish (`cloud-init status --wait`); implies `ssh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_init: Option<bool>,
    /// How long a droplet may take to become ready, from its creation (default `15m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$"))]
    pub timeout: Option<String>,
}

/// `ready:` resolved for one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyCheck {
    pub ssh: bool,
    pub cloud_init: bool,
    pub timeout: Duration,
}

impl Default for ReadyCheck {
    fn default() -> Self {
        ReadyCheck {
            ssh: false,
            cloud_init: false,
            timeout: DEFAULT_READY_TIMEOUT,
        }
    }
}

impl ReadyCheck {
    /// True when readiness needs more than the API's word: a probe over SSH.
    pub fn probes(&self) -> bool {
        self.ssh || self.cloud_init
    }
}

/// A problem with `ready:`: which key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyProblem {
    pub key: &'static str,
    pub message: String,
}

/// A host's own `ready:` keys win over the provider's, one key at a time.
pub fn resolve(provider: Option<&Ready>, host: Option<&Ready>) -> Result<ReadyCheck, ReadyProblem> {
    let pick = |f: fn(&Ready) -> Option<bool>| host.and_then(f).or_else(|| provider.and_then(f));
    let ssh = pick(|r| r.ssh);
    let cloud_init = pick(|r| r.cloud_init).unwrap_or(false);
    if cloud_init && ssh == Some(false) {
        return Err(ReadyProblem {
            key: "ssh",
            message: "ready.cloud_init is checked over SSH, so it needs ready.ssh: drop `ssh: false`, or set `cloud_init: false`".into(),
        });
    }
    let timeout = match host
        .and_then(|r| r.timeout.as_ref())
        .or_else(|| provider.and_then(|r| r.timeout.as_ref()))
    {
        Some(text) => {
            super::rules::wait_duration("ready.timeout", text).map_err(|message| ReadyProblem {
                key: "timeout",
                message,
            })?
        }
        None => DEFAULT_READY_TIMEOUT,
    };
    Ok(ReadyCheck {
        ssh: ssh.unwrap_or(false) || cloud_init,
        cloud_init,
        timeout,
    })
}

/// `apply.max_replacing`: a number of hosts, or a percentage of the env's (`25%`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum MaxReplacing {
    Count(u32),
    Text(String),
}

impl MaxReplacing {
    /// How many replacements may be in flight in an env of `hosts` hosts; at least one.
    pub fn limit(&self, hosts: usize) -> Result<usize, String> {
        match self {
            MaxReplacing::Count(0) => Err(zero()),
            MaxReplacing::Count(n) => Ok(*n as usize),
            MaxReplacing::Text(text) => {
                let t = text.trim();
                if let Some(percent) = t.strip_suffix('%') {
                    let p: u32 = percent
                        .trim()
                        .parse()
                        .ok()
                        .filter(|p| (1..=100).contains(p))
                        .ok_or_else(|| {
                            format!(
                                "apply.max_replacing `{text}` is not a percentage from 1% to 100%"
                            )
                        })?;
                    // Rounded up, so that a small env still replaces at least one host at a time.
                    Ok((hosts * p as usize).div_ceil(100).max(1))
                } else {
                    match t.parse::<u32>() {
                        Ok(0) => Err(zero()),
                        Ok(n) => Ok(n as usize),
                        Err(_) => Err(format!(
                            "apply.max_replacing `{text}` is neither a number of hosts (2) nor a percentage of the env (25%)"
                        )),
                    }
                }
            }
        }
    }
}

fn zero() -> String {
    "apply.max_replacing is 0; it must be at least 1 (leave it out to replace all at once)".into()
}

// Written by hand: YAML reads `2` as a number and `25%` as a string, and both are valid.
pub(super) fn max_replacing_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "How many replacements are in flight at once: a number of hosts, or a percentage of the env's hosts (`25%`, rounded up). Default: all at once.",
        "type": ["integer", "string"],
        "minimum": 1,
        "pattern": "^[0-9]+%?$"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(ssh: Option<bool>, cloud_init: Option<bool>, timeout: Option<&str>) -> Ready {
        Ready {
            ssh,
            cloud_init,
            timeout: timeout.map(str::to_string),
        }
    }

    #[test]
    fn resolution_rules() {
        let m = Duration::from_secs(60);
        type Want = Result<(bool, bool, Duration), &'static str>;
        let cases: Vec<(Option<Ready>, Option<Ready>, Want)> = vec![
            (None, None, Ok((false, false, DEFAULT_READY_TIMEOUT))),
            (
                Some(ready(Some(true), None, None)),
                None,
                Ok((true, false, DEFAULT_READY_TIMEOUT)),
            ),
            // cloud_init implies ssh.
            (
                Some(ready(None, Some(true), Some("1m"))),
                None,
                Ok((true, true, m)),
            ),
            // A host's key wins, one key at a time.
            (
                Some(ready(None, Some(true), Some("1m"))),
                Some(ready(None, Some(false), None)),
                Ok((false, false, m)),
            ),
            (
                Some(ready(Some(true), None, None)),
                Some(ready(None, None, Some("30s"))),
                Ok((true, false, Duration::from_secs(30))),
            ),
            (None, Some(ready(Some(false), Some(true), None)), Err("ssh")),
            (Some(ready(None, None, Some("0s"))), None, Err("timeout")),
            (Some(ready(None, None, Some("2d"))), None, Err("timeout")),
        ];
        for (provider, host, want) in cases {
            let got = resolve(provider.as_ref(), host.as_ref());
            match (got, want) {
                (Ok(c), Ok((ssh, ci, t))) => {
                    assert_eq!(
                        (c.ssh, c.cloud_init, c.timeout),
                        (ssh, ci, t),
                        "{provider:?} {host:?}"
                    )
                }
                (Err(p), Err(key)) => assert_eq!(p.key, key, "{}", p.message),
                (got, want) => panic!("{provider:?} {host:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn max_replacing_limits() {
        let text = |s: &str| MaxReplacing::Text(s.into());
        for (value, hosts, want) in [
            (MaxReplacing::Count(1), 10, Ok(1)),
            (MaxReplacing::Count(3), 2, Ok(3)),
            (text("2"), 10, Ok(2)),
            (text("25%"), 10, Ok(3)),
            (text("25%"), 1, Ok(1)),
            (text("100%"), 7, Ok(7)),
            (text("1%"), 0, Ok(1)),
            (MaxReplacing::Count(0), 10, Err(())),
            (text("0"), 10, Err(())),
            (text("0%"), 10, Err(())),
            (text("101%"), 10, Err(())),
            (text("half"), 10, Err(())),
        ] {
            assert_eq!(
                value.limit(hosts).map_err(|_| ()),
                want,
                "{value:?} of {hosts}"
            );
        }
    }
}
