//! The shape of `stagecraft.yml`, as serde and JSON Schema types (the schema file is generated from these).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::readiness::{MaxReplacing, Ready};

/// A `stagecraft.yml` file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "stagecraft.yml")]
pub struct ConfigFile {
    /// The project's name (like `name:` in a compose file): its droplets carry `stagecraft:name:<name>`,
    /// so several configs can share one account and one env name without touching each other's droplets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-zA-Z0-9_\-]+$"), length(max = 100))]
    pub name: Option<String>,
    /// The environment used when neither `--env` nor `STAGECRAFT_ENV` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_env: Option<String>,
    pub cloud: Cloud,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cloud {
    /// The provider in use; only `digitalocean` exists today.
    pub provider: ProviderName,
    pub providers: Providers,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProviderName {
    Digitalocean,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Providers {
    pub digitalocean: DigitalOcean,
}

/// Settings of the DigitalOcean provider, with defaults for every host.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [{"required": ["ssh_key_name"]}, {"required": ["ssh_keys"]}]))]
pub struct DigitalOcean {
    /// NAME of the environment variable that holds the API token (never the token itself).
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub token_env: String,
    /// Name of an SSH key that exists in the account; it is installed on every new droplet. Give this,
    /// `ssh_keys`, or both (their union is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key_name: Option<String>,
    /// Names of SSH keys that exist in the account, all installed on every new droplet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_keys: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_size: Option<String>,
    /// Image slug or id used when a host names none (default `ubuntu-22-04-x64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_image: Option<String>,
    /// Allow-list of region slugs hosts may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// Allow-list of size slugs hosts may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Vec<String>>,
    /// API base URL (default `https://api.digitalocean.com`); HTTPS unless loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    // Defaults for every host; a host's own value wins. (Spelled out rather than
    // `#[serde(flatten)]`, which serde cannot combine with `deny_unknown_fields`.)
    /// Extra tags (pattern `^[a-zA-Z0-9_\-:]+$`); stagecraft adds its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Cloud-init user data, inline (at most 64 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    /// Cloud-init user data read from a file, relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backups: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    /// What a change of a setting the API cannot show back does to an existing droplet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_change: Option<OnChange>,
    /// Never delete or replace this droplet (a `stagecraft:protect` tag, honoured even after the host
    /// leaves the config). Set `false` and apply to lift it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<bool>,
    /// When a new droplet counts as ready (default: the API's `active` with an address); a host's own
    /// `ready:` keys win.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<Ready>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply: Option<ApplySettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecSettings>,
    /// The request budget shared by every request of a command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// The project each env's droplets and DNS domain are assigned to (docs/networking.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<super::network::ProjectSettings>,
    /// Cloud firewalls per env, by key: `firewalls.<key>` is the firewall `{env}-<key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firewalls: Option<BTreeMap<String, super::network::FirewallSettings>>,
    /// An A record (and AAAA with IPv6) per host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<super::network::DnsSettings>,
    /// Hosts per environment: `hosts.<env>.<host>`.
    pub hosts: BTreeMap<String, BTreeMap<String, Host>>,
}

/// One host, or with `count` a numbered group of hosts (`app` with count 3 is `app-1..app-3`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Host {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub count: Option<u32>,
    /// Extra tags (pattern `^[a-zA-Z0-9_\-:]+$`); stagecraft adds its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Cloud-init user data, inline (at most 64 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    /// Cloud-init user data read from a file, relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backups: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    /// What a change of a setting the API cannot show back does to an existing droplet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_change: Option<OnChange>,
    /// Never delete or replace this droplet (a `stagecraft:protect` tag, honoured even after the host
    /// leaves the config). Set `false` and apply to lift it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<bool>,
    /// A reserved IP the account already holds, in the host's region: assigned to its droplet, and moved
    /// to a replacement once it is ready. Never created or deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$"))]
    pub reserved_ip: Option<String>,
    /// When this host's new droplet counts as ready; its keys win over the provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<Ready>,
}

/// What a changed setting that the API cannot show back does to an existing droplet.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OnChange {
    /// Changed user data: `replace` the droplet (the default, as cloud-init runs only at first boot) or
    /// `ignore` the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<ChangePolicy>,
    /// Changed SSH keys: `ignore` (the default: keys only take effect on new droplets, and the recorded
    /// hash is updated in place) or `replace` the droplet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_keys: Option<ChangePolicy>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ChangePolicy {
    Replace,
    Ignore,
}

/// How `exec` reaches a host.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Ssh {
    /// Remote user (default `root`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Remote port (default 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Private key file, relative to the config file or `~/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<String>,
}

/// Timings of `apply` and `destroy`, as durations: a number and a unit, e.g. `500ms`, `1.5s`, `10m`, `1h`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplySettings {
    /// How often to list pending droplets (default `5s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$"))]
    pub poll_interval: Option<String>,
    /// How long to wait for droplets to become ready (default `10m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$"))]
    pub timeout: Option<String>,
    /// How long to wait for deletions (default `10m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$"))]
    pub delete_timeout: Option<String>,
    /// Grow the disk on resize too. Irreversible: the droplet can never be sized down again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize_disk: Option<bool>,
    /// How many replacements are in flight at once (a number, or a percentage of the env's hosts);
    /// the next batch starts when the previous one is ready and its old droplets are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::readiness::max_replacing_schema")]
    pub max_replacing: Option<MaxReplacing>,
}

/// How `exec`, `ssh` and `inventory` reach hosts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecSettings {
    /// How long a shared SSH connection stays open after its last command (default `60s`); `0` turns
    /// connection sharing off, so every run connects afresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "persist_schema")]
    pub control_persist: Option<PersistValue>,
}

/// A duration written as `60s`, `10m`, or as bare seconds (`0`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PersistValue {
    Seconds(u64),
    Text(String),
}

impl PersistValue {
    pub fn to_duration(&self) -> Result<std::time::Duration, String> {
        match self {
            PersistValue::Seconds(n) => Ok(std::time::Duration::from_secs(*n)),
            PersistValue::Text(t) if t.trim().chars().all(|c| c.is_ascii_digit()) => t
                .trim()
                .parse()
                .map(std::time::Duration::from_secs)
                .map_err(|_| format!("`{t}` is not a duration such as 0, 30s or 10m")),
            PersistValue::Text(t) => crate::clock::parse_duration(t).map_err(|e| e.to_string()),
        }
    }
}

// Written by hand: YAML reads `0` as a number and `60s` as a string, and both mean a duration.
fn persist_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "How long a shared SSH connection stays open after its last command (default `60s`); `0` turns connection sharing off.",
        "type": ["integer", "string"],
        "minimum": 0,
        "pattern": "^[0-9]+(s|m|h)?$"
    })
}

/// How many requests go out at once and per minute (`STAGECRAFT_MAX_IN_FLIGHT` overrides `max_in_flight`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// Requests in flight at once (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 64))]
    pub max_in_flight: Option<u32>,
    /// Requests per rolling minute (default 240, under DigitalOcean's 250 for accounts with other limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100000))]
    pub per_minute: Option<u32>,
}

/// Guard rails checked by `plan` before anything is sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_droplets: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_monthly_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_tags: Option<Vec<String>>,
}

impl DigitalOcean {
    /// Every SSH key named by `ssh_key_name` and `ssh_keys`, sorted, without duplicates.
    pub fn key_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .ssh_key_name
            .iter()
            .chain(self.ssh_keys.iter().flatten())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The JSON Schema of `stagecraft.yml`, as checked in at `schemas/stagecraft.schema.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).expect("a schema is plain JSON")
}
