//! Renders `status --account`: what the account holds, section by section, then the name conflicts; or
//! the same as JSON (documented in docs/inventory.md).

use serde_json::{Value, json};

use crate::account::{AccountView, Warning};

/// The version of the `--json` document; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

fn warning_text(w: &Warning) -> String {
    let ids = |ids: &[u64]| {
        ids.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match w {
        Warning::HoldsDesiredName {
            droplet_name,
            ids: list,
            env,
            host,
        } => format!(
            "droplet `{droplet_name}` (id {}) is not managed in env `{env}` but holds the name host `{host}` wants; apply will not touch it (adopt it, or rename or delete it yourself)",
            ids(list)
        ),
        Warning::DuplicateName { name, ids: list } => format!(
            "{} droplets are named `{name}` (ids {}); tools that go by name cannot tell them apart",
            list.len(),
            ids(list)
        ),
    }
}

fn section(out: &mut String, title: &str, lines: Vec<String>) {
    out.push_str(&format!("\n{title} ({}):\n", lines.len()));
    if lines.is_empty() {
        out.push_str("  (none)\n");
    }
    for line in lines {
        out.push_str(&format!("  {line}\n"));
    }
}

pub fn render_text(view: &AccountView) -> String {
    let mut out = format!("Droplets: {} in the account\n", view.droplet_total);
    for g in &view.groups {
        let config = g.config.as_deref().unwrap_or("(unnamed config)");
        out.push_str(&format!(
            "  managed    {config:<18} env {:<12} {:>4}  {}\n",
            g.env,
            g.droplets.len(),
            g.droplets.join(", ")
        ));
    }
    let u = &view.unmanaged;
    let more = u.count.saturating_sub(u.first.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let names = if u.first.is_empty() {
        String::new()
    } else {
        format!("  {}{tail}", u.first.join(", "))
    };
    out.push_str(&format!("  unmanaged  {:>4}{names}\n", u.count));
    let domains = view
        .domains
        .iter()
        .map(|d| format!("{}  {} records", d.name, d.records))
        .collect();
    section(&mut out, "Domains", domains);
    let projects = view
        .projects
        .iter()
        .map(|p| {
            let mut line = p.name.clone();
            if let Some(env) = &p.environment {
                line.push_str(&format!("  {env}"));
            }
            if p.is_default {
                line.push_str("  (default)");
            }
            line
        })
        .collect();
    section(&mut out, "Projects", projects);
    let firewalls = view
        .firewalls
        .iter()
        .map(|f| {
            let droplets = f.droplet_ids.as_ref().map_or(0, Vec::len);
            let tags = f.tags.clone().unwrap_or_default();
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!(", tags {}", tags.join(" "))
            };
            format!(
                "{}  {}, {droplets} droplets{tags}",
                f.name,
                f.status.as_deref().unwrap_or("-")
            )
        })
        .collect();
    section(&mut out, "Firewalls", firewalls);
    let vpcs = view
        .vpcs
        .iter()
        .map(|v| {
            format!(
                "{}  {} {}{}",
                v.name,
                v.region.as_deref().unwrap_or("-"),
                v.ip_range.as_deref().unwrap_or("-"),
                if v.default { "  (default)" } else { "" }
            )
        })
        .collect();
    section(&mut out, "VPCs", vpcs);
    let ips = view
        .reserved_ips
        .iter()
        .map(|r| {
            let region = r.region.as_ref().map_or("-", |r| r.slug.as_str());
            match &r.droplet {
                Some(d) => format!("{}  {region} -> {} (id {})", r.ip, d.name, d.id),
                None => format!("{}  {region}, unassigned", r.ip),
            }
        })
        .collect();
    section(&mut out, "Reserved IPs", ips);
    let namespaces = view
        .functions_namespaces
        .iter()
        .map(|n| format!("{}  {} {}", n.label, n.region, n.namespace))
        .collect();
    section(&mut out, "Functions namespaces", namespaces);
    if !view.warnings.is_empty() {
        out.push_str(&format!("\nWarnings ({}):\n", view.warnings.len()));
        for w in &view.warnings {
            out.push_str(&format!("  ! {}\n", warning_text(w)));
        }
    }
    out
}

pub fn render_json(view: &AccountView) -> String {
    let warnings: Vec<Value> = view
        .warnings
        .iter()
        .map(|w| match w {
            Warning::HoldsDesiredName {
                droplet_name,
                ids,
                env,
                host,
            } => json!({"kind": "holds_desired_name", "droplet_name": droplet_name, "ids": ids,
                        "env": env, "host": host, "message": warning_text(w)}),
            Warning::DuplicateName { name, ids } => json!({"kind": "duplicate_name",
                        "droplet_name": name, "ids": ids, "message": warning_text(w)}),
        })
        .collect();
    let doc = json!({
        "format_version": FORMAT_VERSION,
        "droplets": {
            "total": view.droplet_total,
            "managed": view.groups.iter().map(|g| json!({
                "config": g.config, "env": g.env, "count": g.droplets.len(), "names": g.droplets,
            })).collect::<Vec<_>>(),
            "unmanaged": {"count": view.unmanaged.count, "first": view.unmanaged.first},
        },
        "domains": view.domains.iter().map(|d| json!({"name": d.name, "records": d.records})).collect::<Vec<_>>(),
        "projects": view.projects.iter().map(|p| json!({
            "id": p.id, "name": p.name, "environment": p.environment, "purpose": p.purpose, "is_default": p.is_default,
        })).collect::<Vec<_>>(),
        "firewalls": view.firewalls.iter().map(|f| json!({
            "id": f.id, "name": f.name, "status": f.status,
            "droplet_ids": f.droplet_ids.clone().unwrap_or_default(), "tags": f.tags.clone().unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "vpcs": view.vpcs.iter().map(|v| json!({
            "id": v.id, "name": v.name, "region": v.region, "ip_range": v.ip_range, "default": v.default,
        })).collect::<Vec<_>>(),
        "reserved_ips": view.reserved_ips.iter().map(|r| json!({
            "ip": r.ip, "region": r.region.as_ref().map(|r| r.slug.clone()),
            "droplet_id": r.droplet.as_ref().map(|d| d.id), "droplet_name": r.droplet.as_ref().map(|d| d.name.clone()),
        })).collect::<Vec<_>>(),
        "functions_namespaces": view.functions_namespaces.iter().map(|n| json!({
            "namespace": n.namespace, "label": n.label, "region": n.region,
        })).collect::<Vec<_>>(),
        "warnings": warnings,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("plain data");
    text.push('\n');
    text
}
