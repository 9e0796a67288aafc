//! Renders a plan: a Terraform-like listing for people, or JSON for machines.

use console::Style;

use crate::ownership::is_stagecraft_tag;
use crate::ownership::names::{NAME_TAG_PREFIX, PROTECT_TAG};
use crate::plan::model::{NetAction, NetEntry};
use crate::plan::{Effect, Entry, Plan};

/// The plan as text, sorted and byte-identical for the same plan. stagecraft's own tags (env, role, the
/// hashes) show only with `verbose`: people read the tags they set.
pub fn render_text(plan: &Plan, color: bool, verbose: bool) -> String {
    let paint = |style: Style, text: &str| {
        if color {
            style.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    };
    let green = || Style::new().green();
    let red = || Style::new().red();
    let yellow = || Style::new().yellow();
    let mut out = String::new();
    if !plan.has_changes() {
        out.push_str(&format!(
            "No changes. Environment `{}` matches the config ({} droplet{}).\n",
            plan.env,
            plan.unchanged.len(),
            if plan.unchanged.len() == 1 { "" } else { "s" }
        ));
        return out;
    }
    out.push_str(&format!(
        "stagecraft will make these changes in environment `{}`:\n\n",
        plan.env
    ));
    let mut rows: Vec<(String, String, &Entry, &str)> = Vec::new();
    for e in &plan.to_create {
        rows.push((e.droplet_name.clone(), paint(green(), "  + "), e, "create"));
    }
    for e in &plan.to_update {
        rows.push((
            e.droplet_name.clone(),
            paint(yellow(), "  ~ "),
            e,
            "update in place",
        ));
    }
    for e in &plan.to_adopt {
        rows.push((e.droplet_name.clone(), paint(yellow(), "  ~ "), e, "adopt"));
    }
    for e in &plan.to_replace {
        rows.push((
            e.droplet_name.clone(),
            paint(yellow(), "-/+ "),
            e,
            "replace",
        ));
    }
    for e in &plan.to_delete {
        rows.push((e.droplet_name.clone(), paint(red(), "  - "), e, "destroy"));
    }
    rows.sort_by(|a, b| crate::natural::cmp(&a.0, &b.0));
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (name, sign, entry, action) in rows {
        let blocked = match (entry.protected, entry.duplicate_of) {
            (true, _) => paint(red(), "  (blocked: the droplet is protected)"),
            (false, Some(keep)) => format!("  (duplicate of {keep})"),
            (false, None) => String::new(),
        };
        out.push_str(&format!("{sign}{name:<width$}  {action}{blocked}\n"));
        match action {
            "create" => out.push_str(&format!(
                "      role={} size={} region={} image={}\n",
                entry.role, entry.size, entry.region, entry.image
            )),
            "destroy" => out.push_str(&format!(
                "      id={} size={} region={}\n",
                entry.droplet_id.unwrap_or_default(),
                entry.size,
                entry.region
            )),
            _ => {
                out.push_str(&format!(
                    "      id={}\n",
                    entry.droplet_id.unwrap_or_default()
                ));
                let replacing = action == "replace";
                for change in &entry.changes {
                    if change.field == "tags" {
                        out.push_str(&tag_line(&change.from, &change.to, replacing, verbose));
                        continue;
                    }
                    let how = match (change.effect, change.field.as_str()) {
                        (Effect::Replace, _) => "  (forces replacement)",
                        (Effect::NewDropletsOnly, _) => "  (applies to new droplets only)",
                        // A replacement makes the new droplet right; nothing is done in place.
                        (Effect::InPlace, _) if replacing => "",
                        (Effect::InPlace, "size") => "  (power off, resize, power on)",
                        (Effect::InPlace, "power") => "  (power on)",
                        (Effect::InPlace, _) => "  (in place)",
                    };
                    out.push_str(&format!(
                        "      {}: {} -> {}{how}\n",
                        change.field, change.from, change.to
                    ));
                }
                if action == "adopt" {
                    out.push_str(
                        "      note: tagged into the env by hand; user data and SSH keys cannot be seen on a droplet, so they are not compared: their hashes are recorded now\n",
                    );
                }
            }
        }
    }
    if !plan.network.is_empty() {
        if !plan.has_droplet_changes() {
            // Only networking changes: the droplets line says they are fine.
            out.push_str(&format!(
                "  droplets: {} as desired\n",
                plan.unchanged.len()
            ));
        }
        out.push_str(&network_lines(&plan.network, &paint));
    }
    out.push('\n');
    out.push_str(&summary_line(plan));
    out.push('\n');
    out
}

/// The networking entries, one line each (kind, name, action) and a line of detail, in the plan's order.
fn network_lines(entries: &[NetEntry], paint: &dyn Fn(Style, &str) -> String) -> String {
    let width = entries
        .iter()
        .map(|e| e.kind.as_str().len() + 1 + e.name.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let sign = match e.action {
            NetAction::Create | NetAction::Assign => paint(Style::new().green(), "  + "),
            NetAction::Update | NetAction::Move => paint(Style::new().yellow(), "  ~ "),
            NetAction::Delete => paint(Style::new().red(), "  - "),
        };
        let label = format!("{} {}", e.kind.as_str(), e.name);
        out.push_str(&format!("{sign}{label:<width$}  {}\n", e.action.as_str()));
        let id =
            e.id.as_ref()
                .map(|i| format!("id={i} "))
                .unwrap_or_default();
        if !(id.is_empty() && e.detail.is_empty()) {
            out.push_str(&format!("      {id}{}\n", e.detail).replace(" \n", "\n"));
        }
    }
    out
}

/// A `tags` change: `from` holds the tags to remove, `to` those to add. A change of stagecraft's own tags
/// alone is one short line unless `verbose`.
fn tag_line(from: &str, to: &str, replacing: bool, verbose: bool) -> String {
    // The protect and name tags stand for the config's own keys (`protect:`, `name:`): always shown.
    let shown = |t: &&str| {
        verbose || !is_stagecraft_tag(t) || *t == PROTECT_TAG || t.starts_with(NAME_TAG_PREFIX)
    };
    let edits: Vec<String> = (from.split_whitespace().filter(shown))
        .map(|t| format!("-{t}"))
        .chain(to.split_whitespace().filter(shown).map(|t| format!("+{t}")))
        .collect();
    let how = if replacing { "" } else { "  (tagged in place)" };
    match edits.is_empty() {
        true if replacing => String::new(),
        true => "      stagecraft's own tags updated in place (-v shows them)\n".to_string(),
        false => format!("      tags: {}{how}\n", edits.join(" ")),
    }
}

pub fn summary_line(plan: &Plan) -> String {
    let c = &plan.cost;
    let sign = if c.delta_monthly_usd < 0.0 { "-" } else { "+" };
    // Adoptions and blocked entries are rare: counted only when there are some.
    let adopt = match plan.to_adopt.len() {
        0 => String::new(),
        n => format!(", {n} to adopt"),
    };
    let blocked = match plan.blocked().len() {
        0 => String::new(),
        n => format!(" {n} blocked by protection."),
    };
    let network = match plan.network.len() {
        0 => String::new(),
        n => format!(" {n} networking change{}.", if n == 1 { "" } else { "s" }),
    };
    format!(
        "Plan: {} to create, {} to update{adopt}, {} to replace, {} to destroy.{blocked}{network} Monthly cost: ${:.2} -> ${:.2} ({sign}${:.2}).",
        plan.to_create.len(),
        plan.to_update.len(),
        plan.to_replace.len(),
        plan.to_delete.len(),
        c.current_monthly_usd,
        c.planned_monthly_usd,
        c.delta_monthly_usd.abs()
    )
}

/// Why nothing is applied while a protected droplet would be deleted or replaced.
pub fn render_blocked(plan: &Plan, verb: &str) -> Option<String> {
    let blocked = plan.blocked();
    if blocked.is_empty() {
        return None;
    }
    let mut text = format!(
        "refusing to {verb} `{}`: {} protected droplet{} would be deleted or replaced, and nothing was sent:",
        plan.env,
        blocked.len(),
        if blocked.len() == 1 { "" } else { "s" }
    );
    for e in blocked {
        let what = if plan
            .to_replace
            .iter()
            .any(|r| r.droplet_name == e.droplet_name)
        {
            "replace"
        } else {
            "delete"
        };
        text.push_str(&format!(
            "\n  {} (id {}): {what}",
            e.droplet_name,
            e.droplet_id.unwrap_or_default()
        ));
    }
    text.push_str("\nTo let it go: set `protect: false` on the host (add the host back if it left the config), apply that change alone (it removes the stagecraft:protect tag), then apply or destroy.");
    Some(text)
}

/// The plan as pretty JSON (keys in a fixed order), newline-terminated.
pub fn render_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).expect("a plan is plain data");
    text.push('\n');
    text
}
