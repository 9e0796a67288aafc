//! The networking keys of `stagecraft.yml` (`project`, `firewalls`, `dns`; a host's `reserved_ip` is in
//! `model.rs`) as serde and schema types. Their offline checks are in `network_check.rs`;
//! `crate::network` turns them into what an env wants.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The project the env's droplets and DNS domain are assigned to; created when missing, never deleted.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProjectSettings {
    /// The project's name; `{env}` stands for the environment (e.g. `shop {env}`).
    #[schemars(length(min = 1, max = 175))]
    pub name: String,
    /// What the project is for (default `Web Application`); DigitalOcean stores other values as `Other: …`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub description: Option<String>,
}

/// A cloud firewall, named `{env}-{key}` (`{name}-{env}-{key}` with a config `name:`), applied by tag to
/// the env's hosts of `roles`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FirewallSettings {
    /// The roles of the env's hosts it applies to; `all` for every host.
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inbound: Vec<InboundRule>,
    /// `all` (the default: every protocol and port to anywhere) or a list of rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "outbound_schema")]
    pub outbound: Option<Outbound>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InboundRule {
    pub protocol: Protocol,
    /// `"22"`, `"8000-9000"` or `all`; not for icmp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "ports_schema")]
    pub ports: Option<Ports>,
    /// Addresses or CIDRs (IPv4 or IPv6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<String>>,
    /// The env's hosts of these roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_roles: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OutboundRule {
    pub protocol: Protocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "ports_schema")]
    pub ports: Option<Ports>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_roles: Option<Vec<String>>,
}

#[derive(
    Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
    }
}

/// A port, a range or `all`, written as a number or a string.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Ports {
    Number(u64),
    Text(String),
}

impl Ports {
    pub fn text(&self) -> String {
        match self {
            Ports::Number(n) => n.to_string(),
            Ports::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Outbound {
    /// The word `all`.
    All(String),
    Rules(Vec<OutboundRule>),
}

fn ports_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "A port (`22`), a range (`8000-9000`) or `all`.",
        "type": ["integer", "string"],
        "pattern": "^(all|[0-9]+(-[0-9]+)?)$"
    })
}

fn outbound_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let rule = generator.subschema_for::<OutboundRule>();
    schemars::json_schema!({
        "description": "`all` (every protocol and port to anywhere) or a list of rules.",
        "anyOf": [{"type": "string", "enum": ["all"]}, {"type": "array", "items": rule}]
    })
}

/// An A record (and AAAA with IPv6) per host in `domain`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DnsSettings {
    /// A domain the account already has.
    pub domain: String,
    /// The record name relative to the domain: `{host}`, `{env}` and `{role}` are filled in (default
    /// `{host}.{env}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Seconds (default 300; DigitalOcean's minimum is 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 30, max = 2147483647))]
    pub ttl: Option<u32>,
}

pub use super::network_check::check;

pub const DEFAULT_RECORD_NAME: &str = "{host}.{env}";
pub const DEFAULT_TTL: u32 = 300;
/// The product documentation's limits per firewall.
pub const MAX_FIREWALL_TAGS: usize = 5;
pub const MAX_FIREWALL_RULES: usize = 50;
