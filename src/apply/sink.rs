//! Where an apply's progress and dispatched actions go: the CLI renders and records them, tests collect them.

use serde::Serialize;

use crate::provider::DropletAction;

/// Where progress goes.
pub trait Progress {
    fn update(&mut self, droplet_name: &str, state: &str);
}

/// What is done to one droplet: a step of the apply, or an action sent for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Create,
    Delete,
    Replace,
    Retag,
    /// Taking a hand-tagged droplet under management (its hash tags written).
    Adopt,
    /// Several in-place changes to one droplet.
    Update,
    Resize,
    PowerOff,
    PowerOn,
    EnableBackups,
    DisableBackups,
    EnableIpv6,
    /// Waiting for a droplet an earlier, interrupted apply created.
    Wait,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Create => "create",
            ActionKind::Delete => "delete",
            ActionKind::Replace => "replace",
            ActionKind::Retag => "retag",
            ActionKind::Adopt => "adopt",
            ActionKind::Update => "update",
            ActionKind::Resize => "resize",
            ActionKind::PowerOff => "power_off",
            ActionKind::PowerOn => "power_on",
            ActionKind::EnableBackups => "enable_backups",
            ActionKind::DisableBackups => "disable_backups",
            ActionKind::EnableIpv6 => "enable_ipv6",
            ActionKind::Wait => "wait",
        }
    }

    /// The kind of a droplet action request.
    pub fn of(action: &DropletAction) -> ActionKind {
        match action {
            DropletAction::PowerOff => ActionKind::PowerOff,
            DropletAction::PowerOn => ActionKind::PowerOn,
            DropletAction::Resize { .. } => ActionKind::Resize,
            DropletAction::EnableBackups => ActionKind::EnableBackups,
            DropletAction::DisableBackups => ActionKind::DisableBackups,
            DropletAction::EnableIpv6 => ActionKind::EnableIpv6,
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a recorded action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished<'a> {
    /// With DigitalOcean's action id when known, and the droplet id (a create learns it only now).
    Done {
        do_action: Option<u64>,
        droplet_id: Option<u64>,
    },
    Failed {
        droplet_id: Option<u64>,
        error: &'a str,
    },
}

/// Where dispatched actions are recorded (`apply --db`): `pending` before the call, then `finish`.
pub trait ActionSink {
    /// Records an action about to be sent; the row to finish, when one was written.
    fn pending(
        &mut self,
        droplet_name: &str,
        droplet_id: Option<u64>,
        action: ActionKind,
    ) -> Option<i64>;

    fn finish(&mut self, row: Option<i64>, outcome: Finished<'_>);

    /// Recording failures, reported after the apply (they never stop it half-way).
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A sink that records nothing.
pub struct NoActions;

impl ActionSink for NoActions {
    fn pending(&mut self, _: &str, _: Option<u64>, _: ActionKind) -> Option<i64> {
        None
    }
    fn finish(&mut self, _: Option<i64>, _: Finished<'_>) {}
}
