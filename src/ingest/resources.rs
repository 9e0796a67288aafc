//! The DigitalOcean collections ingest copies, and the typed columns of their tables.

mod lenient;
mod row;

use std::borrow::Cow;

use super::error::IngestError;
use crate::provider::Collection;

/// One ingestable collection. The order of [`Resource::ALL`] is the order of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Droplets,
    Databases,
    Firewalls,
    Vpcs,
    LoadBalancers,
    Domains,
}

/// The SQL type of a typed column, which decides how a value is bound on each backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Text,
    Bool,
    /// JSON text: `jsonb` on PostgreSQL, `TEXT` on SQLite.
    Json,
    /// A resource's raw JSON, kept as the exact text the API sent: `json` on PostgreSQL (which stores the
    /// text as given, where `jsonb` would re-encode it), `TEXT` on SQLite.
    Raw,
    /// RFC 3339 text: `timestamptz` on PostgreSQL, `TEXT` on SQLite.
    Time,
}

/// A typed value written into a row; text borrows from the page it was read from where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
    Bool(Option<bool>),
    /// JSON text, exactly as the page holds it.
    Json(Option<Cow<'a, str>>),
    /// RFC 3339 text (only well-formed times get here).
    Time(Option<Cow<'a, str>>),
}

/// One row for a `do_*` table: the key, the typed columns (in [`Resource::columns`] order) and the raw
/// JSON. One `Row` is reused for every item of a page, so reading a row allocates nothing of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub do_id: SqlValue<'a>,
    pub values: Vec<SqlValue<'a>>,
    pub raw: Cow<'a, str>,
}

impl Resource {
    pub const ALL: [Resource; 6] = [
        Resource::Droplets,
        Resource::Databases,
        Resource::Firewalls,
        Resource::Vpcs,
        Resource::LoadBalancers,
        Resource::Domains,
    ];

    /// The name used on the command line, in summaries and in `ops.run_events.resource`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Droplets => "droplets",
            Resource::Databases => "databases",
            Resource::Firewalls => "firewalls",
            Resource::Vpcs => "vpcs",
            Resource::LoadBalancers => "load_balancers",
            Resource::Domains => "domains",
        }
    }

    /// Parses one `--resources` item (`load-balancers` is accepted for `load_balancers`).
    pub fn parse(text: &str) -> Result<Resource, IngestError> {
        let wanted = text.trim().to_ascii_lowercase().replace('-', "_");
        Resource::ALL
            .into_iter()
            .find(|r| r.name() == wanted)
            .ok_or_else(|| IngestError::UnknownResource {
                given: text.to_string(),
                valid: Resource::ALL
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The API collection it is read from.
    pub fn collection(self) -> Collection {
        match self {
            Resource::Droplets => Collection::Droplets,
            Resource::Databases => Collection::Databases,
            Resource::Firewalls => Collection::Firewalls,
            Resource::Vpcs => Collection::Vpcs,
            Resource::LoadBalancers => Collection::LoadBalancers,
            Resource::Domains => Collection::Domains,
        }
    }

    /// The table, schema included (`ops` on both backends: SQLite attaches its file as `ops`).
    pub fn table(self) -> &'static str {
        match self {
            Resource::Droplets => "ops.do_droplets",
            Resource::Databases => "ops.do_databases",
            Resource::Firewalls => "ops.do_firewalls",
            Resource::Vpcs => "ops.do_vpcs",
            Resource::LoadBalancers => "ops.do_load_balancers",
            Resource::Domains => "ops.do_domains",
        }
    }

    /// The type of `do_id`: droplet ids are integers, the others uuids (domains: the domain name).
    pub fn id_type(self) -> ColType {
        match self {
            Resource::Droplets => ColType::Int,
            _ => ColType::Text,
        }
    }

    /// The typed columns between `do_id` and `raw`, in table order (see docs/ingest.md).
    pub fn columns(self) -> &'static [(&'static str, ColType)] {
        use ColType::*;
        match self {
            Resource::Droplets => &[
                ("name", Text),
                ("status", Text),
                ("region", Text),
                ("size_slug", Text),
                ("vcpus", Int),
                ("memory_mb", Int),
                ("disk_gb", Int),
                ("image", Text),
                ("vpc_uuid", Text),
                ("public_ipv4", Text),
                ("private_ipv4", Text),
                ("tags", Json),
                ("created_at", Time),
            ],
            Resource::Databases => &[
                ("name", Text),
                ("engine", Text),
                ("version", Text),
                ("status", Text),
                ("region", Text),
                ("size", Text),
                ("num_nodes", Int),
                ("storage_size_mib", Int),
                ("private_network_uuid", Text),
                ("tags", Json),
                ("created_at", Time),
            ],
            Resource::Firewalls => &[
                ("name", Text),
                ("status", Text),
                ("droplet_ids", Json),
                ("tags", Json),
                ("inbound_rule_count", Int),
                ("outbound_rule_count", Int),
                ("created_at", Time),
            ],
            Resource::Vpcs => &[
                ("urn", Text),
                ("name", Text),
                ("description", Text),
                ("region", Text),
                ("ip_range", Text),
                ("is_default", Bool),
                ("created_at", Time),
            ],
            Resource::LoadBalancers => &[
                ("name", Text),
                ("ip", Text),
                ("status", Text),
                ("region", Text),
                ("size_unit", Int),
                ("droplet_ids", Json),
                ("vpc_uuid", Text),
                ("created_at", Time),
            ],
            Resource::Domains => &[("name", Text), ("ttl", Int)],
        }
    }
}

impl SqlValue<'_> {
    /// The same value, owning its text (for the rare row read from a copy: see `Resource::read_row`).
    pub fn into_owned(self) -> SqlValue<'static> {
        let own = |v: Option<Cow<'_, str>>| v.map(|s| Cow::Owned(s.into_owned()));
        match self {
            SqlValue::Int(v) => SqlValue::Int(v),
            SqlValue::Bool(v) => SqlValue::Bool(v),
            SqlValue::Text(v) => SqlValue::Text(own(v)),
            SqlValue::Json(v) => SqlValue::Json(own(v)),
            SqlValue::Time(v) => SqlValue::Time(own(v)),
        }
    }

    /// Text-like values as `&str` (binding and COPY treat text, JSON and times alike).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SqlValue::Text(v) | SqlValue::Json(v) | SqlValue::Time(v) => v.as_deref(),
            SqlValue::Int(_) | SqlValue::Bool(_) => None,
        }
    }
}

impl Row<'_> {
    /// An empty row, ready for `Resource::read_row`.
    pub fn new() -> Self {
        Row {
            do_id: SqlValue::Int(None),
            values: Vec::with_capacity(16),
            raw: Cow::Borrowed(""),
        }
    }
}

impl Default for Row<'_> {
    fn default() -> Self {
        Row::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resource_names() {
        assert_eq!(
            Resource::parse("load-balancers").unwrap(),
            Resource::LoadBalancers
        );
        let e = Resource::parse("kubernetes").unwrap_err().to_string();
        assert!(e.contains("droplets, databases"), "{e}");
    }
}
