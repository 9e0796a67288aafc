//! Saved plans (`plan --out`): read back, and refused when the config or the live state moved since.

use std::path::Path;

use crate::plan::Plan;
use crate::plan::model::FORMAT_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read the saved plan {path}: {message}")]
    Read { path: String, message: String },
    #[error("the saved plan {path} is for environment `{saved}`, not `{current}`")]
    WrongEnv {
        path: String,
        saved: String,
        current: String,
    },
    #[error(
        "the saved plan {path} is stale: {what} changed since it was made (fingerprint {saved} -> {now}); run `stagecraft plan --out {path}` again and review it. What moved:\n{diff}"
    )]
    Stale {
        path: String,
        what: &'static str,
        saved: String,
        now: String,
        diff: String,
    },
    #[error(
        "the saved plan {path} no longer matches what applying now would do (a droplet's state moved since, e.g. it was powered off); run `stagecraft plan --out {path}` again and review it. What moved:\n{diff}"
    )]
    Changed { path: String, diff: String },
}

pub fn load(path: &Path) -> Result<Plan, SavedPlanError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SavedPlanError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| SavedPlanError::Read {
        path: shown.clone(),
        message: format!("not a stagecraft plan: {e}"),
    })?;
    if plan.format_version != FORMAT_VERSION {
        return Err(SavedPlanError::Read {
            path: shown,
            message: format!(
                "plan format {} is not the supported format {FORMAT_VERSION}",
                plan.format_version
            ),
        });
    }
    Ok(plan)
}

/// The saved plan still describes what applying now would do.
pub fn check_current(path: &Path, saved: &Plan, now: &Plan) -> Result<(), SavedPlanError> {
    let shown = path.display().to_string();
    if saved.env != now.env {
        return Err(SavedPlanError::WrongEnv {
            path: shown,
            saved: saved.env.clone(),
            current: now.env.clone(),
        });
    }
    if saved.live_fingerprint != now.live_fingerprint {
        return Err(SavedPlanError::Stale {
            path: shown,
            what: "the live droplets",
            saved: saved.live_fingerprint.clone(),
            now: now.live_fingerprint.clone(),
            diff: diff(saved, now),
        });
    }
    if saved.config_fingerprint != now.config_fingerprint {
        return Err(SavedPlanError::Stale {
            path: shown,
            what: "the config",
            saved: saved.config_fingerprint.clone(),
            now: now.config_fingerprint.clone(),
            diff: diff(saved, now),
        });
    }
    // The fingerprints leave out what moves on its own (status, addresses); the approved actions must
    // still be exactly what would be done.
    let actions = |p: &Plan| {
        (
            p.to_create.clone(),
            p.to_delete.clone(),
            p.to_update.clone(),
            p.to_replace.clone(),
            p.to_adopt.clone(),
            p.network.clone(),
        )
    };
    if actions(saved) != actions(now) {
        return Err(SavedPlanError::Changed {
            path: shown,
            diff: diff(saved, now),
        });
    }
    Ok(())
}

/// The saved plan against the plan now, as a unified diff of their JSON, so the user can decide.
fn diff(saved: &Plan, now: &Plan) -> String {
    let json = |p: &Plan| serde_json::to_string_pretty(p).unwrap_or_default() + "\n";
    let (saved, now) = (json(saved), json(now));
    similar::TextDiff::from_lines(&saved, &now)
        .unified_diff()
        .context_radius(2)
        .header("saved plan", "plan now")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{Change, Cost, Effect, Entry};

    fn plan(update: Vec<Change>) -> Plan {
        Plan {
            format_version: FORMAT_VERSION,
            env: "staging".into(),
            to_create: vec![],
            to_delete: vec![],
            to_update: vec![Entry {
                name: "app-1".into(),
                droplet_name: "staging-app-1".into(),
                role: "app".into(),
                size: "s-1vcpu-1gb".into(),
                region: "nyc1".into(),
                image: "ubuntu-22-04-x64".into(),
                droplet_id: Some(7),
                changes: update,
                protected: false,
                duplicate_of: None,
            }],
            to_replace: vec![],
            to_adopt: vec![],
            unchanged: vec![],
            network: vec![],
            cost: Cost::default(),
            live_fingerprint: "l".into(),
            config_fingerprint: "c".into(),
        }
    }

    #[test]
    fn a_saved_plan_must_still_do_exactly_what_was_approved() {
        let tags = Change {
            field: "tags".into(),
            from: "a".into(),
            to: "b".into(),
            effect: Effect::InPlace,
        };
        let power = Change {
            field: "power".into(),
            from: "off".into(),
            to: "on".into(),
            effect: Effect::InPlace,
        };
        let path = Path::new("plan.json");
        let saved = plan(vec![tags.clone()]);
        assert!(check_current(path, &saved, &plan(vec![tags.clone()])).is_ok());
        let err = check_current(path, &saved, &plan(vec![tags, power])).unwrap_err();
        assert!(matches!(err, SavedPlanError::Changed { .. }), "{err}");
        // The message shows what moved.
        let text = err.to_string();
        assert!(
            text.contains("--- saved plan") && text.contains("+++ plan now"),
            "{text}"
        );
        assert!(text.contains("+          \"field\": \"power\""), "{text}");
    }
}
