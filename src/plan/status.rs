//! `status` as data: each host against its droplet, with the names that are held by someone else or
//! by more than one droplet flagged rather than hidden. Pure; the listings come from the caller.

use serde::Serialize;

use crate::config::DesiredHost;
use crate::ownership::{Belongs, Scope};
use crate::provider::Droplet;

#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub host: String,
    pub droplet_name: String,
    pub desired_size: String,
    pub live_size: Option<String>,
    /// The droplet's status, `missing`, `conflict` or `duplicate`.
    pub status: String,
    pub droplet_id: Option<u64>,
    pub public_ipv4: Option<String>,
    pub private_ipv4: Option<String>,
    /// How the readiness probe found the host, when its `ready:` asks for one (filled in by `status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// Why the row needs a person's attention (a conflict or duplicates), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl StatusRow {
    pub fn needs_attention(&self) -> bool {
        self.problem.is_some()
    }
}

/// One row per desired host, then one per droplet of ours the config no longer has. `others`: droplets
/// of the env that belong to another config; `unmanaged`: droplets outside the env with desired names.
pub fn rows(
    scope: &Scope,
    desired: &[DesiredHost],
    ours: &[Droplet],
    others: &[Droplet],
    unmanaged: &[Droplet],
) -> Vec<StatusRow> {
    let mut rows: Vec<StatusRow> = desired
        .iter()
        .map(|h| {
            let mut found: Vec<&Droplet> = ours.iter().filter(|d| d.name == h.droplet_name).collect();
            found.sort_by_key(|d| d.id);
            let mut row = row(&h.name, &h.droplet_name, &h.size, found.first().copied());
            if found.len() > 1 {
                row.status = "duplicate".into();
                row.problem = Some(format!(
                    "{} droplets have this name (ids {}); the next apply keeps the oldest and deletes the others",
                    found.len(),
                    ids(&found)
                ));
            } else if found.is_empty() {
                row.problem = holder(scope, &h.droplet_name, others, unmanaged);
                if row.problem.is_some() {
                    row.status = "conflict".into();
                }
            }
            row
        })
        .collect();
    for d in ours
        .iter()
        .filter(|d| !desired.iter().any(|h| h.droplet_name == d.name))
    {
        rows.push(row("", &d.name, "(not in config)", Some(d)));
    }
    rows.sort_by(|a, b| crate::natural::cmp(&a.droplet_name, &b.droplet_name));
    rows
}

fn row(host: &str, droplet_name: &str, desired_size: &str, d: Option<&Droplet>) -> StatusRow {
    StatusRow {
        host: host.to_string(),
        droplet_name: droplet_name.to_string(),
        desired_size: desired_size.to_string(),
        live_size: d.map(|d| d.size_slug.clone()),
        status: d.map_or_else(|| "missing".into(), |d| d.status.to_string()),
        droplet_id: d.map(|d| d.id),
        public_ipv4: d.and_then(|d| d.public_ipv4().map(str::to_string)),
        private_ipv4: d.and_then(|d| d.private_ipv4().map(str::to_string)),
        ready: None,
        problem: None,
    }
}

/// Who holds a name this config wants, if not this config.
fn holder(scope: &Scope, name: &str, others: &[Droplet], unmanaged: &[Droplet]) -> Option<String> {
    let named = |d: &&Droplet| d.name.eq_ignore_ascii_case(name);
    if let Some(d) = others.iter().find(named)
        && let Belongs::OtherConfig(config) = scope.belongs(d)
    {
        return Some(format!(
            "droplet {} holds this name but belongs to another config, `{config}`",
            d.id
        ));
    }
    let unmanaged: Vec<&Droplet> = unmanaged.iter().filter(named).collect();
    (!unmanaged.is_empty()).then(|| {
        format!(
            "an unmanaged droplet holds this name (id {}); apply cannot create it (see `stagecraft adopt`)",
            ids(&unmanaged)
        )
    })
}

fn ids(droplets: &[&Droplet]) -> String {
    droplets
        .iter()
        .map(|d| d.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
