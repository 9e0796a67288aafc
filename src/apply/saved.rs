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
        "the saved plan {path} is stale: {what} changed since it was made (fingerprint {saved} -> {now}); run `stagecraft plan --out {path}` again and review it"
    )]
    Stale {
        path: String,
        what: &'static str,
        saved: String,
        now: String,
    },
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
        });
    }
    if saved.config_fingerprint != now.config_fingerprint {
        return Err(SavedPlanError::Stale {
            path: shown,
            what: "the config",
            saved: saved.config_fingerprint.clone(),
            now: now.config_fingerprint.clone(),
        });
    }
    Ok(())
}
